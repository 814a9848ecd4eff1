package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"testing"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/answerdiff"
)

// How an answer changed between two versions: the comparison holds the
// two answers a read gives at those versions, and its changes say, for
// components computed naively from the states, which nodes joined which
// component; for PageRank, each node's change; for a shortest path, the
// nodes it gained and lost.
func TestCompareAnswersBetweenVersions(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	rng := rand.New(rand.NewPCG(3, 7))
	nodes := []string{"a", "b", "c", "d", "e", "f", "g"}
	pick := func() string { return nodes[rng.IntN(len(nodes))] }
	for committed := 0; committed < 40; {
		var ev map[string]any
		switch r := rng.IntN(10); {
		case r < 3:
			ev = map[string]any{"type": "NodeAdded", "node_id": pick(), "node_type": "x"}
		case r < 4:
			ev = map[string]any{"type": "NodeRemoved", "node_id": pick()}
		case r < 5:
			ev = map[string]any{"type": "EdgeRemoved", "edge_id": fmt.Sprintf("e%d", rng.IntN(10))}
		default:
			ev = addEdge(fmt.Sprintf("e%d", rng.IntN(10)), pick(), pick())
		}
		if st, _, _ := c.submit("cmp", events(ev)); st == http.StatusOK {
			committed++
		}
	}
	get := func(path string, out any) {
		t.Helper()
		if st, e, err := c.do("GET", path, nil, out); err != nil || st != http.StatusOK {
			t.Fatalf("GET %s: %d %+v %v", path, st, e, err)
		}
	}
	// componentOf is each node's weak component at version v, from the
	// state and a union-find of this test's own.
	componentOf := func(v uint64) map[string][]string {
		var g api.Graph
		get(fmt.Sprintf("/v1/graphs/cmp?version=%d", v), &g)
		parent := map[string]string{}
		var find func(string) string
		find = func(x string) string {
			if parent[x] != x {
				parent[x] = find(parent[x])
			}
			return parent[x]
		}
		for _, n := range g.Nodes {
			parent[n.ID] = n.ID
		}
		for _, e := range g.Edges {
			parent[find(e.Source)] = find(e.Target)
		}
		members := map[string][]string{}
		for id := range parent {
			members[find(id)] = append(members[find(id)], id)
		}
		out := map[string][]string{}
		for _, m := range members {
			slices.Sort(m)
			for _, id := range m {
				out[id] = m
			}
		}
		return out
	}

	// minus is sorted a without the IDs of b.
	minus := func(a, b []string) []string {
		return slices.DeleteFunc(slices.Clone(a), func(id string) bool { return slices.Contains(b, id) })
	}
	for _, pair := range [][2]uint64{{1, 40}, {10, 25}, {25, 10}, {20, 21}, {33, 33}, {5, 0}} {
		from, to := pair[0], pair[1]
		path := fmt.Sprintf("/v1/graphs/cmp/compare?query=components&before=%d&answers=true", from)
		if to != 0 {
			path += fmt.Sprintf("&after=%d", to)
		}
		var cmp struct {
			api.Comparison
			Changes struct {
				Components answerdiff.GroupChanges `json:"components"`
			} `json:"changes"`
		}
		get(path, &cmp)
		wantTo := to
		if to == 0 {
			wantTo = 40
		}
		if cmp.BeforeVersion != from || cmp.AfterVersion != wantTo || cmp.Query != "components" {
			t.Fatalf("%s: answered %+v", path, cmp.Comparison)
		}
		// The answers are the reads of the two versions.
		for _, side := range []struct {
			v    uint64
			got  any
			name string
		}{{from, cmp.Before, "before"}, {wantTo, cmp.After, "after"}} {
			var read map[string]any
			get(fmt.Sprintf("/v1/graphs/cmp/algorithms/components?version=%d", side.v), &read)
			delete(read, "graph")
			delete(read, "version")
			if !reflect.DeepEqual(read, side.got) {
				t.Fatalf("%s: %s is %v, the read at %d is %v", path, side.name, side.got, side.v, read)
			}
		}
		was, is := componentOf(from), componentOf(wantTo)
		if cmp.Changed != !reflect.DeepEqual(was, is) {
			t.Fatalf("%s: changed is %v; components before %v after %v", path, cmp.Changed, was, is)
		}
		if !cmp.Changed {
			continue
		}
		// A changed component is the one it continues (the earlier
		// component it shares the most nodes with) with the nodes that
		// joined it and without those that left; every other component
		// is as it was, or all new.
		ch := cmp.Changes.Components
		listed := map[string]bool{}
		for _, c := range ch.Changed {
			g, p := is[c.Group], was[c.Was]
			if g == nil || g[0] != c.Group || p == nil || p[0] != c.Was {
				t.Fatalf("%s: %+v names components that do not exist", path, c)
			}
			listed[c.Group] = true
			if !slices.Equal(c.Joined, minus(g, p)) || !slices.Equal(c.Left, minus(p, g)) {
				t.Fatalf("%s: %+v: from %v to %v", path, c, p, g)
			}
			for _, q := range was {
				if len(g)-len(minus(g, q)) > len(g)-len(c.Joined) {
					t.Fatalf("%s: %+v: %v shares more of %v than %v", path, c, q, g, p)
				}
			}
		}
		for _, g := range ch.Appeared {
			listed[g[0]] = true
			for _, id := range g {
				if was[id] != nil {
					t.Fatalf("%s: %v appeared, but %s was in %v", path, g, id, was[id])
				}
			}
		}
		for id, g := range is {
			if !listed[g[0]] && !slices.Equal(was[id], g) {
				t.Fatalf("%s: %s is in %v, was in %v, and its component is not listed: %+v", path, id, g, was[id], ch)
			}
		}
	}

	// PageRank: each node on both sides changes by the difference of its
	// two scores.
	var cmp struct {
		api.Comparison
		Changes struct {
			Result struct {
				Scores struct {
					Changed []map[string]any `json:"changed"`
				} `json:"scores"`
			} `json:"result"`
		} `json:"changes"`
	}
	get("/v1/graphs/cmp/compare?query=pagerank&before=12&after=38", &cmp)
	score := func(v uint64) map[string]float64 {
		var a struct {
			Result struct {
				Scores []struct {
					Node  string  `json:"node"`
					Score float64 `json:"score"`
				} `json:"scores"`
			} `json:"result"`
		}
		get(fmt.Sprintf("/v1/graphs/cmp/algorithms/pagerank?version=%d", v), &a)
		m := map[string]float64{}
		for _, s := range a.Result.Scores {
			m[s.Node] = s.Score
		}
		return m
	}
	before, after := score(12), score(38)
	seen := 0
	for id, s := range after {
		b, ok := before[id]
		if !ok || b == s {
			continue
		}
		seen++
		i := slices.IndexFunc(cmp.Changes.Result.Scores.Changed, func(m map[string]any) bool { return m["node"] == id })
		if i < 0 {
			t.Fatalf("pagerank of %s went from %v to %v and is not listed: %+v", id, b, s, cmp.Changes)
		}
		d := cmp.Changes.Result.Scores.Changed[i]["score"].(map[string]any)
		if d["before"] != b || d["after"] != s || d["delta"] != s-b {
			t.Fatalf("pagerank of %s went from %v to %v; listed %v", id, b, s, d)
		}
	}
	if seen != len(cmp.Changes.Result.Scores.Changed) {
		t.Fatalf("%d scores changed, %d listed", seen, len(cmp.Changes.Result.Scores.Changed))
	}

	// Bad requests are refused and say what to give.
	for _, bad := range []string{
		"/v1/graphs/cmp/compare?query=components",
		"/v1/graphs/cmp/compare?query=components&before=0",
		"/v1/graphs/cmp/compare?query=components&before=3&version=4",
		"/v1/graphs/cmp/compare?query=nonesuch&before=3",
		"/v1/graphs/cmp/compare?before=3",
		"/v1/graphs/cmp/compare?query=pagerank&before=3&damping=7",
	} {
		if st, e, err := c.do("GET", bad, nil, nil); err != nil || st != http.StatusBadRequest && st != http.StatusUnprocessableEntity || e.Error == "" {
			t.Errorf("GET %s: %d %+v %v, want a 400 or 422 that says why", bad, st, e, err)
		}
	}
}
