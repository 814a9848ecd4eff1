package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// lgraph is a test graph of the library: node IDs (v00, v01… so that
// vertex order is list order), some with "x" and "y" coordinates, and
// edges whose "w" property is a float64 (nil: none).
type lgraph struct {
	nodes  []string
	coords map[string][2]float64
	edges  []tedge
}

// randomL makes a random multigraph of n nodes and m edges, self-loops
// only if loops, each edge's "w" drawn by w.
func randomL(r *rand.Rand, n, m int, loops bool, w func() float64) lgraph {
	var l lgraph
	for i := range n {
		l.nodes = append(l.nodes, fmt.Sprintf("v%03d", i))
	}
	for i := 0; len(l.edges) < m && (n > 1 || n == 1 && loops); i++ {
		s, d := r.IntN(n), r.IntN(n)
		if s == d && !loops {
			continue
		}
		l.edges = append(l.edges, tedge{fmt.Sprintf("e%04d", i), l.nodes[s], l.nodes[d], w()})
	}
	return l
}

// ints returns a weight drawer of whole numbers in [lo, hi].
func ints(r *rand.Rand, lo, hi int) func() float64 {
	return func() float64 { return float64(lo + r.IntN(hi-lo+1)) }
}

func (l lgraph) index() map[string]int {
	idx := make(map[string]int, len(l.nodes))
	for i, id := range l.nodes {
		idx[id] = i
	}
	return idx
}

func (l lgraph) byID() map[string]tedge {
	m := make(map[string]tedge, len(l.edges))
	for _, e := range l.edges {
		m[e.id] = e
	}
	return m
}

// weight is the edge's "w" (whole or not), 1 without one.
func (e tedge) weight() float64 {
	switch w := e.w.(type) {
	case int:
		return float64(w)
	case float64:
		return w
	}
	return 1
}

// build applies the graph in one transaction: nodes, then edges, in order.
func (l lgraph) build(t testing.TB) *Graph { return l.buildBy(t, nil) }

// buildBy builds the same state by another history when r is not nil:
// nodes and edges in a shuffled order over several transactions, each
// edge first added with another weight and a property that an update
// then fixes, and a decoy node with edges added and removed again.
func (l lgraph) buildBy(t testing.TB, r *rand.Rand) *Graph {
	t.Helper()
	nodes, edges := slices.Clone(l.nodes), slices.Clone(l.edges)
	if r != nil {
		r.Shuffle(len(nodes), func(i, j int) { nodes[i], nodes[j] = nodes[j], nodes[i] })
		r.Shuffle(len(edges), func(i, j int) { edges[i], edges[j] = edges[j], edges[i] })
	}
	var events, fixes []*messages.Event
	if r != nil && len(nodes) > 0 {
		events = append(events, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "~decoy"}}})
	}
	for _, id := range nodes {
		a := &messages.NodeAdded{NodeId: id}
		if c, ok := l.coords[id]; ok {
			a.Properties = &structpb.Struct{Fields: map[string]*structpb.Value{"x": structpb.NewNumberValue(c[0]), "y": structpb.NewNumberValue(c[1])}}
		}
		events = append(events, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: a}})
		if r != nil {
			events = append(events, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
				EdgeId: "~decoy-" + id, SourceId: "~decoy", TargetId: id}}})
		}
	}
	for _, e := range edges {
		a := &messages.EdgeAdded{EdgeId: e.id, SourceId: e.src, TargetId: e.dst}
		if e.w != nil {
			w := e.weight()
			a.Properties = &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(w)}}
			if r != nil {
				a.Properties.Fields["w"] = structpb.NewNumberValue(w + 100)
				a.Properties.Fields["junk"] = structpb.NewBoolValue(true)
				fixes = append(fixes, &messages.Event{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{
					EdgeId: e.id, Set: &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(w)}}, Unset: []string{"junk"}}}})
			}
		}
		events = append(events, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: a}})
	}
	events = append(events, fixes...)
	if r != nil && len(nodes) > 0 {
		events = append(events, &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "~decoy"}}})
	}
	g := New("g")
	for len(events) > 0 {
		size := len(events)
		if r != nil {
			size = min(size, 1+r.IntN(20))
		}
		tx := commit(g, &messages.Transaction{Events: events[:size]})
		if err := g.Apply(tx); err != nil {
			t.Fatalf("build: %v", err)
		}
		events = events[size:]
	}
	return g
}

