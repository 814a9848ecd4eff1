package graph

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// tedge is an edge of a test graph; w is its "w" property (nil: none).
type tedge struct {
	id, src, dst string
	w            any
}

// null is a JSON null weight (nil means no weight at all).
type null struct{}

// build makes a graph in one transaction: the nodes, then the edges, in
// the order given.
func build(t testing.TB, nodes []string, edges []tedge) *Graph {
	t.Helper()
	var events []*messages.Event
	for _, n := range nodes {
		events = append(events, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: n}}})
	}
	for _, e := range edges {
		a := &messages.EdgeAdded{EdgeId: e.id, SourceId: e.src, TargetId: e.dst}
		if e.w != nil {
			v, err := structpb.NewValue(e.w)
			if e.w == (null{}) {
				v, err = structpb.NewNullValue(), nil
			}
			if err != nil {
				t.Fatal(err)
			}
			a.Properties = &structpb.Struct{Fields: map[string]*structpb.Value{"w": v}}
		}
		events = append(events, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: a}})
	}
	g := New("g")
	if len(events) == 0 {
		return g
	}
	tx := &messages.Transaction{Version: 1, Events: events}
	for i, ev := range events {
		ev.GraphId, ev.Version, ev.Index, ev.Count = "g", 1, uint32(i), uint32(len(events))
	}
	if err := g.Apply(tx); err != nil {
		t.Fatalf("build: %v", err)
	}
	return g
}

// chain is the hand-computed example: a→b→c→d→e with shortcuts a→c and a→e,
// and f alone.
var (
	chainNodes = []string{"a", "b", "c", "d", "e", "f"}
	chainEdges = []tedge{
		{"ab", "a", "b", 1}, {"bc", "b", "c", 2}, {"ac", "a", "c", 5},
		{"cd", "c", "d", 1}, {"de", "d", "e", 1}, {"ae", "a", "e", 10},
	}
)

