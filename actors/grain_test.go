package actors_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// maxBytes is the transaction size limit of the log in TestGrain.
const maxBytes = 4096

// The graph grain, reached through the cluster client on a real member
// whose grains keep their graphs in JetStream. Each subtest uses graphs of
// its own; they share the member and the server.
func TestGrain(t *testing.T) {
	log, js := openLog(t, natsjs.Config{MaxTransactionBytes: maxBytes})
	m := metrics.New(nil)
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: m})
	cl := member.Client()
	ctx := testContext(t)

	t.Run("submit then query reads the write", func(t *testing.T) {
		const id = "rw"
		r1 := mustSubmit(t, cl, txOf(id, addNode("a"), addNode("b")))
		h := head(t, log, id)
		if h.Version != 1 || r1.GetVersion() != 1 || r1.GetSequence() != h.Sequence || r1.GetEvents() != 2 {
			t.Fatalf("first submit replied %v; log head %+v", r1, h)
		}
		s := state(t, cl, id)
		if s.GetVersion() != 1 || s.GetSequence() != h.Sequence || !slices.Equal(nodeIDs(s), []string{"a", "b"}) {
			t.Fatalf("query after the first submit: %v", s)
		}
		r2 := mustSubmit(t, cl, txOf(id, addEdge("e", "a", "b")))
		if r2.GetVersion() != 2 || r2.GetSequence() != h.Sequence+1 || r2.GetEvents() != 1 {
			t.Fatalf("second submit replied %v, want version 2 at sequence %d", r2, h.Sequence+1)
		}
		qr, err := cl.Query(ctx, id, &messages.Query{Query: &messages.Query_Edge{Edge: &messages.GetEdge{EdgeId: "e"}}})
		if err != nil {
			t.Fatal(err)
		}
		if qr.GetVersion() != 2 || qr.GetSequence() != r2.GetSequence() || qr.GetEdge().GetSource() != "a" || qr.GetEdge().GetTarget() != "b" {
			t.Fatalf("query of the new edge: %v", qr)
		}
		want, _ := foldLog(t, log, id)
		sameState(t, "grain state and fold of the log", state(t, cl, id), want.State())
	})

	t.Run("a transaction submitted again is answered as the first time", func(t *testing.T) {
		const id = "again"
		withID := func(txID string, evs ...*messages.Event) *messages.Transaction {
			tx := txOf(id, evs...)
			tx.TransactionId = txID
			return tx
		}
		first := mustSubmit(t, cl, withID("t1", addNode("a")))
		again := mustSubmit(t, cl, withID("t1", addNode("a")))
		if !proto.Equal(first, again) {
			t.Fatalf("resubmit answered %v, first answer %v", again, first)
		}
		// With an expected version that no longer holds: still the
		// first answer, not a conflict.
		if r := mustSubmit(t, cl, withExpected(withID("t1", addNode("a")), 0)); !proto.Equal(r, first) {
			t.Fatalf("resubmit with its old expected version answered %v", r)
		}
		// Committed by someone else (another activation whose answer was
		// lost): the grain learns it from the log.
		direct := withID("t2", addNode("b"))
		h := head(t, log, id)
		if _, err := log.Append(ctx, direct, h); err != nil {
			t.Fatal(err)
		}
		r := mustSubmit(t, cl, withID("t2", addNode("b")))
		if r.GetVersion() != 2 || r.GetSequence() != head(t, log, id).Sequence {
			t.Fatalf("resubmit of a transaction in the log answered %v, want version 2 at the log's head", r)
		}
		// After a new activation (no snapshots here) the log tells it too.
		if err := cl.Passivate(ctx, id); err != nil {
			t.Fatal(err)
		}
		if r := mustSubmit(t, cl, withID("t1", addNode("a"))); !proto.Equal(r, first) {
			t.Fatalf("resubmit after reactivation answered %v, first answer %v", r, first)
		}
		// The same ID with other events is refused, not applied.
		_, err := cl.Submit(ctx, withID("t1", addNode("other")))
		if !errors.Is(err, store.ErrDuplicateTransactionID) || errors.Is(err, store.ErrConflict) {
			t.Fatalf("t1 reused for other events: %v, want ErrDuplicateTransactionID", err)
		}
		txs, _ := readLog(t, log, id)
		if len(txs) != 2 {
			t.Fatalf("log holds %d transactions, want 2: a resubmit was appended again", len(txs))
		}
	})

	t.Run("expected version mismatch is a conflict and appends nothing", func(t *testing.T) {
		const id = "conflict"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		before := head(t, log, id)
		for _, expected := range []uint64{0, 2, 7} {
			_, err := cl.Submit(ctx, withExpected(txOf(id, addNode(fmt.Sprint("n", expected))), expected))
			if !errors.Is(err, store.ErrConflict) || errors.Is(err, graph.ErrRejected) {
				t.Errorf("expected_version %d on version 1: %v, want a conflict", expected, err)
			}
			if h := head(t, log, id); h != before {
				t.Errorf("expected_version %d: log head moved from %+v to %+v", expected, before, h)
			}
		}
		if r := mustSubmit(t, cl, withExpected(txOf(id, addNode("b")), 1)); r.GetVersion() != 2 {
			t.Fatalf("expected_version 1 on version 1 gave version %d, want 2", r.GetVersion())
		}
		// The log may be ahead of the grain: expected_version speaks of
		// the log, so the grain catches up before it calls a conflict.
		appendDirect(t, log, id, addNode("c"))
		if r := mustSubmit(t, cl, withExpected(txOf(id, addNode("d")), 3)); r.GetVersion() != 4 {
			t.Fatalf("expected_version 3 after a direct append gave version %d, want 4", r.GetVersion())
		}
		if s := state(t, cl, id); !slices.Equal(nodeIDs(s), []string{"a", "b", "c", "d"}) {
			t.Fatalf("nodes %v, want [a b c d]", nodeIDs(s))
		}
	})

	t.Run("invalid transactions are refused and append nothing", func(t *testing.T) {
		const id = "rules"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		before := head(t, log, id)
		tests := []struct {
			name string
			evs  []*messages.Event
			want error
		}{
			{"edge to a missing node", []*messages.Event{addEdge("e", "a", "missing")}, graph.ErrRejected},
			{"node that exists", []*messages.Event{addNode("a")}, graph.ErrRejected},
			{"removal of a missing node", []*messages.Event{removeNode("missing")}, graph.ErrRejected},
			{"last event breaks the rules", []*messages.Event{addNode("n"), addEdge("e", "n", "missing")}, graph.ErrRejected},
			{"empty node ID", []*messages.Event{addNode("")}, graph.ErrInvalidID},
			{"no events", nil, graph.ErrInvalidTransaction},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				_, err := cl.Submit(ctx, txOf(id, tt.evs...))
				if !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want an error wrapping %v", err, tt.want)
				}
				if errors.Is(err, store.ErrConflict) {
					t.Errorf("%v is also a conflict", err)
				}
				if h := head(t, log, id); h != before {
					t.Errorf("log head moved from %+v to %+v", before, h)
				}
				if s := state(t, cl, id); s.GetVersion() != 1 || !slices.Equal(nodeIDs(s), []string{"a"}) {
					t.Errorf("state after the refusal: version %d, nodes %v", s.GetVersion(), nodeIDs(s))
				}
			})
		}
	})

	t.Run("the rules judge the log's state, not a stale one", func(t *testing.T) {
		const id = "stale"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		appendDirect(t, log, id, addNode("x")) // the grain has not seen it
		r, err := cl.Submit(ctx, txOf(id, addEdge("ax", "a", "x")))
		if err != nil {
			t.Fatalf("edge to a node the log has: %v", err)
		}
		if r.GetVersion() != 3 {
			t.Fatalf("edge to a node the log has gave version %d, want 3", r.GetVersion())
		}
		// What the log's state refuses is still refused, and appends nothing.
		appendDirect(t, log, id, removeNode("a"))
		before := head(t, log, id)
		if _, err := cl.Submit(ctx, txOf(id, updateNode("a", "k", "v"))); !errors.Is(err, graph.ErrRejected) {
			t.Fatalf("update of a node the log removed: %v, want ErrRejected", err)
		}
		if h := head(t, log, id); h != before {
			t.Fatalf("log head moved from %+v to %+v", before, h)
		}
		want, _ := foldLog(t, log, id)
		sameState(t, "grain state and fold of the log", state(t, cl, id), want.State())
	})

	t.Run("too many bytes", func(t *testing.T) {
		const id = "big"
		var evs []*messages.Event
		for i := range maxBytes / 20 {
			evs = append(evs, addNode(fmt.Sprintf("node-%015d", i)))
		}
		_, err := cl.Submit(ctx, txOf(id, evs...))
		if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprint(maxBytes)) {
			t.Fatalf("%d events over a limit of %d bytes: %v, want ErrTooLarge naming the limit", len(evs), maxBytes, err)
		}
		if h := head(t, log, id); h != (store.Head{}) {
			t.Fatalf("log head %+v after a refused transaction, want none", h)
		}
		if _, err := cl.Query(ctx, id, getGraph); !errors.Is(err, graph.ErrNotFound) {
			t.Fatalf("query of a graph with nothing appended: %v, want ErrNotFound", err)
		}
		if r := mustSubmit(t, cl, txOf(id, evs[:50]...)); r.GetVersion() != 1 || r.GetEvents() != 50 {
			t.Fatalf("50 events replied %v", r)
		}
	})

	// The ingress tells a grain only where a transaction is (graph and
	// stream sequence); the grain reads the log itself.
	notice := func(id string, seq uint64, version uint64) *messages.Transaction {
		return &messages.Transaction{GraphId: id, Sequence: seq, Version: version}
	}

	t.Run("deliver of a sequence already read is a duplicate, whatever its version says", func(t *testing.T) {
		const id = "dup"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		mustSubmit(t, cl, txOf(id, addNode("b")))
		before := state(t, cl, id)
		for v := uint64(1); v <= 2; v++ {
			for _, claimed := range []uint64{v, 3, 99} {
				r, err := cl.Deliver(ctx, notice(id, logTx(t, log, id, v).GetSequence(), claimed))
				if err != nil || r.GetError() != nil {
					t.Fatalf("deliver version %d: %v %v", v, err, r.GetError())
				}
				if r.GetApplied() || r.GetRejected() || r.GetVersion() != 2 {
					t.Errorf("deliver of the sequence of version %d (claiming version %d) at version 2 replied %v, want not applied at version 2", v, claimed, r)
				}
			}
		}
		sameState(t, "state after duplicates", state(t, cl, id), before)
	})

	t.Run("deliver beyond what the grain read catches up from the log", func(t *testing.T) {
		const id = "gap"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		appendDirect(t, log, id, addNode("x"))
		appendDirect(t, log, id, addNode("y"), addEdge("xy", "x", "y"))
		if s := state(t, cl, id); s.GetVersion() != 1 {
			t.Fatalf("grain at version %d before the delivery, want 1 (behind the log)", s.GetVersion())
		}
		// A notice claiming an old version still reads the log: only the
		// sequence says whether the grain has read it.
		r, err := cl.Deliver(ctx, notice(id, logTx(t, log, id, 3).GetSequence(), 1))
		if err != nil || r.GetError() != nil {
			t.Fatalf("deliver version 3: %v %v", err, r.GetError())
		}
		if !r.GetApplied() || r.GetRejected() || r.GetVersion() != 3 {
			t.Fatalf("deliver of version 3 at version 1 replied %v, want applied at version 3", r)
		}
		s := state(t, cl, id)
		if s.GetVersion() != 3 || !slices.Equal(nodeIDs(s), []string{"a", "x", "y"}) || !slices.Equal(edgeIDs(s), []string{"xy"}) {
			t.Fatalf("after the repair: version %d, nodes %v, edges %v", s.GetVersion(), nodeIDs(s), edgeIDs(s))
		}
		want, _ := foldLog(t, log, id)
		sameState(t, "repaired state and fold of the log", s, want.State())
	})

	t.Run("deliver of a version past a gap in the log itself", func(t *testing.T) {
		const id = "gapped"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		seq := publishRaw(t, js, id, 7, addNode("far"))
		r, err := cl.Deliver(ctx, notice(id, seq, 7))
		if err != nil {
			t.Fatal(err)
		}
		if r.GetError() != nil || r.GetApplied() || r.GetVersion() != 1 {
			t.Fatalf("deliver of version 7 that the log holds after version 1: %v; want skipped without error at version 1", r)
		}
		if s := state(t, cl, id); s.GetVersion() != 1 || !slices.Equal(nodeIDs(s), []string{"a"}) {
			t.Fatalf("after the delivery: version %d, nodes %v", s.GetVersion(), nodeIDs(s))
		}
	})

	t.Run("deliver of a sequence the log does not have", func(t *testing.T) {
		const id = "ahead"
		r1 := mustSubmit(t, cl, txOf(id, addNode("a")))
		r, err := cl.Deliver(ctx, notice(id, r1.GetSequence()+1000, 2))
		if err != nil {
			t.Fatal(err)
		}
		if rerr := replay.ErrorFromReply(r.GetError()); !errors.Is(rerr, store.ErrUnavailable) || r.GetApplied() || r.GetVersion() != 1 {
			t.Fatalf("deliver of a sequence past the log's end replied %v (%v), want unavailable at version 1", r, rerr)
		}
		if s := state(t, cl, id); s.GetVersion() != 1 || !slices.Equal(nodeIDs(s), []string{"a"}) {
			t.Fatalf("after the delivery: version %d, nodes %v", s.GetVersion(), nodeIDs(s))
		}
	})

	t.Run("deliver of a stored transaction the rules refuse", func(t *testing.T) {
		const id = "refused"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		seq := publishRaw(t, js, id, 2, addNode("x"), addEdge("e", "x", "missing"))
		r, err := cl.Deliver(ctx, notice(id, seq, 2))
		if err != nil || r.GetError() != nil {
			t.Fatalf("deliver: %v %v", err, r.GetError())
		}
		if !r.GetApplied() || !r.GetRejected() || r.GetVersion() != 2 {
			t.Fatalf("deliver of a refused version 2 replied %v, want applied and rejected at version 2", r)
		}
		if s := state(t, cl, id); s.GetVersion() != 2 || !slices.Equal(nodeIDs(s), []string{"a"}) {
			t.Fatalf("after the refused version: version %d, nodes %v; want 2 and [a]", s.GetVersion(), nodeIDs(s))
		}
		if r := mustSubmit(t, cl, txOf(id, addNode("b"))); r.GetVersion() != 3 {
			t.Fatalf("submit after the refused version gave version %d, want 3", r.GetVersion())
		}
	})

	t.Run("garbage on the graph's subjects does not block writes", func(t *testing.T) {
		const id = "junk"
		subject := natsjs.Subject(id, natstest.Partitions())
		publishJunk(t, js, subject) // before the grain activates
		if r := mustSubmit(t, cl, txOf(id, addNode("a"))); r.GetVersion() != 1 {
			t.Fatalf("first submit gave version %d", r.GetVersion())
		}
		publishJunk(t, js, subject) // while it is active
		if r := mustSubmit(t, cl, txOf(id, addNode("b"))); r.GetVersion() != 2 {
			t.Fatalf("submit after junk gave version %d", r.GetVersion())
		}
		publishJunk(t, js, subject)
		if r := mustSubmit(t, cl, withExpected(txOf(id, addNode("c")), 2)); r.GetVersion() != 3 {
			t.Fatalf("submit with expected_version after junk gave version %d", r.GetVersion())
		}
		g, res := foldLog(t, log, id)
		if res.Corrupt != 3 || res.Applied != 3 || g.Version() != 3 {
			t.Fatalf("fold of the log: %+v at version %d, want 3 applied and 3 corrupt", res, g.Version())
		}
		sameState(t, "grain state and fold of the log", state(t, cl, id), g.State())
	})

	t.Run("passivate then query reactivates with the same state", func(t *testing.T) {
		const id = "passive"
		mustSubmit(t, cl, txOf(id, addNode("a"), addNode("b")))
		mustSubmit(t, cl, txOf(id, addEdge("e", "a", "b"), updateNode("a", "k", "v")))
		before := state(t, cl, id)
		activations, active := metricValue(t, m.Activations), metricValue(t, m.ActiveGraphs)
		if err := cl.Passivate(ctx, id); err != nil {
			t.Fatalf("Passivate: %v", err)
		}
		eventually(t, 10*time.Second, "the grain stopped", func() bool {
			return metricValue(t, m.ActiveGraphs) == active-1
		})
		sameState(t, "state after reactivation", state(t, cl, id), before)
		if got := metricValue(t, m.Activations); got != activations+1 {
			t.Fatalf("%v activations, want %v: the query did not reactivate the grain", got, activations+1)
		}
		if r := mustSubmit(t, cl, withExpected(txOf(id, addNode("c")), 2)); r.GetVersion() != 3 {
			t.Fatalf("submit after reactivation gave version %d, want 3", r.GetVersion())
		}
	})

	t.Run("a grain behind the log conflicts, catches up and retries", func(t *testing.T) {
		const id = "race"
		mustSubmit(t, cl, txOf(id, addNode("a")))
		appendDirect(t, log, id, addNode("b"))
		conflicts := metricValue(t, m.Conflicts)
		if r := mustSubmit(t, cl, txOf(id, addNode("c"))); r.GetVersion() != 3 {
			t.Fatalf("submit behind a direct append gave version %d, want 3", r.GetVersion())
		}
		if got := metricValue(t, m.Conflicts); got != conflicts+1 {
			t.Errorf("%v conflicts counted, want %v", got, conflicts+1)
		}

		// Now both write at once: the grain through submits, a second
		// writer straight to the log, each retrying on conflicts.
		const n = 8
		var (
			wg         sync.WaitGroup
			mu         sync.Mutex
			written    = []string{"a", "b", "c"}
			failures   []error
			conflicted int
		)
		record := func(node string, err error) {
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				written = append(written, node)
			case errors.Is(err, store.ErrConflict):
				conflicted++ // reported, so nothing may have landed
			case errors.Is(err, store.ErrUnavailable) && strings.Contains(err.Error(), "lost a race for the log"):
				conflicted++ // lost every attempt to the direct writer: nothing landed, retry
			default:
				failures = append(failures, fmt.Errorf("%s: %w", node, err))
			}
		}
		wg.Go(func() {
			for i := range n {
				node := fmt.Sprint("grain-", i)
				_, err := cl.Submit(ctx, txOf(id, addNode(node)))
				record(node, err)
			}
		})
		wg.Go(func() {
			for i := range n {
				node := fmt.Sprint("direct-", i)
				for {
					h, err := log.Head(ctx, id)
					if err == nil {
						_, err = log.Append(ctx, txOf(id, addNode(node)), h)
					}
					if !errors.Is(err, store.ErrConflict) {
						record(node, err)
						break
					}
				}
			}
		})
		wg.Wait()
		if len(failures) > 0 {
			t.Fatalf("writes failed: %v", failures)
		}
		t.Logf("%d writes landed, %d grain submits reported a conflict", len(written)-3, conflicted)
		// The grain's next submit brings it up to date with the log.
		mustSubmit(t, cl, txOf(id, addNode("final")))
		written = append(written, "final")

		txs, corrupt := readLog(t, log, id)
		checkVersions(t, txs)
		if len(txs) != len(written) || corrupt != 0 {
			t.Fatalf("%d transactions in the log (%d corrupt), %d writes succeeded (%d grain submits conflicted)",
				len(txs), corrupt, len(written), conflicted)
		}
		g, res := foldLog(t, log, id)
		if res.Applied != len(written) || res.Rejected != 0 {
			t.Fatalf("fold of the log: %+v", res)
		}
		slices.Sort(written)
		if got := nodeIDs(g.State()); !slices.Equal(got, written) {
			t.Fatalf("log holds nodes %v, the successful writes were %v", got, written)
		}
		sameState(t, "grain state and fold of the log", state(t, cl, id), g.State())
	})
}

