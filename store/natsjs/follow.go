package natsjs

import (
	"context"
	"errors"
	"iter"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

const opFollow = "follow"

var _ store.Follower = (*Log)(nil)

// Follow yields graph graphID's transactions after stream sequence
// afterSequence, then new ones as they are committed; see store.Follower.
// It reads with a filtered ordered consumer started at afterSequence+1,
// which the server removes when the follower goes away.
func (l *Log) Follow(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		fail := func(err error) {
			if ctx.Err() == nil {
				yield(nil, &Error{Op: opFollow, GraphID: graphID, Err: err})
			}
		}
		if err := graph.ValidateGraphID(graphID); err != nil {
			fail(err)
			return
		}
		r := l.newReader(ctx, graphID, yield)
		if err := l.readOrdered(ctx, r.stream.CachedInfo().Config.Name, r.filter, afterSequence, r.handle); err != nil {
			fail(err)
		}
	}
}

// readOrdered hands handle the messages of stream on filter stored after
// stream sequence afterSequence, in order, then new ones as they are
// stored, until handle returns false or ctx ends (both nil) or reading
// fails. It reads with an ordered consumer, which the server removes when
// the reader goes away.
func (l *Log) readOrdered(ctx context.Context, stream, filter string, afterSequence uint64,
	handle func(subject string, seq uint64, at time.Time, data []byte) bool) error {
	cons, err := l.js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{filter},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       afterSequence + 1,
		InactiveThreshold: consumerIdle,
	})
	if err != nil {
		return translate(err)
	}
	msgs, err := cons.Messages(jetstream.PullMaxMessages(consumerPull))
	if err != nil {
		return translate(err)
	}
	defer msgs.Stop()
	for {
		msg, err := msgs.Next(jetstream.NextContext(ctx))
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return nil
			}
			return translate(err)
		}
		md, err := msg.Metadata()
		if err != nil {
			return err
		}
		if !handle(msg.Subject(), md.Sequence.Stream, md.Timestamp, msg.Data()) {
			return nil
		}
	}
}
