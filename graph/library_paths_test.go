package graph

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/messages"
)

// floyd is Floyd–Warshall over l written the obvious way: dist[i][j] the
// cheapest cost from node i to node j (every edge 1 when !weighted),
// +Inf when unreachable; reach[i][j] whether j can be reached from i (i
// itself included). dist[i][i] < 0 afterwards means i is on a negative
// cycle.
func floyd(l lgraph, weighted bool) (dist [][]float64, reach [][]bool) {
	n, idx := len(l.nodes), l.index()
	dist, reach = make([][]float64, n), make([][]bool, n)
	for i := range n {
		dist[i], reach[i] = make([]float64, n), make([]bool, n)
		for j := range n {
			dist[i][j] = math.Inf(1)
		}
		dist[i][i], reach[i][i] = 0, true
	}
	for _, e := range l.edges {
		w := 1.0
		if weighted {
			w = e.weight()
		}
		s, d := idx[e.src], idx[e.dst]
		dist[s][d] = min(dist[s][d], w)
		reach[s][d] = true
	}
	for k := range n {
		for i := range n {
			for j := range n {
				dist[i][j] = min(dist[i][j], dist[i][k]+dist[k][j])
				reach[i][j] = reach[i][j] || reach[i][k] && reach[k][j]
			}
		}
	}
	return dist, reach
}

// toMessage turns a PathResult into what checkPath (algorithms_test.go)
// checks: a walk over existing edges, each the preferred of its parallels,
// adding up to the cost.
func toMessage(p PathResult) *messages.Path {
	return &messages.Path{Nodes: p.Nodes, Edges: p.Edges, Cost: float64(p.Cost)}
}

func TestBellmanFordAgainstFloydWarshall(t *testing.T) {
	cycles := 0
	for seed := range uint64(300) {
		r := rand.New(rand.NewPCG(seed, 2))
		w := ints(r, -3, 9)
		if seed%3 == 0 {
			w = func() float64 { return float64(r.IntN(48)-8) / 4 }
		}
		l := randomL(r, 1+r.IntN(8), r.IntN(16), true, w)
		g := l.build(t)
		dist, reach := floyd(l, true)
		d, err := g.digraph(t.Context(), edgeNumber("weight", "w", anySign))
		if err != nil {
			t.Fatal(err)
		}
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for i, from := range l.nodes {
			negative := slices.ContainsFunc(l.nodes, func(k string) bool {
				return reach[i][d.vertex(k)] && dist[d.vertex(k)][d.vertex(k)] < 0
			})
			for j, to := range l.nodes {
				res, err := g.RunAlgorithm(t.Context(), "bellman_ford", map[string]string{"from": from, "to": to, "weight": "w"})
				switch {
				case negative:
					cycles++
					if !errors.Is(err, ErrCycle) {
						t.Fatalf("%s: %s→%s: %v, want ErrCycle", what, from, to, err)
					}
					checkNegativeCycle(t, what, d, i, reach, l)
					c, _ := d.negativeCycle(t.Context(), []int{i})
					if want := d.closedWalk(c, d.arc).describe(); !strings.Contains(err.Error(), want) {
						t.Fatalf("%s: error %q does not name the cycle %s", what, err, want)
					}
				case math.IsInf(dist[i][j], 1):
					if !errors.Is(err, ErrNotFound) {
						t.Fatalf("%s: %s→%s: %v, want ErrNotFound", what, from, to, err)
					}
				default:
					if err != nil {
						t.Fatalf("%s: %s→%s: %v", what, from, to, err)
					}
					p := res.(*PathResult)
					if math.Abs(float64(p.Cost)-dist[i][j]) > 1e-9 {
						t.Fatalf("%s: %s→%s costs %v, want %v", what, from, to, p.Cost, dist[i][j])
					}
					checkPath(t, what, toMessage(*p), from, to, "w", l.edges, l.byID())
				}
			}
		}
	}
	if cycles == 0 {
		t.Error("no random graph had a negative cycle")
	}
}

// checkNegativeCycle checks the cycle negativeCycle finds from vertex s:
// a cycle over the cheapest arcs, reached from s, costing less than 0.
func checkNegativeCycle(t *testing.T, what string, d *digraph, s int, reach [][]bool, l lgraph) {
	t.Helper()
	c, err := d.negativeCycle(t.Context(), []int{s})
	if err != nil || len(c) == 0 {
		t.Fatalf("%s: no negative cycle from %s: %v", what, l.nodes[s], err)
	}
	if !reach[s][c[0]] {
		t.Fatalf("%s: cycle %v is not reached from %s", what, c, l.nodes[s])
	}
	total := 0.0
	for k, v := range c {
		w := c[(k+1)%len(c)]
		best := math.Inf(1)
		for _, e := range l.edges {
			if e.src == l.nodes[v] && e.dst == l.nodes[w] {
				best = min(best, e.weight())
			}
		}
		if math.IsInf(best, 1) || slices.Contains(c[k+1:], v) {
			t.Fatalf("%s: %v is not a simple cycle of the graph", what, c)
		}
		total += best
	}
	if total >= 0 {
		t.Fatalf("%s: cycle %v costs %v", what, c, total)
	}
}

