package graph

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	yb "github.com/yourbasic/graph"
	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/path"

	"github.com/graphlog/graphlog/messages"
)

// Structure: connectivity, orders, forests, cycles and neighbourhoods.

const (
	// maxCycles bounds how many cycles cycles lists.
	maxCycles = 10_000
	// maxHops bounds k_hop's k.
	maxHops = 100
)

func structureAlgorithms() []*Algorithm {
	return []*Algorithm{
		{
			Name:    "components",
			Summary: "weakly (edge direction ignored) or strongly connected components, each sorted by ID, in the order of their first node",
			Params: []Param{{Name: "kind", Kind: ParamEnum, Default: "weak", Values: []string{"weak", "strong"},
				Doc: "weak: joined by edges in either direction; strong: each reaches each other along edges"}},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				kind := messages.ComponentKind_COMPONENT_KIND_WEAK
				if args.str("kind") == "strong" {
					kind = messages.ComponentKind_COMPONENT_KIND_STRONG
				}
				cs, err := g.Components(ctx, kind)
				if err != nil {
					return nil, err
				}
				res := &ComponentsResult{Components: make([][]string, len(cs.Components))}
				for i, c := range cs.Components {
					res.Components[i] = c.Nodes
				}
				return res, nil
			},
		},
		{
			Name:    "topological_order",
			Summary: "the nodes ordered so that every edge goes forward (Kahn's algorithm, ties by ID); a cycle is an error (cycle) naming one",
			run: func(ctx context.Context, g *Graph, _ Args) (any, error) {
				o, err := g.TopologicalOrder(ctx)
				if err != nil {
					return nil, err
				}
				return &OrderResult{Nodes: append([]string{}, o.Nodes...)}, nil
			},
		},
		{
			Name: "mst",
			Summary: "minimum spanning forest, edge direction ignored (gonum's Kruskal): of the edges joining two nodes the cheapest counts, " +
				"ties to the smallest ID; self-loops never",
			Params: []Param{weightParam(paramWeightDoc + "; any sign")},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.spanningForest(ctx, costOf(args, "weight", anySign))
			},
		},
		{
			Name: "bipartite",
			Summary: "splits the nodes in two sides with every edge between them, edge direction ignored (yourbasic's Bipartition), " +
				"or gives an odd cycle (a self-loop is one) that shows there are none",
			run: func(ctx context.Context, g *Graph, _ Args) (any, error) { return g.bipartite(ctx) },
		},
		{
			Name: "cycles",
			Summary: fmt.Sprintf("whether the graph has a directed cycle, one of them, and with limit up to %d elementary cycles "+
				"(Johnson's algorithm); parallel edges count once, a self-loop is a cycle", maxCycles),
			Params: []Param{{Name: "limit", Kind: ParamInteger, Default: "0", Min: "0", Max: fmt.Sprint(maxCycles),
				Doc: "how many elementary cycles to list, by their smallest node then depth first in ID order; 0 lists none"}},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.cycles(ctx, args.integer("limit"))
			},
		},
		{
			Name: "bridges",
			Summary: "edges whose removal disconnects their ends, edge direction ignored; parallel or opposite edges " +
				"between two nodes are never bridges, self-loops neither",
			run: func(ctx context.Context, g *Graph, _ Args) (any, error) {
				bridges, _, err := g.cutElements(ctx)
				if err != nil {
					return nil, err
				}
				return &BridgesResult{Bridges: bridges}, nil
			},
		},
		{
			Name:    "articulation_points",
			Summary: "nodes whose removal splits their connected component, edge direction ignored",
			run: func(ctx context.Context, g *Graph, _ Args) (any, error) {
				_, points, err := g.cutElements(ctx)
				if err != nil {
					return nil, err
				}
				return &ArticulationPointsResult{Nodes: points}, nil
			},
		},
		{
			Name: "k_core",
			Summary: "every node's core number, edge direction ignored, parallel edges once, self-loops never (Batagelj-Zaversnik); " +
				"with k, only the k-core",
			Params: []Param{{Name: "k", Kind: ParamInteger, Min: "0", Doc: "list only the nodes of core number k or more (the k-core); absent: all"}},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				k := -1
				if args.has("k") {
					k = args.integer("k")
				}
				return g.kCore(ctx, k)
			},
		},
		{
			Name:    "k_hop",
			Summary: fmt.Sprintf("the nodes within k edges of a node (k at most %d) and every edge among them", maxHops),
			Params: []Param{
				{Name: "node", Kind: ParamNode, Required: true, Doc: "node at the centre"},
				{Name: "k", Kind: ParamInteger, Default: "1", Min: "0", Max: fmt.Sprint(maxHops), Doc: "how many edges away"},
				{Name: "direction", Kind: ParamEnum, Default: "both", Values: []string{"out", "in", "both"},
					Doc: "out: follow edges from source to target; in: from target to source; both: either way"},
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.kHop(ctx, args.str("node"), args.integer("k"), args.str("direction"))
			},
		},
	}
}

