package graph

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/path"
	"gonum.org/v1/gonum/graph/simple"
)

// scoresOf reads a ranking back into node order, checking it is sorted
// highest first, ties by ID, and lists every node once.
func scoresOf(t *testing.T, what string, l lgraph, ranked []NodeScore) []float64 {
	t.Helper()
	if !slices.IsSortedFunc(ranked, func(a, b NodeScore) int { return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Node, b.Node)) }) {
		t.Fatalf("%s: not sorted: %v", what, ranked)
	}
	idx := l.index()
	out := slices.Repeat([]float64{math.NaN()}, len(l.nodes))
	for _, s := range ranked {
		out[idx[s.Node]] = s.Score
	}
	if len(ranked) != len(l.nodes) || slices.ContainsFunc(out, math.IsNaN) {
		t.Fatalf("%s: %d scores for %d nodes", what, len(ranked), len(l.nodes))
	}
	return out
}

// powerIteration is PageRank written out with a dense matrix: every edge
// a link, weighted, a node without links shared with all.
func powerIteration(l lgraph, weighted bool, damping float64, rounds int) []float64 {
	n, idx := len(l.nodes), l.index()
	link := make([][]float64, n)
	for i := range link {
		link[i] = make([]float64, n)
	}
	out := make([]float64, n)
	for _, e := range l.edges {
		w := 1.0
		if weighted {
			w = e.weight()
		}
		link[idx[e.src]][idx[e.dst]] += w
		out[idx[e.src]] += w
	}
	rank := slices.Repeat([]float64{1 / float64(n)}, n)
	for range rounds {
		next := make([]float64, n)
		for v := range n {
			for u := range n {
				share := 1 / float64(n) // dangling
				if out[u] > 0 {
					share = link[u][v] / out[u]
				}
				next[v] += damping * rank[u] * share
			}
			next[v] += (1 - damping) / float64(n)
		}
		rank = next
	}
	return rank
}

func TestPageRankAgainstPowerIteration(t *testing.T) {
	for seed := range uint64(80) {
		r := rand.New(rand.NewPCG(seed, 13))
		l := randomL(r, 1+r.IntN(15), r.IntN(40), true, ints(r, 0, 5))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for _, weight := range []string{"", "w"} {
			for _, damping := range []float64{0.85, 0.5, 0} {
				res := runL(t, g, "pagerank", map[string]string{"weight": weight, "damping": fmt.Sprint(damping), "tolerance": "1e-14", "iterations": "5000"}).(*PageRankResult)
				got := scoresOf(t, what, l, res.Scores)
				want := powerIteration(l, weight != "", damping, 400) // 0.85^400 < 1e-28
				sum := 0.0
				for v := range got {
					sum += got[v]
					if math.Abs(got[v]-want[v]) > 1e-9 {
						t.Fatalf("%s %q d=%v: %s scores %v, want %v", what, weight, damping, l.nodes[v], got[v], want[v])
					}
				}
				if math.Abs(sum-1) > 1e-9 || !res.Converged {
					t.Fatalf("%s: scores add up to %v, converged %v", what, sum, res.Converged)
				}
			}
		}
		// gonum's PageRank agrees where it applies: no parallel edges or
		// self-loops.
		sg := simple.NewDirectedGraph()
		for i := range l.nodes {
			sg.AddNode(simple.Node(i))
		}
		simpleOnly := true
		for _, e := range l.edges {
			f, to := simple.Node(l.index()[e.src]), simple.Node(l.index()[e.dst])
			if f == to || sg.HasEdgeFromTo(int64(f), int64(to)) {
				simpleOnly = false
				break
			}
			sg.SetEdge(simple.Edge{F: f, T: to})
		}
		if simpleOnly {
			theirs := network.PageRankSparse(sg, 0.85, 1e-12)
			got := scoresOf(t, what, l, runL(t, g, "pagerank", map[string]string{"tolerance": "1e-14", "iterations": "5000"}).(*PageRankResult).Scores)
			for v := range got {
				if math.Abs(got[v]-theirs[int64(v)]) > 1e-7 {
					t.Fatalf("%s: %s scores %v, gonum %v", what, l.nodes[v], got[v], theirs[int64(v)])
				}
			}
		}
	}
	// The iteration bound stops it before it converges, and says so.
	l := randomL(rand.New(rand.NewPCG(1, 1)), 30, 90, false, func() float64 { return 1 })
	res := runL(t, l.build(t), "pagerank", map[string]string{"iterations": "2"}).(*PageRankResult)
	if res.Iterations != 2 || res.Converged {
		t.Errorf("2 iterations: %d, converged %v", res.Iterations, res.Converged)
	}
}

// brute holds shortest-path counts for betweenness by brute force: the
// cheapest distance between every two nodes (Floyd–Warshall) and the
// number of cheapest paths, over the cheapest of parallel edges.
type brute struct {
	dist, sigma [][]float64
}

