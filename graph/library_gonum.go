package graph

import (
	"context"
	"math"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/iterator"
	"gonum.org/v1/gonum/graph/simple"
)

// The library runs gonum's algorithms over these adapters instead of
// copying the graph into gonum's simple graphs: those keep nodes and
// neighbours in maps, so gonum would visit them in a different order on
// every run and answer differently whenever there are ties. An adapter
// lists nodes in ID order (gonum node ID v is vertex v) and neighbours in
// target order, so gonum's answers depend on the state only.
//
// gonum's calls take no context. Every call gonum makes into an adapter
// counts as a step, and at every checkEvery-th one the adapter looks at
// the request's context; when it has ended the adapter panics with a halt,
// which runGonum recovers into ctx's cause. gonum's code in these calls
// holds no locks and starts no goroutines, so unwinding it leaves nothing
// behind; its half-built answer is dropped.

// halt carries the end of a request's context out of gonum's code.
type halt struct{ err error }

// gonumView is what both adapters share: vertices and their neighbours in
// a digraph (for the undirected adapter, a symmetric one).
type gonumView struct {
	d     *digraph
	nodes []gg.Node
	// loops: self-loops are listed by From, and Weight(v, v) is the
	// cheapest one's cost. Without them Weight(v, v) is 0, gonum's
	// convention for simple graphs.
	loops bool
	// tick looks at the request's context; it is the adapter's only tie to
	// the request, and the adapter lives for one call.
	tick  func(step int) error
	steps int
}

func newView(ctx context.Context, d *digraph, loops bool) gonumView {
	nodes := make([]gg.Node, len(d.ids))
	for v := range nodes {
		nodes[v] = simple.Node(v)
	}
	return gonumView{d: d, nodes: nodes, loops: loops, tick: func(step int) error { return stopped(ctx, step) }}
}

// step counts one call and halts when the context has ended.
func (a *gonumView) step() {
	a.steps++
	if err := a.tick(a.steps); err != nil {
		panic(halt{err})
	}
}

// runGonum runs f, which calls into gonum over adapters, and answers the
// cause of the context that made an adapter halt, if one did.
func runGonum(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			h, ok := r.(halt)
			if !ok {
				panic(r)
			}
			err = h.err
		}
	}()
	f()
	return nil
}

func (a *gonumView) valid(id int64) bool { return id >= 0 && id < int64(len(a.nodes)) }

func (a *gonumView) Node(id int64) gg.Node {
	if !a.valid(id) {
		return nil
	}
	return a.nodes[id]
}

func (a *gonumView) Nodes() gg.Nodes {
	a.step()
	return &vertexIter{a: a, order: nil, i: -1, n: len(a.nodes)}
}

func (a *gonumView) From(id int64) gg.Nodes {
	a.step()
	if !a.valid(id) {
		return gg.Empty
	}
	return a.neighbours(a.d.arcs[id], id)
}

func (a *gonumView) neighbours(list []arc, id int64) gg.Nodes {
	order := make([]int, 0, len(list))
	for _, x := range list {
		if x.to == int(id) && !a.loops {
			continue
		}
		order = append(order, x.to)
	}
	if len(order) == 0 {
		return gg.Empty
	}
	return &vertexIter{a: a, order: order, i: -1, n: len(order)}
}

// find returns the arc from u to v in list (sorted by target).
func find(list []arc, v int) (arc, bool) {
	lo, hi := 0, len(list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m].to < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(list) && list[lo].to == v {
		return list[lo], true
	}
	return arc{}, false
}

// arcFromTo returns the arc u→v, self-loops only if the view lists them.
func (a *gonumView) arcFromTo(u, v int64) (arc, bool) {
	if !a.valid(u) || !a.valid(v) || u == v && !a.loops {
		return arc{}, false
	}
	return find(a.d.arcs[u], int(v))
}

func (a *gonumView) Edge(u, v int64) gg.Edge {
	if _, ok := a.arcFromTo(u, v); !ok {
		return nil
	}
	return simple.Edge{F: a.nodes[u], T: a.nodes[v]}
}

