package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"testing"

	"github.com/graphlog/graphlog/api"
)

// Earliest arrival equals a naive search over every state of the window:
// reached are the source, once it exists, and in each later state
// everything the reached nodes lead to there; a node arrives at the first
// version that reaches it. Every path it gives follows edges that existed
// when it took them, in order.
func TestEarliestArrivalEqualsNaiveSearch(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	rng := rand.New(rand.NewPCG(3, 5))
	nodes := []string{"a", "b", "c", "d", "e", "f"}
	pick := func() string { return nodes[rng.IntN(len(nodes))] }
	var edgeIDs []string
	for i := range 16 {
		edgeIDs = append(edgeIDs, fmt.Sprintf("e%d", i))
	}
	committed := 0
	event := func() map[string]any {
		var ev map[string]any
		switch r := rng.IntN(20); {
		case r < 4:
			ev = addNode(pick())
		case r < 5:
			ev = map[string]any{"type": "NodeRemoved", "node_id": pick()}
		case r < 7:
			ev = map[string]any{"type": "EdgeRemoved", "edge_id": edgeIDs[rng.IntN(len(edgeIDs))]}
		default:
			ev = addEdge(edgeIDs[rng.IntN(len(edgeIDs))], pick(), pick())
		}
		return ev
	}
	for committed < 50 {
		evs := []map[string]any{event()}
		for rng.IntN(2) == 0 && len(evs) < 3 {
			evs = append(evs, event())
		}
		if st, _, _ := c.submit("tr", events(evs...)); st == http.StatusOK {
			committed++
		}
	}
	states := []api.Graph{{}}
	for v := 1; v <= committed; v++ {
		var g api.Graph
		if st, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/tr?version=%d", v), nil, &g); err != nil || st != 200 {
			t.Fatalf("graph at %d: %d %+v %v", v, st, e, err)
		}
		states = append(states, g)
	}
	naive := func(source string, from, to int) map[string]uint64 {
		arrived := map[string]uint64{}
		for v := from; v <= to; v++ {
			g := states[v]
			has := func(id string) bool {
				for _, n := range g.Nodes {
					if n.ID == id {
						return true
					}
				}
				return false
			}
			if len(arrived) == 0 && !has(source) {
				continue
			}
			if len(arrived) == 0 {
				arrived[source] = uint64(v)
			}
			for grew := true; grew; {
				grew = false
				for _, e := range g.Edges {
					if _, ok := arrived[e.Source]; ok {
						if _, done := arrived[e.Target]; !done {
							arrived[e.Target] = uint64(v)
							grew = true
						}
					}
				}
			}
		}
		return arrived
	}
	edgeAt := func(v uint64, id, from, to string) bool {
		for _, e := range states[v].Edges {
			if e.ID == id && e.Source == from && e.Target == to {
				return true
			}
		}
		return false
	}
	checked, multiHop := 0, 0
	for _, window := range [][2]int{{1, committed}, {committed / 3, committed}, {1, committed / 2}} {
		for _, source := range nodes {
			want := naive(source, window[0], window[1])
			var got api.EarliestArrival
			path := fmt.Sprintf("/v1/graphs/tr/temporal/earliest-arrival?source=%s&target=%s&from=%d&to=%d", source, nodes[len(nodes)-1], window[0], window[1])
			st, e, err := c.do("GET", path, nil, &got)
			if err != nil || st != 200 {
				t.Fatalf("%s: %d %+v %v", path, st, e, err)
			}
			if len(got.Arrivals) != len(want) {
				t.Fatalf("%s: %d nodes reached, the naive search %d: %+v vs %v", path, len(got.Arrivals), len(want), got.Arrivals, want)
			}
			for _, a := range got.Arrivals {
				if want[a.Node] != a.Version {
					t.Errorf("%s: %s arrives at version %d; the naive search says %d", path, a.Node, a.Version, want[a.Node])
				}
				if a.Edge != "" && !edgeAt(a.Version, a.Edge, a.From, a.Node) {
					t.Errorf("%s: %s reached by edge %s from %s, which does not exist at version %d", path, a.Node, a.Edge, a.From, a.Version)
				}
				checked++
				if a.From != "" && a.From != source && want[a.From] == a.Version {
					multiHop++
				}
			}
			for i := 1; i < len(got.Path); i++ {
				if got.Path[i].From != got.Path[i-1].Node || got.Path[i].Version < got.Path[i-1].Version {
					t.Errorf("%s: path step %d %+v does not follow %+v in order", path, i, got.Path[i], got.Path[i-1])
				}
			}
			if _, reached := want[got.Target]; reached != (len(got.Path) > 0) {
				t.Errorf("%s: target reached %v, path %+v", path, reached, got.Path)
			}
		}
	}
	t.Logf("checked %d multihop %d", checked, multiHop)
	if multiHop == 0 {
		t.Fatal("no node was reached two hops from its source in one state; the random history tests too little")
	}
	if checked < 20 {
		t.Fatalf("only %d arrivals checked; the random history reaches too little", checked)
	}
	if st, _, _ := c.do("GET", "/v1/graphs/tr/temporal/earliest-arrival", nil, nil); st != http.StatusBadRequest {
		t.Errorf("no source: %d; want 400", st)
	}
}