func newBrute(l lgraph, weighted bool) brute {
	n, idx := len(l.nodes), l.index()
	dist, _ := floyd(l, weighted)
	arc := make([][]float64, n)
	for i := range arc {
		arc[i] = slices.Repeat([]float64{math.Inf(1)}, n)
	}
	for _, e := range l.edges {
		w := 1.0
		if weighted {
			w = e.weight()
		}
		if e.src != e.dst {
			arc[idx[e.src]][idx[e.dst]] = min(arc[idx[e.src]][idx[e.dst]], w)
		}
	}
	sigma := make([][]float64, n)
	for s := range n {
		sigma[s] = make([]float64, n)
		sigma[s][s] = 1
		// Costs are positive, so a node's predecessors on cheapest paths
		// are nearer: count in order of distance.
		order := make([]int, n)
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int { return cmp.Compare(dist[s][a], dist[s][b]) })
		for _, v := range order {
			for u := range n {
				if v != s && !math.IsInf(dist[s][u], 1) && dist[s][u]+arc[u][v] == dist[s][v] {
					sigma[s][v] += sigma[s][u]
				}
			}
		}
	}
	return brute{dist: dist, sigma: sigma}
}

// betweenness sums, over ordered pairs s, t of other nodes, the share of
// cheapest s–t paths through v.
func (b brute) betweenness() []float64 {
	n := len(b.dist)
	bc := make([]float64, n)
	for v := range n {
		for s := range n {
			for t := range n {
				if s == v || t == v || s == t || math.IsInf(b.dist[s][t], 1) {
					continue
				}
				if b.dist[s][v]+b.dist[v][t] == b.dist[s][t] {
					bc[v] += b.sigma[s][v] * b.sigma[v][t] / b.sigma[s][t]
				}
			}
		}
	}
	return bc
}

func TestCentralitiesAgainstBruteForce(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 14))
		l := randomL(r, 1+r.IntN(12), r.IntN(35), true, ints(r, 1, 3))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		n := len(l.nodes)
		for _, weight := range []string{"", "w"} {
			b := newBrute(l, weight != "")
			want := b.betweenness()
			for _, normalized := range []bool{false, true} {
				res := runL(t, g, "betweenness", map[string]string{"weight": weight, "normalized": fmt.Sprint(normalized)}).(*CentralityResult)
				got := scoresOf(t, what, l, res.Scores)
				for v := range got {
					w := want[v]
					if normalized && n > 2 {
						w /= float64((n - 1) * (n - 2))
					}
					if math.Abs(got[v]-w) > 1e-9 {
						t.Fatalf("%s %q normalized %v: betweenness of %s %v, want %v", what, weight, normalized, l.nodes[v], got[v], w)
					}
				}
			}
			for _, normalized := range []bool{false, true} {
				res := runL(t, g, "closeness", map[string]string{"weight": weight, "normalized": fmt.Sprint(normalized)}).(*CentralityResult)
				got := scoresOf(t, what, l, res.Scores)
				for v := range n {
					sum, reach := 0.0, 0
					for u := range n {
						if u != v && !math.IsInf(b.dist[u][v], 1) {
							sum += b.dist[u][v]
							reach++
						}
					}
					w := 0.0
					if reach > 0 {
						w = 1 / sum
						if normalized {
							w *= float64(reach)
						}
					}
					if math.Abs(got[v]-w) > 1e-12 {
						t.Fatalf("%s %q: closeness of %s %v, want %v", what, weight, l.nodes[v], got[v], w)
					}
				}
			}
		}
		// gonum's own weighted betweenness and closeness, from every
		// cheapest path listed, agree.
		sg := simple.NewWeightedDirectedGraph(0, math.Inf(1))
		for i := range l.nodes {
			sg.AddNode(simple.Node(i))
		}
		for _, e := range l.edges {
			f, to := simple.Node(l.index()[e.src]), simple.Node(l.index()[e.dst])
			if w, ok := sg.Weight(int64(f), int64(to)); f != to && (!ok || e.weight() < w) {
				sg.SetWeightedEdge(simple.WeightedEdge{F: f, T: to, W: e.weight()})
			}
		}
		all := path.DijkstraAllPaths(sg)
		theirs := network.BetweennessWeighted(sg, all)
		got := scoresOf(t, what, l, runL(t, g, "betweenness", map[string]string{"weight": "w"}).(*CentralityResult).Scores)
		for v := range got {
			if math.Abs(got[v]-theirs[int64(v)]) > 1e-9 {
				t.Fatalf("%s: betweenness of %s %v, gonum %v", what, l.nodes[v], got[v], theirs[int64(v)])
			}
		}
		// And gonum's unweighted betweenness, over every edge once.
		ug := simple.NewDirectedGraph()
		for i := range l.nodes {
			ug.AddNode(simple.Node(i))
		}
		for _, e := range l.edges {
			if f, to := simple.Node(l.index()[e.src]), simple.Node(l.index()[e.dst]); f != to && !ug.HasEdgeFromTo(int64(f), int64(to)) {
				ug.SetEdge(simple.Edge{F: f, T: to})
			}
		}
		hops := network.Betweenness(ug)
		got = scoresOf(t, what, l, runL(t, g, "betweenness", nil).(*CentralityResult).Scores)
		for v := range got {
			if math.Abs(got[v]-hops[int64(v)]) > 1e-9 {
				t.Fatalf("%s: unweighted betweenness of %s %v, gonum %v", what, l.nodes[v], got[v], hops[int64(v)])
			}
		}
		close := network.Closeness(sg, all)
		got = scoresOf(t, what, l, runL(t, g, "closeness", map[string]string{"weight": "w"}).(*CentralityResult).Scores)
		for v := range got {
			if c := close[int64(v)]; !math.IsInf(c, 1) && math.Abs(got[v]-c) > 1e-12 {
				t.Fatalf("%s: closeness of %s %v, gonum %v", what, l.nodes[v], got[v], c)
			}
		}
	}
}