// runL runs an algorithm that must succeed.
func runL(t testing.TB, g *Graph, name string, params map[string]string) any {
	t.Helper()
	res, err := g.RunAlgorithm(context.Background(), name, params)
	if err != nil {
		t.Fatalf("%s %v: %v", name, params, err)
	}
	return res
}

func asJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%T does not encode as JSON: %v", v, err)
	}
	return string(b)
}

// paramSets gives every algorithm of the library a few parameter sets
// that suit l (its first and last nodes as ends, "w" as weight).
func paramSets(l lgraph) map[string][]map[string]string {
	first, last := l.nodes[0], l.nodes[len(l.nodes)-1]
	ends := func(extra ...string) map[string]string {
		m := map[string]string{"from": first, "to": last}
		for i := 0; i < len(extra); i += 2 {
			m[extra[i]] = extra[i+1]
		}
		return m
	}
	astar := []map[string]string{ends(), ends("weight", "w")}
	if len(l.coords) == len(l.nodes) {
		astar = append(astar, ends("weight", "w", "heuristic", "x,y"))
	}
	return map[string][]map[string]string{
		"shortest_path":       {ends(), ends("weight", "w")},
		"bellman_ford":        {ends("weight", "w")},
		"astar":               astar,
		"k_shortest_paths":    {ends("k", "5"), ends("weight", "w", "k", "4")},
		"all_pairs":           {{}, {"weight": "w"}},
		"components":          {{}, {"kind": "strong"}},
		"topological_order":   {{}},
		"mst":                 {{}, {"weight": "w"}},
		"bipartite":           {{}},
		"cycles":              {{}, {"limit": "5"}, {"limit": "10000"}},
		"bridges":             {{}},
		"articulation_points": {{}},
		"k_core":              {{}, {"k": "2"}},
		"k_hop":               {{"node": first, "k": "2"}, {"node": first, "direction": "out", "k": "3"}},
		"max_flow":            {{"source": first, "sink": last}, {"source": first, "sink": last, "capacity": "w"}},
		"pagerank":            {{"tolerance": "1e-12"}, {"weight": "w", "damping": "0.7", "tolerance": "1e-12"}},
		"betweenness":         {{}, {"weight": "w", "normalized": "true"}},
		"closeness":           {{}, {"weight": "w", "normalized": "true"}},
		"louvain":             {{}, {"weight": "w", "resolution": "0.5"}},
		"maximal_cliques":     {{}, {"limit": "3", "min_size": "2"}},
	}
}

func TestLibraryRegistry(t *testing.T) {
	want := []string{"all_pairs", "articulation_points", "astar", "bellman_ford", "betweenness", "bipartite", "bridges",
		"closeness", "components", "cycles", "k_core", "k_hop", "k_shortest_paths", "louvain", "max_flow",
		"maximal_cliques", "mst", "pagerank", "shortest_path", "topological_order"}
	var names []string
	name := regexp.MustCompile(`^[a-z0-9_]+$`)
	for _, a := range Algorithms() {
		names = append(names, a.Name)
		if !name.MatchString(a.Name) || a.Summary == "" || a.run == nil {
			t.Errorf("%q: bad name, no summary or nothing to run", a.Name)
		}
		for _, p := range a.Params {
			if !name.MatchString(p.Name) || p.Doc == "" {
				t.Errorf("%s: parameter %q has a bad name or no doc", a.Name, p.Name)
			}
			if p.Default != "" {
				if p.Required {
					t.Errorf("%s: parameter %q is required and has a default", a.Name, p.Name)
				}
				if _, err := p.read(p.Default); err != nil {
					t.Errorf("%s: parameter %q: default: %v", a.Name, p.Name, err)
				}
			}
			for _, bound := range []string{p.Min, p.Max} {
				if _, err := strconv.ParseFloat(bound, 64); bound != "" && err != nil {
					t.Errorf("%s: parameter %q: bound %q: %v", a.Name, p.Name, bound, err)
				}
			}
			if (p.Kind == ParamEnum) != (len(p.Values) > 0) {
				t.Errorf("%s: parameter %q: values go with enums only", a.Name, p.Name)
			}
		}
		got, err := LookupAlgorithm(a.Name)
		if err != nil || got != a {
			t.Errorf("LookupAlgorithm(%q) = %v, %v", a.Name, got, err)
		}
	}
	if !slices.Equal(names, want) {
		t.Errorf("library = %v, want %v", names, want)
	}
	_, err := LookupAlgorithm("page_rank")
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "pagerank, shortest_path") {
		t.Errorf("unknown algorithm: %v, want ErrInvalidArgument naming the known ones", err)
	}
	if _, err := New("g").RunAlgorithm(t.Context(), "nope", nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("RunAlgorithm of an unknown algorithm: %v", err)
	}
	sets := paramSets(lgraph{nodes: []string{"a"}})
	for _, a := range Algorithms() {
		if _, ok := sets[a.Name]; !ok {
			t.Errorf("%s has no parameter sets in the tests", a.Name)
		}
	}
}