// A grain with an idle timeout passivates on its own; the next request
// activates it again from the log with the same state.
func TestGrainIdlePassivation(t *testing.T) {
	log, _ := openLog(t)
	m := metrics.New(nil)
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: m, IdleTimeout: 300 * time.Millisecond})
	cl := member.Client()
	const id = "idle"
	mustSubmit(t, cl, txOf(id, addNode("a"), addNode("b")))
	mustSubmit(t, cl, txOf(id, addEdge("e", "a", "b")))
	before := state(t, cl, id)
	if got := metricValue(t, m.Activations); got != 1 {
		t.Fatalf("%v activations, want 1", got)
	}
	eventually(t, 10*time.Second, "the idle grain passivated", func() bool {
		return metricValue(t, m.ActiveGraphs) == 0
	})
	after := state(t, cl, id)
	sameState(t, "state after idle passivation", after, before)
	if after.GetVersion() != 2 || !slices.Equal(edgeIDs(after), []string{"e"}) {
		t.Fatalf("state after reactivation: %v", after)
	}
	if got := metricValue(t, m.Activations); got != 2 {
		t.Fatalf("%v activations, want 2", got)
	}
	if r := mustSubmit(t, cl, withExpected(txOf(id, addNode("c")), 2)); r.GetVersion() != 3 {
		t.Fatalf("submit after reactivation gave version %d, want 3", r.GetVersion())
	}
}

