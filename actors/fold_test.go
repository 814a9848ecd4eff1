package actors_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// Fold over a log written with Append is graph.Apply of every transaction,
// in order, and a stop ends it before the right version; folding on from
// the stopped state ends where the full fold ends.
func TestFoldEqualsApplyOfEveryTransaction(t *testing.T) {
	log, _ := openLog(t)
	ctx := testContext(t)
	const id = "fold"
	script := [][]*messages.Event{
		{addNode("a"), addNode("b")},
		{addEdge("e1", "a", "b"), updateNode("a", "color", "red")},
		{addNode("c"), addEdge("e2", "b", "c")},
		{removeEdge("e1"), updateNode("c", "weight", 3.0)},
		{removeNode("b")}, // takes e2 with it
	}
	// refs[k] is the state after k transactions, by Apply alone.
	ref := graph.New(id)
	refs := []*messages.GraphState{ref.State()}
	seqs := []uint64{0}
	events := []int{0} // events[k]: events of the first k transactions
	for i, evs := range script {
		events = append(events, events[i]+len(evs))
		tx := appendDirect(t, log, id, evs...)
		// Another graph's events between them must not show.
		appendDirect(t, log, "fold-other", addNode("x"+string(rune('a'+i))))
		if err := ref.Apply(tx); err != nil {
			t.Fatalf("Apply of appended version %d: %v", tx.GetVersion(), err)
		}
		refs = append(refs, ref.State())
		seqs = append(seqs, tx.GetSequence())
	}
	if got := nodeIDs(ref.State()); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("reference ends with nodes %v, want [a c]", got)
	}

	g, res := foldLog(t, log, id)
	sameState(t, "fold of the whole log", g.State(), refs[len(script)])
	want := replay.FoldResult{Applied: len(script), Events: events[len(script)], LastSequence: seqs[len(script)]}
	if res != want {
		t.Errorf("fold result %+v, want %+v", res, want)
	}
	gb, _ := g.Encode()
	rb, _ := ref.Encode()
	if !bytes.Equal(gb, rb) {
		t.Error("fold and Apply encode to different bytes")
	}

	for k := range len(script) + 1 {
		t.Run(fmt.Sprintf("stop before version %d", k+1), func(t *testing.T) {
			g := graph.New(id)
			var stoppedAt uint64
			stop := func(tx *messages.Transaction) bool {
				if tx.GetVersion() > uint64(k) {
					stoppedAt = tx.GetVersion()
					return true
				}
				return false
			}
			res, err := replay.Fold(ctx, log, g, 0, stop, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := replay.FoldResult{Applied: k, Events: events[k], LastSequence: seqs[k]}
			if res != want {
				t.Errorf("fold result %+v, want %+v", res, want)
			}
			if k < len(script) && stoppedAt != uint64(k+1) {
				t.Errorf("stopped at version %d, want %d", stoppedAt, k+1)
			}
			sameState(t, "state when stopped", g.State(), refs[k])

			// Folding on from there (after = 0: Fold starts after the
			// graph's own sequence) ends where the full fold ends.
			res, err = replay.Fold(ctx, log, g, 0, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Applied != len(script)-k || res.Duplicates != 0 {
				t.Errorf("folding on applied %d with %d duplicates, want %d and 0", res.Applied, res.Duplicates, len(script)-k)
			}
			sameState(t, "state folded on", g.State(), refs[len(script)])
		})
	}
}

// What a single stored transaction does wrong never stops a fold: a
// transaction the rules refuse is rejected whole and keeps its version, an
// undecodable message is skipped but its sequence counted, a version at or
// below the graph's is a duplicate, one above the next is out of order.
func TestFoldSkipsAndCountsBadTransactions(t *testing.T) {
	log, js := openLog(t)
	ctx := testContext(t)
	const id = "bad"
	subject := natsjs.Subject(id, natstest.Partitions())

	v1 := appendDirect(t, log, id, addNode("a"))
	// Version 2 breaks the rules in its second event: x must not appear.
	rejectedSeq := publishRaw(t, js, id, 2, addNode("x"), addEdge("e", "x", "missing"))
	junk1 := publishJunk(t, js, subject)
	// Head cannot decode the junk, so state the head by hand.
	v3 := txOf(id, addNode("b"))
	if _, err := log.Append(ctx, v3, store.Head{Version: 2, Sequence: junk1}); err != nil {
		t.Fatalf("append version 3 after the junk: %v", err)
	}
	publishRaw(t, js, id, 2, addNode("dup2"))
	dupSeq := publishRaw(t, js, id, 1, addNode("dup1"))
	v4 := txOf(id, addNode("c"), updateNode("a", "n", 4.0))
	if _, err := log.Append(ctx, v4, store.Head{Version: 3, Sequence: dupSeq}); err != nil {
		t.Fatalf("append version 4 after the duplicates: %v", err)
	}
	publishRaw(t, js, id, 9, addNode("gap"))
	junk2 := publishJunk(t, js, subject)

	type issue struct {
		version uint64 // 0: no transaction
		err     error
	}
	var issues []issue
	g := graph.New(id)
	res, err := replay.Fold(ctx, log, g, 0, nil, func(tx *messages.Transaction, err error) {
		issues = append(issues, issue{tx.GetVersion(), err})
	})
	if err != nil {
		t.Fatalf("Fold: %v", err)
	}
	// Events: versions 1 (1 event), 2 (2, rejected), 3 (1) and 4 (2).
	want := replay.FoldResult{Applied: 3, Rejected: 1, Duplicates: 2, OutOfOrder: 1, Corrupt: 2, Events: 6, LastSequence: junk2}
	if res != want {
		t.Errorf("fold result %+v, want %+v", res, want)
	}
	if g.Version() != 4 || g.Sequence() != v4.GetSequence() {
		t.Errorf("graph at version %d sequence %d, want 4 and %d", g.Version(), g.Sequence(), v4.GetSequence())
	}
	if got := nodeIDs(g.State()); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("nodes %v, want [a b c]: the rejected, duplicate and out-of-order transactions change nothing", got)
	}
	if len(g.State().GetEdges()) != 0 {
		t.Errorf("edges %v, want none", edgeIDs(g.State()))
	}
	if v1.GetSequence() >= rejectedSeq {
		t.Fatalf("sequences out of order: %d, %d", v1.GetSequence(), rejectedSeq)
	}

	// Issues come in log order: the rejection, the junk, the gap, the junk.
	if len(issues) != 4 {
		t.Fatalf("%d issues reported, want 4: %v", len(issues), issues)
	}
	var rejected *graph.RejectedError
	if !errors.As(issues[0].err, &rejected) || rejected.Version != 2 || issues[0].version != 2 ||
		!errors.Is(issues[0].err, graph.ErrRejected) {
		t.Errorf("issue 0 = %v (version %d), want version 2 rejected", issues[0].err, issues[0].version)
	}
	for i, seq := range map[int]uint64{1: junk1, 3: junk2} {
		var corrupt *store.CorruptError
		if issues[i].version != 0 || !errors.As(issues[i].err, &corrupt) || corrupt.Sequence != seq {
			t.Errorf("issue %d = %v, want the undecodable message at sequence %d", i, issues[i].err, seq)
		}
	}
	if issues[2].version != 9 || !errors.Is(issues[2].err, graph.ErrOutOfOrder) {
		t.Errorf("issue 2 = %v (version %d), want version 9 out of order", issues[2].err, issues[2].version)
	}

	// Every replay decides the same way.
	again, res2 := foldLog(t, log, id)
	if res2 != res {
		t.Errorf("second fold %+v, first %+v", res2, res)
	}
	sameState(t, "second fold", again.State(), g.State())
}

// A failure to read the log is returned, not counted, and changes nothing.
func TestFoldReturnsReadFailure(t *testing.T) {
	log, _ := openLog(t)
	appendDirect(t, log, "gone", addNode("a"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	g := graph.New("gone")
	res, err := replay.Fold(ctx, log, g, 0, nil, nil)
	if err == nil || errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Fold with a canceled context: %v, want a read error", err)
	}
	if g.Version() != 0 || res.Applied != 0 {
		t.Errorf("after a failed read: version %d, result %+v; want nothing applied", g.Version(), res)
	}
}
