package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

// Consumer settings of the ingress feed.
const (
	// feedMaxAckPending bounds the messages in flight to the ingress, per
	// partition, and with it the ingress's memory.
	feedMaxAckPending = 20000
	// feedPull is how many messages one pull asks for.
	feedPull = 1000
)

// Feed is the log as the ingress sees it: durable consumers over every
// graph's transactions, one per partition stream, and the dead-letter
// stream for what can never apply.
type Feed struct {
	log *Log
}

var (
	_ store.Subscriber   = (*Feed)(nil)
	_ store.DeadLetterer = (*Feed)(nil)
)

// Feed returns the ingress's view of the log.
func (l *Log) Feed() *Feed { return &Feed{log: l} }

// consumerConfig is the durable consumer of one partition stream. It is
// headers-only: the ingress learns graph and sequence from subject and
// metadata, and a grain reads a transaction's body from the log only when
// it has not read it yet, so the transactions the grains wrote themselves
// cost the ingress a few hundred bytes each.
func (f *Feed) consumerConfig(durable string, p int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       durable,
		Description:   "graphlog ingress: tells graph grains of transactions written to the log",
		FilterSubject: PartitionPrefix(p) + "*",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       f.log.cfg.AckWait,
		MaxAckPending: feedMaxAckPending,
		MaxDeliver:    -1,
		HeadersOnly:   true,
		Replicas:      f.log.cfg.Replicas,
	}
}

// Partitions is the log's partition count.
func (f *Feed) Partitions() int { return len(f.log.streams) }

// Subscribe creates or updates the durable pull consumer named durable on
// the streams of the given partitions (nil: every one) and starts pulling
// from each. Subscribers that use the same name share the messages.
func (f *Feed) Subscribe(ctx context.Context, durable string, partitions []int) (store.Subscription, error) {
	if partitions == nil {
		for p := range f.log.streams {
			partitions = append(partitions, p)
		}
	}
	s := &subscription{log: f.log, msgs: make(chan *message, feedPull), done: make(chan struct{})}
	s.running.Add(1)
	go s.keep(f.log.cfg.AckWait)
	for _, p := range partitions {
		if p < 0 || p >= len(f.log.streams) {
			return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("partition %d: the log has partitions 0 to %d", p, len(f.log.streams)-1)}
		}
		stream := f.log.streams[p]
		cons, err := f.log.js.CreateOrUpdateConsumer(ctx, stream.CachedInfo().Config.Name, f.consumerConfig(durable, p))
		if err != nil {
			s.Stop()
			return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s on stream %s: %w", durable, StreamName(f.log.cfg.Stream, p), translate(err))}
		}
		it, err := cons.Messages(jetstream.PullMaxMessages(feedPull))
		if err != nil {
			s.Stop()
			return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s on stream %s: %w", durable, StreamName(f.log.cfg.Stream, p), translate(err))}
		}
		s.cons = append(s.cons, cons)
		s.its = append(s.its, it)
		s.running.Add(1)
		go s.pull(it)
	}
	return s, nil
}

// Lag reports how many messages the durable consumers have not delivered
// yet (pending) and how many they delivered that wait for an ack, summed
// over the partitions.
func (f *Feed) Lag(ctx context.Context, durable string) (pending, ackPending uint64, err error) {
	for _, stream := range f.log.streams {
		name := stream.CachedInfo().Config.Name
		cons, err := f.log.js.Consumer(ctx, name, durable)
		if err != nil {
			return 0, 0, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s on stream %s: %w", durable, name, translate(err))}
		}
		info, err := cons.Info(ctx)
		if err != nil {
			return 0, 0, &Error{Op: opSubscribe, Err: fmt.Errorf("consumer %s on stream %s: %w", durable, name, translate(err))}
		}
		pending += info.NumPending
		ackPending += uint64(info.NumAckPending)
	}
	return pending, ackPending, nil
}

// DeadLetter keeps m, with its body read from its stream, in the
// dead-letter stream with the reason.
func (f *Feed) DeadLetter(ctx context.Context, m store.Message, reason string) error {
	var data []byte
	if dm, ok := m.(*message); ok {
		msg, err := f.log.getMsg(ctx, dm.meta.Stream, dm.Sequence())
		if err != nil {
			return &Error{Op: opDeadLetter, Err: err}
		}
		data = msg
	}
	return f.log.DeadLetter(ctx, m.Subject(), data, reason, m.Sequence())
}

// getMsg reads the body of the message at seq of stream.
func (l *Log) getMsg(ctx context.Context, stream string, seq uint64) ([]byte, error) {
	s, err := l.js.Stream(ctx, stream)
	if err != nil {
		return nil, translate(err)
	}
	m, err := s.GetMsg(ctx, seq)
	if err != nil {
		return nil, translate(err)
	}
	return m.Data, nil
}

// subscription merges the partitions' consumers: one goroutine pulls each,
// so every graph's messages (all in one partition) keep their order.
type subscription struct {
	log     *Log
	cons    []jetstream.Consumer
	its     []jetstream.MessagesContext
	msgs    chan *message
	done    chan struct{}
	stop    sync.Once
	running sync.WaitGroup

	// held lists the messages pulled and not yet acknowledged, nacked or
	// terminated, longest held first, so keep finds those whose ack wait
	// runs out without looking at the others.
	mu   sync.Mutex
	held heldList
}

// heldList is a doubly linked list threaded through the messages.
type heldList struct{ first, last *message }

func (l *heldList) push(m *message) {
	m.prev, m.next, m.listed = l.last, nil, true
	if l.last != nil {
		l.last.next = m
	} else {
		l.first = m
	}
	l.last = m
}