func (a *gonumView) WeightedEdge(u, v int64) gg.WeightedEdge {
	x, ok := a.arcFromTo(u, v)
	if !ok {
		return nil
	}
	return simple.WeightedEdge{F: a.nodes[u], T: a.nodes[v], W: x.cost}
}

func (a *gonumView) Weight(x, y int64) (float64, bool) {
	a.step()
	if c, ok := a.arcFromTo(x, y); ok {
		return c.cost, true
	}
	if x == y && a.valid(x) {
		return 0, true
	}
	return math.Inf(1), false
}

// vertexIter lists vertices: order's, or all of them when order is nil.
// It has no NodeSlice method on purpose: gonum then copies what it lists
// (graph.NodesOf), and some of its code reorders that copy in place.
type vertexIter struct {
	a     *gonumView
	order []int
	i, n  int
}

func (it *vertexIter) Next() bool {
	if it.i+1 < it.n {
		it.i++
		return true
	}
	it.i = it.n
	return false
}

func (it *vertexIter) Len() int { return it.n - it.i - 1 }

func (it *vertexIter) Reset() { it.i = -1 }

func (it *vertexIter) Node() gg.Node {
	if it.i < 0 || it.i >= it.n {
		return nil
	}
	if it.order == nil {
		return it.a.nodes[it.i]
	}
	return it.a.nodes[it.order[it.i]]
}

// gonumDirected is a digraph as a gonum weighted directed graph.
type gonumDirected struct {
	gonumView
	rev *digraph // for To, built on its first call
}

var _ gg.WeightedDirected = (*gonumDirected)(nil)

func newDirected(ctx context.Context, d *digraph, loops bool) *gonumDirected {
	return &gonumDirected{gonumView: newView(ctx, d, loops)}
}

func (a *gonumDirected) HasEdgeBetween(x, y int64) bool {
	_, xy := a.arcFromTo(x, y)
	_, yx := a.arcFromTo(y, x)
	return xy || yx
}

func (a *gonumDirected) HasEdgeFromTo(u, v int64) bool {
	_, ok := a.arcFromTo(u, v)
	return ok
}

func (a *gonumDirected) To(id int64) gg.Nodes {
	a.step()
	if !a.valid(id) {
		return gg.Empty
	}
	if a.rev == nil {
		a.rev = a.d.reversed()
	}
	return a.neighbours(a.rev.arcs[id], id)
}

// gonumUndirected is a symmetric digraph (digraph.undirected) as a gonum
// weighted undirected graph, without self-loops.
type gonumUndirected struct {
	gonumView
}

var _ gg.WeightedUndirected = (*gonumUndirected)(nil)

func newUndirected(ctx context.Context, u *digraph) *gonumUndirected {
	return &gonumUndirected{gonumView: newView(ctx, u, false)}
}

func (a *gonumUndirected) HasEdgeBetween(x, y int64) bool {
	_, ok := a.arcFromTo(x, y)
	return ok
}

func (a *gonumUndirected) EdgeBetween(x, y int64) gg.Edge { return a.Edge(x, y) }

func (a *gonumUndirected) WeightedEdgeBetween(x, y int64) gg.WeightedEdge {
	return a.WeightedEdge(x, y)
}

// WeightedEdges lists each edge once, from its smaller vertex, in vertex
// then target order (path.Kruskal takes them from here).
func (a *gonumUndirected) WeightedEdges() gg.WeightedEdges {
	var edges []gg.WeightedEdge
	for u, list := range a.d.arcs {
		a.step()
		for _, x := range list {
			if x.to > u {
				edges = append(edges, simple.WeightedEdge{F: a.nodes[u], T: a.nodes[x.to], W: x.cost})
			}
		}
	}
	if len(edges) == 0 {
		return gg.Empty
	}
	return iterator.NewOrderedWeightedEdges(edges)
}