// Two activations of one graph (which protoactor's placement allows for a
// moment during topology changes) writing at once still make one history:
// every write either lands once or is reported as a conflict. The second
// activation is the same grain props spawned in a plain actor system and
// initialised as the cluster would; a second member in this process would
// race with the first on grpc's global logger, which protoactor's remote
// sets on every start.
func TestTwoActivationsMakeOneHistory(t *testing.T) {
	log, _ := openLog(t)
	ctx := testContext(t)
	const id = "twin"
	cl := startMember(t, actors.GrainConfig{Log: log}).Client()
	twin := spawnBareGrain(t, actors.GrainConfig{Log: log}, id)
	submits := []func(*messages.Transaction) (*messages.SubmitReply, error){
		func(tx *messages.Transaction) (*messages.SubmitReply, error) { return cl.Submit(ctx, tx) },
		twin.submit,
	}

	const n = 6
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		written  []string
		failures []error
	)
	for ai, submit := range submits {
		wg.Go(func() {
			for i := range n {
				node := fmt.Sprintf("a%d-%d", ai, i)
				_, err := submit(txOf(id, addNode(node)))
				mu.Lock()
				switch {
				case err == nil:
					written = append(written, node)
				case !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrUnavailable):
					// Lost races answer retry (nothing applied).
					failures = append(failures, fmt.Errorf("%s: %w", node, err))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("submits failed: %v", failures)
	}
	if len(written) == 0 {
		t.Fatal("no submit succeeded")
	}
	t.Logf("%d of %d submits landed, the others reported a conflict", len(written), 2*n)
	txs, _ := readLog(t, log, id)
	checkVersions(t, txs)
	if len(txs) != len(written) {
		t.Fatalf("%d transactions in the log, %d submits succeeded", len(txs), len(written))
	}
	g, _ := foldLog(t, log, id)
	slices.Sort(written)
	if got := nodeIDs(g.State()); !slices.Equal(got, written) {
		t.Fatalf("log holds nodes %v, the successful submits were %v", got, written)
	}
	// Each activation catches up on its next write.
	queries := []func() *messages.GraphState{func() *messages.GraphState { return state(t, cl, id) }, twin.state}
	for ai, submit := range submits {
		r, err := submit(txOf(id, addNode(fmt.Sprint("last-", ai))))
		if err != nil {
			t.Fatalf("activation %d's last submit: %v", ai, err)
		}
		g, _ := foldLog(t, log, id)
		if r.GetVersion() != g.Version() {
			t.Fatalf("activation %d's last submit gave version %d, the log is at %d", ai, r.GetVersion(), g.Version())
		}
		sameState(t, fmt.Sprintf("activation %d's state and fold of the log", ai), queries[ai](), g.State())
	}
}

// bareGrain is a graph grain outside any cluster.
type bareGrain struct {
	t    testing.TB
	root *actor.RootContext
	pid  *actor.PID
}

// spawnBareGrain starts a grain of graphID in an actor system of its own
// and sends it the ClusterInit a cluster sends on activation.
func spawnBareGrain(t testing.TB, cfg actors.GrainConfig, graphID string) *bareGrain {
	t.Helper()
	sys := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return slog.New(slog.DiscardHandler) })))
	pid := sys.Root.Spawn(actors.NewGrainProps(cfg))
	t.Cleanup(func() { _ = sys.Root.StopFuture(pid).Wait() })
	sys.Root.Send(pid, &pcluster.ClusterInit{Identity: &pcluster.ClusterIdentity{Identity: graphID, Kind: actors.GrainKind}})
	return &bareGrain{t: t, root: sys.Root, pid: pid}
}

