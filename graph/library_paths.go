package graph

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"
)

// Paths: every algorithm here walks edges from source to target, and
// among parallel edges takes the cheapest, ties to the smallest edge ID
// (digraph's rule); a path is named by its nodes and those edges.

// maxPaths bounds k_shortest_paths' k.
const maxPaths = 100

// maxAllPairsNodes bounds all_pairs: its answer has a row per node and a
// column per node.
const maxAllPairsNodes = 1000

func pathAlgorithms() []*Algorithm {
	return []*Algorithm{
		{
			Name:    "shortest_path",
			Summary: "cheapest path from one node to another (Dijkstra; weights must not be negative)",
			Params: []Param{
				fromParam("node the path starts at"), toParam("node the path ends at"),
				weightParam(paramWeightDoc + "; each must be a non-negative number"),
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				p, err := g.ShortestPath(ctx, args.str("from"), args.str("to"), args.str("weight"))
				if err != nil {
					return nil, err
				}
				return &PathResult{Nodes: p.Nodes, Edges: append([]string{}, p.Edges...), Cost: Number(p.Cost)}, nil
			},
		},
		{
			Name: "bellman_ford",
			Summary: "cheapest path from one node to another where weights may be negative (gonum's Bellman-Ford); " +
				"a negative cycle the start reaches is an error (cycle) naming it",
			Params: []Param{
				fromParam("node the path starts at"), toParam("node the path ends at"),
				{Name: "weight", Kind: ParamEdgeProperty, Required: true, Doc: "numeric edge property to use as the cost of each edge; any sign"},
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.bellmanFord(ctx, args.str("from"), args.str("to"), args.str("weight"))
			},
		},
		{
			Name: "astar",
			Summary: "cheapest path by gonum's A*, guided by the straight-line distance between node coordinates " +
				"(heuristic); without heuristic it is Dijkstra",
			Params: []Param{
				fromParam("node the path starts at"), toParam("node the path ends at"),
				weightParam(paramWeightDoc + "; each must be a non-negative number"),
				{Name: "heuristic", Kind: ParamString, Doc: "comma-separated numeric node properties that are each node's coordinates " +
					"(e.g. x,y); A* is then guided by the Euclidean distance to the target, which no edge may outrun: " +
					"an edge's cost must be at least what it brings the path closer to the target in straight line"},
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				var coords []string
				if args.has("heuristic") {
					coords = strings.Split(args.str("heuristic"), ",")
				}
				return g.astar(ctx, args.str("from"), args.str("to"), costOf(args, "weight", nonNegative), coords)
			},
		},
		{
			Name: "k_shortest_paths",
			Summary: fmt.Sprintf("the k cheapest loopless paths from one node to another, cheapest first (gonum's Yen, k at most %d); "+
				"paths differ in their nodes, parallel edges count once", maxPaths),
			Params: []Param{
				fromParam("node the paths start at"), toParam("node the paths end at"),
				{Name: "k", Kind: ParamInteger, Default: "3", Min: "1", Max: fmt.Sprint(maxPaths), Doc: "how many paths, at most"},
				weightParam(paramWeightDoc + "; each must be a non-negative number"),
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.kShortestPaths(ctx, args.str("from"), args.str("to"), args.integer("k"), costOf(args, "weight", nonNegative))
			},
		},
		{
			Name: "all_pairs",
			Summary: fmt.Sprintf("the cheapest distance from every node to every node, as rows (gonum's Dijkstra from each node; "+
				"with negative weights reweighted as Johnson's algorithm does); at most %d nodes", maxAllPairsNodes),
			Params: []Param{
				weightParam(paramWeightDoc + "; any sign, but a negative cycle is an error (cycle) naming it"),
			},
			MaxNodes: maxAllPairsNodes,
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.allPairs(ctx, costOf(args, "weight", anySign), args.str("weight"))
			},
		},
	}
}

// PathResult is a path: Nodes from its first to its last, Edges[i] from
// Nodes[i] to Nodes[i+1], Cost the sum of their costs (the number of
// edges when unweighted). A path of one node has no edges and costs 0.
type PathResult struct {
	Nodes []string `json:"nodes"`
	Edges []string `json:"edges"`
	Cost  Number   `json:"cost"`
}

// pathOf names the path through vertices vs over d's arcs and adds up its
// cost.
func (d *digraph) pathOf(vs []int) PathResult {
	p := PathResult{Nodes: d.names(vs), Edges: make([]string, 0, len(vs))}
	var cost float64
	for i := 1; i < len(vs); i++ {
		a := d.arc(vs[i-1], vs[i])
		p.Edges = append(p.Edges, a.edge)
		cost += a.cost
	}
	p.Cost = Number(cost)
	return p
}

