package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

const opLocate = "locate"

// Locate returns the stream sequence of the message that holds graph
// graphID's transaction of version version (a message of a group commit
// holds several), so that a follower given only a version can start
// there. A version the graph has not reached is store.ErrNotFound.
//
// Versions grow with sequences on a graph's subject, so it is a binary
// search over the stream's sequences, each step one direct get of the
// graph's first message at or after a sequence: about log2 of the
// sequence of the graph's head, not a read of its history. An
// undecodable message counts as holding the version, which can only
// make the answer earlier; a follower skips the versions it has.
func (l *Log) Locate(ctx context.Context, graphID string, version uint64) (uint64, error) {
	fail := func(err error) (uint64, error) { return 0, &Error{Op: opLocate, GraphID: graphID, Err: err} }
	if err := graph.ValidateGraphID(graphID); err != nil {
		return fail(err)
	}
	if version == 0 {
		return fail(fmt.Errorf("%w: version 0 is before the first transaction; no message holds it", store.ErrNotFound))
	}
	head, err := l.Head(ctx, graphID)
	if err != nil {
		return 0, err
	}
	if version > head.Version {
		return fail(fmt.Errorf("%w: the graph is at version %d, not yet at %d", store.ErrNotFound, head.Version, version))
	}
	p := Partition(graphID, l.cfg.Partitions)
	stream, filter := l.streams[p].CachedInfo().Config.Name, PartitionPrefix(p)+graphID
	// The smallest x in [lo, hi] whose first message at or after it holds
	// a version at or past the one asked; found is that message.
	lo, hi, found := uint64(1), head.Sequence, head.Sequence
	buf := make([]*jetstream.RawStreamMsg, 0, 1)
	for lo < hi {
		mid := lo + (hi-lo)/2
		page, _, err := l.fetch(ctx, stream, filter, mid, 1, buf[:0])
		if err != nil {
			return fail(err)
		}
		if len(page) == 0 {
			break // the head's message lies after mid, so this cannot be; answer what is known
		}
		m := page[0]
		txs, err := decode(graphID, m.Subject, m.Sequence, m.Time, m.Data)
		if err != nil || txs[len(txs)-1].Version >= version {
			hi, found = mid, m.Sequence
		} else {
			lo = min(m.Sequence+1, hi)
		}
	}
	return found, nil
}
