package natsjs

import (
	"context"
	"errors"
	"iter"

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
		cons, err := l.js.OrderedConsumer(ctx, r.stream.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{
			FilterSubjects:    []string{r.filter},
			DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
			OptStartSeq:       afterSequence + 1,
			InactiveThreshold: consumerIdle,
		})
		if err != nil {
			fail(translate(err))
			return
		}
		msgs, err := cons.Messages(jetstream.PullMaxMessages(consumerPull))
		if err != nil {
			fail(translate(err))
			return
		}
		defer msgs.Stop()
		for {
			msg, err := msgs.Next(jetstream.NextContext(ctx))
			if err != nil {
				if ctx.Err() != nil || errors.Is(err, jetstream.ErrMsgIteratorClosed) {
					return
				}
				fail(translate(err))
				return
			}
			md, err := msg.Metadata()
			if err != nil {
				fail(err)
				return
			}
			if !r.handle(msg.Subject(), md.Sequence.Stream, md.Timestamp, msg.Data()) {
				return
			}
		}
	}
}