// ComponentsResult lists components, each sorted by ID, in the order of
// their first node.
type ComponentsResult struct {
	Components [][]string `json:"components"`
}

// OrderResult is an order of the nodes.
type OrderResult struct {
	Nodes []string `json:"nodes"`
}

// ForestResult is a minimum spanning forest: its edges by ID, their total
// cost, and how many trees it has (one per weakly connected component).
type ForestResult struct {
	Edges []string `json:"edges"`
	Total Number   `json:"total"`
	Trees int      `json:"trees"`
}

// forestBuilder collects the edges path.Kruskal chooses.
type forestBuilder struct{ pairs [][2]int64 }

func (b *forestBuilder) AddNode(gg.Node) {}

func (b *forestBuilder) SetWeightedEdge(e gg.WeightedEdge) {
	b.pairs = append(b.pairs, [2]int64{e.From().ID(), e.To().ID()})
}

func (g *Graph) spanningForest(ctx context.Context, cost func(*edge) (float64, error)) (*ForestResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	u, err := d.undirected(ctx, cheapest)
	if err != nil {
		return nil, err
	}
	a := newUndirected(ctx, u)
	var b forestBuilder
	if err := runGonum(func() { path.Kruskal(&b, a) }); err != nil {
		return nil, err
	}
	res := &ForestResult{Edges: make([]string, len(b.pairs)), Trees: u.Order() - len(b.pairs)}
	var total float64
	for i, p := range b.pairs {
		x, _ := find(u.arcs[p[0]], int(p[1]))
		res.Edges[i] = x.edge
		total += x.cost
	}
	slices.Sort(res.Edges)
	res.Total = Number(total)
	return res, nil
}

// BipartiteResult splits the nodes in two sides with every edge between
// them (Left holds the smallest node of each weakly connected component),
// or, when there are none, gives an odd cycle that shows it.
type BipartiteResult struct {
	Bipartite bool     `json:"bipartite"`
	Left      []string `json:"left"`
	Right     []string `json:"right"`
	// OddCycle is a self-loop, the one of the smallest node, if there is
	// one; otherwise an odd cycle found by breadth-first search from the
	// smallest node of the first component that has one. Null when
	// bipartite.
	OddCycle *Cycle `json:"odd_cycle"`
}

func (g *Graph) bipartite(ctx context.Context) (*BipartiteResult, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	res := &BipartiteResult{Left: []string{}, Right: []string{}}
	for v := range d.arcs {
		if x, loop := find(d.arcs[v], v); loop {
			res.OddCycle = &Cycle{Nodes: []string{d.ids[v], d.ids[v]}, Edges: []string{x.edge}}
			return res, nil
		}
	}
	u, err := d.undirected(ctx, cheapest)
	if err != nil {
		return nil, err
	}
	left, ok := yb.Bipartition(u)
	if !ok {
		c, err := u.oddCycle(ctx)
		if err != nil {
			return nil, err
		}
		res.OddCycle = c
		return res, nil
	}
	res.Bipartite = true
	inLeft := make([]bool, u.Order())
	for _, v := range left {
		inLeft[v] = true
	}
	for v, id := range u.ids {
		if inLeft[v] {
			res.Left = append(res.Left, id)
		} else {
			res.Right = append(res.Right, id)
		}
	}
	return res, nil
}

// oddCycle finds an odd cycle in a symmetric digraph that has one: in
// breadth-first search, an arc between two vertices of the same depth
// closes one through their deepest common ancestor.
func (u *digraph) oddCycle(ctx context.Context) (*Cycle, error) {
	n := u.Order()
	depth := make([]int, n)
	parent := make([]int, n)
	for v := range depth {
		depth[v] = -1
	}
	step := 0
	for root := range n {
		if depth[root] >= 0 {
			continue
		}
		depth[root], parent[root] = 0, -1
		for queue := []int{root}; len(queue) > 0; queue = queue[1:] {
			v := queue[0]
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			for _, a := range u.arcs[v] {
				w := a.to
				if depth[w] < 0 {
					depth[w], parent[w] = depth[v]+1, v
					queue = append(queue, w)
					continue
				}
				if depth[w] != depth[v] {
					continue
				}
				// v and w are as deep: climb from both to where they meet.
				up, down := []int{v}, []int{w}
				for x, y := v, w; x != y; {
					x, y = parent[x], parent[y]
					up, down = append(up, x), append(down, y)
				}
				slices.Reverse(up) // from the common ancestor down to v
				walk := append(up, down[:len(down)-1]...)
				c := u.closedWalk(walk, u.arc)
				return &c, nil
			}
		}
	}
	return nil, fmt.Errorf("%w: no odd cycle found in a graph that is not bipartite", ErrCorrupt)
}

