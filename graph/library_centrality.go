package graph

import (
	"container/heap"
	"context"
	"fmt"
	"math"

	"gonum.org/v1/gonum/graph/path"
)

// Centralities: how important each node is, as a score per node, highest
// first, ties by ID.

const (
	// maxPageRankIterations bounds pagerank's iterations.
	maxPageRankIterations = 10_000
	// maxCentralityNodes bounds betweenness and closeness, which search
	// from every node: O(nodes × edges). Their context stops them, so
	// the bound only refuses at once what could not finish under any
	// reasonable timeout: at 4,000 nodes and 20,000 edges betweenness
	// took 12 s, closeness 20 s (BenchmarkLibrary), and 10,000 nodes of
	// the same degree take six times as long.
	maxCentralityNodes = 10_000
)

func centralityAlgorithms() []*Algorithm {
	return []*Algorithm{
		{
			Name: "pagerank",
			Summary: "PageRank by power iteration; every edge is a link (parallel edges add up, a self-loop links a node to itself), " +
				"and a node without links shares its rank with every node",
			Params: []Param{
				{Name: "damping", Kind: ParamNumber, Default: "0.85", Min: "0", Max: "1", Doc: "probability of following a link rather than jumping to any node"},
				{Name: "tolerance", Kind: ParamNumber, Default: "1e-6", Min: "0", Doc: "stop when the scores change by less than this in all (L1 norm) in one iteration"},
				{Name: "iterations", Kind: ParamInteger, Default: "100", Min: "1", Max: fmt.Sprint(maxPageRankIterations), Doc: "stop after this many iterations at most"},
				weightParam("numeric edge property that weighs each link (a node's rank is shared in proportion); absent: every link weighs 1; each must be a non-negative number"),
			},
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.pageRank(ctx, args.num("damping"), args.num("tolerance"), args.integer("iterations"), costOf(args, "weight", nonNegative))
			},
		},
		{
			Name: "betweenness",
			Summary: fmt.Sprintf("betweenness centrality along directed cheapest paths (gonum's Brandes unweighted): the sum over ordered pairs of "+
				"other nodes of the share of cheapest paths through the node; parallel edges count once; at most %d nodes", maxCentralityNodes),
			Params: []Param{
				weightParam(paramWeightDoc + "; each must be positive; paths tie when their costs add up to equal numbers"),
				{Name: "normalized", Kind: ParamBool, Default: "false", Doc: "divide by (n-1)(n-2), the ordered pairs of other nodes"},
			},
			MaxNodes: maxCentralityNodes,
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.betweenness(ctx, costOf(args, "weight", positive), args.flag("normalized"))
			},
		},
		{
			Name: "closeness",
			Summary: fmt.Sprintf("closeness centrality (gonum's definition): 1 over the sum of the distances from the nodes that reach the node "+
				"(0 when none does); parallel edges count once; at most %d nodes", maxCentralityNodes),
			Params: []Param{
				weightParam(paramWeightDoc + "; each must be positive"),
				{Name: "normalized", Kind: ParamBool, Default: "false", Doc: "multiply by how many nodes reach the node: 1 over their mean distance"},
			},
			MaxNodes: maxCentralityNodes,
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.closeness(ctx, costOf(args, "weight", positive), args.flag("normalized"))
			},
		},
	}
}

// PageRankResult is the PageRank of every node, highest first, ties by
// ID, adding up to 1; how many iterations it took, and whether the last
// one changed the scores by less than the tolerance.
type PageRankResult struct {
	Scores     []NodeScore `json:"scores"`
	Iterations int         `json:"iterations"`
	Converged  bool        `json:"converged"`
}

// pageRank is the pagerank algorithm. gonum's network.PageRank starts
// from a vector drawn from the process's global source, so its scores
// differ in their last digits from run to run, and it has neither an iteration
// bound nor a context; this is the same power iteration from the uniform
// vector. A dangling node (no links out, or all of weight 0) shares its
// rank with every node alike, as in gonum and NetworkX.
func (g *Graph) pageRank(ctx context.Context, damping, tolerance float64, iterations int, cost func(*edge) (float64, error)) (*PageRankResult, error) {
	m, err := g.multigraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	d, err := m.summedArcs(ctx)
	if err != nil {
		return nil, err
	}
	n := d.Order()
	res := &PageRankResult{Scores: []NodeScore{}, Converged: true}
	if n == 0 {
		return res, nil
	}
	out := make([]float64, n)
	for v, list := range d.arcs {
		for _, a := range list {
			out[v] += a.cost
		}
	}
	rank, next := make([]float64, n), make([]float64, n)
	for v := range rank {
		rank[v] = 1 / float64(n)
	}
	res.Converged = false
	step := 0
	for res.Iterations < iterations && !res.Converged {
		res.Iterations++
		var dangling float64
		for v := range n {
			if out[v] == 0 {
				dangling += rank[v]
			}
		}
		base := (1-damping)/float64(n) + damping*dangling/float64(n)
		for v := range next {
			next[v] = base
		}
		for v, list := range d.arcs {
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			if out[v] == 0 {
				continue
			}
			share := damping * rank[v] / out[v]
			for _, a := range list {
				next[a.to] += share * a.cost
			}
		}
		var change float64
		for v := range n {
			change += math.Abs(next[v] - rank[v])
		}
		rank, next = next, rank
		res.Converged = change < tolerance
	}
	res.Scores = rankScores(d.ids, rank)
	return res, nil
}

// CentralityResult is a centrality of every node, highest first, ties by
// ID.
type CentralityResult struct {
	Scores []NodeScore `json:"scores"`
}