func (b *bareGrain) request(msg any) any {
	res, err := b.root.RequestFuture(b.pid, msg, 20*time.Second).Result()
	if err != nil {
		b.t.Errorf("request to the bare grain: %v", err)
	}
	return res
}

func (b *bareGrain) submit(tx *messages.Transaction) (*messages.SubmitReply, error) {
	r, _ := b.request(&messages.Submit{Transaction: tx}).(*messages.SubmitReply)
	if r == nil {
		return nil, errors.New("no reply")
	}
	return r, replay.ErrorFromReply(r.GetError())
}

func (b *bareGrain) state() *messages.GraphState {
	r, _ := b.request(getGraph).(*messages.QueryReply)
	if err := replay.ErrorFromReply(r.GetError()); err != nil {
		b.t.Fatalf("query of the bare grain: %v", err)
	}
	return r.GetGraph()
}

// staleLog answers its first reads of a graph as a replica that has not
// caught up might: without the graph's first transaction.
type staleLog struct {
	*natsjs.Log
	stale atomic.Int32 // reads still to answer stale
}

func (l *staleLog) Read(ctx context.Context, graphID string, after uint64) iter.Seq2[*messages.Transaction, error] {
	if l.stale.Add(-1) < 0 {
		return l.Log.Read(ctx, graphID, after)
	}
	return func(yield func(*messages.Transaction, error) bool) {
		for tx, err := range l.Log.Read(ctx, graphID, after) {
			if err == nil && tx.GetVersion() == 1 {
				continue
			}
			if !yield(tx, err) {
				return
			}
		}
	}
}