// CyclesResult says whether the graph has a directed cycle. Cycle is one,
// a shortest through the smallest node on any (the one TopologicalOrder's
// error names), null when acyclic. Cycles lists elementary cycles when
// asked to, each from its smallest node, in the order Johnson's algorithm
// finds them: by smallest node, then depth first in ID order; Truncated
// says there are more than the limit.
type CyclesResult struct {
	Acyclic   bool    `json:"acyclic"`
	Cycle     *Cycle  `json:"cycle"`
	Cycles    []Cycle `json:"cycles"`
	Truncated bool    `json:"truncated"`
}

func (g *Graph) cycles(ctx context.Context, limit int) (*CyclesResult, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	res := &CyclesResult{Acyclic: true, Cycles: []Cycle{}}
	vs := d.cycle()
	if vs == nil {
		return res, nil
	}
	c := d.closedWalk(vs[:len(vs)-1], d.arc)
	res.Acyclic, res.Cycle = false, &c
	if limit == 0 {
		return res, nil
	}
	j := johnson{d: d, limit: limit}
	if err := j.run(ctx); err != nil {
		return nil, err
	}
	for _, vs := range j.found {
		res.Cycles = append(res.Cycles, d.closedWalk(vs, d.arc))
	}
	res.Truncated = j.truncated
	return res, nil
}

// johnson enumerates elementary cycles by Johnson's algorithm (1975),
// stopping past limit. gonum's topo.DirectedCyclesIn is the same
// algorithm, but it returns every cycle at once, of which there may be
// exponentially many, and cannot be stopped: neither by a limit nor by a
// context.
type johnson struct {
	d     *digraph
	limit int

	s       int   // the least vertex of the subgraph searched
	comp    []int // strong component of each vertex in that subgraph
	blocked []bool
	b       [][]int
	stack   []int
	steps   int

	found     [][]int
	truncated bool
}

// errEnough stops the search once past the limit.
var errEnough = errors.New("enough cycles")

func (j *johnson) run(ctx context.Context) error {
	n := j.d.Order()
	j.blocked = make([]bool, n)
	j.b = make([][]int, n)
	j.comp = make([]int, n)
	for j.s = 0; j.s < n; j.s++ {
		if err := stopped(ctx, j.s); err != nil {
			return err
		}
		// The strong components of the subgraph of vertices s and after;
		// s moves on to the least vertex on a cycle there.
		sub := atLeast{j.d, j.s}
		size := make([]int, 0)
		for i, p := range yb.StrongComponents(sub) {
			for _, v := range p {
				j.comp[v] = i
			}
			size = append(size, len(p))
		}
		next := -1
		for v := j.s; v < n && next < 0; v++ {
			if _, loop := find(j.d.arcs[v], v); loop || size[j.comp[v]] > 1 {
				next = v
			}
		}
		if next < 0 {
			return nil
		}
		j.s = next
		for v := j.s; v < n; v++ {
			if j.comp[v] == j.comp[j.s] {
				j.blocked[v], j.b[v] = false, j.b[v][:0]
			}
		}
		if _, err := j.circuit(ctx, j.s); err != nil {
			if err == errEnough {
				j.truncated = true
				return nil
			}
			return err
		}
	}
	return nil
}

// circuit is Johnson's CIRCUIT(v): it reports whether it closed a cycle
// through v.
func (j *johnson) circuit(ctx context.Context, v int) (bool, error) {
	j.steps++
	if err := stopped(ctx, j.steps); err != nil {
		return false, err
	}
	closed := false
	j.stack = append(j.stack, v)
	j.blocked[v] = true
	for _, a := range j.d.arcs[v] {
		w := a.to
		if w < j.s || j.comp[w] != j.comp[j.s] {
			continue
		}
		if w == j.s {
			if len(j.found) == j.limit {
				return false, errEnough
			}
			j.found = append(j.found, slices.Clone(j.stack))
			closed = true
		} else if !j.blocked[w] {
			c, err := j.circuit(ctx, w)
			if err != nil {
				return false, err
			}
			closed = closed || c
		}
	}
	if closed {
		j.unblock(v)
	} else {
		for _, a := range j.d.arcs[v] {
			if w := a.to; w >= j.s && j.comp[w] == j.comp[j.s] && !slices.Contains(j.b[w], v) {
				j.b[w] = append(j.b[w], v)
			}
		}
	}
	j.stack = j.stack[:len(j.stack)-1]
	return closed, nil
}

