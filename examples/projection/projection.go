package main

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/graphlog/graphlog/follow"
	"github.com/graphlog/graphlog/store"
)

// Config sets up a projection.
type Config struct {
	// Log is the log to follow (a *natsjs.Log, attached).
	Log interface {
		follow.GraphLog
		follow.PartitionLog
	}
	// Partitions is the log's partition count.
	Partitions int
	// Bucket keeps the views and the positions (see store.go).
	Bucket kv
	// Graphs are the graphs to follow, each from its own view; nil
	// follows every graph, partition by partition.
	Graphs []string
	// CheckpointEvery is how often a partition's position is written, at
	// most (0: after every batch). The views are written after every
	// batch whatever it is.
	CheckpointEvery time.Duration
	// MaxBatch bounds the transactions applied and written together.
	MaxBatch int
	Logger   *slog.Logger
}

// Queries the projection answers (actor messages).
type (
	// GetView asks for one graph's view: a GraphView, or nil if the
	// projection has seen no transaction of the graph.
	GetView struct{ Graph string }
	// GetTotals asks for the counts over every graph followed: Totals.
	GetTotals struct{}
	// GetTop asks for the N nodes of a graph of highest degree:
	// []NodeDegree.
	GetTop struct {
		Graph string
		N     int
	}
)

// Totals are the counts of every graph the projection follows.
type Totals struct {
	Graphs      int            `json:"graphs"`
	NodesByType map[string]int `json:"nodes_by_type"`
	EdgesByType map[string]int `json:"edges_by_type"`
}

// batch is transactions of one source for the projection to apply, in
// order; partition is -1 for a graph's own follower.
type batch struct {
	partition int
	txs       []follow.Transaction
}

type batchDone struct{ err error }

// projection is the actor: it owns the views, applies what its
// followers hand it, writes views then positions, and answers queries.
// Its followers run on goroutines of their own and wait for each batch
// to be applied and written before they go on, so a slow bucket slows the
// following, not the memory.
type projection struct {
	cfg        Config
	views      map[string]*view
	positions  map[int]follow.Position // from the bucket, then as written
	pending    map[int]follow.Position // applied, not yet written as a position
	unsaved    map[string]bool         // views ahead of the bucket
	written    map[int]time.Time
	stop       context.CancelFunc
	ioTimeout  time.Duration
	retryAfter time.Duration
}

// newProjection reads the projection's bucket and returns the actor's
// props: it starts following when it starts, from where the bucket says.
func newProjection(ctx context.Context, cfg Config) (*actor.Props, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 500
	}
	st, err := load(ctx, cfg.Bucket, cfg.Graphs)
	if err != nil {
		return nil, err
	}
	cfg.Logger.Info("projection loaded", slog.Int("graphs", len(st.views)), slog.Any("partitions", st.partitions))
	return actor.PropsFromProducer(func() actor.Actor {
		return &projection{cfg: cfg, views: st.views, positions: st.partitions,
			pending: map[int]follow.Position{}, unsaved: map[string]bool{}, written: map[int]time.Time{},
			ioTimeout: 10 * time.Second, retryAfter: time.Second}
	}), nil
}

func (p *projection) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Started:
		p.start(ctx.ActorSystem().Root, ctx.Self())
	case *actor.Stopping:
		// Followers waiting on a batch get a dead letter and end. The
		// positions not written yet are now: on a stop, the next start
		// reads nothing again.
		p.stop()
		ctx2, cancel := context.WithTimeout(context.Background(), p.ioTimeout)
		for part := range p.pending {
			if err := p.writePosition(ctx2, part); err != nil {
				p.cfg.Logger.Warn("position not written", slog.Int("partition", part), slog.Any("error", err))
			}
		}
		cancel()
	case *batch:
		ctx.Respond(&batchDone{err: p.apply(m)})
	case *GetView:
		if v, ok := p.views[m.Graph]; ok {
			a := v.answer()
			ctx.Respond(&a)
			return
		}
		ctx.Respond((*GraphView)(nil))
	case *GetTop:
		var out []NodeDegree
		if v, ok := p.views[m.Graph]; ok {
			out = v.top(m.N)
		}
		ctx.Respond(out)
	case *GetTotals:
		t := Totals{NodesByType: map[string]int{}, EdgesByType: map[string]int{}}
		for _, v := range p.views {
			t.Graphs++
			for k, n := range v.nodes {
				t.NodesByType[k] += n
			}
			for k, n := range v.edges {
				t.EdgesByType[k] += n
			}
		}
		ctx.Respond(&t)
	}
}

