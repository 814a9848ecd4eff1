package graph

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

// Prepare then Commit must end exactly where Apply ends, for every
// transaction of random histories, including those Prepare refuses.
func TestPrepareCommitEqualsApply(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g", nodes: 3 + int(seed%8), edges: 4 + int(seed%12), bad: []float64{0, 0.05}[seed%2]}
			viaApply, viaPlan := New("g"), New("g")
			for i, tx := range gn.history(120) {
				plan, perr := viaPlan.Prepare(tx.Events)
				if cerr := viaApply.Check(tx.Events); (perr == nil) != (cerr == nil) {
					t.Fatalf("tx %d: Prepare = %v, Check = %v", i, perr, cerr)
				}
				aerr := viaApply.Apply(cloneTx(tx))
				cerr := viaPlan.Commit(plan, tx)
				if (aerr == nil) != (cerr == nil) {
					t.Fatalf("tx %d: Apply = %v, Commit = %v", i, aerr, cerr)
				}
				a, err := viaApply.Encode()
				if err != nil {
					t.Fatal(err)
				}
				b, err := viaPlan.Encode()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(a, b) {
					t.Fatalf("tx %d: Commit's state differs from Apply's", i)
				}
			}
		})
	}
}

// cloneTx is proto.Clone keeping nil events nil (proto.Clone makes them
// empty events, which are other events).
func cloneTx(tx *messages.Transaction) *messages.Transaction {
	c := proto.Clone(tx).(*messages.Transaction)
	for i, ev := range tx.Events {
		if ev == nil {
			c.Events[i] = nil
		}
	}
	return c
}

// A plan prepared on an older state is not trusted: Commit validates again.
func TestCommitOfStalePlanValidates(t *testing.T) {
	g := New("g")
	add := func(id string) *messages.Event {
		return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
	}
	stamp := func(version uint64, evs ...*messages.Event) *messages.Transaction {
		for i, ev := range evs {
			ev.GraphId, ev.Version, ev.Index, ev.Count = "g", version, uint32(i), uint32(len(evs))
		}
		return &messages.Transaction{GraphId: "g", Version: version, Sequence: version, Events: evs}
	}
	plan, err := g.Prepare([]*messages.Event{add("a")})
	if err != nil {
		t.Fatal(err)
	}
	// Another transaction lands first and adds "a".
	if err := g.Apply(stamp(1, add("a"))); err != nil {
		t.Fatal(err)
	}
	err = g.Commit(plan, stamp(2, plan.events...))
	var rej *RejectedError
	if !errors.As(err, &rej) || !errors.Is(err, ErrRejected) {
		t.Fatalf("stale plan committed: %v", err)
	}
	if g.NodeCount() != 1 || g.Version() != 2 {
		t.Fatalf("after a rejected stale plan: %d nodes at version %d", g.NodeCount(), g.Version())
	}
}