func TestAStarAgainstFloydWarshall(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 3))
		l := geometric(r, 1+r.IntN(10), r.IntN(25))
		g := l.build(t)
		dist, _ := floyd(l, true)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		for i, from := range l.nodes {
			for j, to := range l.nodes {
				for _, h := range []string{"", "x,y"} {
					res, err := g.RunAlgorithm(t.Context(), "astar", map[string]string{"from": from, "to": to, "weight": "w", "heuristic": h})
					if math.IsInf(dist[i][j], 1) {
						if !errors.Is(err, ErrNotFound) {
							t.Fatalf("%s: %s→%s %q: %v, want ErrNotFound", what, from, to, h, err)
						}
						continue
					}
					if err != nil {
						t.Fatalf("%s: %s→%s %q: %v", what, from, to, h, err)
					}
					p := res.(*AStarResult)
					if float64(p.Cost) != dist[i][j] {
						t.Fatalf("%s: %s→%s %q costs %v, want %v", what, from, to, h, p.Cost, dist[i][j])
					}
					checkPath(t, what, toMessage(p.PathResult), from, to, "w", l.edges, l.byID())
				}
			}
		}
	}
}

// On a grid whose edges are as long as they look, the straight line
// guides A* to expand fewer nodes than Dijkstra for the same cost.
func TestAStarGrid(t *testing.T) {
	const side = 12
	var l lgraph
	l.coords = map[string][2]float64{}
	id := func(x, y int) string { return fmt.Sprintf("v%02d%02d", x, y) }
	for x := range side {
		for y := range side {
			l.nodes = append(l.nodes, id(x, y))
			l.coords[id(x, y)] = [2]float64{float64(x), float64(y)}
			if x > 0 {
				l.edges = append(l.edges, tedge{"h" + id(x, y), id(x-1, y), id(x, y), 1.0}, tedge{"H" + id(x, y), id(x, y), id(x-1, y), 1.0})
			}
			if y > 0 {
				l.edges = append(l.edges, tedge{"v" + id(x, y), id(x, y-1), id(x, y), 1.0}, tedge{"V" + id(x, y), id(x, y), id(x, y-1), 1.0})
			}
		}
	}
	g := l.build(t)
	params := map[string]string{"from": id(0, 0), "to": id(side-1, side/2), "weight": "w"}
	plain := runL(t, g, "astar", params).(*AStarResult)
	params["heuristic"] = "x,y"
	guided := runL(t, g, "astar", params).(*AStarResult)
	if plain.Cost != side-1+side/2 || guided.Cost != plain.Cost {
		t.Errorf("costs %v and %v, want %d", plain.Cost, guided.Cost, side-1+side/2)
	}
	if guided.Expanded >= plain.Expanded {
		t.Errorf("A* expanded %d nodes, Dijkstra %d", guided.Expanded, plain.Expanded)
	}
	t.Logf("expanded: %d with the heuristic, %d without", guided.Expanded, plain.Expanded)
}

// simplePaths lists every simple path from s to t in l (node indexes),
// with its cost over the cheapest edges; self-loops are never on one.
func simplePaths(l lgraph, s, t int, weighted bool) (paths [][]int, costs []float64) {
	n, idx := len(l.nodes), l.index()
	cost := make([][]float64, n)
	for i := range cost {
		cost[i] = make([]float64, n)
		for j := range cost[i] {
			cost[i][j] = math.Inf(1)
		}
	}
	for _, e := range l.edges {
		w := 1.0
		if weighted {
			w = e.weight()
		}
		cost[idx[e.src]][idx[e.dst]] = min(cost[idx[e.src]][idx[e.dst]], w)
	}
	var walk func(path []int, c float64)
	walk = func(path []int, c float64) {
		v := path[len(path)-1]
		if v == t {
			paths, costs = append(paths, slices.Clone(path)), append(costs, c)
			return
		}
		for w := range n {
			if w != v && !math.IsInf(cost[v][w], 1) && !slices.Contains(path, w) {
				walk(append(path, w), c+cost[v][w])
			}
		}
	}
	walk([]int{s}, 0)
	return paths, costs
}