func (l *heldList) remove(m *message) {
	if !m.listed {
		return
	}
	if m.prev != nil {
		m.prev.next = m.next
	} else {
		l.first = m.next
	}
	if m.next != nil {
		m.next.prev = m.prev
	} else {
		l.last = m.prev
	}
	m.prev, m.next, m.listed = nil, nil, false
}

// hold records m as held from now.
func (s *subscription) hold(m *message) {
	m.since = time.Now()
	s.mu.Lock()
	s.held.push(m)
	s.mu.Unlock()
}

// release records that m is done with.
func (s *subscription) release(m *message) {
	s.mu.Lock()
	s.held.remove(m)
	s.mu.Unlock()
}

// keep tells the server, for every message held half its ack wait, that
// work on it goes on, so that the ack wait can be short: a message waits
// for it only when the member that held it died (docs/ARCHITECTURE.md,
// "Ingress: one member per partition"). A message queued behind a slow
// delivery is not delivered a second time meanwhile.
func (s *subscription) keep(ackWait time.Duration) {
	defer s.running.Done()
	tick := time.NewTicker(ackWait / 4)
	defer tick.Stop()
	for {
		select {
		case <-s.done:
			return
		case now := <-tick.C:
			var due []*message
			s.mu.Lock()
			for m := s.held.first; m != nil && now.Sub(m.since) >= ackWait/2; m = s.held.first {
				s.held.remove(m)
				m.since = now
				s.held.push(m)
				due = append(due, m)
			}
			s.mu.Unlock()
			for _, m := range due {
				_ = m.m.InProgress()
			}
		}
	}
}

func (s *subscription) pull(it jetstream.MessagesContext) {
	defer s.running.Done()
	for {
		m, err := it.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		var out *message
		if err == nil {
			var meta *jetstream.MsgMetadata
			if meta, err = m.Metadata(); err == nil {
				out = &message{m: m, meta: meta, partitions: s.log.cfg.Partitions, sub: s}
				s.hold(out)
			} else {
				err = fmt.Errorf("message on %s has no JetStream metadata: %w", m.Subject(), err)
			}
		}
		if err != nil {
			// Transient (a heartbeat missed, a reconnect): the iterator
			// goes on by itself. Pause so a lasting failure does not spin.
			select {
			case <-s.done:
				s.giveBack(it)
				return
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		select {
		case s.msgs <- out:
		case <-s.done:
			_ = out.Nak(0)
			s.giveBack(it)
			return
		}
	}
}

// giveBack hands the messages the iterator still holds back to the
// consumer (Nak, no delay) once the subscription stops, so that whoever
// reads the partition next gets them at once instead of after the ack
// wait. Stop drains the iterator, which ends its Next after them.
func (s *subscription) giveBack(it jetstream.MessagesContext) {
	for {
		m, err := it.Next()
		if err != nil {
			return
		}
		_ = m.Nak()
	}
}

func (s *subscription) Next(ctx context.Context) (store.Message, error) {
	select {
	case m := <-s.msgs:
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.done:
		return nil, &Error{Op: opSubscribe, Err: fmt.Errorf("subscription stopped")}
	}
}

func (s *subscription) Pending(ctx context.Context) (uint64, error) {
	var total uint64
	for _, c := range s.cons {
		info, err := c.Info(ctx)
		if err != nil {
			return 0, &Error{Op: opSubscribe, Err: translate(err)}
		}
		total += info.NumPending
	}
	return total, nil
}

// Stop ends the subscription. Messages pulled and not handed out by Next
// go back to the consumer for redelivery at once.
func (s *subscription) Stop() {
	s.stop.Do(func() {
		close(s.done)
		for _, it := range s.its {
			it.Drain()
		}
	})
	s.running.Wait()
	for {
		select {
		case m := <-s.msgs:
			_ = m.Nak(0)
		default:
			return
		}
	}
}

// message is one delivered notice: a graph's transaction, without its body.
type message struct {
	m          jetstream.Msg
	meta       *jetstream.MsgMetadata
	partitions int

	// sub holds the message until it is acknowledged, nacked or
	// terminated; since is when it was delivered or last kept.
	sub        *subscription
	since      time.Time
	prev, next *message
	listed     bool
}

func (m *message) Subject() string  { return m.m.Subject() }
func (m *message) Sequence() uint64 { return m.meta.Sequence.Stream }

// First: Append sends every transaction expecting its graph's last
// sequence, 0 for a graph's first; a message appended otherwise may be a
// first too.
func (m *message) First() bool {
	expected := m.m.Headers().Get(jetstream.ExpectedLastSubjSeqHeader)
	return expected == "" || expected == "0"
}

// GraphID checks that the subject names a valid graph of its partition:
// anything else can never be read by its graph.
func (m *message) GraphID() (string, error) {
	id, err := GraphIDFromSubject(m.Subject(), m.partitions)
	if err != nil {
		return "", &store.CorruptError{Subject: m.Subject(), Sequence: m.Sequence(), Err: err}
	}
	return id, nil
}

// Ack acknowledges without waiting for the server: a lost ack only means
// a redelivery, which receivers skip as a duplicate.
func (m *message) Ack(context.Context) error {
	m.sub.release(m)
	if err := m.m.Ack(); err != nil && !errors.Is(err, jetstream.ErrMsgAlreadyAckd) {
		return translate(err)
	}
	return nil
}

func (m *message) Nak(delay time.Duration) error {
	m.sub.release(m)
	return translate(m.m.NakWithDelay(delay))
}

func (m *message) Term() error {
	m.sub.release(m)
	return translate(m.m.Term())
}
