package graph

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"
)

// capacities adds up the capacities of l's edges between each two nodes
// (every edge 1 when !weighted), self-loops left out.
func capacities(l lgraph, weighted bool) [][]float64 {
	n, idx := len(l.nodes), l.index()
	c := make([][]float64, n)
	for i := range c {
		c[i] = make([]float64, n)
	}
	for _, e := range l.edges {
		if e.src == e.dst {
			continue
		}
		w := 1.0
		if weighted {
			w = e.weight()
		}
		c[idx[e.src]][idx[e.dst]] += w
	}
	return c
}

// edmondsKarp is the textbook maximum flow over a capacity matrix:
// augment along shortest paths of the residual network until none is left.
func edmondsKarp(c [][]float64, s, t int) float64 {
	n := len(c)
	res := make([][]float64, n)
	for i := range res {
		res[i] = slices.Clone(c[i])
	}
	total := 0.0
	for {
		prev := slices.Repeat([]int{-1}, n)
		prev[s] = s
		for queue := []int{s}; len(queue) > 0 && prev[t] < 0; queue = queue[1:] {
			for w := range n {
				if v := queue[0]; prev[w] < 0 && res[v][w] > 1e-12 {
					prev[w] = v
					queue = append(queue, w)
				}
			}
		}
		if prev[t] < 0 {
			return total
		}
		f := math.Inf(1)
		for v := t; v != s; v = prev[v] {
			f = min(f, res[prev[v]][v])
		}
		for v := t; v != s; v = prev[v] {
			res[prev[v]][v] -= f
			res[v][prev[v]] += f
		}
		total += f
	}
}

func TestMaxFlowAgainstEdmondsKarp(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 12))
		w := ints(r, 0, 9)
		switch seed % 3 {
		case 1:
			w = func() float64 { return float64(r.IntN(40)) / 8 }
		case 2:
			// Tenths are not exact in binary: filling an edge must not
			// leave a hair of room by rounding.
			w = func() float64 { return float64(r.IntN(40)) / 10 }
		}
		l := randomL(r, 2+r.IntN(9), r.IntN(30), true, w)
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		s, sink := r.IntN(len(l.nodes)), r.IntN(len(l.nodes)-1)
		if sink >= s {
			sink++
		}
		for _, capacity := range []string{"", "w"} {
			c := capacities(l, capacity != "")
			want := edmondsKarp(c, s, sink)
			f := runL(t, g, "max_flow", map[string]string{"source": l.nodes[s], "sink": l.nodes[sink], "capacity": capacity}).(*MaxFlowResult)
			if math.Abs(float64(f.Value)-want) > 1e-9 {
				t.Fatalf("%s %q: %s→%s value %v, want %v", what, capacity, l.nodes[s], l.nodes[sink], f.Value, want)
			}
			checkFlow(t, what, l, capacity != "", s, sink, f)
		}
		// gonum's Dinic, on a simple graph of the summed capacities, agrees.
		c := capacities(l, true)
		sg := simple.NewWeightedDirectedGraph(0, 0)
		for i := range l.nodes {
			sg.AddNode(simple.Node(i))
		}
		for i := range c {
			for j := range c[i] {
				if c[i][j] > 0 {
					sg.SetWeightedEdge(simple.WeightedEdge{F: simple.Node(i), T: simple.Node(j), W: c[i][j]})
				}
			}
		}
		gv := network.MaxFlowDinic(sg, simple.Node(s), simple.Node(sink), -1)
		f := runL(t, g, "max_flow", map[string]string{"source": l.nodes[s], "sink": l.nodes[sink], "capacity": "w"}).(*MaxFlowResult)
		if math.Abs(float64(f.Value)-gv) > 1e-9 {
			t.Fatalf("%s: value %v, gonum's %v", what, f.Value, gv)
		}
	}
}

