package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"testing"

	"github.com/graphlog/graphlog/api"
)

// elementHistory reads the whole history of an element, page by page.
func (c *client) elementHistory(graphID, kind, id string, limit int, moment string) (int, []api.ElementVersion, api.ErrorResponse) {
	c.t.Helper()
	var all []api.ElementVersion
	after := uint64(0)
	for {
		var page api.ElementHistory
		path := fmt.Sprintf("/v1/graphs/%s/%ss/%s/history?after=%d&limit=%d%s", graphID, kind, id, after, limit, moment)
		status, e, err := c.do("GET", path, nil, &page)
		if err != nil {
			c.t.Fatal(err)
		}
		if status != http.StatusOK {
			return status, nil, e
		}
		all = append(all, page.Changes...)
		if page.NextAfter == 0 {
			return status, all, e
		}
		if page.NextAfter <= after || len(page.Changes) != limit {
			c.t.Fatalf("%s %s: page after %d of %d changes names next_after %d", kind, id, after, len(page.Changes), page.NextAfter)
		}
		after = page.NextAfter
	}
}

// An element's history equals a naive scan of the graph's whole history:
// every version whose transaction names the element, or after which the
// element differs (an edge removed with its node), with the property
// changes that the graph's states before and after show, read through
// time travel; paged in small pages, and as of a past version too.
func TestElementHistoryEqualsNaiveScan(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	rng := rand.New(rand.NewPCG(7, 11))
	nodes := []string{"a", "b", "c", "d"}
	edges := []string{"e1", "e2", "e3", "e4", "e5"}
	pick := func(l []string) string { return l[rng.IntN(len(l))] }
	event := func() map[string]any {
		switch rng.IntN(6) {
		case 0:
			return map[string]any{"type": "NodeAdded", "node_id": pick(nodes), "properties": map[string]any{"k": rng.IntN(3)}}
		case 1:
			return map[string]any{"type": "NodeUpdated", "node_id": pick(nodes), "set": map[string]any{"k": rng.IntN(3), "z": "v"}}
		case 2:
			if rng.IntN(3) == 0 {
				return map[string]any{"type": "NodeRemoved", "node_id": pick(nodes)}
			}
			return map[string]any{"type": "NodeUpdated", "node_id": pick(nodes), "unset": []string{"z"}}
		case 3:
			return map[string]any{"type": "EdgeAdded", "edge_id": pick(edges), "source_id": pick(nodes), "target_id": pick(nodes), "properties": map[string]any{"w": rng.IntN(2)}}
		case 4:
			return map[string]any{"type": "EdgeUpdated", "edge_id": pick(edges), "set": map[string]any{"w": rng.IntN(3)}}
		default:
			return map[string]any{"type": "EdgeRemoved", "edge_id": pick(edges)}
		}
	}
	committed := 0
	for committed < 60 {
		evs := []any{}
		for range 1 + rng.IntN(3) {
			evs = append(evs, event())
		}
		body := map[string]any{"events": evs, "metadata": map[string]any{"author": fmt.Sprintf("w%d", committed)}}
		if status, _, _ := c.submit("h", body); status == http.StatusOK {
			committed++
		}
	}

	// The naive scan: every transaction's events, and the graph at every
	// version, through the replay path.
	var evs api.Events
	if st, e, err := c.do("GET", "/v1/graphs/h/events?limit=1000", nil, &evs); err != nil || st != 200 {
		t.Fatalf("events: %d %+v %v", st, e, err)
	}
	mentioned := map[uint64]map[string]bool{}
	txIDs := map[uint64]string{}
	for _, ev := range evs.Events {
		if mentioned[ev.Version] == nil {
			mentioned[ev.Version] = map[string]bool{}
		}
		mentioned[ev.Version]["node "+ev.NodeID] = ev.NodeID != ""
		mentioned[ev.Version]["edge "+ev.EdgeID] = ev.EdgeID != ""
		txIDs[ev.Version] = ev.TransactionID
	}
	states := []api.Graph{{}} // version 0: nothing
	for v := 1; v <= committed; v++ {
		var g api.Graph
		if st, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/h?version=%d", v), nil, &g); err != nil || st != 200 {
			t.Fatalf("graph at %d: %d %+v %v", v, st, e, err)
		}
		states = append(states, g)
	}
	find := func(g api.Graph, kind, id string) (map[string]any, bool) {
		if kind == "node" {
			for _, n := range g.Nodes {
				if n.ID == id {
					return n.Properties, true
				}
			}
			return nil, false
		}
		for _, e := range g.Edges {
			if e.ID == id {
				return e.Properties, true
			}
		}
		return nil, false
	}
	naive := func(kind, id string, upTo int) []api.ElementVersion {
		var out []api.ElementVersion
		for v := 1; v <= upTo; v++ {
			before, had := find(states[v-1], kind, id)
			after, has := find(states[v], kind, id)
			if !mentioned[uint64(v)][kind+" "+id] && had == has && reflect.DeepEqual(before, after) {
				continue
			}
			ev := api.ElementVersion{Version: uint64(v), TransactionID: txIDs[uint64(v)], Properties: []api.PropertyChange{}}
			keys := map[string]bool{}
			for k := range before {
				keys[k] = true
			}
			for k := range after {
				keys[k] = true
			}
			sorted := slices.Collect(func(yield func(string) bool) {
				for k := range keys {
					if !yield(k) {
						return
					}
				}
			})
			sort.Strings(sorted)
			for _, k := range sorted {
				if !reflect.DeepEqual(before[k], after[k]) {
					ev.Properties = append(ev.Properties, api.PropertyChange{Key: k, Before: before[k], After: after[k]})
				}
			}
			switch {
			case !had && has:
				ev.Change = "added"
			case had && !has:
				ev.Change = "removed"
			}
			out = append(out, ev)
		}
		return out
	}
	check := func(kind, id string, upTo int, moment string) {
		want := naive(kind, id, upTo)
		status, got, e := c.elementHistory("h", kind, id, 3, moment)
		if len(want) == 0 {
			if status != http.StatusNotFound {
				t.Errorf("%s %s%s: never touched, yet status %d %+v", kind, id, moment, status, e)
			}
			return
		}
		if status != http.StatusOK {
			t.Fatalf("%s %s%s: status %d %+v", kind, id, moment, status, e)
		}
		if len(got) != len(want) {
			t.Fatalf("%s %s%s: %d changes, the naive scan %d:\n got %+v\nwant %+v", kind, id, moment, len(got), len(want), got, want)
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.Version != w.Version || g.TransactionID != w.TransactionID || !reflect.DeepEqual(g.Properties, w.Properties) ||
				w.Change != "" && g.Change != w.Change || g.Metadata == nil || g.Metadata.Author != fmt.Sprintf("w%d", g.Version-1) || g.RecordedAt == "" {
				t.Errorf("%s %s%s change %d:\n got %+v\nwant %+v", kind, id, moment, i, g, w)
			}
		}
	}
	for _, id := range nodes {
		check("node", id, committed, "")
		check("node", id, committed/2, fmt.Sprintf("&version=%d", committed/2))
	}
	for _, id := range edges {
		check("edge", id, committed, "")
		check("edge", id, committed/2, fmt.Sprintf("&version=%d", committed/2))
	}
	if st, _, e := c.elementHistory("h", "node", "never", 3, ""); st != http.StatusNotFound || e.Code != api.CodeNotFound {
		t.Errorf("a node the graph never had: %d %+v; want 404", st, e)
	}
	if st, e, _ := c.do("GET", "/v1/graphs/h/nodes/a/history?limit=5000", nil, nil); st != http.StatusBadRequest {
		t.Errorf("limit 5000: %d %+v; want 400", st, e)
	}
}
