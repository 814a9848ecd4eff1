package graph

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/graph/simple"
	"gonum.org/v1/gonum/graph/topo"
)

// unionFind is the naive disjoint sets of the tests.
type unionFind []int

func newUnionFind(n int) unionFind {
	u := make(unionFind, n)
	for i := range u {
		u[i] = i
	}
	return u
}

func (u unionFind) find(x int) int {
	for u[x] != x {
		x = u[x]
	}
	return x
}

// union joins x's and y's sets and reports whether they were apart.
func (u unionFind) union(x, y int) bool {
	x, y = u.find(x), u.find(y)
	u[x] = y
	return x != y
}

// componentsWithout counts the connected components of l with edge
// direction ignored, leaving out one edge and one node (-1: none).
func componentsWithout(l lgraph, edge string, node int) int {
	idx := l.index()
	u := newUnionFind(len(l.nodes))
	count := len(l.nodes)
	if node >= 0 {
		count--
	}
	for _, e := range l.edges {
		s, d := idx[e.src], idx[e.dst]
		if e.id != edge && s != node && d != node && u.union(s, d) {
			count--
		}
	}
	return count
}

func TestRegistryWrapsTheMethods(t *testing.T) {
	g := chainL().build(t)
	if got := asJSON(t, runL(t, g, "components", map[string]string{"kind": "strong"})); got != `{"components":[["a"],["b"],["c"],["d"],["e"],["f"]]}` {
		t.Errorf("strong components: %s", got)
	}
	if got := asJSON(t, runL(t, g, "components", nil)); got != `{"components":[["a","b","c","d","e"],["f"]]}` {
		t.Errorf("weak components: %s", got)
	}
	if got := asJSON(t, runL(t, g, "topological_order", nil)); got != `{"nodes":["a","f","b","c","d","e"]}` {
		t.Errorf("topological order: %s", got)
	}
	if got := asJSON(t, runL(t, g, "shortest_path", map[string]string{"from": "a", "to": "e", "weight": "w"})); got != `{"nodes":["a","b","c","d","e"],"edges":["ab","bc","cd","de"],"cost":5}` {
		t.Errorf("shortest path: %s", got)
	}
	if got := asJSON(t, runL(t, g, "shortest_path", map[string]string{"from": "f", "to": "f"})); got != `{"nodes":["f"],"edges":[],"cost":0}` {
		t.Errorf("shortest path to itself: %s", got)
	}
}

func TestSpanningForestAgainstKruskal(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 6))
		l := randomL(r, 1+r.IntN(12), r.IntN(30), true, ints(r, -3, 9))
		if seed%4 == 0 {
			l = randomL(r, 1+r.IntN(12), r.IntN(30), true, func() float64 { return float64(r.IntN(20)) / 8 })
		}
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for _, weight := range []string{"", "w"} {
			cost := func(e tedge) float64 {
				if weight == "" {
					return 1
				}
				return e.weight()
			}
			// Kruskal written out: every edge by cost, self-loops skipped.
			edges := slices.Clone(l.edges)
			slices.SortStableFunc(edges, func(a, b tedge) int { return cmp.Compare(cost(a), cost(b)) })
			idx := l.index()
			u := newUnionFind(len(l.nodes))
			want := 0.0
			for _, e := range edges {
				if u.union(idx[e.src], idx[e.dst]) {
					want += cost(e)
				}
			}
			f := runL(t, g, "mst", map[string]string{"weight": weight}).(*ForestResult)
			if math.Abs(float64(f.Total)-want) > 1e-9 {
				t.Fatalf("%s %q: total %v, want %v", what, weight, f.Total, want)
			}
			// The answer is a spanning forest of cheapest edges adding up to
			// its total: no cycle, as many trees as components.
			byID := l.byID()
			v := newUnionFind(len(l.nodes))
			sum := 0.0
			for _, id := range f.Edges {
				e := byID[id]
				if !v.union(idx[e.src], idx[e.dst]) {
					t.Fatalf("%s: edge %s closes a cycle in %v", what, id, f.Edges)
				}
				for _, o := range l.edges {
					same := o.src == e.src && o.dst == e.dst || o.src == e.dst && o.dst == e.src
					if same && (cost(o) < cost(e) || cost(o) == cost(e) && o.id < e.id) {
						t.Fatalf("%s: forest uses %s where %s is preferred", what, e.id, o.id)
					}
				}
				sum += cost(e)
			}
			if comps := componentsWithout(l, "", -1); f.Trees != comps || len(f.Edges) != len(l.nodes)-comps {
				t.Fatalf("%s: %d trees of %d edges, want %d trees", what, f.Trees, len(f.Edges), comps)
			}
			if math.Abs(sum-float64(f.Total)) > 1e-9 || !slices.IsSorted(f.Edges) {
				t.Fatalf("%s: edges %v add up to %v, total %v", what, f.Edges, sum, f.Total)
			}
		}
	}
}