// chainL is the hand-made example of algorithms_test.go with coordinates:
// a→b→c→d→e with shortcuts a→c and a→e, and f alone.
func chainL() lgraph {
	return lgraph{nodes: chainNodes, edges: chainEdges, coords: map[string][2]float64{
		"a": {0, 0}, "b": {1, 0}, "c": {2, 0}, "d": {3, 0}, "e": {4, 0}, "f": {9, 9}}}
}

func TestLibraryParams(t *testing.T) {
	g := chainL().build(t)
	noW := build(t, []string{"a", "b"}, []tedge{{"ab", "a", "b", nil}})
	neg := build(t, []string{"a", "b"}, []tedge{{"ab", "a", "b", -1.0}})
	zero := build(t, []string{"a", "b"}, []tedge{{"ab", "a", "b", 0.0}})
	str := build(t, []string{"a", "b"}, []tedge{{"ab", "a", "b", "3"}})
	// The straight line from b to the target is 1 shorter than from a, but
	// the edge a→b costs 0.5: the heuristic would overestimate.
	short := lgraph{nodes: []string{"a", "b", "c"}, edges: []tedge{{"ab", "a", "b", 0.5}, {"bc", "b", "c", 1.0}},
		coords: map[string][2]float64{"a": {0, 0}, "b": {1, 0}, "c": {2, 0}}}.build(t)
	tests := []struct {
		g        *Graph
		name     string
		params   map[string]string
		err      error
		mentions []string
	}{
		{g, "shortest_path", map[string]string{"from": "a", "to": "e", "wieght": "w"}, ErrInvalidArgument, []string{`"wieght"`, "from, to, weight"}},
		{g, "shortest_path", map[string]string{"from": "a"}, ErrInvalidArgument, []string{`"to"`}},
		{g, "shortest_path", map[string]string{"from": "a", "to": ""}, ErrInvalidArgument, []string{`"to"`}},
		{g, "shortest_path", map[string]string{"from": "a", "to": "zz"}, ErrNotFound, []string{`"zz"`, `"to"`}},
		{g, "topological_order", map[string]string{"x": "1", "a": "2"}, ErrInvalidArgument, []string{`"a"`, "accepts none"}},
		{g, "k_shortest_paths", map[string]string{"from": "a", "to": "e", "k": "101"}, ErrInvalidArgument, []string{`"k"`, "between 1 and 100"}},
		{g, "k_shortest_paths", map[string]string{"from": "a", "to": "e", "k": "0"}, ErrInvalidArgument, []string{`"k"`}},
		{g, "k_shortest_paths", map[string]string{"from": "a", "to": "e", "k": "2.5"}, ErrInvalidArgument, []string{"not a whole number"}},
		{g, "pagerank", map[string]string{"damping": "NaN"}, ErrInvalidArgument, []string{"not a finite number"}},
		{g, "pagerank", map[string]string{"damping": "1.5"}, ErrInvalidArgument, []string{"between 0 and 1"}},
		{g, "pagerank", map[string]string{"tolerance": "-1"}, ErrInvalidArgument, []string{"less than 0"}},
		{g, "betweenness", map[string]string{"normalized": "maybe"}, ErrInvalidArgument, []string{"not true or false"}},
		{g, "components", map[string]string{"kind": "medium"}, ErrInvalidArgument, []string{"weak, strong"}},
		{g, "k_hop", map[string]string{"node": "a", "direction": "up"}, ErrInvalidArgument, []string{"out, in, both"}},
		{g, "max_flow", map[string]string{"source": "a", "sink": "a"}, ErrInvalidArgument, []string{"both node"}},
		{noW, "bellman_ford", map[string]string{"from": "a", "to": "b", "weight": "w"}, ErrInvalidWeight, []string{`edge "ab" has no property "w"`}},
		{noW, "bellman_ford", map[string]string{"from": "a", "to": "b"}, ErrInvalidArgument, []string{`"weight"`}},
		{str, "mst", map[string]string{"weight": "w"}, ErrInvalidWeight, []string{"a string"}},
		{neg, "pagerank", map[string]string{"weight": "w"}, ErrInvalidWeight, []string{"must not be negative"}},
		{neg, "max_flow", map[string]string{"source": "a", "sink": "b", "capacity": "w"}, ErrInvalidWeight, []string{"capacity"}},
		{zero, "betweenness", map[string]string{"weight": "w"}, ErrInvalidWeight, []string{"must be positive"}},
		{zero, "closeness", map[string]string{"weight": "w"}, ErrInvalidWeight, []string{"must be positive"}},
		{g, "astar", map[string]string{"from": "a", "to": "e", "heuristic": "x,z"}, ErrInvalidArgument, []string{`node "a" has no property "z"`}},
		{g, "astar", map[string]string{"from": "a", "to": "e", "heuristic": "x,"}, ErrInvalidArgument, []string{"empty property name"}},
		{short, "astar", map[string]string{"from": "a", "to": "c", "weight": "w", "heuristic": "x,y"}, ErrInvalidArgument, []string{`edge "ab"`, "leave heuristic out"}},
	}
	for _, tt := range tests {
		_, err := tt.g.RunAlgorithm(t.Context(), tt.name, tt.params)
		if !errors.Is(err, tt.err) {
			t.Errorf("%s %v: err = %v, want %v", tt.name, tt.params, err, tt.err)
			continue
		}
		for _, m := range tt.mentions {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%s %v: error %q does not mention %s", tt.name, tt.params, err, m)
			}
		}
	}
	// An empty value is no value: the default applies.
	res := runL(t, g, "k_shortest_paths", map[string]string{"from": "a", "to": "e", "k": ""}).(*PathsResult)
	if len(res.Paths) != 3 {
		t.Errorf("k empty: %d paths, want the default 3", len(res.Paths))
	}
	// The admissible heuristic is accepted and finds the same path.
	p := runL(t, g, "astar", map[string]string{"from": "a", "to": "e", "weight": "w", "heuristic": "x,y"}).(*AStarResult)
	if strings.Join(p.Nodes, ",") != "a,b,c,d,e" || p.Cost != 5 {
		t.Errorf("astar with heuristic: %+v", p)
	}
}

