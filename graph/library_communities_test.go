package graph

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// modularity is Newman's Q written out: A[i][j] the weight of the edges
// between i and j in either direction (self-loops left out), k the
// weighted degrees, 2m their sum.
func modularity(l lgraph, weighted bool, communities [][]string, resolution float64) float64 {
	n, idx := len(l.nodes), l.index()
	a := make([][]float64, n)
	for i := range a {
		a[i] = make([]float64, n)
	}
	for _, e := range l.edges {
		if e.src == e.dst {
			continue
		}
		w := 1.0
		if weighted {
			w = e.weight()
		}
		a[idx[e.src]][idx[e.dst]] += w
		a[idx[e.dst]][idx[e.src]] += w
	}
	k := make([]float64, n)
	m2 := 0.0
	for i := range n {
		for j := range n {
			k[i] += a[i][j]
		}
		m2 += k[i]
	}
	if m2 == 0 {
		return 0
	}
	c := make([]int, n)
	for ci, comm := range communities {
		for _, id := range comm {
			c[idx[id]] = ci
		}
	}
	q := 0.0
	for i := range n {
		for j := range n {
			if c[i] == c[j] {
				q += a[i][j] - resolution*k[i]*k[j]/m2
			}
		}
	}
	return q / m2
}

// checkPartition checks that communities split l's nodes: each non-empty,
// sorted, every node in exactly one, in the order of their first node.
func checkPartition(t *testing.T, what string, l lgraph, communities [][]string) {
	t.Helper()
	var all []string
	for _, c := range communities {
		if len(c) == 0 || !slices.IsSorted(c) {
			t.Fatalf("%s: community %v is empty or unsorted", what, c)
		}
		all = append(all, c...)
	}
	slices.Sort(all)
	if !slices.Equal(all, l.nodes) {
		t.Fatalf("%s: communities %v do not split the nodes %v", what, communities, l.nodes)
	}
	if !slices.IsSortedFunc(communities, func(a, b []string) int { return cmp.Compare(a[0], b[0]) }) {
		t.Fatalf("%s: communities not in order: %v", what, communities)
	}
}

func TestLouvainModularity(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 15))
		l := randomL(r, 1+r.IntN(20), r.IntN(50), true, ints(r, 0, 4))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for _, weight := range []string{"", "w"} {
			for _, resolution := range []float64{1, 0.5, 2} {
				res := runL(t, g, "louvain", map[string]string{"weight": weight, "resolution": fmt.Sprint(resolution)}).(*LouvainResult)
				checkPartition(t, what, l, res.Communities)
				if q := modularity(l, weight != "", res.Communities, resolution); math.Abs(q-res.Modularity) > 1e-9 {
					t.Fatalf("%s %q γ=%v: modularity %v, computed %v", what, weight, resolution, res.Modularity, q)
				}
				// Louvain starts from one community per node and only ever
				// raises modularity.
				var single [][]string
				for _, id := range l.nodes {
					single = append(single, []string{id})
				}
				if q := modularity(l, weight != "", single, resolution); res.Modularity < q-1e-9 {
					t.Fatalf("%s: modularity %v, below %v of one node each", what, res.Modularity, q)
				}
			}
		}
	}
}

// karate is Zachary's karate club (1977): 34 members, 78 friendships.
var karate = [][]int{
	{1, 2}, {1, 3}, {1, 4}, {1, 5}, {1, 6}, {1, 7}, {1, 8}, {1, 9}, {1, 11}, {1, 12}, {1, 13}, {1, 14}, {1, 18}, {1, 20}, {1, 22}, {1, 32},
	{2, 3}, {2, 4}, {2, 8}, {2, 14}, {2, 18}, {2, 20}, {2, 22}, {2, 31},
	{3, 4}, {3, 8}, {3, 9}, {3, 10}, {3, 14}, {3, 28}, {3, 29}, {3, 33},
	{4, 8}, {4, 13}, {4, 14}, {5, 7}, {5, 11}, {6, 7}, {6, 11}, {6, 17}, {7, 17},
	{9, 31}, {9, 33}, {9, 34}, {10, 34}, {14, 34}, {15, 33}, {15, 34}, {16, 33}, {16, 34}, {19, 33}, {19, 34},
	{20, 34}, {21, 33}, {21, 34}, {23, 33}, {23, 34}, {24, 26}, {24, 28}, {24, 30}, {24, 33}, {24, 34},
	{25, 26}, {25, 28}, {25, 32}, {26, 32}, {27, 30}, {27, 34}, {28, 34}, {29, 32}, {29, 34}, {30, 33}, {30, 34},
	{31, 33}, {31, 34}, {32, 33}, {32, 34}, {33, 34},
}

func karateL() lgraph {
	var l lgraph
	for i := 1; i <= 34; i++ {
		l.nodes = append(l.nodes, fmt.Sprintf("m%02d", i))
	}
	for i, e := range karate {
		l.edges = append(l.edges, tedge{fmt.Sprintf("f%02d", i), l.nodes[e[0]-1], l.nodes[e[1]-1], nil})
	}
	return l
}

