package graph

import (
	"cmp"
	"container/heap"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	yb "github.com/yourbasic/graph"

	"github.com/graphlog/graphlog/messages"
)

// digraph is the graph as github.com/yourbasic/graph sees it: vertex v is
// the v-th node in sorted-ID order, and each vertex's arcs are sorted by
// target with parallel edges collapsed to the cheapest one (ties: the
// smallest edge ID). Every algorithm there visits vertices and arcs in
// this order, so results depend on the state only, never on the history
// that built it or on map iteration.
type digraph struct {
	ids  []string
	arcs [][]arc
	// integral: every cost is a whole number and their sum is exact in a
	// float64, so yourbasic's int64 costs compute the true distances.
	integral bool
}

type arc struct {
	to   int
	cost float64
	edge string
}

var _ yb.Iterator = (*digraph)(nil)

func (d *digraph) Order() int { return len(d.arcs) }

func (d *digraph) Visit(v int, do func(w int, c int64) bool) bool {
	for _, a := range d.arcs[v] {
		if do(a.to, int64(a.cost)) {
			return true
		}
	}
	return false
}

// vertex returns the index of a node ID known to exist.
func (d *digraph) vertex(id string) int {
	v, _ := slices.BinarySearch(d.ids, id)
	return v
}

// arc returns the arc from v to w, which exists.
func (d *digraph) arc(v, w int) arc {
	i, _ := slices.BinarySearchFunc(d.arcs[v], w, func(a arc, w int) int { return cmp.Compare(a.to, w) })
	return d.arcs[v][i]
}

// maxExactSum is 2^53: integers up to it are exact in a float64.
const maxExactSum = 1 << 53

// checkEvery is how many steps an algorithm's loop takes between looks at
// its context.
const checkEvery = 4096