func TestLibraryLimits(t *testing.T) {
	bound := 0
	for _, a := range Algorithms() {
		bound = max(bound, a.MaxNodes)
	}
	var l lgraph
	for i := range bound + 1 {
		l.nodes = append(l.nodes, fmt.Sprintf("n%06d", i))
	}
	g := l.build(t)
	sets := paramSets(l)
	for _, a := range Algorithms() {
		if a.MaxNodes == 0 {
			continue
		}
		_, err := g.RunAlgorithm(t.Context(), a.Name, sets[a.Name][0])
		if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), fmt.Sprintf("at most %d nodes", a.MaxNodes)) {
			t.Errorf("%s on %d nodes: %v, want ErrLimit naming %d", a.Name, g.NodeCount(), err, a.MaxNodes)
		}
		// Parameters are checked first: a bad request is a bad request.
		if _, err := g.RunAlgorithm(t.Context(), a.Name, map[string]string{"bogus": "1"}); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("%s with a bad parameter on a large graph: %v, want ErrInvalidArgument", a.Name, err)
		}
	}
	// At the bound itself it runs.
	small := lgraph{nodes: l.nodes[:maxCliqueNodes]}
	runL(t, small.build(t), "maximal_cliques", nil)
}

// looksCounter is a context that never ends and counts how often it is
// looked at.
type looksCounter struct {
	context.Context
	looks int
}

func (c *looksCounter) Err() error { c.looks++; return nil }

