package main

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// Every algorithm of the library runs through GET .../algorithms/{name},
// on the present and on the past, and answers what the library answers
// on the same state; GET /v1/algorithms lists them; bad parameters are
// 400, and a what-if runs them on the state it would leave.
func TestAlgorithmLibraryOverHTTP(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("alg", events(addNode("a"), addNode("b"), addNode("c"), addEdge("ab", "a", "b"), addEdge("bc", "b", "c")))
	c.mustSubmit("alg", events(addNode("d"), addEdge("cd", "c", "d"), addEdge("da", "d", "a")))

	var list api.AlgorithmList
	if st, e, err := c.do("GET", "/v1/algorithms", nil, &list); err != nil || st != 200 {
		t.Fatalf("list: %d %+v %v", st, e, err)
	}
	if len(list.Algorithms) != len(graph.Algorithms()) {
		t.Fatalf("GET /v1/algorithms lists %d algorithms; the library has %d", len(list.Algorithms), len(graph.Algorithms()))
	}

	// The library on the same states, in process.
	for _, tc := range []struct {
		path    string
		version uint64
		name    string
		params  map[string]string
	}{
		{"/v1/graphs/alg/algorithms/pagerank", 2, "pagerank", map[string]string{}},
		{"/v1/graphs/alg/algorithms/pagerank?damping=0.5&version=1", 1, "pagerank", map[string]string{"damping": "0.5"}},
		{"/v1/graphs/alg/algorithms/k-core", 2, "k_core", map[string]string{}},
	} {
		if _, err := graph.LookupAlgorithm(tc.name); err != nil {
			continue // not in this library
		}
		var got api.AlgorithmAnswer
		var raw json.RawMessage
		got.Result = &raw
		if st, e, err := c.do("GET", tc.path, nil, &got); err != nil || st != 200 {
			t.Fatalf("%s: %d %+v %v", tc.path, st, e, err)
		}
		if got.Version != tc.version || got.Algorithm != tc.name {
			t.Fatalf("%s: version %d algorithm %q; want %d %q", tc.path, got.Version, got.Algorithm, tc.version, tc.name)
		}
		want, err := stateOf(t, c, "alg", tc.version).RunAlgorithm(context.Background(), tc.name, tc.params)
		if err != nil {
			t.Fatal(err)
		}
		wantJSON, _ := json.Marshal(want)
		var a, b any
		_ = json.Unmarshal(raw, &a)
		_ = json.Unmarshal(wantJSON, &b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: %s; the library on the same state: %s", tc.path, raw, wantJSON)
		}
	}
	for _, path := range []string{
		"/v1/graphs/alg/algorithms/no-such-thing",
		"/v1/graphs/alg/algorithms/pagerank?damping=7",
		"/v1/graphs/alg/algorithms/pagerank?colour=red",
	} {
		if st, e, _ := c.do("GET", path, nil, nil); st != http.StatusBadRequest || e.Code != api.CodeInvalidArgument {
			t.Errorf("%s: %d %+v; want 400", path, st, e)
		}
	}

	// In a what-if: PageRank of the graph with one more edge.
	status, res, e := c.dryRun("alg", map[string]any{"events": []any{addEdge("ac", "a", "c")},
		"queries": []any{map[string]any{"query": "pagerank"}}})
	if status != 200 || len(res.Answers) != 1 || res.Answers[0].Error != nil {
		t.Fatalf("what-if with pagerank: %d %+v %+v", status, res, e)
	}
	var answer api.AlgorithmAnswer
	if err := json.Unmarshal(res.Answers[0].Answer, &answer); err != nil || answer.Algorithm != "pagerank" || answer.Version != 3 {
		t.Fatalf("what-if's pagerank answer: %s (%v)", res.Answers[0].Answer, err)
	}
}

// stateOf rebuilds a graph at a version from its JSON, in process.
func stateOf(t testing.TB, c *client, graphID string, version uint64) *graph.Graph {
	t.Helper()
	var g api.Graph
	if st, e, err := c.do("GET", "/v1/graphs/"+graphID+"?version="+strconv.FormatUint(version, 10), nil, &g); err != nil || st != 200 {
		t.Fatalf("graph at %d: %d %+v %v", version, st, e, err)
	}
	evs := []any{}
	for _, n := range g.Nodes {
		evs = append(evs, map[string]any{"type": "NodeAdded", "node_id": n.ID, "node_type": n.Type, "properties": n.Properties})
	}
	for _, e := range g.Edges {
		evs = append(evs, map[string]any{"type": "EdgeAdded", "edge_id": e.ID, "source_id": e.Source, "target_id": e.Target, "edge_type": e.Type, "properties": e.Properties})
	}
	body, _ := json.Marshal(map[string]any{"events": evs})
	tx, err := api.DecodeTransaction(graphID, body, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Stamp(tx, store.Head{}); err != nil {
		t.Fatal(err)
	}
	out := graph.New(graphID)
	if err := out.Apply(tx); err != nil {
		t.Fatal(err)
	}
	return out
}
