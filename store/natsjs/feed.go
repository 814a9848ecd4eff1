package natsjs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Consumer settings of the ingress feed.
const (
	// feedAckWait is how long a delivered message may stay unacknowledged
	// before JetStream delivers it again.
	feedAckWait = 30 * time.Second
	// feedMaxAckPending bounds the messages in flight to the ingress, and
	// with it the ingress's memory.
	feedMaxAckPending = 20000
	// feedPull is how many messages one pull asks for.
	feedPull = 1000
)

// Feed is the log as the ingress sees it: durable consumers over every
// graph's events, and the dead-letter stream for what can never apply.
type Feed struct {
	log *Log
}

var (
	_ store.Subscriber   = (*Feed)(nil)
	_ store.DeadLetterer = (*Feed)(nil)
)

// Feed returns the ingress's view of the log.
func (l *Log) Feed() *Feed { return &Feed{log: l} }

// Subscribe creates or updates the durable pull consumer named durable on
// every event subject and starts pulling from it. Subscribers that use the
// same name share the messages.
func (f *Feed) Subscribe(ctx context.Context, durable string) (store.Subscription, error) {
	cons, err := f.log.js.CreateOrUpdateConsumer(ctx, f.log.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   "graphlog ingress: hands transactions to their graph grains",
		FilterSubject: EventSubjects,
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       feedAckWait,
		MaxAckPending: feedMaxAckPending,
		MaxDeliver:    -1,
		Replicas:      f.log.cfg.Replicas,
	})
	if err != nil {
		return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s: %w", durable, translate(err))}
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(feedPull))
	if err != nil {
		return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s: %w", durable, translate(err))}
	}
	return &subscription{cons: cons, it: it}, nil
}

// Lag reports how many messages the durable consumer has not delivered
// yet (pending) and how many it delivered that wait for an ack.
func (f *Feed) Lag(ctx context.Context, durable string) (pending, ackPending uint64, err error) {
	cons, err := f.log.js.Consumer(ctx, f.log.cfg.Stream, durable)
	if err != nil {
		return 0, 0, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s: %w", durable, translate(err))}
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return 0, 0, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s: %w", durable, translate(err))}
	}
	return info.NumPending, uint64(info.NumAckPending), nil
}

// DeadLetter keeps m in the dead-letter stream with the reason.
func (f *Feed) DeadLetter(ctx context.Context, m store.Message, reason string) error {
	return f.log.DeadLetter(ctx, m.Subject(), m.Data(), reason, m.Sequence())
}

type subscription struct {
	cons jetstream.Consumer
	it   jetstream.MessagesContext
}

func (s *subscription) Next(ctx context.Context) (store.Message, error) {
	m, err := s.it.Next(jetstream.NextContext(ctx))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &Error{Op: opSubscribe, Err: translate(err)}
	}
	meta, err := m.Metadata()
	if err != nil {
		return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("message on %s has no JetStream metadata: %w", m.Subject(), err)}
	}
	return &message{m: m, meta: meta}, nil
}

func (s *subscription) Pending(ctx context.Context) (uint64, error) {
	info, err := s.cons.Info(ctx)
	if err != nil {
		return 0, &Error{Op: opSubscribe, Err: translate(err)}
	}
	return info.NumPending, nil
}

func (s *subscription) Stop() { s.it.Stop() }

// message is one delivered event message.
type message struct {
	m    jetstream.Msg
	meta *jetstream.MsgMetadata
}

func (m *message) Subject() string  { return m.m.Subject() }
func (m *message) Data() []byte     { return m.m.Data() }
func (m *message) Sequence() uint64 { return m.meta.Sequence.Stream }

// Event decodes the message and checks that it belongs to the graph its
// subject names: anything else can never apply.
func (m *message) Event() (*messages.Event, error) {
	graphID, err := GraphIDFromSubject(m.Subject())
	if err != nil {
		return nil, &store.CorruptError{Subject: m.Subject(), Sequence: m.Sequence(), Err: err}
	}
	ev, err := decode(graphID, m.Subject(), m.Sequence(), m.meta.Timestamp, m.Data())
	if err != nil {
		return nil, err
	}
	if ev.GetGraphId() != graphID {
		return nil, &store.CorruptError{GraphID: graphID, Subject: m.Subject(), Sequence: m.Sequence(),
			Err: fmt.Errorf("event names graph %q but was stored on graph %q's subject", ev.GetGraphId(), graphID)}
	}
	if ev.GetVersion() == 0 || ev.GetCount() == 0 || ev.GetIndex() >= ev.GetCount() {
		return nil, &store.CorruptError{GraphID: graphID, Subject: m.Subject(), Sequence: m.Sequence(),
			Err: fmt.Errorf("event envelope is not of a committed transaction (version %d, index %d of %d)",
				ev.GetVersion(), ev.GetIndex(), ev.GetCount())}
	}
	return ev, nil
}

// Ack acknowledges without waiting for the server: a lost ack only means
// a redelivery, which receivers skip as a duplicate.
func (m *message) Ack(context.Context) error {
	if err := m.m.Ack(); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
		return translate(err)
	}
	return nil
}

func (m *message) Nak(delay time.Duration) error { return translate(m.m.NakWithDelay(delay)) }
func (m *message) Term() error                   { return translate(m.m.Term()) }
