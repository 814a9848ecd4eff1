package actors

import (
	"context"
	"errors"
	"hash/fnv"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// Deliverer hands a notice of a committed transaction (its graph ID and
// stream sequence) to its graph's grain, wherever it lives. The cluster
// client implements it.
type Deliverer interface {
	Deliver(ctx context.Context, tx *messages.Transaction) (*messages.DeliverReply, error)
}

// GraphDirectory records the graphs that have transactions (natsjs.Directory).
type GraphDirectory interface {
	Add(ctx context.Context, graphID string) error
}

// IngressConfig wires the ingress.
type IngressConfig struct {
	Subscriber  store.Subscriber
	DeadLetters store.DeadLetterer
	Grains      Deliverer
	// Directory, if set, learns of every graph from its first
	// transaction, before the message is acknowledged.
	Directory GraphDirectory
	// Marks, if set, are the read marks of this member's grains: a notice
	// a local grain has read past is acknowledged without a request.
	Marks *ReadMarks
	// Durable names the JetStream consumer; members using the same name
	// share the log between them.
	Durable string
	// Owner, if set, says which of the log's partitions (of n) this
	// ingress reads (cluster.Member.OwnedPartitions); nil: every one. It
	// is asked every OwnerCheck, and the readers of partitions start and
	// stop to follow it. Two members reading one partition for a moment
	// is safe: they share its durable consumer, and grains skip what they
	// have read.
	Owner      func(n int) []int
	OwnerCheck time.Duration
	// Workers is how many graphs may have a delivery in flight at once.
	// A graph always maps to the same worker, which keeps its order.
	Workers int
	// RetryDelay is how long a message whose delivery failed waits before
	// the log delivers it again.
	RetryDelay time.Duration
	// DeliverTimeout bounds one delivery to a grain.
	DeliverTimeout time.Duration
	Logger         *slog.Logger
	Metrics        *metrics.Metrics
}

func (c *IngressConfig) setDefaults() {
	if c.Workers <= 0 {
		c.Workers = 8
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = time.Second
	}
	if c.DeliverTimeout <= 0 {
		c.DeliverTimeout = 30 * time.Second
	}
	if c.OwnerCheck <= 0 {
		c.OwnerCheck = time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewIngressProps returns the props of the ingress actor: it reads the log
// through durable headers-only consumers (one per partition), routes each
// message's notice (graph, sequence) to its grain through a worker child
// and acknowledges the message only after the grain has read the log past
// it. Messages that can never apply (a subject that names no graph of its
// partition) go to the dead-letter stream, so they never block the log.
func NewIngressProps(cfg IngressConfig) *actor.Props {
	cfg.setDefaults()
	return actor.PropsFromProducer(func() actor.Actor {
		return &ingress{cfg: cfg}
	})
}

// arrived is a message the reader passes to the actor.
type arrived struct{ m store.Message }

// delivery is one notice for a worker, with the message that carries it.
type delivery struct {
	tx *messages.Transaction
	m  store.Message
	// waited: the notice waited once for the append of a local grain that
	// was in flight when it came (see ReadMarks).
	waited bool
}

// markWait is how long a notice waits for a local grain's append in
// flight to finish, before the worker asks the grain: the server may send
// the notice before the append's ack, and most often it is that append's.
const markWait = 2 * time.Millisecond

type ingress struct {
	cfg     IngressConfig
	workers []*actor.PID
	cancel  context.CancelFunc
	running sync.WaitGroup
}

func (in *ingress) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		in.start(ctx)
	case arrived:
		in.arrive(ctx, m.m)
	case *actor.Stopping:
		in.stop()
	}
}

func (in *ingress) start(ctx actor.Context) {
	for i := 0; i < in.cfg.Workers; i++ {
		props := actor.PropsFromProducer(func() actor.Actor { return &ingressWorker{cfg: &in.cfg} })
		in.workers = append(in.workers, ctx.Spawn(props))
	}
	runCtx, cancel := context.WithCancel(context.Background())
	in.cancel = cancel
	self, root := ctx.Self(), ctx.ActorSystem().Root
	in.running.Add(1)
	go in.own(runCtx, root, self)
}

// own runs a reader for each partition this ingress owns, and follows
// the owner's answer as members come and go.
func (in *ingress) own(ctx context.Context, root *actor.RootContext, self *actor.PID) {
	defer in.running.Done()
	n := in.cfg.Subscriber.Partitions()
	type reader struct {
		cancel context.CancelFunc
		done   chan struct{}
	}
	readers := map[int]reader{}
	defer func() {
		for _, r := range readers {
			r.cancel()
			<-r.done
		}
	}()
	tick := time.NewTicker(in.cfg.OwnerCheck)
	defer tick.Stop()
	for {
		owned := make(map[int]bool, n)
		if in.cfg.Owner == nil {
			for p := range n {
				owned[p] = true
			}
		} else {
			for _, p := range in.cfg.Owner(n) {
				owned[p] = true
			}
		}
		changed := false
		for p, r := range readers {
			if !owned[p] {
				r.cancel()
				<-r.done
				delete(readers, p)
				changed = true
			}
		}
		for p := range owned {
			if _, ok := readers[p]; !ok {
				rctx, cancel := context.WithCancel(ctx)
				r := reader{cancel: cancel, done: make(chan struct{})}
				readers[p], changed = r, true
				go func() {
					defer close(r.done)
					in.read(rctx, root, self, p)
				}()
			}
		}
		if changed {
			ps := make([]int, 0, len(readers))
			for p := range readers {
				ps = append(ps, p)
			}
			slices.Sort(ps)
			in.cfg.Metrics.IngressReads(len(ps))
			in.cfg.Logger.Info("ingress reads its partitions", slog.Any("partitions", ps), slog.Int("of", n))
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// read pulls the messages of partition p from the log and sends them to
// the actor. JetStream's max ack pending bounds how much is in flight.
func (in *ingress) read(ctx context.Context, root *actor.RootContext, self *actor.PID, p int) {
	log := in.cfg.Logger.With(slog.Int("partition", p))
	var sub store.Subscription
	for sub == nil {
		s, err := in.cfg.Subscriber.Subscribe(ctx, in.cfg.Durable, []int{p})
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Error("ingress cannot subscribe to the log; retrying", slog.Any(keyError, err))
			sleep(ctx, in.cfg.RetryDelay)
			continue
		}
		sub = s
	}
	defer sub.Stop()
	for {
		m, err := sub.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			log.Warn("ingress read failed; retrying", slog.Any(keyError, err))
			sleep(ctx, in.cfg.RetryDelay)
			continue
		}
		root.Send(self, arrived{m})
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (in *ingress) stop() {
	if in.cancel != nil {
		in.cancel()
		in.running.Wait()
	}
}

func (in *ingress) arrive(ctx actor.Context, m store.Message) {
	graphID, err := m.GraphID()
	if err != nil {
		in.deadLetter(m, err)
		return
	}
	h := fnv.New32a()
	h.Write([]byte(graphID))
	tx := &messages.Transaction{GraphId: graphID, Sequence: m.Sequence()}
	ctx.Send(in.workers[h.Sum32()%uint32(len(in.workers))], delivery{tx: tx, m: m})
}

func (in *ingress) deadLetter(m store.Message, cause error) {
	log := in.cfg.Logger.With(slog.String(keySubject, m.Subject()), slog.Uint64(keySequence, m.Sequence()))
	ctx, cancel := context.WithTimeout(context.Background(), in.cfg.DeliverTimeout)
	defer cancel()
	if err := in.cfg.DeadLetters.DeadLetter(ctx, m, cause.Error()); err != nil {
		log.Error("dead letter could not be stored; the message will be delivered again", slog.Any(keyError, err))
		_ = m.Nak(in.cfg.RetryDelay)
		return
	}
	if err := m.Term(); err != nil {
		log.Warn("dead-lettered message could not be terminated", slog.Any(keyError, err))
	}
	in.cfg.Metrics.DeadLetter()
	log.Warn("message moved to the dead-letter stream", slog.String(keyReason, cause.Error()))
}

// ingressWorker delivers the notices of its graphs one at a time, in log
// order, and acknowledges their messages once the grain has read past them.
type ingressWorker struct {
	cfg *IngressConfig
}

func (w *ingressWorker) Receive(ctx actor.Context) {
	d, ok := ctx.Message().(delivery)
	if !ok {
		return
	}
	tx := d.tx
	if !w.listed(d) {
		return
	}
	read, writing := w.cfg.Marks.Read(tx.GetGraphId(), tx.GetSequence())
	switch {
	case read:
		// A grain of this member has read it (most often: wrote it).
		if err := d.m.Ack(context.Background()); err != nil {
			w.cfg.Logger.Debug("ack failed", slog.String(keyGraph, tx.GetGraphId()), slog.Any(keyError, err))
		}
		return
	case writing && !d.waited:
		d.waited = true
		root, self := ctx.ActorSystem().Root, ctx.Self()
		time.AfterFunc(markWait, func() { root.Send(self, d) })
		return
	}
	log := w.cfg.Logger.With(slog.String(keyGraph, tx.GetGraphId()), slog.Uint64(keySequence, tx.GetSequence()))
	dctx, cancel := context.WithTimeout(context.Background(), w.cfg.DeliverTimeout)
	defer cancel()
	reply, err := w.cfg.Grains.Deliver(dctx, tx)
	if err == nil {
		err = replay.ErrorFromReply(reply.GetError())
	}
	if err != nil {
		log.Warn("delivery to the graph failed; the log will deliver it again", slog.Any(keyError, err))
		_ = d.m.Nak(w.cfg.RetryDelay)
		return
	}
	if err := d.m.Ack(dctx); err != nil && !errors.Is(err, context.Canceled) {
		// The grain has the transaction; a redelivery is skipped as a
		// duplicate, so a lost ack costs only a little work.
		log.Debug("ack failed", slog.Any(keyError, err))
	}
}

// listed adds the graph of a first transaction to the directory; when
// that fails it asks for the message again later and reports false.
func (w *ingressWorker) listed(d delivery) bool {
	if w.cfg.Directory == nil || d.waited || !d.m.First() {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), w.cfg.DeliverTimeout)
	defer cancel()
	if err := w.cfg.Directory.Add(ctx, d.tx.GetGraphId()); err != nil {
		w.cfg.Logger.Warn("graph not added to the directory; the log will deliver its first transaction again",
			slog.String(keyGraph, d.tx.GetGraphId()), slog.Any(keyError, err))
		_ = d.m.Nak(w.cfg.RetryDelay)
		return false
	}
	return true
}
