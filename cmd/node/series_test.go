package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"

	"github.com/graphlog/graphlog/api"
)

// A series is one value per step of the window, each equal to the metric
// computed naively on the graph at the point's version, read through time
// travel.
func TestSeriesEqualsStatesAtEachPoint(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	rng := rand.New(rand.NewPCG(9, 1))
	nodes := []string{"a", "b", "c", "d", "e"}
	pick := func() string { return nodes[rng.IntN(len(nodes))] }
	committed := 0
	for committed < 40 {
		var ev map[string]any
		switch r := rng.IntN(10); {
		case r < 3:
			ev = map[string]any{"type": "NodeAdded", "node_id": pick(), "node_type": []string{"x", "y"}[rng.IntN(2)]}
		case r < 4:
			ev = map[string]any{"type": "NodeRemoved", "node_id": pick()}
		default:
			ev = addEdge(fmt.Sprintf("e%d", rng.IntN(12)), pick(), pick())
		}
		if st, _, _ := c.submit("ser", events(ev)); st == http.StatusOK {
			committed++
		}
	}
	states := map[uint64]api.Graph{}
	stateAt := func(v uint64) api.Graph {
		if g, ok := states[v]; ok {
			return g
		}
		var g api.Graph
		if st, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/ser?version=%d", v), nil, &g); err != nil || st != 200 {
			t.Fatalf("graph at %d: %d %+v %v", v, st, e, err)
		}
		states[v] = g
		return g
	}
	components := func(g api.Graph) int {
		parent := map[string]string{}
		var find func(string) string
		find = func(x string) string {
			if parent[x] == x {
				return x
			}
			parent[x] = find(parent[x])
			return parent[x]
		}
		for _, n := range g.Nodes {
			parent[n.ID] = n.ID
		}
		count := len(g.Nodes)
		for _, e := range g.Edges {
			if a, b := find(e.Source), find(e.Target); a != b {
				parent[a] = b
				count--
			}
		}
		return count
	}
	naive := map[string]func(api.Graph) any{
		"nodes": func(g api.Graph) any { return float64(len(g.Nodes)) },
		"edges": func(g api.Graph) any { return float64(len(g.Edges)) },
		"nodes_by_type": func(g api.Graph) any {
			m := map[string]any{}
			for _, n := range g.Nodes {
				v, _ := m[n.Type].(float64)
				m[n.Type] = v + 1
			}
			return m
		},
		"components": func(g api.Graph) any { return float64(components(g)) },
		"degree&node=a": func(g api.Graph) any {
			found := false
			for _, n := range g.Nodes {
				found = found || n.ID == "a"
			}
			if !found {
				return nil
			}
			d := 0.0
			for _, e := range g.Edges {
				if e.Source == "a" {
					d++
				}
				if e.Target == "a" {
					d++
				}
			}
			return d
		},
	}
	for query, want := range naive {
		for _, window := range []string{"every=1", "every=7&from=5&to=33"} {
			path := "/v1/graphs/ser/series?metric=" + query + "&" + window
			var s struct {
				Points []struct {
					Version uint64          `json:"version"`
					Value   json.RawMessage `json:"value"`
				} `json:"points"`
			}
			if st, e, err := c.do("GET", path, nil, &s); err != nil || st != 200 {
				t.Fatalf("%s: %d %+v %v", path, st, e, err)
			}
			if len(s.Points) < 5 {
				t.Fatalf("%s: %d points", path, len(s.Points))
			}
			prev := uint64(0)
			for _, p := range s.Points {
				if p.Version <= prev {
					t.Fatalf("%s: versions not ascending: %d after %d", path, p.Version, prev)
				}
				prev = p.Version
				var got any
				if err := json.Unmarshal(p.Value, &got); err != nil {
					t.Fatal(err)
				}
				if w := want(stateAt(p.Version)); !reflect.DeepEqual(got, w) {
					t.Errorf("%s at version %d: %v; the state then gives %v", path, p.Version, got, w)
				}
			}
			if window == "every=1" && len(s.Points) != committed {
				t.Errorf("%s: %d points for %d one-event transactions", path, len(s.Points), committed)
			}
		}
	}
	for _, bad := range []string{"metric=nonsense&every=1", "metric=nodes", "metric=degree&every=1", "metric=nodes&node=a&every=1", "metric=nodes&every=1&interval=1s"} {
		if st, e, _ := c.do("GET", "/v1/graphs/ser/series?"+bad, nil, nil); st != http.StatusBadRequest {
			t.Errorf("%s: %d %+v; want 400", bad, st, e)
		}
	}
}
