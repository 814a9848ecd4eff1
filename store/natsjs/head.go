package natsjs

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// errNoAnswer: a direct get ended without a message and without the
// server's "no messages"; jetstreamext ends its iterator silently when the
// request times out, and this is how that shows.
var errNoAnswer = errors.New("no answer to the direct get request in time")

// Head returns the graph's head: the version of its newest transaction and
// its message's sequence, read with one direct get of the last message on
// the graph's subject. If that message cannot be decoded, the error wraps
// store.ErrCorrupt (and is a *store.CorruptError).
func (l *Log) Head(ctx context.Context, graphID string) (store.Head, error) {
	h, _, err := l.LastChange(ctx, graphID)
	return h, err
}

// noAnswer explains a request that got no answer: the caller's context, or
// the connection's request timeout.
func noAnswer(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return unavailable(err)
		}
		return err
	}
	return unavailable(errNoAnswer)
}

// LastChange returns the graph's head and when its newest transaction was
// recorded; the zero values if it has none.
func (l *Log) LastChange(ctx context.Context, graphID string) (store.Head, time.Time, error) {
	fail := func(err error) (store.Head, time.Time, error) {
		return store.Head{}, time.Time{}, &Error{Op: opHead, GraphID: graphID, Err: err}
	}
	if err := graph.ValidateGraphID(graphID); err != nil {
		return fail(err)
	}
	p := Partition(graphID, l.cfg.Partitions)
	subject := PartitionPrefix(p) + graphID
	m, err := l.streams[p].GetLastMsgForSubject(ctx, subject)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return store.Head{}, time.Time{}, nil
	}
	if err != nil {
		return fail(translate(err))
	}
	txs, err := decode(graphID, m.Subject, m.Sequence, m.Time, m.Data)
	if err != nil {
		return fail(err)
	}
	last := txs[len(txs)-1]
	return store.Head{Version: last.Version, Sequence: m.Sequence}, last.RecordedAt.AsTime().UTC(), nil
}