func (j *johnson) unblock(u int) {
	j.blocked[u] = false
	for len(j.b[u]) > 0 {
		w := j.b[u][len(j.b[u])-1]
		j.b[u] = j.b[u][:len(j.b[u])-1]
		if j.blocked[w] {
			j.unblock(w)
		}
	}
}

// atLeast is the subgraph of d of the vertices s and after: the others
// stay, without arcs.
type atLeast struct {
	d *digraph
	s int
}

func (a atLeast) Order() int { return a.d.Order() }

func (a atLeast) Visit(v int, do func(w int, c int64) bool) bool {
	if v < a.s {
		return false
	}
	for _, x := range a.d.arcs[v] {
		if x.to >= a.s && do(x.to, 0) {
			return true
		}
	}
	return false
}

// BridgesResult lists the bridges by ID.
type BridgesResult struct {
	Bridges []string `json:"bridges"`
}

// ArticulationPointsResult lists the articulation points by ID.
type ArticulationPointsResult struct {
	Nodes []string `json:"nodes"`
}

// cutElements returns the bridges and the articulation points of the
// graph with edge direction ignored, by Hopcroft and Tarjan's depth-first
// search (iterative, so a long path cannot exhaust the stack). Every edge
// is its own arc there: a second edge between two nodes, in either
// direction, is a way round the first, so neither is a bridge.
func (g *Graph) cutElements(ctx context.Context) (bridges, points []string, err error) {
	d, err := g.multigraph(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	u, err := d.undirected(ctx, keepAll)
	if err != nil {
		return nil, nil, err
	}
	n := u.Order()
	disc := make([]int, n) // discovery time from 1; 0: not yet
	low := make([]int, n)
	cut := make([]bool, n)
	type frame struct {
		v    int
		via  string // the edge the search came in by
		next int    // index of the next arc to look at
	}
	var stack []frame
	time, step := 0, 0
	bridges = []string{}
	for root := range n {
		if disc[root] != 0 {
			continue
		}
		time++
		disc[root], low[root] = time, time
		stack = append(stack[:0], frame{v: root})
		children := 0
		for len(stack) > 0 {
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, nil, err
			}
			f := &stack[len(stack)-1]
			if f.next < len(u.arcs[f.v]) {
				a := u.arcs[f.v][f.next]
				f.next++
				switch {
				case a.edge == f.via:
				case disc[a.to] == 0:
					time++
					disc[a.to], low[a.to] = time, time
					if f.v == root {
						children++
					}
					stack = append(stack, frame{v: a.to, via: a.edge})
				default:
					low[f.v] = min(low[f.v], disc[a.to])
				}
				continue
			}
			done := *f
			stack = stack[:len(stack)-1]
			if len(stack) == 0 {
				break
			}
			p := stack[len(stack)-1].v
			low[p] = min(low[p], low[done.v])
			if low[done.v] > disc[p] {
				bridges = append(bridges, done.via)
			}
			if p != root && low[done.v] >= disc[p] {
				cut[p] = true
			}
		}
		cut[root] = children > 1
	}
	slices.Sort(bridges)
	points = []string{}
	for v, c := range cut {
		if c {
			points = append(points, u.ids[v])
		}
	}
	return bridges, points, nil
}

// NodeCore is a node's core number.
type NodeCore struct {
	Node string `json:"node"`
	Core int    `json:"core"`
}

// KCoreResult lists core numbers, largest first, ties by ID: every node's,
// or with k only those of the k-core. Degeneracy is the largest core
// number of the graph (0 when it has no edges).
type KCoreResult struct {
	Cores      []NodeCore `json:"cores"`
	Degeneracy int        `json:"degeneracy"`
}