// stopped returns ctx's cause when step is a multiple of checkEvery and
// ctx is done: algorithms call it in their loops, so a request that ends
// (its timeout, its client gone) stops the work it started.
func stopped(ctx context.Context, step int) error {
	if step%checkEvery != 0 || ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// digraph builds the index. cost gives an edge's cost; nil means 1 each.
// On a cost error it reports the edge with the smallest ID that fails, so
// the error, too, does not depend on history. It is the multigraph with
// each vertex's parallel arcs collapsed to the first: the cheapest, ties
// to the smallest edge ID.
func (g *Graph) digraph(ctx context.Context, cost func(*edge) (float64, error)) (*digraph, error) {
	d, err := g.multigraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	d.integral = true
	var sum float64
	for v, list := range d.arcs {
		for _, a := range list {
			if a.cost != math.Trunc(a.cost) {
				d.integral = false
			}
			sum += a.cost
		}
		d.arcs[v] = slices.CompactFunc(list, func(a, b arc) bool { return a.to == b.to })
	}
	if sum > maxExactSum {
		d.integral = false
	}
	return d, nil
}

// weightOf reads an edge's cost from its numeric property key.
func weightOf(key string) func(*edge) (float64, error) {
	return func(e *edge) (float64, error) {
		f, kind := lookupNumber(e.props, key)
		switch {
		case kind == "missing":
			return 0, fmt.Errorf("%w: edge %q has no property %q; give every edge a non-negative number there, or ask for an unweighted path", ErrInvalidWeight, e.id, key)
		case kind != "":
			return 0, fmt.Errorf("%w: edge %q property %q is %s, not a number", ErrInvalidWeight, e.id, key, kind)
		case f < 0:
			return 0, fmt.Errorf("%w: edge %q property %q is %v; weights must not be negative", ErrInvalidWeight, e.id, key, f)
		}
		return f, nil
	}
}

// ShortestPath finds a cheapest path from one node to another. With weight
// empty every edge costs 1; otherwise weight names a numeric edge property,
// which every edge must have, non-negative (ErrInvalidWeight names the
// first edge, by ID, that does not). Among parallel edges the cheapest is
// used, ties going to the smallest edge ID. from == to is a path of one
// node and cost 0. An unknown node, or no path, is ErrNotFound. It stops
// with ctx's cause when ctx ends.
func (g *Graph) ShortestPath(ctx context.Context, from, to, weight string) (*messages.Path, error) {
	for _, id := range []string{from, to} {
		if _, ok := g.nodes.get(id); !ok {
			return nil, fmt.Errorf("%w: node %q does not exist in graph %q", ErrNotFound, id, g.id)
		}
	}
	if from == to {
		return &messages.Path{Nodes: []string{from}}, nil
	}
	var cost func(*edge) (float64, error)
	if weight != "" {
		cost = weightOf(weight)
	}
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	s, t := d.vertex(from), d.vertex(to)
	var (
		path  []int
		total float64
	)
	if d.integral {
		var dist int64
		path, dist = yb.ShortestPath(d, s, t)
		if dist < 0 {
			path = nil
		}
		total = float64(dist)
	} else {
		// yourbasic's costs are int64: fractional weights would have to be
		// scaled, which is either inexact or overflows, so run the same
		// algorithm (Dijkstra) over the same index with float64 costs.
		if path, total, err = d.dijkstra(ctx, s, t); err != nil {
			return nil, err
		}
	}
	if path == nil {
		return nil, fmt.Errorf("%w: no path from node %q to node %q in graph %q (edges are followed from source to target)", ErrNotFound, from, to, g.id)
	}
	p := &messages.Path{Nodes: make([]string, len(path)), Edges: make([]string, len(path)-1), Cost: total}
	for i, v := range path {
		p.Nodes[i] = d.ids[v]
		if i > 0 {
			p.Edges[i-1] = d.arc(path[i-1], v).edge
		}
	}
	return p, nil
}

// dijkstra returns a cheapest path from s to t and its cost; nil if t
// cannot be reached. Ties between equal distances go to the smaller vertex,
// so the result is deterministic.
func (d *digraph) dijkstra(ctx context.Context, s, t int) ([]int, float64, error) {
	n := d.Order()
	dist := make([]float64, n)
	parent := make([]int, n)
	for i := range parent {
		parent[i] = -1
	}
	// reached, not an infinite distance, marks what has been reached: a sum
	// of huge weights may itself overflow to +Inf and is still a path.
	reached := make([]bool, n)
	done := make([]bool, n)
	reached[s] = true
	q := &queue{{v: s}}
	for step := 1; q.Len() > 0; step++ {
		if err := stopped(ctx, step); err != nil {
			return nil, 0, err
		}
		it := heap.Pop(q).(item)
		if done[it.v] {
			continue
		}
		done[it.v] = true
		if it.v == t {
			break
		}
		for _, a := range d.arcs[it.v] {
			if alt := it.dist + a.cost; !reached[a.to] || alt < dist[a.to] {
				dist[a.to], parent[a.to], reached[a.to] = alt, it.v, true
				heap.Push(q, item{v: a.to, dist: alt})
			}
		}
	}
	if !reached[t] {
		return nil, 0, nil
	}
	var path []int
	for v := t; v != -1; v = parent[v] {
		path = append(path, v)
	}
	slices.Reverse(path)
	return path, dist[t], nil
}

type item struct {
	v    int
	dist float64
}

// queue is a min-heap of tentative distances; stale entries are skipped
// when popped instead of being updated in place.
type queue []item

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	return q[i].dist < q[j].dist || q[i].dist == q[j].dist && q[i].v < q[j].v
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(item)) }
func (q *queue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

// Components partitions the nodes into weakly (edge direction ignored) or
// strongly connected components. Each component's nodes are sorted by ID;
// components are sorted by their first node. ctx is looked at while the
// index is built; the components themselves take linear time.
func (g *Graph) Components(ctx context.Context, kind messages.ComponentKind) (*messages.Components, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	var parts [][]int
	switch kind {
	case messages.ComponentKind_COMPONENT_KIND_WEAK:
		parts = yb.Components(d)
	case messages.ComponentKind_COMPONENT_KIND_STRONG:
		// Tarjan's algorithm there is recursive: its stack grows with the
		// longest path, which Go's growable stacks absorb.
		parts = yb.StrongComponents(d)
	default:
		return nil, fmt.Errorf("%w: unknown component kind %d; use COMPONENT_KIND_WEAK or COMPONENT_KIND_STRONG", ErrInvalidArgument, kind)
	}
	// Vertex order is ID order, so sorting vertices sorts IDs.
	for _, p := range parts {
		slices.Sort(p)
	}
	slices.SortFunc(parts, func(a, b []int) int { return cmp.Compare(a[0], b[0]) })
	res := &messages.Components{Components: make([]*messages.Component, len(parts))}
	for i, p := range parts {
		c := &messages.Component{Nodes: make([]string, len(p))}
		for j, v := range p {
			c.Nodes[j] = d.ids[v]
		}
		res.Components[i] = c
	}
	return res, nil
}

// TopologicalOrder orders the nodes so that every edge goes from an earlier
// node to a later one. It is Kahn's algorithm over the sorted index, so the
// order is deterministic. On a cycle (a self-loop is one) the error wraps
// ErrCycle and names the node on a cycle with the smallest ID, and the
// cycle through it. ctx is looked at while the index is built; the order
// itself takes linear time.
func (g *Graph) TopologicalOrder(ctx context.Context) (*messages.Order, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	order, ok := yb.TopSort(d)
	if !ok {
		cycle := d.cycle()
		names := make([]string, len(cycle))
		for i, v := range cycle {
			names[i] = fmt.Sprintf("%q", d.ids[v])
		}
		return nil, fmt.Errorf("%w: node %q is on the cycle %s; remove one of its edges to get an order",
			ErrCycle, d.ids[cycle[0]], strings.Join(names, " -> "))
	}
	res := &messages.Order{Nodes: make([]string, len(order))}
	for i, v := range order {
		res.Nodes[i] = d.ids[v]
	}
	return res, nil
}

// cycle returns a cycle through the smallest vertex that is on one, as
// vertices from it back to it; the graph must have a cycle. A vertex is on
// a cycle when its strong component has more than one vertex or it has a
// self-loop; the cycle is a shortest one, found by breadth-first search
// inside that component.
func (d *digraph) cycle() []int {
	comp := make([]int, d.Order())
	size := make([]int, 0)
	for i, p := range yb.StrongComponents(d) {
		for _, v := range p {
			comp[v] = i
		}
		size = append(size, len(p))
	}
	x := -1
	for v := range d.arcs {
		if size[comp[v]] > 1 {
			x = v
			break
		}
		if _, loop := slices.BinarySearchFunc(d.arcs[v], v, func(a arc, w int) int { return cmp.Compare(a.to, w) }); loop {
			x = v
			break
		}
	}
	if x < 0 {
		return nil
	}
	parent := map[int]int{}
	frontier := []int{x}
	for len(frontier) > 0 {
		var next []int
		for _, v := range frontier {
			for _, a := range d.arcs[v] {
				if comp[a.to] != comp[x] {
					continue
				}
				if a.to == x {
					path := []int{x}
					for u := v; u != x; u = parent[u] {
						path = append(path, u)
					}
					path = append(path, x)
					slices.Reverse(path)
					return path
				}
				if _, seen := parent[a.to]; !seen {
					parent[a.to] = v
					next = append(next, a.to)
				}
			}
		}
		frontier = next
	}
	return nil
}