func TestBipartiteAgainstBruteForce(t *testing.T) {
	odd := 0
	for seed := range uint64(400) {
		r := rand.New(rand.NewPCG(seed, 7))
		l := randomL(r, 1+r.IntN(10), r.IntN(14), seed%5 == 0, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		idx := l.index()
		// Some of the 2^n colourings puts every edge between two colours.
		two := false
		for mask := 0; mask < 1<<len(l.nodes) && !two; mask++ {
			two = !slices.ContainsFunc(l.edges, func(e tedge) bool { return mask>>idx[e.src]&1 == mask>>idx[e.dst]&1 })
		}
		res := runL(t, g, "bipartite", nil).(*BipartiteResult)
		if res.Bipartite != two {
			t.Fatalf("%s: bipartite %v, want %v", what, res.Bipartite, two)
		}
		if two {
			side := map[string]int{}
			for _, id := range res.Left {
				side[id] = 1
			}
			for _, id := range res.Right {
				side[id] = 2
			}
			if len(side) != len(l.nodes) || len(res.Left)+len(res.Right) != len(l.nodes) || res.OddCycle != nil {
				t.Fatalf("%s: sides %v %v are not a partition", what, res.Left, res.Right)
			}
			for _, e := range l.edges {
				if side[e.src] == side[e.dst] {
					t.Fatalf("%s: edge %s inside one side", what, e.id)
				}
			}
			// The smallest node of each component is on the left.
			u := newUnionFind(len(l.nodes))
			for _, e := range l.edges {
				u.union(idx[e.src], idx[e.dst])
			}
			for i, id := range l.nodes {
				if !slices.ContainsFunc(l.nodes[:i], func(o string) bool { return u.find(idx[o]) == u.find(i) }) && side[id] != 1 {
					t.Fatalf("%s: %s, first of its component, is not on the left", what, id)
				}
			}
			continue
		}
		odd++
		c := res.OddCycle
		if c == nil || len(c.Edges)%2 != 1 || len(c.Nodes) != len(c.Edges)+1 || c.Nodes[0] != c.Nodes[len(c.Nodes)-1] {
			t.Fatalf("%s: witness %+v is not an odd closed walk", what, c)
		}
		if inner := slices.Sorted(slices.Values(c.Nodes[1:])); len(slices.Compact(inner)) != len(c.Edges) {
			t.Fatalf("%s: witness %v repeats a node", what, c.Nodes)
		}
		byID := l.byID()
		for i, id := range c.Edges {
			e := byID[id]
			if !(e.src == c.Nodes[i] && e.dst == c.Nodes[i+1] || e.dst == c.Nodes[i] && e.src == c.Nodes[i+1]) {
				t.Fatalf("%s: witness edge %s does not join %s and %s", what, id, c.Nodes[i], c.Nodes[i+1])
			}
		}
	}
	if odd == 0 {
		t.Error("no random graph was odd")
	}
}

// elementaryCycles lists every elementary cycle of l by brute force, each
// from its smallest node, as "a,b,c" strings, sorted.
func elementaryCycles(l lgraph) []string {
	n, idx := len(l.nodes), l.index()
	arc := make([][]bool, n)
	for i := range arc {
		arc[i] = make([]bool, n)
	}
	for _, e := range l.edges {
		arc[idx[e.src]][idx[e.dst]] = true
	}
	var out []string
	var walk func(path []int)
	walk = func(path []int) {
		v := path[len(path)-1]
		for w := range n {
			if !arc[v][w] {
				continue
			}
			if w == path[0] {
				var names []string
				for _, x := range path {
					names = append(names, l.nodes[x])
				}
				out = append(out, strings.Join(names, ","))
			} else if w > path[0] && !slices.Contains(path, w) {
				walk(append(path, w))
			}
		}
	}
	for s := range n {
		walk([]int{s})
	}
	slices.Sort(out)
	return out
}

func TestCyclesAgainstEnumeration(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 8))
		l := randomL(r, 1+r.IntN(7), r.IntN(16), true, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		want := elementaryCycles(l)
		res := runL(t, g, "cycles", map[string]string{"limit": "10000"}).(*CyclesResult)
		if res.Acyclic != (len(want) == 0) || res.Truncated {
			t.Fatalf("%s: acyclic %v truncated %v, want %d cycles", what, res.Acyclic, res.Truncated, len(want))
		}
		var got []string
		for _, c := range res.Cycles {
			checkCycle(t, what, l, c)
			got = append(got, strings.Join(c.Nodes[:len(c.Nodes)-1], ","))
		}
		if res.Cycle != nil {
			checkCycle(t, what, l, *res.Cycle)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("%s: cycles %v, want %v", what, got, want)
		}
		// gonum's Johnson agrees on the cycles of two nodes or more.
		sg := simple.NewDirectedGraph()
		for i := range l.nodes {
			sg.AddNode(simple.Node(i))
		}
		for _, e := range l.edges {
			if e.src != e.dst {
				sg.SetEdge(simple.Edge{F: simple.Node(l.index()[e.src]), T: simple.Node(l.index()[e.dst])})
			}
		}
		long := slices.DeleteFunc(slices.Clone(want), func(c string) bool { return !strings.Contains(c, ",") })
		if n := len(topo.DirectedCyclesIn(sg)); n != len(long) {
			t.Fatalf("%s: gonum finds %d cycles of two nodes or more, the enumeration %d", what, n, len(long))
		}
		// A limit keeps the first ones and says there are more.
		if len(want) > 1 {
			limited := runL(t, g, "cycles", map[string]string{"limit": "1"}).(*CyclesResult)
			if len(limited.Cycles) != 1 || !limited.Truncated || asJSON(t, limited.Cycles[0]) != asJSON(t, res.Cycles[0]) {
				t.Fatalf("%s: limit 1: %+v", what, limited)
			}
		}
		if plain := runL(t, g, "cycles", nil).(*CyclesResult); len(plain.Cycles) != 0 || plain.Acyclic != res.Acyclic {
			t.Fatalf("%s: without limit: %+v", what, plain)
		}
	}
}