func TestLouvainRealGraphs(t *testing.T) {
	l := karateL()
	if len(l.edges) != 78 {
		t.Fatalf("%d friendships", len(l.edges))
	}
	res := runL(t, l.build(t), "louvain", nil).(*LouvainResult)
	checkPartition(t, "karate", l, res.Communities)
	// The best partition known has Q = 0.4198; Louvain finds 0.41 or more.
	if res.Modularity < 0.41 || len(res.Communities) < 3 || len(res.Communities) > 5 {
		t.Errorf("karate: Q = %v with %d communities %v", res.Modularity, len(res.Communities), res.Communities)
	}
	t.Logf("karate: Q = %.4f, communities %v", res.Modularity, res.Communities)

	// Two cliques of five joined by one edge are two communities.
	var two lgraph
	for i := range 10 {
		two.nodes = append(two.nodes, fmt.Sprintf("n%d", i))
	}
	for i := range 10 {
		for j := i + 1; j < 10; j++ {
			if i/5 == j/5 {
				two.edges = append(two.edges, tedge{fmt.Sprintf("e%d%d", i, j), two.nodes[i], two.nodes[j], nil})
			}
		}
	}
	two.edges = append(two.edges, tedge{"bridge", "n4", "n5", nil})
	got := runL(t, two.build(t), "louvain", nil).(*LouvainResult)
	if fmt.Sprint(got.Communities) != "[[n0 n1 n2 n3 n4] [n5 n6 n7 n8 n9]]" {
		t.Errorf("two cliques: %v", got.Communities)
	}
	// No edges: every node alone, modularity 0.
	alone := runL(t, lgraph{nodes: []string{"a", "b"}}.build(t), "louvain", nil).(*LouvainResult)
	if fmt.Sprint(alone.Communities) != "[[a] [b]]" || alone.Modularity != 0 {
		t.Errorf("no edges: %+v", alone)
	}
	// Seeds are part of the question: another may answer otherwise, the
	// same one the same.
	a := asJSON(t, runL(t, l.build(t), "louvain", map[string]string{"seed": "42"}))
	b := asJSON(t, runL(t, l.build(t), "louvain", map[string]string{"seed": "42"}))
	if a != b {
		t.Errorf("seed 42 answers differently: %s / %s", a, b)
	}
}

func TestMaximalCliquesAgainstBruteForce(t *testing.T) {
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 16))
		n := 1 + r.IntN(12)
		l := randomL(r, n, r.IntN(n*n/2+1), true, ints(r, 1, 1))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		idx := l.index()
		adj := make([][]bool, n)
		for i := range adj {
			adj[i] = make([]bool, n)
		}
		for _, e := range l.edges {
			if e.src != e.dst {
				adj[idx[e.src]][idx[e.dst]], adj[idx[e.dst]][idx[e.src]] = true, true
			}
		}
		clique := func(mask int) bool {
			for i := range n {
				for j := range n {
					if i != j && mask>>i&1 == 1 && mask>>j&1 == 1 && !adj[i][j] {
						return false
					}
				}
			}
			return true
		}
		var want [][]string
		for mask := 1; mask < 1<<n; mask++ {
			if !clique(mask) {
				continue
			}
			maximal := true
			for v := range n {
				if mask>>v&1 == 0 && clique(mask|1<<v) {
					maximal = false
				}
			}
			if maximal {
				var c []string
				for v := range n {
					if mask>>v&1 == 1 {
						c = append(c, l.nodes[v])
					}
				}
				want = append(want, c)
			}
		}
		slices.SortFunc(want, func(a, b []string) int { return cmp.Or(cmp.Compare(len(b), len(a)), slices.Compare(a, b)) })
		res := runL(t, g, "maximal_cliques", map[string]string{"limit": "10000"}).(*CliquesResult)
		if fmt.Sprint(res.Cliques) != fmt.Sprint(want) || res.Total != len(want) || res.Truncated {
			t.Fatalf("%s: cliques %v (total %d), want %v", what, res.Cliques, res.Total, want)
		}
		big := slices.DeleteFunc(slices.Clone(want), func(c []string) bool { return len(c) < 3 })
		few := runL(t, g, "maximal_cliques", map[string]string{"limit": "2", "min_size": "3"}).(*CliquesResult)
		if few.Total != len(big) || few.Truncated != (len(big) > 2) || fmt.Sprint(few.Cliques) != fmt.Sprint(big[:min(2, len(big))]) {
			t.Fatalf("%s: limit 2, at least 3: %+v, want the first of %v", what, few, big)
		}
	}
	// A clique of four with a tail: {a b c d} then {d e}.
	l := lgraph{nodes: []string{"a", "b", "c", "d", "e"}}
	for _, p := range []string{"ab", "ac", "ad", "bc", "bd", "cd", "de", "ed", "aa"} {
		l.edges = append(l.edges, tedge{p, p[:1], p[1:], nil})
	}
	if got := asJSON(t, runL(t, l.build(t), "maximal_cliques", nil)); got != `{"cliques":[["a","b","c","d"],["d","e"]],"total":2,"truncated":false}` {
		t.Errorf("clique with a tail: %s", strings.TrimSpace(got))
	}
}