func TestShortestPath(t *testing.T) {
	chain := build(t, chainNodes, chainEdges)
	parallel := build(t, []string{"x", "y"}, []tedge{{"p1", "x", "y", 3}, {"p3", "x", "y", 1}, {"p2", "x", "y", 1}})
	fractional := build(t, []string{"x", "y", "z"}, []tedge{{"xy", "x", "y", 0.5}, {"yz", "y", "z", 0.25}, {"xz", "x", "z", 0.8}})
	huge := build(t, []string{"x", "y", "z"}, []tedge{{"xy", "x", "y", 1 << 60}, {"yz", "y", "z", 1 << 60}, {"xz", "x", "z", 1 << 62}})
	overflow := build(t, []string{"x", "y", "z"}, []tedge{{"xy", "x", "y", math.MaxFloat64}, {"yz", "y", "z", math.MaxFloat64}})
	zero := build(t, []string{"x", "y", "z"}, []tedge{{"xy", "x", "y", 0}, {"yz", "y", "z", 0}, {"xz", "x", "z", 1}})
	bad := func(w any) *Graph {
		return build(t, []string{"x", "y"}, []tedge{{"ok", "x", "y", 1}, {"zbad", "y", "x", w}, {"abad", "y", "y", w}})
	}
	tests := []struct {
		name           string
		g              *Graph
		from, to, w    string
		nodes, edges   []string
		cost           float64
		err            error
		errMentionsAll []string
	}{
		{name: "unweighted takes fewest edges", g: chain, from: "a", to: "e", nodes: []string{"a", "e"}, edges: []string{"ae"}, cost: 1},
		{name: "weighted takes cheapest", g: chain, from: "a", to: "e", w: "w", nodes: []string{"a", "b", "c", "d", "e"}, edges: []string{"ab", "bc", "cd", "de"}, cost: 5},
		{name: "weighted middle", g: chain, from: "b", to: "e", w: "w", nodes: []string{"b", "c", "d", "e"}, edges: []string{"bc", "cd", "de"}, cost: 4},
		{name: "same node", g: chain, from: "c", to: "c", w: "w", nodes: []string{"c"}, cost: 0},
		{name: "same node unweighted", g: chain, from: "f", to: "f", nodes: []string{"f"}, cost: 0},
		{name: "against direction", g: chain, from: "e", to: "a", err: ErrNotFound, errMentionsAll: []string{`no path from node "e" to node "a"`}},
		{name: "isolated", g: chain, from: "a", to: "f", w: "w", err: ErrNotFound},
		{name: "unknown from", g: chain, from: "zz", to: "a", err: ErrNotFound, errMentionsAll: []string{`"zz"`}},
		{name: "unknown to", g: chain, from: "a", to: "zz", err: ErrNotFound, errMentionsAll: []string{`"zz"`}},
		{name: "parallel cheapest, ties by ID", g: parallel, from: "x", to: "y", w: "w", nodes: []string{"x", "y"}, edges: []string{"p2"}, cost: 1},
		{name: "parallel unweighted smallest ID", g: parallel, from: "x", to: "y", nodes: []string{"x", "y"}, edges: []string{"p1"}, cost: 1},
		{name: "fractional", g: fractional, from: "x", to: "z", w: "w", nodes: []string{"x", "y", "z"}, edges: []string{"xy", "yz"}, cost: 0.75},
		{name: "integers past 2^53", g: huge, from: "x", to: "z", w: "w", nodes: []string{"x", "y", "z"}, edges: []string{"xy", "yz"}, cost: 1 << 61},
		{name: "cost past the largest float", g: overflow, from: "x", to: "z", w: "w", nodes: []string{"x", "y", "z"}, edges: []string{"xy", "yz"}, cost: math.Inf(1)},
		{name: "zero weights", g: zero, from: "x", to: "z", w: "w", nodes: []string{"x", "y", "z"}, edges: []string{"xy", "yz"}, cost: 0},
		{name: "missing weight", g: chain, from: "a", to: "e", w: "nope", err: ErrInvalidWeight, errMentionsAll: []string{`edge "ab"`, `"nope"`}},
		{name: "negative weight", g: bad(-1), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{`edge "abad"`, "negative"}},
		{name: "string weight", g: bad("3"), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{`edge "abad"`, "a string"}},
		{name: "bool weight", g: bad(true), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{"a boolean"}},
		{name: "null weight", g: bad(null{}), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{"null"}},
		{name: "list weight", g: bad([]any{1.0}), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{"a list"}},
		{name: "object weight", g: bad(map[string]any{"v": 1.0}), from: "x", to: "y", w: "w", err: ErrInvalidWeight, errMentionsAll: []string{"an object"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.g.ShortestPath(t.Context(), tt.from, tt.to, tt.w)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				for _, s := range tt.errMentionsAll {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := &messages.Path{Nodes: tt.nodes, Edges: tt.edges, Cost: tt.cost}
			if len(want.Edges) == 0 {
				want.Edges = p.Edges // nil and empty are the same path
			}
			if !proto.Equal(p, want) {
				t.Errorf("got %v, want %v", p, want)
			}
		})
	}
}

func components(t *testing.T, g *Graph, kind messages.ComponentKind) string {
	t.Helper()
	cs, err := g.Components(t.Context(), kind)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, c := range cs.Components {
		parts = append(parts, strings.Join(c.Nodes, ","))
	}
	return strings.Join(parts, " ")
}

func TestComponents(t *testing.T) {
	withCycle := append(slices.Clone(chainEdges), tedge{"ca", "c", "a", nil}, tedge{"ff", "f", "f", nil})
	tests := []struct {
		name         string
		g            *Graph
		weak, strong string
	}{
		{"empty", New("g"), "", ""},
		{"one node", build(t, []string{"a"}, nil), "a", "a"},
		{"chain", build(t, chainNodes, chainEdges), "a,b,c,d,e f", "a b c d e f"},
		{"cycle a-b-c, self-loop f", build(t, chainNodes, withCycle), "a,b,c,d,e f", "a,b,c d e f"},
		// Component order is by first node, not by size or discovery.
		{"interleaved", build(t, []string{"a", "b", "c", "d", "e"}, []tedge{{"1", "e", "a", nil}, {"2", "d", "b", nil}, {"3", "b", "d", nil}, {"4", "c", "e", nil}}),
			"a,c,e b,d", "a b,d c e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := components(t, tt.g, messages.ComponentKind_COMPONENT_KIND_WEAK); got != tt.weak {
				t.Errorf("weak = %q, want %q", got, tt.weak)
			}
			if got := components(t, tt.g, messages.ComponentKind_COMPONENT_KIND_STRONG); got != tt.strong {
				t.Errorf("strong = %q, want %q", got, tt.strong)
			}
		})
	}
	if _, err := New("g").Components(t.Context(), 7); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown kind: err = %v, want ErrInvalidArgument", err)
	}
	if _, err := build(t, []string{"a"}, nil).Neighbors("a", 9); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("unknown direction: err = %v, want ErrInvalidArgument", err)
	}
}