func TestKShortestPathsAgainstEnumeration(t *testing.T) {
	for seed := range uint64(200) {
		r := rand.New(rand.NewPCG(seed, 4))
		l := randomL(r, 2+r.IntN(6), r.IntN(16), true, ints(r, 0, 5))
		g := l.build(t)
		what := fmt.Sprintf("seed %d %v", seed, l.edges)
		from, to := l.nodes[0], l.nodes[len(l.nodes)-1]
		for _, weight := range []string{"", "w"} {
			for _, k := range []int{1, 3, 10} {
				_, costs := simplePaths(l, 0, len(l.nodes)-1, weight != "")
				slices.Sort(costs)
				res, err := g.RunAlgorithm(t.Context(), "k_shortest_paths", map[string]string{"from": from, "to": to, "k": fmt.Sprint(k), "weight": weight})
				if len(costs) == 0 {
					if !errors.Is(err, ErrNotFound) {
						t.Fatalf("%s: %v, want ErrNotFound", what, err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%s: %v", what, err)
				}
				ps := res.(*PathsResult).Paths
				if len(ps) != min(k, len(costs)) {
					t.Fatalf("%s k=%d %q: %d paths, want %d (costs %v)", what, k, weight, len(ps), min(k, len(costs)), costs)
				}
				seen := map[string]bool{}
				for i, p := range ps {
					if float64(p.Cost) != costs[i] {
						t.Fatalf("%s k=%d %q: path %d costs %v, want %v (all: %v)", what, k, weight, i, p.Cost, costs[i], costs)
					}
					key := strings.Join(p.Nodes, ",")
					if seen[key] || len(slices.Compact(slices.Sorted(slices.Values(p.Nodes)))) != len(p.Nodes) {
						t.Fatalf("%s: path %v repeats a node or another path", what, p.Nodes)
					}
					seen[key] = true
					checkPath(t, what, toMessage(p), from, to, weight, l.edges, l.byID())
				}
				if !slices.IsSortedFunc(ps, func(a, b PathResult) int {
					return cmp.Or(cmp.Compare(a.Cost, b.Cost), slices.Compare(a.Nodes, b.Nodes))
				}) {
					t.Fatalf("%s: paths not sorted", what)
				}
			}
		}
	}
	// A path to itself is the node alone.
	l := chainL()
	p := runL(t, l.build(t), "k_shortest_paths", map[string]string{"from": "f", "to": "f"}).(*PathsResult)
	if len(p.Paths) != 1 || strings.Join(p.Paths[0].Nodes, ",") != "f" || len(p.Paths[0].Edges) != 0 {
		t.Errorf("f to f: %+v", p.Paths)
	}
}

func TestAllPairsAgainstFloydWarshall(t *testing.T) {
	for seed := range uint64(150) {
		r := rand.New(rand.NewPCG(seed, 5))
		n := 1 + r.IntN(9)
		var w func() float64
		switch seed % 3 {
		case 0:
			w = ints(r, 0, 9)
		case 1:
			// Negative weights without negative cycles: a cost of at least
			// 0, shifted by potentials that cancel out round any cycle.
			p := make([]float64, n)
			for i := range p {
				p[i] = float64(r.IntN(6))
			}
			l := randomL(r, n, r.IntN(20), true, func() float64 { return 0 })
			for i, e := range l.edges {
				l.edges[i].w = float64(r.IntN(4)) + p[l.index()[e.src]] - p[l.index()[e.dst]]
			}
			checkAllPairs(t, fmt.Sprintf("seed %d %v", seed, l.edges), l)
			continue
		default:
			w = ints(r, -2, 9)
		}
		l := randomL(r, n, r.IntN(20), true, w)
		checkAllPairs(t, fmt.Sprintf("seed %d %v", seed, l.edges), l)
	}
	res := runL(t, New("g"), "all_pairs", nil).(*AllPairsResult)
	if asJSON(t, res) != `{"nodes":[],"rows":[]}` {
		t.Errorf("empty graph: %s", asJSON(t, res))
	}
}

func checkAllPairs(t *testing.T, what string, l lgraph) {
	t.Helper()
	g := l.build(t)
	for _, weight := range []string{"", "w"} {
		dist, _ := floyd(l, weight != "")
		cyclic := slices.ContainsFunc(l.nodes, func(k string) bool { return dist[l.index()[k]][l.index()[k]] < 0 })
		res, err := g.RunAlgorithm(t.Context(), "all_pairs", map[string]string{"weight": weight})
		if cyclic {
			if !errors.Is(err, ErrCycle) || !strings.Contains(err.Error(), "the graph has the cycle") {
				t.Fatalf("%s: %v, want ErrCycle naming one", what, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s %q: %v", what, weight, err)
		}
		ap := res.(*AllPairsResult)
		if !slices.Equal(ap.Nodes, l.nodes) || len(ap.Rows) != len(l.nodes) {
			t.Fatalf("%s: nodes %v, %d rows", what, ap.Nodes, len(ap.Rows))
		}
		for i, row := range ap.Rows {
			if row.From != l.nodes[i] {
				t.Fatalf("%s: row %d is from %s", what, i, row.From)
			}
			for j, got := range row.Distances {
				if want := dist[i][j]; got != Number(want) && math.Abs(float64(got)-want) > 1e-9 {
					t.Fatalf("%s %q: %s→%s = %v, want %v", what, weight, l.nodes[i], l.nodes[j], got, want)
				}
			}
		}
	}
}