// A read that misses transactions the log has (a stale replica) must not
// make the grain append a version the log already holds: it reads again,
// and the log stays one history without repeated versions.
func TestStaleReadDoesNotForkTheHistory(t *testing.T) {
	log, _ := openLog(t)
	const id = "stale"
	for i := range 3 {
		appendDirect(t, log, id, addNode(fmt.Sprintf("n%d", i)))
	}
	stale := &staleLog{Log: log}
	stale.stale.Store(1)
	m := startMember(t, actors.GrainConfig{Log: stale})
	reply := mustSubmit(t, m.Client(), txOf(id, addNode("after")))
	if reply.GetVersion() != 4 {
		t.Fatalf("the transaction got version %d, want 4", reply.GetVersion())
	}
	txs, _ := readLog(t, log, id)
	for i, tx := range txs {
		if tx.GetVersion() != uint64(i+1) {
			t.Fatalf("the log's transaction %d has version %d: the history forked", i+1, tx.GetVersion())
		}
	}
	want, _ := foldLog(t, log, id)
	got := state(t, m.Client(), id)
	sameState(t, "after a stale read", got, want.State())
	if len(got.GetNodes()) != 4 {
		t.Fatalf("%d nodes, want 4", len(got.GetNodes()))
	}

	// Time travel reads again too.
	stale.stale.Store(1)
	h := &replay.History{Log: stale}
	past, err := h.At(testContext(t), id, replay.Point{Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	if past.Version() != 3 || past.NodeCount() != 3 {
		t.Fatalf("as of version 3 after a stale read: version %d with %d nodes, want 3 and 3", past.Version(), past.NodeCount())
	}
}