func TestTopologicalOrder(t *testing.T) {
	tests := []struct {
		name  string
		g     *Graph
		order string
		cycle string // the error's description of the cycle
	}{
		{name: "empty", g: New("g"), order: ""},
		// Kahn's algorithm over the sorted index: sources in ID order, then
		// first in, first out.
		{name: "chain", g: build(t, chainNodes, chainEdges), order: "a,f,b,c,d,e"},
		{name: "parallel edges", g: build(t, []string{"b", "a"}, []tedge{{"1", "b", "a", nil}, {"2", "b", "a", nil}}), order: "b,a"},
		{name: "self-loop", g: build(t, []string{"a", "b"}, []tedge{{"1", "a", "b", nil}, {"2", "b", "b", nil}}), cycle: `node "b" is on the cycle "b" -> "b"`},
		{name: "smallest node on a cycle", g: build(t, []string{"a", "b", "c", "d", "z"},
			[]tedge{{"1", "z", "d", nil}, {"2", "d", "c", nil}, {"3", "c", "d", nil}, {"4", "b", "b", nil}, {"5", "a", "c", nil}}),
			cycle: `node "b" is on the cycle "b" -> "b"`},
		{name: "downstream of a cycle is not on it", g: build(t, []string{"a", "x", "y"},
			[]tedge{{"1", "x", "y", nil}, {"2", "y", "x", nil}, {"3", "x", "a", nil}}),
			cycle: `node "x" is on the cycle "x" -> "y" -> "x"`},
		{name: "shortest cycle through the node", g: build(t, []string{"a", "b", "c", "d"},
			[]tedge{{"1", "a", "b", nil}, {"2", "b", "c", nil}, {"3", "c", "d", nil}, {"4", "d", "a", nil}, {"5", "c", "a", nil}}),
			cycle: `node "a" is on the cycle "a" -> "b" -> "c" -> "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := tt.g.TopologicalOrder(t.Context())
			if tt.cycle != "" {
				if !errors.Is(err, ErrCycle) || !strings.Contains(err.Error(), tt.cycle) {
					t.Fatalf("err = %v, want ErrCycle mentioning %s", err, tt.cycle)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(o.Nodes, ","); got != tt.order {
				t.Errorf("order = %q, want %q", got, tt.order)
			}
		})
	}
}

// randomGraph makes a small random multigraph with self-loops; weights are
// whole numbers or, when fractional, quarters and tenths.
func randomGraph(r *rand.Rand, fractional bool) ([]string, []tedge) {
	n := 1 + r.Intn(7)
	var nodes []string
	for i := range n {
		nodes = append(nodes, fmt.Sprintf("v%d", i))
	}
	var edges []tedge
	for i := range r.Intn(15) {
		w := float64(r.Intn(10))
		if fractional {
			w = float64(r.Intn(40))/4 + float64(r.Intn(10))/10
		}
		edges = append(edges, tedge{fmt.Sprintf("e%02d", i), nodes[r.Intn(n)], nodes[r.Intn(n)], w})
	}
	return nodes, edges
}

// naive holds brute-force answers for a graph of n nodes.
type naive struct {
	n      int
	hops   [][]float64 // Floyd–Warshall, every edge costs 1
	dist   [][]float64 // Floyd–Warshall on the "w" weights
	reach  [][]bool    // reflexive transitive closure
	cyclic []bool      // on a cycle: reachable from itself in one edge or more
}

func newNaive(nodes []string, edges []tedge) *naive {
	n := len(nodes)
	idx := map[string]int{}
	for i, id := range nodes {
		idx[id] = i
	}
	z := &naive{n: n}
	z.hops, z.dist = make([][]float64, n), make([][]float64, n)
	z.reach, z.cyclic = make([][]bool, n), make([]bool, n)
	step := make([][]bool, n) // one edge or more
	for i := range n {
		z.hops[i], z.dist[i] = make([]float64, n), make([]float64, n)
		z.reach[i], step[i] = make([]bool, n), make([]bool, n)
		for j := range n {
			z.hops[i][j], z.dist[i][j] = math.Inf(1), math.Inf(1)
		}
		z.hops[i][i], z.dist[i][i] = 0, 0
	}
	for _, e := range edges {
		s, d := idx[e.src], idx[e.dst]
		z.hops[s][d] = min(z.hops[s][d], 1)
		z.dist[s][d] = min(z.dist[s][d], e.w.(float64))
		step[s][d] = true
	}
	for k := range n {
		for i := range n {
			for j := range n {
				z.hops[i][j] = min(z.hops[i][j], z.hops[i][k]+z.hops[k][j])
				z.dist[i][j] = min(z.dist[i][j], z.dist[i][k]+z.dist[k][j])
				step[i][j] = step[i][j] || step[i][k] && step[k][j]
			}
		}
	}
	for i := range n {
		z.cyclic[i] = step[i][i]
		for j := range n {
			z.reach[i][j] = i == j || step[i][j]
		}
	}
	return z
}

// partition renders the classes of an equivalence as components print.
func partition(nodes []string, same func(i, j int) bool) string {
	var parts []string
	done := make([]bool, len(nodes))
	for i := range nodes {
		if done[i] {
			continue
		}
		var c []string
		for j := range nodes {
			if same(i, j) {
				c = append(c, nodes[j])
				done[j] = true
			}
		}
		parts = append(parts, strings.Join(c, ","))
	}
	return strings.Join(parts, " ")
}

func TestAlgorithmsAgainstNaive(t *testing.T) {
	for seed := int64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewSource(seed))
		nodes, edges := randomGraph(r, seed%2 == 0)
		g := build(t, nodes, edges)
		z := newNaive(nodes, edges)
		byID := map[string]tedge{}
		for _, e := range edges {
			byID[e.id] = e
		}
		what := fmt.Sprintf("seed %d (%v)", seed, edges)

		for i, from := range nodes {
			for j, to := range nodes {
				for _, weight := range []string{"", "w"} {
					want := z.hops[i][j]
					if weight != "" {
						want = z.dist[i][j]
					}
					p, err := g.ShortestPath(t.Context(), from, to, weight)
					if math.IsInf(want, 1) {
						if !errors.Is(err, ErrNotFound) {
							t.Fatalf("%s: %s→%s %q: err = %v, want ErrNotFound", what, from, to, weight, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %s→%s %q: %v", what, from, to, weight, err)
					}
					if math.Abs(p.Cost-want) > 1e-9 {
						t.Fatalf("%s: %s→%s %q: cost %v, want %v", what, from, to, weight, p.Cost, want)
					}
					checkPath(t, what, p, from, to, weight, edges, byID)
				}
			}
		}

		weak := partition(nodes, func(i, j int) bool {
			// weakly connected: reachable in the graph made undirected
			return undirectedReach(nodes, edges)[i][j]
		})
		if got := components(t, g, messages.ComponentKind_COMPONENT_KIND_WEAK); got != weak {
			t.Fatalf("%s: weak = %q, want %q", what, got, weak)
		}
		strong := partition(nodes, func(i, j int) bool { return z.reach[i][j] && z.reach[j][i] })
		if got := components(t, g, messages.ComponentKind_COMPONENT_KIND_STRONG); got != strong {
			t.Fatalf("%s: strong = %q, want %q", what, got, strong)
		}

		o, err := g.TopologicalOrder(t.Context())
		first := slices.Index(z.cyclic, true)
		if first >= 0 {
			if !errors.Is(err, ErrCycle) || !strings.Contains(err.Error(), fmt.Sprintf("node %q is on the cycle", nodes[first])) {
				t.Fatalf("%s: topo err = %v, want ErrCycle naming %q", what, err, nodes[first])
			}
		} else {
			if err != nil {
				t.Fatalf("%s: topo: %v", what, err)
			}
			pos := map[string]int{}
			for i, id := range o.Nodes {
				pos[id] = i
			}
			if len(pos) != len(nodes) || len(o.Nodes) != len(nodes) {
				t.Fatalf("%s: order %v is not a permutation of the nodes", what, o.Nodes)
			}
			for _, e := range edges {
				if pos[e.src] >= pos[e.dst] {
					t.Fatalf("%s: order %v puts %s after %s", what, o.Nodes, e.src, e.dst)
				}
			}
		}

		checkHistoryIndependent(t, what, r, g, nodes, edges)
	}
}

func undirectedReach(nodes []string, edges []tedge) [][]bool {
	var both []tedge
	for _, e := range edges {
		both = append(both, e, tedge{e.id + "r", e.dst, e.src, e.w})
	}
	return newNaive(nodes, both).reach
}

// checkPath verifies a path is a walk from→to over existing edges, each the
// cheapest of its parallels (ties: smallest ID), adding up to the cost.
func checkPath(t *testing.T, what string, p *messages.Path, from, to, weight string, edges []tedge, byID map[string]tedge) {
	t.Helper()
	if len(p.Nodes) != len(p.Edges)+1 || p.Nodes[0] != from || p.Nodes[len(p.Nodes)-1] != to {
		t.Fatalf("%s: path %v does not go from %s to %s", what, p, from, to)
	}
	cost := func(e tedge) float64 {
		if weight == "" {
			return 1
		}
		return e.w.(float64)
	}
	sum := 0.0
	for i, id := range p.Edges {
		e, ok := byID[id]
		if !ok || e.src != p.Nodes[i] || e.dst != p.Nodes[i+1] {
			t.Fatalf("%s: path %v: edge %s does not join %s to %s", what, p, id, p.Nodes[i], p.Nodes[i+1])
		}
		for _, o := range edges {
			if o.src == e.src && o.dst == e.dst && (cost(o) < cost(e) || cost(o) == cost(e) && o.id < e.id) {
				t.Fatalf("%s: path %v uses %s, but parallel %s is preferred", what, p, e.id, o.id)
			}
		}
		sum += cost(e)
	}
	if math.Abs(sum-p.Cost) > 1e-9 {
		t.Fatalf("%s: path %v: edges add up to %v", what, p, sum)
	}
}

// checkHistoryIndependent builds the same graph from shuffled events and
// requires identical answers.
func checkHistoryIndependent(t *testing.T, what string, r *rand.Rand, g *Graph, nodes []string, edges []tedge) {
	t.Helper()
	nodes, edges = slices.Clone(nodes), slices.Clone(edges)
	r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
	r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	h := build(t, nodes, edges)
	for _, w := range []string{"", "w"} {
		for _, from := range nodes {
			for _, to := range nodes {
				p1, err1 := g.ShortestPath(t.Context(), from, to, w)
				p2, err2 := h.ShortestPath(t.Context(), from, to, w)
				if !proto.Equal(p1, p2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
					t.Fatalf("%s: path %s→%s depends on history: %v / %v", what, from, to, p1, p2)
				}
			}
		}
	}
	for _, kind := range []messages.ComponentKind{messages.ComponentKind_COMPONENT_KIND_WEAK, messages.ComponentKind_COMPONENT_KIND_STRONG} {
		c1, _ := g.Components(t.Context(), kind)
		c2, _ := h.Components(t.Context(), kind)
		if !proto.Equal(c1, c2) {
			t.Fatalf("%s: components depend on history", what)
		}
	}
	o1, err1 := g.TopologicalOrder(t.Context())
	o2, err2 := h.TopologicalOrder(t.Context())
	if !proto.Equal(o1, o2) || fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%s: topological order depends on history: %v / %v", what, err1, err2)
	}
	for _, id := range nodes {
		n1, _ := g.Neighbors(id, messages.Direction_DIRECTION_BOTH)
		n2, _ := h.Neighbors(id, messages.Direction_DIRECTION_BOTH)
		if !slices.EqualFunc(n1, n2, func(a, b *messages.Neighbor) bool { return proto.Equal(a, b) }) {
			t.Fatalf("%s: neighbors of %s depend on history", what, id)
		}
	}
}

// endsAfter is a context that reports itself canceled from its n+1-th
// look on: it shows which loops look at their context, without timing.
type endsAfter struct {
	context.Context
	n int
}

func (c *endsAfter) Err() error {
	if c.n--; c.n < 0 {
		return context.Canceled
	}
	return nil
}

// An algorithm stops when its context ends, in building the index and in
// the search itself, and answers the context's cause.
func TestAlgorithmsStopWithTheirContext(t *testing.T) {
	const n = 3 * checkEvery
	nodes := make([]string, n)
	var edges []tedge
	for i := range nodes {
		nodes[i] = fmt.Sprintf("n%05d", i)
		if i > 0 {
			edges = append(edges, tedge{fmt.Sprintf("e%05d", i), nodes[i-1], nodes[i], 0.5})
		}
	}
	g := build(t, nodes, edges)
	from, to := nodes[0], nodes[n-1]
	p, err := g.ShortestPath(t.Context(), from, to, "w")
	if err != nil || len(p.Nodes) != n || p.Cost != float64(n-1)/2 {
		t.Fatalf("unbounded: %d nodes, cost %v, %v", len(p.GetNodes()), p.GetCost(), err)
	}
	// The index looks at the context at vertices 0, 4096 and 8192, the
	// search at every 4096th step: an end at any look stops the work.
	for looks := range 5 {
		if _, err := g.ShortestPath(&endsAfter{t.Context(), looks}, from, to, "w"); !errors.Is(err, context.Canceled) {
			t.Errorf("context ending after %d looks: %v, want context.Canceled", looks, err)
		}
	}
	if _, err := g.Components(&endsAfter{t.Context(), 1}, messages.ComponentKind_COMPONENT_KIND_STRONG); !errors.Is(err, context.Canceled) {
		t.Errorf("components: %v, want context.Canceled", err)
	}
	if _, err := g.TopologicalOrder(&endsAfter{t.Context(), 2}); !errors.Is(err, context.Canceled) {
		t.Errorf("topological order: %v, want context.Canceled", err)
	}
}