// vertices returns the vertices of gonum nodes.
func vertices(ns []gg.Node) []int {
	vs := make([]int, len(ns))
	for i, n := range ns {
		vs[i] = int(n.ID())
	}
	return vs
}

func (g *Graph) noPath(from, to string) error {
	return fmt.Errorf("%w: no path from node %q to node %q in graph %q (edges are followed from source to target)", ErrNotFound, from, to, g.id)
}

// bellmanFord is the bellman_ford algorithm. A negative cycle is ErrCycle,
// not ErrInvalidWeight: every weight is a valid number, and what has no
// answer is the state, as a cycle leaves a topological order without one.
func (g *Graph) bellmanFord(ctx context.Context, from, to, weight string) (*PathResult, error) {
	d, err := g.digraph(ctx, edgeNumber("weight", weight, anySign))
	if err != nil {
		return nil, err
	}
	s, t := d.vertex(from), d.vertex(to)
	// Self-loops stay: a negative one is a negative cycle.
	a := newDirected(ctx, d, true)
	var (
		tree path.Shortest
		ok   bool
	)
	if err := runGonum(func() { tree, ok = path.BellmanFordFrom(a.nodes[s], a) }); err != nil {
		return nil, err
	}
	if !ok {
		return nil, d.negativeCycleError(ctx, []int{s}, fmt.Sprintf("node %q reaches", from), weight)
	}
	nodes, _ := tree.To(int64(t))
	if nodes == nil {
		return nil, g.noPath(from, to)
	}
	p := d.pathOf(vertices(nodes))
	return &p, nil
}

// negativeCycleError finds the negative cycle that gonum reported (gonum
// says that there is one, not which) and names it.
func (d *digraph) negativeCycleError(ctx context.Context, sources []int, who, weight string) error {
	vs, err := d.negativeCycle(ctx, sources)
	if err != nil {
		return err
	}
	if vs == nil { // gonum and the textbook disagree; say what gonum found
		return fmt.Errorf("%w: %s a cycle whose costs (property %q) add up to less than nothing, so no path is cheapest; make its weights larger",
			ErrCycle, who, weight)
	}
	c := d.closedWalk(vs, d.arc)
	var total float64
	for i := range vs {
		total += d.arc(vs[i], vs[(i+1)%len(vs)]).cost
	}
	return fmt.Errorf("%w: %s the cycle %s, whose costs (property %q) add up to %v: each time round makes a path cheaper, so none is cheapest; make one of its weights larger",
		ErrCycle, who, c.describe(), weight, total)
}

// negativeCycle returns a cycle of negative cost that the sources reach,
// from its smallest vertex, or nil if there is none. It is the textbook
// Bellman–Ford: a vertex whose distance still falls in the n-th round of
// relaxing every arc has a negative cycle among its n-th ancestors.
func (d *digraph) negativeCycle(ctx context.Context, sources []int) ([]int, error) {
	n := d.Order()
	dist := make([]float64, n)
	parent := make([]int, n)
	reached := make([]bool, n)
	for _, s := range sources {
		reached[s] = true
	}
	step, last := 0, -1
	for range n {
		last = -1
		for v := range n {
			if step++; !reached[v] {
				continue
			}
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			for _, a := range d.arcs[v] {
				if alt := dist[v] + a.cost; !reached[a.to] || alt < dist[a.to] {
					dist[a.to], parent[a.to], reached[a.to] = alt, v, true
					last = a.to
				}
			}
		}
		if last < 0 {
			return nil, nil
		}
	}
	v := last
	for range n {
		v = parent[v]
	}
	cycle := []int{v}
	for u := parent[v]; u != v; u = parent[u] {
		cycle = append(cycle, u)
	}
	slices.Reverse(cycle)
	first := slices.Index(cycle, slices.Min(cycle))
	return append(cycle[first:], cycle[:first]...), nil
}

// AStarResult is astar's path and how many nodes A* expanded to find it,
// which shows what the heuristic saved.
type AStarResult struct {
	PathResult
	Expanded int `json:"expanded"`
}