// checkFlow checks a flow edge by edge: within capacity, conserved at every
// node but the ends, leaving the source at its value; and its cut: every
// edge from the source's side to the rest, full, adding up to the value.
func checkFlow(t *testing.T, what string, l lgraph, weighted bool, s, sink int, f *MaxFlowResult) {
	t.Helper()
	capOf := func(e tedge) float64 {
		if weighted {
			return e.weight()
		}
		return 1
	}
	flow := map[string]float64{}
	for _, ef := range f.Flows {
		flow[ef.Edge] = float64(ef.Flow)
	}
	net := make(map[string]float64)
	for _, e := range l.edges {
		x := flow[e.id]
		if x < 0 || x > capOf(e)+1e-9 || e.src == e.dst && x != 0 {
			t.Fatalf("%s: edge %s carries %v of %v", what, e.id, x, capOf(e))
		}
		net[e.src] += x
		net[e.dst] -= x
	}
	for i, id := range l.nodes {
		want := 0.0
		switch i {
		case s:
			want = float64(f.Value)
		case sink:
			want = -float64(f.Value)
		}
		if math.Abs(net[id]-want) > 1e-9 {
			t.Fatalf("%s: %s sends %v net, want %v", what, id, net[id], want)
		}
	}
	side := map[string]bool{}
	for _, id := range f.SourceSide {
		side[id] = true
	}
	if !side[l.nodes[s]] || side[l.nodes[sink]] {
		t.Fatalf("%s: source side %v", what, f.SourceSide)
	}
	var cut []string
	sum := 0.0
	for _, e := range l.edges {
		if side[e.src] && !side[e.dst] {
			cut = append(cut, e.id)
			sum += capOf(e)
			if math.Abs(flow[e.id]-capOf(e)) > 1e-9 {
				t.Fatalf("%s: cut edge %s is not full", what, e.id)
			}
		}
	}
	slices.Sort(cut)
	if !slices.Equal(cut, f.Cut) && !(len(cut) == 0 && len(f.Cut) == 0) {
		t.Fatalf("%s: cut %v, want %v", what, f.Cut, cut)
	}
	if math.Abs(sum-float64(f.Value)) > 1e-9 {
		t.Fatalf("%s: the cut holds %v, the flow is %v", what, sum, f.Value)
	}
}

// The network of Cormen et al., Introduction to Algorithms, figure 26.6:
// its maximum flow is 23, and its minimum cut {s, v1, v2, v4} | {v3, t}.
func TestMaxFlowTextbook(t *testing.T) {
	l := lgraph{nodes: []string{"s", "t", "v1", "v2", "v3", "v4"}, edges: []tedge{
		{"s1", "s", "v1", 16.0}, {"s2", "s", "v2", 13.0}, {"21", "v2", "v1", 4.0}, {"13", "v1", "v3", 12.0},
		{"32", "v3", "v2", 9.0}, {"24", "v2", "v4", 14.0}, {"43", "v4", "v3", 7.0}, {"3t", "v3", "t", 20.0}, {"4t", "v4", "t", 4.0},
	}}
	f := runL(t, l.build(t), "max_flow", map[string]string{"source": "s", "sink": "t", "capacity": "w"}).(*MaxFlowResult)
	if f.Value != 23 || !slices.Equal(f.Cut, []string{"13", "43", "4t"}) || !slices.Equal(f.SourceSide, []string{"s", "v1", "v2", "v4"}) {
		t.Errorf("flow %v, cut %v, source side %v", f.Value, f.Cut, f.SourceSide)
	}
	checkFlow(t, "textbook", l, true, 0, 1, f)
}

// Filling an edge by adding what room it has left can round to a hair
// below full: 8.74339952320162 + (61.1 - 8.74339952320162) < 61.1. The
// second augmenting path, s→b→a→t, fills a→t exactly so.
func TestMaxFlowRounding(t *testing.T) {
	l := lgraph{nodes: []string{"a", "b", "s", "t"}, edges: []tedge{
		{"sa", "s", "a", 8.74339952320162}, {"at", "a", "t", 61.1}, {"sb", "s", "b", 100.0}, {"ba", "b", "a", 100.0},
	}}
	f := runL(t, l.build(t), "max_flow", map[string]string{"source": "s", "sink": "t", "capacity": "w"}).(*MaxFlowResult)
	if math.Abs(float64(f.Value)-61.1) > 1e-9 || !slices.Equal(f.Cut, []string{"at"}) {
		t.Errorf("flow %v, cut %v", f.Value, f.Cut)
	}
	checkFlow(t, "rounding", l, true, 2, 3, f)
}
