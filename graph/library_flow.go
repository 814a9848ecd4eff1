package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
)

// Flows.

func flowAlgorithms() []*Algorithm {
	return []*Algorithm{
		{
			Name: "max_flow",
			Summary: "maximum flow from a source to a sink and a minimum cut (Dinic's algorithm): the value, each edge's flow, " +
				"and the edges of the cut; every edge carries its own flow, self-loops none",
			Params: []Param{
				{Name: "source", Kind: ParamNode, Required: true, Doc: "node the flow leaves"},
				{Name: "sink", Kind: ParamNode, Required: true, Doc: "node the flow reaches"},
				{Name: "capacity", Kind: ParamEdgeProperty, Doc: "numeric edge property that is each edge's capacity; absent: every edge carries 1; each must be a non-negative number"},
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.maxFlow(ctx, args.str("source"), args.str("sink"), costOf(args, "capacity", nonNegative))
			},
		},
	}
}

// MaxFlowResult is a maximum flow and a minimum cut. Flows lists the
// edges that carry some flow, by ID. SourceSide is the nodes the source
// still reaches through edges with room left (or carrying flow back);
// Cut is every edge from there to the other nodes, by ID, each full, so
// their capacities add up to Value.
type MaxFlowResult struct {
	Value      Number     `json:"value"`
	Flows      []EdgeFlow `json:"flows"`
	Cut        []string   `json:"cut"`
	SourceSide []string   `json:"source_side"`
}

// EdgeFlow is the flow an edge carries.
type EdgeFlow struct {
	Edge string `json:"edge"`
	Flow Number `json:"flow"`
}

// residualArc is an arc of the residual network: an edge (forward, with
// its capacity) or its reverse (capacity 0), rev indexing its twin in
// the other end's list.
type residualArc struct {
	to, rev  int
	capacity float64
	flow     float64
	forward  bool
	edge     string
}

func (a *residualArc) room() float64 { return a.capacity - a.flow }

// maxFlow is the max_flow algorithm. Neither library fits: gonum's
// network.MaxFlowDinic answers the value only, and yourbasic's MaxFlow
// takes integer capacities and walks a map, so its flows differ from run
// to run. This is Dinic's algorithm over the multigraph index (every edge
// its own arc, in target then ID order), so the flows depend on the state
// only. With capacities that are not whole numbers the value is exact up
// to rounding.
func (g *Graph) maxFlow(ctx context.Context, source, sink string, capacity func(*edge) (float64, error)) (*MaxFlowResult, error) {
	if source == sink {
		return nil, fmt.Errorf("%w: max_flow source and sink are both node %q; a flow needs two nodes", ErrInvalidArgument, source)
	}
	d, err := g.multigraph(ctx, capacity)
	if err != nil {
		return nil, err
	}
	n := d.Order()
	adj := make([][]residualArc, n)
	for u, list := range d.arcs {
		for _, a := range list {
			if a.to == u {
				continue
			}
			adj[u] = append(adj[u], residualArc{to: a.to, rev: len(adj[a.to]), capacity: a.cost, forward: true, edge: a.edge})
			adj[a.to] = append(adj[a.to], residualArc{to: u, rev: len(adj[u]) - 1})
		}
	}
	s, t := d.vertex(source), d.vertex(sink)
	level := make([]int, n)
	next := make([]int, n) // the arc each vertex tries next in this phase
	step := 0
	// bfs sets each vertex's level: its distance from s through arcs with
	// room; -1 for those it cannot reach.
	bfs := func() error {
		for v := range level {
			level[v] = -1
		}
		level[s] = 0
		for queue := []int{s}; len(queue) > 0; queue = queue[1:] {
			v := queue[0]
			step++
			if err := stopped(ctx, step); err != nil {
				return err
			}
			for _, a := range adj[v] {
				if level[a.to] < 0 && a.room() > 0 {
					level[a.to] = level[v] + 1
					queue = append(queue, a.to)
				}
			}
		}
		return nil
	}
	for {
		if err := bfs(); err != nil {
			return nil, err
		}
		if level[t] < 0 {
			break
		}
		clear(next)
		// Augment along level-increasing paths until none is left: a
		// depth-first walk kept as a path of (vertex, arc index) steps.
		var path [][2]int
		v := s
		for {
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			if v == t {
				// The arc with the least room fills up exactly: set, not
				// added, since adding may round to a hair below full.
				least := 0
				for i, p := range path {
					if adj[p[0]][p[1]].room() < adj[path[least][0]][path[least][1]].room() {
						least = i
					}
				}
				bottleneck := adj[path[least][0]][path[least][1]].room()
				cut := -1
				for i, p := range path {
					a := &adj[p[0]][p[1]]
					if a.flow += bottleneck; i == least {
						a.flow = a.capacity
					}
					adj[a.to][a.rev].flow = -a.flow
					if a.room() <= 0 && cut < 0 {
						cut = i
					}
				}
				// Go on from the tail of the first full arc.
				v, path = path[cut][0], path[:cut]
				continue
			}
			advanced := false
			for ; next[v] < len(adj[v]); next[v]++ {
				a := adj[v][next[v]]
				if a.room() > 0 && level[a.to] == level[v]+1 {
					path = append(path, [2]int{v, next[v]})
					v, advanced = a.to, true
					break
				}
			}
			if advanced {
				continue
			}
			if v == s {
				break
			}
			// A dead end: no path to t goes through v in this phase.
			level[v] = -1
			v, path = path[len(path)-1][0], path[:len(path)-1]
			next[v]++
		}
	}
	// The value is what leaves s net: its arcs' flows, reverse ones
	// negative.
	var value float64
	for _, a := range adj[s] {
		value += a.flow
	}
	res := &MaxFlowResult{Value: Number(value), Flows: []EdgeFlow{}, Cut: []string{}, SourceSide: []string{}}
	// After the last phase, level >= 0 marks what s reaches in the
	// residual network.
	for u, list := range adj {
		for _, a := range list {
			if !a.forward {
				continue
			}
			if a.flow > 0 {
				res.Flows = append(res.Flows, EdgeFlow{Edge: a.edge, Flow: Number(a.flow)})
			}
			if level[u] >= 0 && level[a.to] < 0 {
				res.Cut = append(res.Cut, a.edge)
			}
		}
		if level[u] >= 0 {
			res.SourceSide = append(res.SourceSide, d.ids[u])
		}
	}
	slices.SortFunc(res.Flows, func(a, b EdgeFlow) int { return cmp.Compare(a.Edge, b.Edge) })
	slices.Sort(res.Cut)
	return res, nil
}