// astar is the astar algorithm; coords are the node properties of the
// heuristic, none for Dijkstra.
func (g *Graph) astar(ctx context.Context, from, to string, cost func(*edge) (float64, error), coords []string) (*AStarResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	s, t := d.vertex(from), d.vertex(to)
	if s == t {
		return &AStarResult{PathResult: d.pathOf([]int{s})}, nil
	}
	var h path.Heuristic
	if len(coords) > 0 {
		at, err := g.coordinates(ctx, d, coords)
		if err != nil {
			return nil, err
		}
		if err := d.admissible(ctx, at, t); err != nil {
			return nil, err
		}
		h = func(x, y gg.Node) float64 { return euclid(at[x.ID()], at[y.ID()]) }
	}
	a := newDirected(ctx, d, false)
	var (
		tree     path.Shortest
		expanded int
	)
	if err := runGonum(func() { tree, expanded = path.AStar(a.nodes[s], a.nodes[t], a, h) }); err != nil {
		return nil, err
	}
	nodes, _ := tree.To(int64(t))
	if nodes == nil {
		return nil, g.noPath(from, to)
	}
	return &AStarResult{PathResult: d.pathOf(vertices(nodes)), Expanded: expanded}, nil
}

// coordinates reads every node's coordinates from the numeric properties
// keys; the error names the node with the smallest ID that lacks one.
func (g *Graph) coordinates(ctx context.Context, d *digraph, keys []string) ([][]float64, error) {
	for _, k := range keys {
		if k == "" {
			return nil, fmt.Errorf("%w: astar parameter \"heuristic\" has an empty property name; give node properties separated by commas, such as x,y", ErrInvalidArgument)
		}
	}
	at := make([][]float64, d.Order())
	for v, id := range d.ids {
		if err := stopped(ctx, v); err != nil {
			return nil, err
		}
		n, _ := g.nodes.get(id)
		at[v] = make([]float64, len(keys))
		for i, k := range keys {
			f, kind := lookupNumber(n.props, k)
			switch {
			case kind == "missing":
				return nil, fmt.Errorf("%w: node %q has no property %q (astar parameter \"heuristic\"); give every node its coordinates, or leave heuristic out",
					ErrInvalidArgument, id, k)
			case kind != "":
				return nil, fmt.Errorf("%w: node %q property %q (astar parameter \"heuristic\") is %s, not a number; give every node its coordinates, or leave heuristic out",
					ErrInvalidArgument, id, k, kind)
			}
			at[v][i] = f
		}
	}
	return at, nil
}

func euclid(p, q []float64) float64 {
	var sum float64
	for i := range p {
		sum += (p[i] - q[i]) * (p[i] - q[i])
	}
	return math.Sqrt(sum)
}

// admissible checks that the straight-line heuristic toward t is
// consistent: no arc brings a path closer to t in straight line than it
// costs. gonum's A* closes a node once expanded, so a heuristic that is
// only admissible would not be enough; a consistent one is also
// admissible, and then A* finds a cheapest path. Rounding is forgiven up
// to a relative 1e-9.
func (d *digraph) admissible(ctx context.Context, at [][]float64, t int) error {
	for u, list := range d.arcs {
		if err := stopped(ctx, u); err != nil {
			return err
		}
		hu := euclid(at[u], at[t])
		for _, a := range list {
			gain := hu - euclid(at[a.to], at[t])
			if gain > a.cost+1e-9*max(1, math.Abs(hu)) {
				return fmt.Errorf("%w: edge %q from %q to %q costs %v but brings a path %v closer to node %q in straight line, so the heuristic could overestimate and A* miss the cheapest path; "+
					"give edges costs at least the distance between their ends' coordinates, or leave heuristic out",
					ErrInvalidArgument, a.edge, d.ids[u], d.ids[a.to], a.cost, gain, d.ids[t])
			}
		}
	}
	return nil
}

// PathsResult is a list of paths, cheapest first, ties in the order of
// their nodes' IDs.
type PathsResult struct {
	Paths []PathResult `json:"paths"`
}

// kShortestPaths is the k_shortest_paths algorithm. When more paths tie
// for the k-th cost than fit, which ones are listed is Yen's choice,
// the same for equal states.
func (g *Graph) kShortestPaths(ctx context.Context, from, to string, k int, cost func(*edge) (float64, error)) (*PathsResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	s, t := d.vertex(from), d.vertex(to)
	if s == t {
		return &PathsResult{Paths: []PathResult{d.pathOf([]int{s})}}, nil
	}
	a := newDirected(ctx, d, false)
	var found [][]gg.Node
	if err := runGonum(func() { found = path.YenKShortestPaths(a, k, math.Inf(1), a.nodes[s], a.nodes[t]) }); err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, g.noPath(from, to)
	}
	res := &PathsResult{Paths: make([]PathResult, len(found))}
	for i, p := range found {
		res.Paths[i] = d.pathOf(vertices(p))
	}
	slices.SortStableFunc(res.Paths, func(p, q PathResult) int {
		return cmp.Or(cmp.Compare(p.Cost, q.Cost), slices.Compare(p.Nodes, q.Nodes))
	})
	return res, nil
}