// Every algorithm answers a context's cause when it has ended, at any
// look: the first, and the last it makes on a complete run, which for the
// superlinear ones is deep inside the work (gonum's calls included).
func TestLibraryStopsWithItsContext(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	l := randomL(r, 200, 800, true, ints(r, 1, 5))
	g := l.build(t)
	// Those whose work grows faster than the graph must look at the
	// context many times on this graph, not only while reading it.
	// (The index takes one look on this graph, each view of it another.)
	inside := map[string]int{"all_pairs": 20, "betweenness": 5, "closeness": 5, "k_shortest_paths": 2, "pagerank": 3,
		"louvain": 2}
	cause := errors.New("the client went away")
	for name, sets := range paramSets(l) {
		for _, params := range sets {
			ctx, cancel := context.WithCancelCause(t.Context())
			cancel(cause)
			if _, err := g.RunAlgorithm(ctx, name, params); !errors.Is(err, cause) {
				t.Errorf("%s %v, context ended: %v, want its cause", name, params, err)
			}
			count := &looksCounter{Context: t.Context()}
			if _, err := g.RunAlgorithm(count, name, params); errors.Is(err, ErrCycle) {
				continue // the graph has cycles: the test of TopologicalOrder's own looks is in algorithms_test.go
			} else if err != nil {
				t.Errorf("%s %v: %v", name, params, err)
				continue
			}
			least := inside[name]
			if name == "cycles" && params["limit"] == "10000" {
				least = 3 // listing that many cycles takes a while
			}
			if count.looks < least {
				t.Errorf("%s %v looked at its context %d times, want at least %d", name, params, count.looks, least)
			}
			for _, n := range []int{count.looks / 2, count.looks - 1} {
				if _, err := g.RunAlgorithm(&endsAfter{t.Context(), n}, name, params); !errors.Is(err, context.Canceled) {
					t.Errorf("%s %v, context ending after %d of %d looks: %v, want context.Canceled", name, params, n, count.looks, err)
				}
			}
		}
	}
}

// geometric is a random graph whose nodes have coordinates in a 100×100
// square and whose edges cost at least the distance between their ends,
// so that the straight line is an admissible heuristic.
func geometric(r *rand.Rand, n, m int) lgraph {
	l := randomL(r, n, m, true, func() float64 { return 0 })
	l.coords = map[string][2]float64{}
	for _, id := range l.nodes {
		l.coords[id] = [2]float64{float64(r.IntN(100)), float64(r.IntN(100))}
	}
	for i, e := range l.edges {
		a, b := l.coords[e.src], l.coords[e.dst]
		l.edges[i].w = math.Ceil(math.Hypot(a[0]-b[0], a[1]-b[1])) + float64(r.IntN(20))
	}
	return l
}

// Equal states give equal answers (errors included), whatever history
// built them; and two runs on one state agree.
func TestLibraryDeterminism(t *testing.T) {
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 1))
		var l lgraph
		switch seed % 4 {
		case 0:
			l = randomL(r, 2+r.IntN(25), r.IntN(60), true, ints(r, 1, 6))
		case 1:
			l = randomL(r, 2+r.IntN(12), r.IntN(40), true, ints(r, -2, 6))
		case 2:
			l = geometric(r, 2+r.IntN(25), r.IntN(60))
		default:
			// Ties everywhere: every weight equal.
			l = randomL(r, 2+r.IntN(25), r.IntN(70), false, func() float64 { return 2 })
		}
		g, h := l.build(t), l.buildBy(t, r)
		for name, sets := range paramSets(l) {
			for _, params := range sets {
				a, errA := g.RunAlgorithm(t.Context(), name, params)
				b, errB := h.RunAlgorithm(t.Context(), name, params)
				c, _ := g.RunAlgorithm(t.Context(), name, params)
				if fmt.Sprint(errA) != fmt.Sprint(errB) {
					t.Fatalf("seed %d %s %v: errors depend on history: %v / %v", seed, name, params, errA, errB)
				}
				if errA != nil {
					continue
				}
				ja, jb, jc := asJSON(t, a), asJSON(t, b), asJSON(t, c)
				if ja != jb || ja != jc {
					t.Fatalf("seed %d %s %v: answers differ:\n%s\n%s\n%s", seed, name, params, ja, jb, jc)
				}
			}
		}
	}
}

func TestNumberJSON(t *testing.T) {
	got := asJSON(t, []Number{1.5, Number(math.Inf(1)), Number(math.Inf(-1)), Number(math.NaN()), 1e21, 0})
	if got != "[1.5,null,null,null,1e+21,0]" {
		t.Errorf("numbers encode as %s", got)
	}
}