// checkCycle checks a directed closed walk over edges of l.
func checkCycle(t *testing.T, what string, l lgraph, c Cycle) {
	t.Helper()
	byID := l.byID()
	if len(c.Nodes) != len(c.Edges)+1 || c.Nodes[0] != c.Nodes[len(c.Nodes)-1] {
		t.Fatalf("%s: %+v is not closed", what, c)
	}
	for i, id := range c.Edges {
		if e := byID[id]; e.src != c.Nodes[i] || e.dst != c.Nodes[i+1] {
			t.Fatalf("%s: %+v: edge %s does not go from %s to %s", what, c, id, c.Nodes[i], c.Nodes[i+1])
		}
	}
}

func TestBridgesAgainstRemoval(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 9))
		l := randomL(r, 1+r.IntN(12), r.IntN(16), true, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		before := componentsWithout(l, "", -1)
		wantBridges, wantPoints := []string{}, []string{}
		for _, e := range l.edges {
			if componentsWithout(l, e.id, -1) > before {
				wantBridges = append(wantBridges, e.id)
			}
		}
		for i, id := range l.nodes {
			if componentsWithout(l, "", i) > before {
				wantPoints = append(wantPoints, id)
			}
		}
		slices.Sort(wantBridges)
		if got := runL(t, g, "bridges", nil).(*BridgesResult).Bridges; !slices.Equal(got, wantBridges) {
			t.Fatalf("%s: bridges %v, want %v", what, got, wantBridges)
		}
		if got := runL(t, g, "articulation_points", nil).(*ArticulationPointsResult).Nodes; !slices.Equal(got, wantPoints) {
			t.Fatalf("%s: articulation points %v, want %v", what, got, wantPoints)
		}
	}
}

// A path of 30,000 nodes is all bridges and inner points: the search
// is iterative, so the depth costs no stack.
func TestBridgesOfALongPath(t *testing.T) {
	var l lgraph
	for i := range 30_000 {
		l.nodes = append(l.nodes, fmt.Sprintf("n%06d", i))
		if i > 0 {
			l.edges = append(l.edges, tedge{fmt.Sprintf("e%06d", i), l.nodes[i-1], l.nodes[i], nil})
		}
	}
	g := l.build(t)
	if b := runL(t, g, "bridges", nil).(*BridgesResult); len(b.Bridges) != len(l.edges) {
		t.Errorf("%d bridges, want %d", len(b.Bridges), len(l.edges))
	}
	if p := runL(t, g, "articulation_points", nil).(*ArticulationPointsResult); len(p.Nodes) != len(l.nodes)-2 {
		t.Errorf("%d articulation points, want %d", len(p.Nodes), len(l.nodes)-2)
	}
}

