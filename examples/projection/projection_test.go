package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func nodeAdded(id, typ string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: typ}}}
}

func edgeAdded(id, typ, src, dst string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: id, EdgeType: typ, SourceId: src, TargetId: dst}}}
}

func nodeRemoved(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}}
}

func edgeRemoved(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: id}}}
}

// expected is what a graph's view must be: the counts and degrees of its
// nodes ({id, type}) and edges ({id, type, source, target}) as a state
// shows them, counted here directly rather than by following changes.
func expected(graphID string, version uint64, nodes [][2]string, edges [][4]string) GraphView {
	v := GraphView{Graph: graphID, Version: version, NodesByType: map[string]int{}, EdgesByType: map[string]int{}, Degrees: map[string]Degree{}}
	for _, n := range nodes {
		v.NodesByType[n[1]]++
		v.Degrees[n[0]] = Degree{}
	}
	for _, e := range edges {
		v.EdgesByType[e[1]]++
		s, t := v.Degrees[e[2]], v.Degrees[e[3]]
		s.Out++
		v.Degrees[e[2]] = s
		t = v.Degrees[e[3]] // a self-loop: the same node
		t.In++
		v.Degrees[e[3]] = t
	}
	return v
}

// sameView reports how got differs from want (sequences aside).
func sameView(got *GraphView, want GraphView) error {
	if got == nil {
		return fmt.Errorf("graph %s: no view, want version %d", want.Graph, want.Version)
	}
	if got.Version != want.Version || !maps.Equal(got.NodesByType, want.NodesByType) ||
		!maps.Equal(got.EdgesByType, want.EdgesByType) || !maps.Equal(got.Degrees, want.Degrees) {
		return fmt.Errorf("graph %s:\n got version %d, nodes %v, edges %v, degrees %v\nwant version %d, nodes %v, edges %v, degrees %v",
			want.Graph, got.Version, got.NodesByType, got.EdgesByType, got.Degrees,
			want.Version, want.NodesByType, want.EdgesByType, want.Degrees)
	}
	return nil
}

// truth folds each graph's whole log with graph.Apply and counts its
// final state.
func truth(t *testing.T, log *natsjs.Log, graphs []string) map[string]GraphView {
	t.Helper()
	out := map[string]GraphView{}
	for _, id := range graphs {
		g := graph.New(id)
		for tx, err := range log.Read(context.Background(), id, 0) {
			if err != nil {
				t.Fatal(err)
			}
			var rejected *graph.RejectedError
			if err := g.Apply(tx); err != nil && !errors.As(err, &rejected) {
				t.Fatal(err)
			}
		}
		s := g.State()
		var nodes [][2]string
		var edges [][4]string
		for _, n := range s.GetNodes() {
			nodes = append(nodes, [2]string{n.GetId(), n.GetType()})
		}
		for _, e := range s.GetEdges() {
			edges = append(edges, [4]string{e.GetId(), e.GetType(), e.GetSource(), e.GetTarget()})
		}
		out[id] = expected(id, s.GetVersion(), nodes, edges)
	}
	return out
}

// dyingKV is a bucket whose process dies after a number of writes: every
// write after them fails, as nothing is written by a process that is gone.
type dyingKV struct {
	jetstream.KeyValue
	mu   sync.Mutex
	left int
	died bool
}

func (d *dyingKV) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.left == 0 {
		d.died = true
		return 0, errors.New("the process is dead")
	}
	d.left--
	return d.KeyValue.Put(ctx, key, value)
}

func (d *dyingKV) dead() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.died
}

// running is a projection actor in an actor system of its own.
type running struct {
	system *actor.ActorSystem
	pid    *actor.PID
}

