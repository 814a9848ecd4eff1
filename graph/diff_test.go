package graph

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// naiveDiff compares two states element by element through their
// messages, the slow and obvious way.
func naiveDiff(a, b *messages.GraphState) *messages.GraphDiff {
	var d messages.GraphDiff
	an, bn := map[string]*messages.Node{}, map[string]*messages.Node{}
	for _, n := range a.GetNodes() {
		an[n.Id] = n
	}
	for _, n := range b.GetNodes() {
		bn[n.Id] = n
	}
	for _, id := range naiveKeys(an, bn) {
		x, inA := an[id]
		y, inB := bn[id]
		if inA && inB && x.Type == y.Type {
			if ch := naiveProps(x.Properties, y.Properties); len(ch) > 0 {
				d.NodesChanged = append(d.NodesChanged, &messages.NodeChange{Id: id, Properties: ch})
			}
			continue
		}
		if inA {
			d.NodesRemoved = append(d.NodesRemoved, x)
		}
		if inB {
			d.NodesAdded = append(d.NodesAdded, y)
		}
	}
	ae, be := map[string]*messages.Edge{}, map[string]*messages.Edge{}
	for _, e := range a.GetEdges() {
		ae[e.Id] = e
	}
	for _, e := range b.GetEdges() {
		be[e.Id] = e
	}
	for _, id := range naiveKeys(ae, be) {
		x, inA := ae[id]
		y, inB := be[id]
		if inA && inB && x.Type == y.Type && x.Source == y.Source && x.Target == y.Target {
			if ch := naiveProps(x.Properties, y.Properties); len(ch) > 0 {
				d.EdgesChanged = append(d.EdgesChanged, &messages.EdgeChange{Id: id, Properties: ch})
			}
			continue
		}
		if inA {
			d.EdgesRemoved = append(d.EdgesRemoved, x)
		}
		if inB {
			d.EdgesAdded = append(d.EdgesAdded, y)
		}
	}
	return &d
}

func naiveKeys[V any](a, b map[string]V) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

func naiveProps(a, b *structpb.Struct) []*messages.PropertyChange {
	var out []*messages.PropertyChange
	for _, k := range naiveKeys(a.GetFields(), b.GetFields()) {
		x, inA := a.GetFields()[k]
		y, inB := b.GetFields()[k]
		switch {
		case inA && inB && proto.Equal(x, y):
		case inA && inB:
			out = append(out, &messages.PropertyChange{Key: k, Before: x, After: y})
		case inA:
			out = append(out, &messages.PropertyChange{Key: k, Before: x})
		default:
			out = append(out, &messages.PropertyChange{Key: k, After: y})
		}
	}
	return out
}

// Over random histories, Diff between any two versions equals the naive
// diff of their states, and the changes captured around each transaction
// equal the diff between the states before and after it.
func TestDiffAgainstNaive(t *testing.T) {
	for seed := int64(1); seed <= 20; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g", nodes: 3 + int(seed%8), edges: 4 + int(seed%12), bad: 0}
			g := New("g")
			var past []*Graph
			for i, tx := range gn.history(100) {
				before := g.Clone()
				capture := g.Capture(tx.Events)
				_ = g.Apply(tx)
				got := g.ChangesSince(capture)
				if want := Diff(before, g); !proto.Equal(got, want) {
					t.Fatalf("tx %d: captured changes\n%v\nwant the diff\n%v", i, got, want)
				}
				past = append(past, before)
			}
			r := rand.New(rand.NewSource(seed))
			for range 30 {
				a, b := past[r.Intn(len(past))], past[r.Intn(len(past))]
				if got, want := Diff(a, b), naiveDiff(a.State(), b.State()); !proto.Equal(got, want) {
					t.Fatalf("Diff(v%d, v%d)\n%v\nwant\n%v", a.Version(), b.Version(), got, want)
				}
			}
		})
	}
}

func TestDiffCases(t *testing.T) {
	props := func(m map[string]any) *structpb.Struct {
		s, err := structpb.NewStruct(m)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	a, err := FromState(&messages.GraphState{GraphId: "g", Version: 1, Format: StateFormat, Nodes: []*messages.Node{
		{Id: "keep", Type: "t", Properties: props(map[string]any{"x": 1, "gone": true})},
		{Id: "old", Type: "t"},
		{Id: "retyped", Type: "a"},
	}, Edges: []*messages.Edge{{Id: "e", Source: "keep", Target: "old"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromState(&messages.GraphState{GraphId: "g", Version: 2, Format: StateFormat, Nodes: []*messages.Node{
		{Id: "keep", Type: "t", Properties: props(map[string]any{"x": 2, "new": "y"})},
		{Id: "new", Type: "t"},
		{Id: "retyped", Type: "b"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	d := Diff(a, b)
	ids := func(ns []*messages.Node) (out []string) {
		for _, n := range ns {
			out = append(out, n.Id)
		}
		return out
	}
	if got := ids(d.NodesAdded); !slices.Equal(got, []string{"new", "retyped"}) {
		t.Errorf("added %v", got)
	}
	if got := ids(d.NodesRemoved); !slices.Equal(got, []string{"old", "retyped"}) {
		t.Errorf("removed %v", got)
	}
	if len(d.EdgesRemoved) != 1 || d.EdgesRemoved[0].Id != "e" || len(d.EdgesAdded) != 0 {
		t.Errorf("edges: removed %v added %v", d.EdgesRemoved, d.EdgesAdded)
	}
	if len(d.NodesChanged) != 1 {
		t.Fatalf("changed %v", d.NodesChanged)
	}
	var keys []string
	for _, c := range d.NodesChanged[0].Properties {
		keys = append(keys, c.Key)
		switch c.Key {
		case "gone":
			if c.Before.GetBoolValue() != true || c.After != nil {
				t.Errorf("gone: %v", c)
			}
		case "new":
			if c.Before != nil || c.After.GetStringValue() != "y" {
				t.Errorf("new: %v", c)
			}
		case "x":
			if c.Before.GetNumberValue() != 1 || c.After.GetNumberValue() != 2 {
				t.Errorf("x: %v", c)
			}
		}
	}
	if !slices.Equal(keys, []string{"gone", "new", "x"}) {
		t.Errorf("property changes %v", keys)
	}
	if d := Diff(a, a); proto.Size(d) != 0 {
		t.Errorf("a graph differs from itself: %v", d)
	}
}

// A capture added to before each of several transactions reports their
// combined changes.
func TestCaptureAcrossTransactions(t *testing.T) {
	gn := &gen{r: rand.New(rand.NewSource(7)), graphID: "g", nodes: 6, edges: 9}
	g := New("g")
	txs := gn.history(60)
	for start := 0; start+5 <= len(txs); start += 5 {
		before := g.Clone()
		c := NewCapture()
		for _, tx := range txs[start : start+5] {
			c.Add(g, tx.Events)
			_ = g.Apply(tx)
		}
		if got, want := g.ChangesSince(c), Diff(before, g); !proto.Equal(got, want) {
			t.Fatalf("transactions %d..%d: captured\n%v\nwant\n%v", start, start+4, got, want)
		}
	}
}