// start runs one follower per graph (each from its view's position) or
// per partition (each from the position in the bucket).
func (p *projection) start(root *actor.RootContext, self *actor.PID) {
	ctx, stop := context.WithCancel(context.Background())
	p.stop = stop
	run := func(partition int, from follow.Position, seq func(context.Context, follow.Position) func(func(follow.Transaction, error) bool)) {
		go func() {
			p.follow(ctx, root, self, partition, from, seq)
		}()
	}
	if p.cfg.Graphs != nil {
		for _, id := range p.cfg.Graphs {
			var from follow.Position
			if v, ok := p.views[id]; ok {
				from = follow.Position{Sequence: v.g.Sequence(), Version: v.g.Version()}
			}
			run(-1, from, func(ctx context.Context, from follow.Position) func(func(follow.Transaction, error) bool) {
				return follow.Graph(ctx, p.cfg.Log, id, from)
			})
		}
		return
	}
	for part := range p.cfg.Partitions {
		run(part, p.positions[part], func(ctx context.Context, from follow.Position) func(func(follow.Transaction, error) bool) {
			return follow.Partition(ctx, p.cfg.Log, part, from)
		})
	}
}

// follow hands the actor the transactions of one source in batches,
// each once the one before was applied and written. When the log or the
// bucket fails it starts again, after a pause, from the last batch
// applied.
func (p *projection) follow(ctx context.Context, root *actor.RootContext, self *actor.PID, partition int,
	from follow.Position, seq func(context.Context, follow.Position) func(func(follow.Transaction, error) bool)) {
	for ctx.Err() == nil {
		err := p.followOnce(ctx, root, self, partition, &from, seq)
		if ctx.Err() != nil {
			return
		}
		p.cfg.Logger.Warn("following stopped; starting again from the last batch applied",
			slog.Int("partition", partition), slog.Any("from", from), slog.Any("error", err))
		select {
		case <-ctx.Done():
		case <-time.After(p.retryAfter):
		}
	}
}

func (p *projection) followOnce(ctx context.Context, root *actor.RootContext, self *actor.PID, partition int,
	from *follow.Position, seq func(context.Context, follow.Position) func(func(follow.Transaction, error) bool)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	txs := make(chan follow.Transaction, p.cfg.MaxBatch)
	failed := make(chan error, 1)
	go func() {
		defer close(txs)
		for tx, err := range seq(ctx, *from) {
			if errors.Is(err, store.ErrCorrupt) {
				p.cfg.Logger.Warn("a message no graph reads, skipped", slog.Any("error", err))
				continue
			}
			if err != nil {
				failed <- err
				return
			}
			select {
			case txs <- tx:
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		tx, ok := <-txs
		if !ok {
			select {
			case err := <-failed:
				return err
			default:
				return ctx.Err()
			}
		}
		b := &batch{partition: partition, txs: []follow.Transaction{tx}}
	more:
		for len(b.txs) < p.cfg.MaxBatch {
			select {
			case tx, ok := <-txs:
				if !ok {
					break more
				}
				b.txs = append(b.txs, tx)
			default:
				break more
			}
		}
		res, err := root.RequestFuture(self, b, 2*p.ioTimeout).Result()
		if err != nil {
			return err
		}
		if err := res.(*batchDone).err; err != nil {
			return err
		}
		*from = b.txs[len(b.txs)-1].Position()
	}
}

// apply folds a batch into the views, writes the views that are ahead
// of the bucket, then, for a partition and when due, the partition's
// position (store.go says why in this order). A view that changed and
// could not be written stays unsaved, and no position is written until
// it is: a position must never pass a transaction the bucket's views lack.
func (p *projection) apply(b *batch) error {
	ctx, cancel := context.WithTimeout(context.Background(), p.ioTimeout)
	defer cancel()
	for _, tx := range b.txs {
		v, ok := p.views[tx.Graph]
		if !ok {
			v = newView(tx.Graph)
		}
		did, err := v.apply(tx.Raw)
		if err != nil {
			return err
		}
		if did {
			p.views[tx.Graph] = v
			p.unsaved[tx.Graph] = true
		}
	}
	ids := make([]string, 0, len(p.unsaved))
	for id := range p.unsaved {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if err := putView(ctx, p.cfg.Bucket, p.views[id]); err != nil {
			return err
		}
		delete(p.unsaved, id)
	}
	if b.partition < 0 {
		return nil
	}
	p.pending[b.partition] = b.txs[len(b.txs)-1].Position()
	if time.Since(p.written[b.partition]) < p.cfg.CheckpointEvery {
		return nil
	}
	return p.writePosition(ctx, b.partition)
}

// writePosition writes how far a partition's views are written.
func (p *projection) writePosition(ctx context.Context, part int) error {
	pos, ok := p.pending[part]
	if !ok || len(p.unsaved) > 0 {
		return nil
	}
	if err := putPosition(ctx, p.cfg.Bucket, part, pos); err != nil {
		return err
	}
	delete(p.pending, part)
	p.positions[part], p.written[part] = pos, time.Now()
	return nil
}