func startProjection(t *testing.T, cfg Config) *running {
	t.Helper()
	props, err := newProjection(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	system := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	return &running{system: system, pid: system.Root.Spawn(props)}
}

func (r *running) stop() {
	_ = r.system.Root.StopFuture(r.pid).Wait()
	r.system.Shutdown()
}

func (r *running) view(t *testing.T, graphID string) *GraphView {
	t.Helper()
	res, err := r.system.Root.RequestFuture(r.pid, &GetView{Graph: graphID}, 5*time.Second).Result()
	if err != nil {
		t.Fatal(err)
	}
	return res.(*GraphView)
}

// caughtUp reports whether every graph's view is at its version in want.
func (r *running) caughtUp(t *testing.T, want map[string]GraphView) bool {
	for id, w := range want {
		if v := r.view(t, id); v == nil || v.Version < w.Version {
			return false
		}
	}
	return true
}

func waitUntil(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// writeHistory appends a history with group commits, a node removal that
// takes edges with it, a self-loop and a transaction the rules refuse
// (written past the grains, straight to the log) to graphs of both
// partitions.
func writeHistory(t *testing.T, log *natsjs.Log) []string {
	t.Helper()
	ctx := context.Background()
	var graphs []string
	for i := 0; len(graphs) < 3; i++ {
		id := fmt.Sprintf("g%d", i)
		if len(graphs) == 0 || natsjs.Partition(id, 2) != natsjs.Partition(graphs[len(graphs)-1], 2) || len(graphs) == 2 {
			graphs = append(graphs, id)
		}
	}
	appendTx := func(id string, evs ...[]*messages.Event) {
		t.Helper()
		h, err := log.Head(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var txs []*messages.Transaction
		for i, e := range evs {
			txs = append(txs, &messages.Transaction{GraphId: id, TransactionId: fmt.Sprintf("%s-%d-%d", id, h.Version, i), Events: e})
		}
		if _, err := log.AppendGroup(ctx, txs, h); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range graphs {
		appendTx(id, []*messages.Event{nodeAdded("ada", "person"), nodeAdded("bob", "person"), nodeAdded("r2", "robot")})
		appendTx(id,
			[]*messages.Event{edgeAdded("e1", "knows", "ada", "bob")},
			[]*messages.Event{edgeAdded("e2", "owns", "ada", "r2")},
			[]*messages.Event{edgeAdded("e3", "knows", "bob", "bob")})
		appendTx(id, []*messages.Event{edgeAdded("e4", "knows", "r2", "bob")})
		appendTx(id, []*messages.Event{nodeRemoved("bob")})                        // takes e1, e3, e4
		appendTx(id, []*messages.Event{edgeAdded("e9", "knows", "ada", "nobody")}) // refused by the rules, keeps its version
		appendTx(id,
			[]*messages.Event{nodeAdded("cy", "person"), edgeAdded("e5", "knows", "cy", "ada")},
			[]*messages.Event{edgeRemoved("e2"), edgeAdded("e6", "owns", "cy", "r2")})
	}
	return graphs
}

// Killed after any number of its writes (views and positions) and
// started again, the projection ends with views equal to the graphs'
// states: nothing missed, nothing counted twice. Every crash point of a
// run is tried, for both ways of following.
func TestProjectionCrashAtEveryWrite(t *testing.T) {
	ctx := context.Background()
	_, _, js := natstest.Start(t)
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	graphs := writeHistory(t, log)
	want := truth(t, log, graphs)

	for _, mode := range []struct {
		name   string
		graphs []string
	}{{"all graphs by partition", nil}, {"a set of graphs", graphs[:2]}} {
		t.Run(mode.name, func(t *testing.T) {
			wanted := want
			if mode.graphs != nil {
				wanted = map[string]GraphView{}
				for _, id := range mode.graphs {
					wanted[id] = want[id]
				}
			}
			for n := 0; ; n++ {
				bucket, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: fmt.Sprintf("proj_%d_%d", len(mode.graphs), n), Storage: jetstream.MemoryStorage})
				if err != nil {
					t.Fatal(err)
				}
				cfg := Config{Log: log, Partitions: 2, Graphs: mode.graphs, MaxBatch: 2}
				dying := &dyingKV{KeyValue: bucket, left: n}
				cfg.Bucket = dying
				first := startProjection(t, cfg)
				waitUntil(t, 10*time.Second, "the first run dies or catches up", func() bool { return dying.dead() || first.caughtUp(t, wanted) })
				first.stop()
				survived := !dying.dead()

				cfg.Bucket = bucket
				again := startProjection(t, cfg)
				waitUntil(t, 10*time.Second, fmt.Sprintf("the run after a crash at write %d catches up", n), func() bool { return again.caughtUp(t, wanted) })
				for id, w := range wanted {
					if err := sameView(again.view(t, id), w); err != nil {
						t.Errorf("after a crash at write %d: %v", n, err)
					}
				}
				again.stop()
				if t.Failed() || survived {
					return
				}
			}
		})
	}
}

// A view counts a node's removal with the edges it takes, skips a
// transaction it has, and is rebuilt from its record exactly.
func TestViewRecord(t *testing.T) {
	v := newView("g")
	txs := []*messages.Transaction{
		{GraphId: "g", Events: []*messages.Event{nodeAdded("a", "x"), nodeAdded("b", "y"), edgeAdded("e", "r", "a", "b"), edgeAdded("l", "s", "a", "a")}},
		{GraphId: "g", Events: []*messages.Event{nodeRemoved("b")}},
	}
	for i, tx := range txs {
		if err := store.Stamp(tx, store.Head{Version: uint64(i), Sequence: uint64(10 * i)}); err != nil {
			t.Fatal(err)
		}
		tx.Sequence = uint64(10 * (i + 1))
		if _, err := v.apply(tx); err != nil {
			t.Fatal(err)
		}
	}
	if did, _ := v.apply(txs[0]); did {
		t.Error("a transaction the view has was applied again")
	}
	data, err := v.record()
	if err != nil {
		t.Fatal(err)
	}
	w, err := viewFromRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	want := expected("g", 2, [][2]string{{"a", "x"}}, [][4]string{{"l", "s", "a", "a"}})
	for _, x := range []*view{v, w} {
		got := x.answer()
		if err := sameView(&got, want); err != nil {
			t.Error(err)
		}
	}
}