func TestKCoreAgainstPeeling(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 10))
		l := randomL(r, 1+r.IntN(14), r.IntN(40), true, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		n, idx := len(l.nodes), l.index()
		adj := make([][]bool, n)
		for i := range adj {
			adj[i] = make([]bool, n)
		}
		for _, e := range l.edges {
			if e.src != e.dst {
				adj[idx[e.src]][idx[e.dst]], adj[idx[e.dst]][idx[e.src]] = true, true
			}
		}
		// The k-core: take out nodes of fewer than k neighbours left, until
		// none is; a node's core number is the largest k whose core holds it.
		core := make([]int, n)
		for k := 1; ; k++ {
			alive := slices.Repeat([]bool{true}, n)
			for changed := true; changed; {
				changed = false
				for v := range n {
					deg := 0
					for w := range n {
						if alive[w] && adj[v][w] {
							deg++
						}
					}
					if alive[v] && deg < k {
						alive[v], changed = false, true
					}
				}
			}
			if !slices.Contains(alive, true) {
				break
			}
			for v := range n {
				if alive[v] {
					core[v] = k
				}
			}
		}
		res := runL(t, g, "k_core", nil).(*KCoreResult)
		if len(res.Cores) != n || res.Degeneracy != slices.Max(core) {
			t.Fatalf("%s: %+v, want cores %v", what, res, core)
		}
		for _, c := range res.Cores {
			if core[idx[c.Node]] != c.Core {
				t.Fatalf("%s: %s has core %d, want %d", what, c.Node, c.Core, core[idx[c.Node]])
			}
		}
		if !slices.IsSortedFunc(res.Cores, func(a, b NodeCore) int { return cmp.Or(cmp.Compare(b.Core, a.Core), cmp.Compare(a.Node, b.Node)) }) {
			t.Fatalf("%s: cores not sorted: %v", what, res.Cores)
		}
		k := r.IntN(4)
		kc := runL(t, g, "k_core", map[string]string{"k": fmt.Sprint(k)}).(*KCoreResult)
		want := slices.DeleteFunc(slices.Clone(res.Cores), func(c NodeCore) bool { return c.Core < k })
		if !slices.Equal(kc.Cores, want) {
			t.Fatalf("%s: %d-core %v, want %v", what, k, kc.Cores, want)
		}
	}
}

func TestKHopAgainstBFS(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 11))
		l := randomL(r, 1+r.IntN(12), r.IntN(25), true, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for _, dir := range []string{"out", "in", "both"} {
			for k := range 4 {
				center := l.nodes[r.IntN(len(l.nodes))]
				hops := map[string]int{center: 0}
				for depth := 1; depth <= k; depth++ {
					for _, e := range l.edges {
						var steps [][2]string
						if dir != "in" {
							steps = append(steps, [2]string{e.src, e.dst})
						}
						if dir != "out" {
							steps = append(steps, [2]string{e.dst, e.src})
						}
						for _, step := range steps {
							if h, ok := hops[step[0]]; ok && h == depth-1 {
								if _, seen := hops[step[1]]; !seen {
									hops[step[1]] = depth
								}
							}
						}
					}
				}
				var want []HopNode
				for id, h := range hops {
					want = append(want, HopNode{id, h})
				}
				slices.SortFunc(want, func(a, b HopNode) int { return cmp.Or(cmp.Compare(a.Hops, b.Hops), cmp.Compare(a.Node, b.Node)) })
				wantEdges := []string{}
				for _, e := range l.edges {
					_, s := hops[e.src]
					_, d := hops[e.dst]
					if s && d {
						wantEdges = append(wantEdges, e.id)
					}
				}
				slices.Sort(wantEdges)
				res := runL(t, g, "k_hop", map[string]string{"node": center, "k": fmt.Sprint(k), "direction": dir}).(*KHopResult)
				if !slices.Equal(res.Nodes, want) || !slices.Equal(res.Edges, wantEdges) {
					t.Fatalf("%s: %s k=%d %s: %v %v, want %v %v", what, center, k, dir, res.Nodes, res.Edges, want, wantEdges)
				}
			}
		}
	}
}