// betweenness is the betweenness algorithm: Brandes' accumulation, over
// breadth-first search when unweighted (brandesHops) and over Dijkstra
// when weighted (brandes). gonum's network.Betweenness gives the same
// numbers unweighted but keeps its searches in maps, about twenty times
// slower on a graph at the algorithm's bound, and cannot be interrupted;
// its BetweennessWeighted needs every cheapest path between every two
// nodes listed (path.AllShortest), which may be exponentially many.
func (g *Graph) betweenness(ctx context.Context, cost func(*edge) (float64, error), normalized bool) (*CentralityResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	n := d.Order()
	var score []float64
	if cost == nil {
		score, err = d.brandesHops(ctx)
	} else {
		score, err = d.brandes(ctx)
	}
	if err != nil {
		return nil, err
	}
	if normalized && n > 2 {
		pairs := float64(n-1) * float64(n-2)
		for v := range score {
			score[v] /= pairs
		}
	}
	return &CentralityResult{Scores: rankScores(d.ids, score)}, nil
}

// brandes is Brandes' betweenness over Dijkstra, for positive costs (a
// cost of 0 could make two nodes each other's predecessor). Each source's
// search settles nodes in order of distance, ties by vertex, and counts
// the cheapest paths into each; the dependencies are then added up in the
// reverse order.
func (d *digraph) brandes(ctx context.Context) ([]float64, error) {
	n := d.Order()
	cb := make([]float64, n)
	dist := make([]float64, n)
	sigma := make([]float64, n)
	delta := make([]float64, n)
	preds := make([][]int, n)
	reached := make([]bool, n)
	done := make([]bool, n)
	order := make([]int, 0, n)
	step := 0
	for s := range n {
		order = order[:0]
		dist[s], sigma[s], reached[s] = 0, 1, true
		q := &queue{{v: s}}
		for q.Len() > 0 {
			step++
			if err := stopped(ctx, step); err != nil {
				return nil, err
			}
			it := heap.Pop(q).(item)
			v := it.v
			if done[v] || it.dist > dist[v] {
				continue
			}
			done[v] = true
			order = append(order, v)
			for _, a := range d.arcs[v] {
				w := a.to
				if done[w] {
					continue // a self-loop, or a cost lost in rounding
				}
				alt := dist[v] + a.cost
				if !reached[w] || alt < dist[w] {
					dist[w], sigma[w], reached[w] = alt, 0, true
					preds[w] = preds[w][:0]
					heap.Push(q, item{v: w, dist: alt})
				}
				if alt == dist[w] {
					sigma[w] += sigma[v]
					preds[w] = append(preds[w], v)
				}
			}
		}
		for i := len(order) - 1; i >= 0; i-- {
			w := order[i]
			for _, v := range preds[w] {
				delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
			}
			if w != s {
				cb[w] += delta[w]
			}
		}
		for _, v := range order {
			reached[v], done[v], delta[v], sigma[v] = false, false, 0, 0
			preds[v] = preds[v][:0]
		}
	}
	return cb, nil
}

// brandesHops is Brandes' betweenness over breadth-first search: each
// source's search counts the shortest paths into each node, then the
// dependencies are added up from the farthest nodes back, each node
// taking its share from the successors one hop further on a shortest
// path.
func (d *digraph) brandesHops(ctx context.Context) ([]float64, error) {
	n := d.Order()
	cb := make([]float64, n)
	dist := make([]int, n)
	sigma := make([]float64, n)
	delta := make([]float64, n)
	order := make([]int, 0, n) // the search's queue, kept: nodes by distance
	for v := range dist {
		dist[v] = -1
	}
	step := 0
	for s := range n {
		order = append(order[:0], s)
		dist[s], sigma[s] = 0, 1
		for i := 0; i < len(order); i++ {
			v := order[i]
			for _, a := range d.arcs[v] {
				step++
				if err := stopped(ctx, step); err != nil {
					return nil, err
				}
				w := a.to
				if dist[w] < 0 {
					dist[w] = dist[v] + 1
					order = append(order, w)
				}
				if dist[w] == dist[v]+1 {
					sigma[w] += sigma[v]
				}
			}
		}
		for i := len(order) - 1; i >= 0; i-- {
			v := order[i]
			for _, a := range d.arcs[v] {
				if w := a.to; dist[w] == dist[v]+1 {
					delta[v] += sigma[v] / sigma[w] * (1 + delta[w])
				}
			}
			if v != s {
				cb[v] += delta[v]
			}
		}
		for _, v := range order {
			dist[v], sigma[v], delta[v] = -1, 0, 0
		}
	}
	return cb, nil
}

// closeness is the closeness algorithm: the formula of gonum's
// network.Closeness, over distances into each node from gonum's Dijkstra
// on the reversed graph. network.Closeness itself takes a path.AllShortest,
// which holds every node's distance to every node and the predecessors of
// every cheapest path at once; one search at a time keeps one.
func (g *Graph) closeness(ctx context.Context, cost func(*edge) (float64, error), normalized bool) (*CentralityResult, error) {
	d, err := g.digraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	n := d.Order()
	a := newDirected(ctx, d.reversed(), false)
	score := make([]float64, n)
	for v := range n {
		var tree path.Shortest
		if err := runGonum(func() { tree = path.DijkstraFrom(a.nodes[v], a) }); err != nil {
			return nil, err
		}
		var sum float64
		reach := 0
		for u := range n {
			if dist := tree.WeightTo(int64(u)); u != v && !math.IsInf(dist, 1) {
				sum += dist
				reach++
			}
		}
		if reach > 0 {
			score[v] = 1 / sum
			if normalized {
				score[v] *= float64(reach)
			}
		}
	}
	return &CentralityResult{Scores: rankScores(d.ids, score)}, nil
}