// kCore is the k_core algorithm (k < 0: every node): Batagelj and
// Zaversnik's O(m) peeling. gonum's topo.DegeneracyOrdering peels too, but
// searches a bucket linearly for each neighbour it moves, which is
// quadratic when many nodes share a degree, and cannot be interrupted.
func (g *Graph) kCore(ctx context.Context, k int) (*KCoreResult, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	u, err := d.undirected(ctx, cheapest)
	if err != nil {
		return nil, err
	}
	core, err := u.coreNumbers(ctx)
	if err != nil {
		return nil, err
	}
	res := &KCoreResult{Cores: []NodeCore{}}
	order := make([]int, 0, len(core))
	for v, c := range core {
		res.Degeneracy = max(res.Degeneracy, c)
		if c >= k {
			order = append(order, v)
		}
	}
	slices.SortStableFunc(order, func(v, w int) int { return cmp.Compare(core[w], core[v]) })
	for _, v := range order {
		res.Cores = append(res.Cores, NodeCore{Node: u.ids[v], Core: core[v]})
	}
	return res, nil
}

// coreNumbers peels a symmetric digraph without self-loops: vertices are
// kept sorted by their remaining degree in bins, and taking the least one
// out lowers its neighbours' by one, each moved to the front of its bin in
// O(1).
func (u *digraph) coreNumbers(ctx context.Context) ([]int, error) {
	n := u.Order()
	deg := make([]int, n)
	maxDeg := 0
	for v := range n {
		deg[v] = len(u.arcs[v])
		maxDeg = max(maxDeg, deg[v])
	}
	// bin[d]: where vertices of degree d start in vert; pos[v]: v's place.
	bin := make([]int, maxDeg+2)
	for _, dv := range deg {
		bin[dv+1]++
	}
	for dv := 1; dv < len(bin); dv++ {
		bin[dv] += bin[dv-1]
	}
	vert, pos := make([]int, n), make([]int, n)
	next := slices.Clone(bin)
	for v, dv := range deg {
		pos[v] = next[dv]
		vert[pos[v]] = v
		next[dv]++
	}
	for i := range n {
		if err := stopped(ctx, i); err != nil {
			return nil, err
		}
		v := vert[i]
		for _, a := range u.arcs[v] {
			w := a.to
			if deg[w] <= deg[v] {
				continue
			}
			// Swap w with the first vertex of its bin, then shrink the bin
			// from the front: w is now the last of the bin below.
			dw := deg[w]
			first := bin[dw]
			if x := vert[first]; x != w {
				vert[first], vert[pos[w]] = w, x
				pos[x], pos[w] = pos[w], first
			}
			bin[dw]++
			deg[w]--
		}
	}
	return deg, nil
}

// HopNode is a node of a neighbourhood and how many edges away it is.
type HopNode struct {
	Node string `json:"node"`
	Hops int    `json:"hops"`
}

// KHopResult is a neighbourhood: its nodes, nearest first, ties by ID, and
// every edge between two of them, by ID.
type KHopResult struct {
	Nodes []HopNode `json:"nodes"`
	Edges []string  `json:"edges"`
}

// kHop is the k_hop algorithm: breadth-first search on the graph itself,
// without an index, so its cost is that of the neighbourhood only.
func (g *Graph) kHop(ctx context.Context, center string, k int, direction string) (*KHopResult, error) {
	// The neighbourhood may be small: look at ctx once before it all.
	if err := stopped(ctx, 0); err != nil {
		return nil, err
	}
	start, _ := g.nodes.get(center)
	hops := map[*node]int{start: 0}
	frontier := []*node{start}
	step := 0
	for depth := 1; depth <= k && len(frontier) > 0; depth++ {
		var next []*node
		for _, n := range frontier {
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			visit := func(other *node) {
				if _, seen := hops[other]; !seen {
					hops[other] = depth
					next = append(next, other)
				}
			}
			if direction != "in" {
				for _, e := range n.out {
					visit(e.dst)
				}
			}
			if direction != "out" {
				for _, e := range n.in {
					visit(e.src)
				}
			}
		}
		frontier = next
	}
	res := &KHopResult{Nodes: make([]HopNode, 0, len(hops)), Edges: []string{}}
	for n, h := range hops {
		step++
		if err := stopped(ctx, step); err != nil {
			return nil, err
		}
		res.Nodes = append(res.Nodes, HopNode{Node: n.id, Hops: h})
		for _, e := range n.out {
			if _, in := hops[e.dst]; in {
				res.Edges = append(res.Edges, e.id)
			}
		}
	}
	slices.SortFunc(res.Nodes, func(a, b HopNode) int { return cmp.Or(cmp.Compare(a.Hops, b.Hops), cmp.Compare(a.Node, b.Node)) })
	slices.Sort(res.Edges)
	return res, nil
}
