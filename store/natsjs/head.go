package natsjs

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// errNoAnswer: a direct get ended without a message and without the
// server's "no messages"; jetstreamext ends its iterator silently when the
// request times out, and this is how that shows.
var errNoAnswer = errors.New("no answer to the direct get request in time")

// Head returns the graph's head: the version of its newest event and that
// event's sequence, read with one direct multi-last get on the graph's
// subjects. If the newest event cannot be decoded, the error wraps
// store.ErrCorrupt (and is a *store.CorruptError).
func (l *Log) Head(ctx context.Context, graphID string) (store.Head, error) {
	h, _, err := l.LastChange(ctx, graphID)
	return h, err
}

// lastMsg returns the graph's newest message, or nil if it has none. The
// server answers with the last message of each subject matching the
// filter (at most six here, one per event type).
func (l *Log) lastMsg(ctx context.Context, graphID string) (*jetstream.RawStreamMsg, error) {
	fail := func(err error) (*jetstream.RawStreamMsg, error) {
		return nil, &Error{Op: opHead, GraphID: graphID, Err: err}
	}
	msgs, err := jetstreamext.GetLastMsgsFor(ctx, l.js, l.cfg.Stream, []string{GraphFilter(graphID)})
	if err != nil {
		return fail(translate(err))
	}
	var last *jetstream.RawStreamMsg
	answered := false
	for m, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) {
			answered = true
			break
		}
		if err != nil {
			return fail(translate(err))
		}
		answered = true
		if last == nil || m.Sequence > last.Sequence {
			last = m
		}
	}
	if !answered {
		return fail(noAnswer(ctx))
	}
	return last, nil
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

// LastChange returns the graph's head and when its newest event was
// recorded; the zero values if it has no events.
func (l *Log) LastChange(ctx context.Context, graphID string) (store.Head, time.Time, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return store.Head{}, time.Time{}, &Error{Op: opHead, GraphID: graphID, Err: err}
	}
	last, err := l.lastMsg(ctx, graphID)
	if err != nil || last == nil {
		return store.Head{}, time.Time{}, err
	}
	ev, err := decode(graphID, last.Subject, last.Sequence, last.Time, last.Data)
	if err != nil {
		return store.Head{}, time.Time{}, &Error{Op: opHead, GraphID: graphID, Err: err}
	}
	return store.Head{Version: ev.Version, Sequence: last.Sequence}, last.Time.UTC(), nil
}