// AllPairsResult holds the distances between every two nodes: Rows[i]
// are from Nodes[i], and Rows[i].Distances[j] is the cost of a cheapest
// path from Nodes[i] to Nodes[j], null when there is none.
type AllPairsResult struct {
	Nodes []string      `json:"nodes"`
	Rows  []AllPairsRow `json:"rows"`
}

// AllPairsRow is the distances from one node, in AllPairsResult.Nodes'
// order.
type AllPairsRow struct {
	From      string   `json:"from"`
	Distances []Number `json:"distances"`
}

// allPairs is the all_pairs algorithm. gonum's own all-pairs functions
// (FloydWarshall, JohnsonAllPaths, DijkstraAllPaths) keep every cheapest
// path's predecessors, which on graphs with many ties (every unweighted
// one) take memory of the order of nodes times edges, and FloydWarshall
// cannot be interrupted; Dijkstra from each node in turn keeps one row.
func (g *Graph) allPairs(ctx context.Context, cost func(*edge) (float64, error), weight string) (*AllPairsResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	n := d.Order()
	res := &AllPairsResult{Nodes: d.ids, Rows: make([]AllPairsRow, n)}
	if n == 0 {
		res.Nodes = []string{}
		return res, nil
	}
	potential, err := d.johnsonPotential(ctx, weight)
	if err != nil {
		return nil, err
	}
	rd := d
	if potential != nil {
		// Johnson's reweighting makes every cost non-negative and changes
		// every path between two nodes by the same amount. Rounding may
		// leave a cost a hair below 0, which Dijkstra refuses.
		rd = &digraph{ids: d.ids, arcs: make([][]arc, n)}
		for u, list := range d.arcs {
			rd.arcs[u] = make([]arc, len(list))
			for i, a := range list {
				a.cost = max(0, a.cost+potential[u]-potential[a.to])
				rd.arcs[u][i] = a
			}
		}
	}
	a := newDirected(ctx, rd, false)
	for s := range n {
		var tree path.Shortest
		if err := runGonum(func() { tree = path.DijkstraFrom(a.nodes[s], a) }); err != nil {
			return nil, err
		}
		row := AllPairsRow{From: d.ids[s], Distances: make([]Number, n)}
		for t := range n {
			dist := tree.WeightTo(int64(t))
			if potential != nil && !math.IsInf(dist, 1) {
				dist += potential[t] - potential[s]
			}
			row.Distances[t] = Number(dist)
		}
		res.Rows[s] = row
	}
	return res, nil
}

// johnsonPotential returns Johnson's potentials when some arc costs less
// than nothing (nil otherwise): the distances from a new vertex joined to
// every vertex at cost 0, by gonum's Bellman–Ford. A negative cycle is
// ErrCycle naming it.
func (d *digraph) johnsonPotential(ctx context.Context, weight string) ([]float64, error) {
	negative := false
	for _, list := range d.arcs {
		for _, a := range list {
			negative = negative || a.cost < 0
		}
	}
	if !negative {
		return nil, nil
	}
	a := newDirected(ctx, d, true)
	src := withSource{a}
	var (
		tree path.Shortest
		ok   bool
	)
	if err := runGonum(func() { tree, ok = path.BellmanFordFrom(simple.Node(len(a.nodes)), src) }); err != nil {
		return nil, err
	}
	if !ok {
		all := make([]int, d.Order())
		for v := range all {
			all[v] = v
		}
		return nil, d.negativeCycleError(ctx, all, "the graph has", weight)
	}
	potential := make([]float64, d.Order())
	for v := range potential {
		potential[v] = tree.WeightTo(int64(v))
	}
	return potential, nil
}

// withSource is a graph with one more vertex, numbered len(a.nodes), and
// an arc of cost 0 from it to every vertex. It is not a gonum graph.Graph
// on purpose: BellmanFordFrom then starts from a vertex the graph does not
// list, and takes in the others as it reaches them.
type withSource struct{ a *gonumDirected }

func (w withSource) source(id int64) bool { return id == int64(len(w.a.nodes)) }

func (w withSource) From(id int64) gg.Nodes {
	if w.source(id) {
		return w.a.Nodes()
	}
	return w.a.From(id)
}

func (w withSource) Edge(u, v int64) gg.Edge {
	if w.source(u) && w.a.valid(v) {
		return simple.Edge{F: simple.Node(u), T: w.a.nodes[v]}
	}
	return w.a.Edge(u, v)
}

func (w withSource) Weight(x, y int64) (float64, bool) {
	if w.source(x) && w.a.valid(y) {
		return 0, true
	}
	return w.a.Weight(x, y)
}
