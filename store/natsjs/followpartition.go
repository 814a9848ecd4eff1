package natsjs

import (
	"context"
	"fmt"
	"iter"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

const opFollowPartition = "follow partition"

// FollowPartition yields the committed transactions of every graph of
// partition p, in the order of its stream, stored after stream sequence
// afterSequence (0: from the start), then new ones as they are committed,
// until ctx ends (it then ends without an error). Each has its graph,
// version, sequence and recorded time, as Read gives them; the
// transactions of one message (a group commit) come one after the other
// with the same sequence. Every graph's transactions thus come in the
// order of its versions.
//
// A message that no graph can read (its subject names no valid graph of
// the partition, as the ingress dead-letters, or its body cannot be
// decoded, as graphs' reads skip) yields an error wrapping
// store.ErrCorrupt (a *store.CorruptError with its sequence), and
// following goes on after it; any other error ends the sequence.
//
// It reads with a filtered ordered consumer started at afterSequence+1,
// which the server removes when the follower goes away; see
// docs/ARCHITECTURE.md, "Following the log".
func (l *Log) FollowPartition(ctx context.Context, p int, afterSequence uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		fail := func(err error) {
			if ctx.Err() == nil {
				yield(nil, &Error{Op: opFollowPartition, Err: err})
			}
		}
		if p < 0 || p >= len(l.streams) {
			fail(fmt.Errorf("partition %d does not exist: the log has %d (0 to %d)", p, len(l.streams), len(l.streams)-1))
			return
		}
		handle := func(subject string, seq uint64, at time.Time, data []byte) bool {
			graphID, err := GraphIDFromSubject(subject, len(l.streams))
			if err != nil {
				return yield(nil, &store.CorruptError{Subject: subject, Sequence: seq, Err: err})
			}
			txs, err := decode(graphID, subject, seq, at, data)
			if err != nil {
				return yield(nil, err)
			}
			for _, tx := range txs {
				if !yield(tx, nil) {
					return false
				}
			}
			return true
		}
		if err := l.readOrdered(ctx, l.streams[p].CachedInfo().Config.Name, PartitionPrefix(p)+"*", afterSequence, handle); err != nil {
			fail(err)
		}
	}
}
