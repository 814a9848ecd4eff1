package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	gg "gonum.org/v1/gonum/graph"
	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/topo"
)

// Communities and cliques, on the graph with edge direction ignored.

const (
	// maxLouvainNodes bounds louvain: gonum's Modularize moves nodes
	// between communities on a graph of its own, past the adapter, so it
	// cannot be interrupted once it has read the graph; its time is
	// bounded by bounding the graph instead. Its time grows faster than
	// the graph: on random graphs of average degree 10 it took 0.3 s at
	// 2,000 nodes, 2.4 s at 5,000 and 5.9 s at 10,000 (BenchmarkLibrary).
	maxLouvainNodes = 5000
	// maxCliqueNodes bounds maximal_cliques: a graph may have
	// exponentially many maximal cliques, and gonum's BronKerbosch
	// gathers them all before any is listed (the context still stops it).
	maxCliqueNodes = 1000
	// maxCliques bounds how many cliques maximal_cliques lists.
	maxCliques = 10_000
)

// sequence is the order Louvain tries nodes in: splitmix64 from a seed, a
// function of the seed alone (gonum asks for a source of uint64s), so the
// same state and seed give the same communities.
type sequence struct{ state uint64 }

func (s *sequence) Uint64() uint64 {
	s.state += 0x9e3779b97f4a7c15
	z := s.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func communityAlgorithms() []*Algorithm {
	return []*Algorithm{
		{
			Name: "louvain",
			Summary: fmt.Sprintf("communities that maximise modularity, edge direction ignored (gonum's Louvain, from a fixed seed): edges between "+
				"two nodes add up, self-loops are dropped; at most %d nodes", maxLouvainNodes),
			Params: []Param{
				weightParam("numeric edge property that is each edge's strength; absent: every edge weighs 1; each must be a non-negative number"),
				{Name: "resolution", Kind: ParamNumber, Default: "1", Min: "0", Doc: "modularity's resolution γ: above 1 favours smaller communities, below 1 larger ones"},
				{Name: "seed", Kind: ParamInteger, Default: "1", Min: "0", Doc: "seed of the order nodes are tried in; the same seed gives the same communities"},
			},
			MaxNodes: maxLouvainNodes,
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.louvain(ctx, costOf(args, "weight", nonNegative), args.num("resolution"), uint64(args.integer("seed")))
			},
		},
		{
			Name: "maximal_cliques",
			Summary: fmt.Sprintf("maximal cliques, edge direction ignored, self-loops dropped (gonum's Bron-Kerbosch), largest first; "+
				"at most %d nodes", maxCliqueNodes),
			Params: []Param{
				{Name: "limit", Kind: ParamInteger, Default: "100", Min: "1", Max: fmt.Sprint(maxCliques), Doc: "how many cliques to list, at most"},
				{Name: "min_size", Kind: ParamInteger, Default: "1", Min: "1", Doc: "list only cliques of at least this many nodes"},
			},
			MaxNodes: maxCliqueNodes,
			run: func(ctx context.Context, g *Graph, args Args) (any, error) {
				return g.maximalCliques(ctx, args.integer("limit"), args.integer("min_size"))
			},
		},
	}
}

// LouvainResult is a partition of the nodes into communities, each sorted
// by ID, in the order of their first node, and its modularity (0 when the
// graph has no edge weight at all).
type LouvainResult struct {
	Communities [][]string `json:"communities"`
	Modularity  float64    `json:"modularity"`
}

// louvain is the louvain algorithm. Its modularity is gonum's Q:
// 1/2m Σ_ij [A_ij − γ k_i k_j / 2m] δ(c_i, c_j), where A_ij is the summed
// weight of the edges between i and j in either direction.
func (g *Graph) louvain(ctx context.Context, cost func(*edge) (float64, error), resolution float64, seed uint64) (*LouvainResult, error) {
	m, err := g.multigraph(ctx, cost)
	if err != nil {
		return nil, err
	}
	u, err := m.undirected(ctx, summed)
	if err != nil {
		return nil, err
	}
	a := newUndirected(ctx, u)
	var (
		parts [][]gg.Node
		q     float64
	)
	if err := runGonum(func() {
		reduced := community.Modularize(a, resolution, &sequence{state: seed})
		parts = reduced.Communities()
		if weighted(u) {
			q = community.Q(a, parts, resolution)
		}
	}); err != nil {
		return nil, err
	}
	res := &LouvainResult{Communities: make([][]string, 0, len(parts)), Modularity: q}
	for _, p := range parts {
		if len(p) > 0 {
			res.Communities = append(res.Communities, u.sortedNames(vertices(p)))
		}
	}
	slices.SortFunc(res.Communities, func(a, b []string) int { return cmp.Compare(a[0], b[0]) })
	return res, nil
}

// weighted reports whether some arc weighs more than nothing: without,
// modularity divides by 0.
func weighted(u *digraph) bool {
	for _, list := range u.arcs {
		for _, a := range list {
			if a.cost > 0 {
				return true
			}
		}
	}
	return false
}

// CliquesResult lists maximal cliques, largest first, then in the order
// of their nodes' IDs, each sorted by ID; Total counts those of at least
// the minimum size, of which Truncated says some are not listed.
type CliquesResult struct {
	Cliques   [][]string `json:"cliques"`
	Total     int        `json:"total"`
	Truncated bool       `json:"truncated"`
}

func (g *Graph) maximalCliques(ctx context.Context, limit, minSize int) (*CliquesResult, error) {
	d, err := g.digraph(ctx, nil)
	if err != nil {
		return nil, err
	}
	u, err := d.undirected(ctx, cheapest)
	if err != nil {
		return nil, err
	}
	a := newUndirected(ctx, u)
	var found [][]gg.Node
	if err := runGonum(func() { found = topo.BronKerbosch(a) }); err != nil {
		return nil, err
	}
	// BronKerbosch finds the cliques in an order of its own (it walks
	// maps); sorting makes the list, and which ones a limit keeps,
	// depend on the state only.
	cliques := make([][]int, 0, len(found))
	for _, c := range found {
		if len(c) >= minSize {
			vs := vertices(c)
			slices.Sort(vs)
			cliques = append(cliques, vs)
		}
	}
	slices.SortFunc(cliques, func(a, b []int) int { return cmp.Or(cmp.Compare(len(b), len(a)), slices.Compare(a, b)) })
	res := &CliquesResult{Cliques: [][]string{}, Total: len(cliques), Truncated: len(cliques) > limit}
	for _, c := range cliques[:min(limit, len(cliques))] {
		res.Cliques = append(res.Cliques, u.names(c))
	}
	return res, nil
}
