package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/api"
)

// whatIfAnswer decodes a dry run's answer, keeping the answers raw.
type whatIfAnswer struct {
	api.WhatIfAnswer
	Answers []struct {
		Query  string             `json:"query"`
		Answer json.RawMessage    `json:"answer"`
		Error  *api.ErrorResponse `json:"error"`
	} `json:"answers"`
}

func (c *client) dryRun(graphID string, body any) (int, whatIfAnswer, api.ErrorResponse) {
	c.t.Helper()
	var out whatIfAnswer
	status, e, err := c.do("POST", "/v1/graphs/"+graphID+"/transactions?dry_run=true", body, &out)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, out, e
}

func weighted(id, from, to string, w float64) map[string]any {
	e := addEdge(id, from, to)
	e["properties"] = map[string]any{"w": w}
	return e
}

// A dry run answers what its transaction would change, the version it
// would get and the queries asked of the result, judged as its submit
// would be, and stores nothing.
func TestWhatIf(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("g", events(addNode("a"), addNode("b"), addNode("c"), weighted("ab", "a", "b", 1), weighted("bc", "b", "c", 1)))
	_, before := c.graph("g")

	body := map[string]any{
		"transaction_id": "shortcut",
		"events":         []any{weighted("ac", "a", "c", 0.5), map[string]any{"type": "NodeUpdated", "node_id": "b", "set": map[string]any{"x": 1}}},
		"queries": []any{
			map[string]any{"query": "shortest-path", "params": map[string]string{"from": "a", "to": "c", "weight": "w"}},
			map[string]any{"query": "node", "params": map[string]string{"node": "b"}},
			map[string]any{"query": "shortest-path", "params": map[string]string{"from": "a", "to": "nowhere"}},
		},
	}
	status, res, e := c.dryRun("g", body)
	if status != http.StatusOK {
		t.Fatalf("dry run: status %d: %+v", status, e)
	}
	if res.BaseVersion != before.Version || res.Version != before.Version+1 || res.Committed {
		t.Fatalf("dry run on version %d: base %d, would get %d, committed %v; want base %d, version %d",
			before.Version, res.BaseVersion, res.Version, res.Committed, before.Version, before.Version+1)
	}
	if len(res.Edges.Added) != 1 || res.Edges.Added[0].ID != "ac" || len(res.Nodes.Changed) != 1 || res.Nodes.Changed[0].ID != "b" ||
		len(res.Nodes.Added)+len(res.Nodes.Removed)+len(res.Edges.Removed)+len(res.Edges.Changed) != 0 {
		t.Fatalf("changes: nodes %+v, edges %+v; want edge ac added and node b changed", res.Nodes, res.Edges)
	}
	if len(res.Answers) != 3 {
		t.Fatalf("%d answers; want 3", len(res.Answers))
	}
	var path api.Path
	if err := json.Unmarshal(res.Answers[0].Answer, &path); err != nil || !slices.Equal(path.Nodes, []string{"a", "c"}) || path.Cost != 0.5 {
		t.Fatalf("shortest path on the result: %s (%v); want a, c at 0.5", res.Answers[0].Answer, err)
	}
	var node api.Node
	if err := json.Unmarshal(res.Answers[1].Answer, &node); err != nil || node.Properties["x"] != 1.0 {
		t.Fatalf("node b on the result: %s (%v); want x = 1", res.Answers[1].Answer, err)
	}
	if a := res.Answers[2]; a.Error == nil || a.Error.Code != api.CodeNotFound || a.Answer != nil {
		t.Fatalf("path to a missing node: %+v; want a not_found error and no answer", a)
	}

	// Nothing stored: the graph is as it was, and the same transaction
	// then commits at the version the dry run named.
	if _, after := c.graph("g"); after.Version != before.Version || len(after.Edges) != len(before.Edges) {
		t.Fatalf("after the dry run the graph is at version %d with %d edges; want %d and %d", after.Version, len(after.Edges), before.Version, len(before.Edges))
	}
	txBody := map[string]any{"transaction_id": body["transaction_id"], "events": body["events"]}
	if got := c.mustSubmit("g", txBody); got.Version != res.Version {
		t.Fatalf("submitted, it got version %d; the dry run said %d", got.Version, res.Version)
	}
	// Asked again, it is a resend: committed, nothing would change, and
	// its queries read the graph as it is.
	status, res, e = c.dryRun("g", map[string]any{"transaction_id": body["transaction_id"], "events": body["events"],
		"queries": []any{map[string]any{"query": "edge", "params": map[string]any{"edge": "ac"}}}})
	if status != http.StatusOK || !res.Committed || res.Version != before.Version+1 || len(res.Edges.Added) != 0 {
		t.Fatalf("dry run of a committed transaction: status %d, %+v, %+v; want committed at %d, no changes", status, res.WhatIfAnswer, e, before.Version+1)
	}
	if len(res.Answers) != 1 || res.Answers[0].Error != nil || !strings.Contains(string(res.Answers[0].Answer), `"id":"ac"`) {
		t.Fatalf("the query of a committed dry run answered %+v; want the committed edge", res.Answers)
	}

	for _, tc := range []struct {
		name   string
		graph  string
		body   any
		status int
		code   string
	}{
		{"rejected by the rules", "g", events(addEdge("bad", "a", "missing")), http.StatusUnprocessableEntity, api.CodeRejected},
		{"expecting an old version", "g", map[string]any{"expected_version": 1, "events": []any{addNode("d")}}, http.StatusConflict, api.CodeConflict},
		{"a committed ID with other events", "g", map[string]any{"transaction_id": "shortcut", "events": []any{addNode("d")}}, http.StatusConflict, api.CodeDuplicateTransactionID},
		{"an unknown query", "g", map[string]any{"events": []any{addNode("d")}, "queries": []any{map[string]any{"query": "nonsense"}}}, http.StatusBadRequest, api.CodeInvalidArgument},
		{"a query with a bad parameter", "g", map[string]any{"events": []any{addNode("d")}, "queries": []any{map[string]any{"query": "components", "params": map[string]string{"kind": "sideways"}}}}, http.StatusBadRequest, api.CodeInvalidArgument},
		{"an unknown field", "g", map[string]any{"events": []any{addNode("d")}, "what": 1}, http.StatusBadRequest, api.CodeInvalidArgument},
	} {
		status, _, e := c.dryRun(tc.graph, tc.body)
		if status != tc.status || e.Code != tc.code {
			t.Errorf("%s: status %d %+v; want %d %s", tc.name, status, e, tc.status, tc.code)
		}
	}
	if _, after := c.graph("g"); after.Version != before.Version+1 || len(after.Nodes) != 3 {
		t.Fatalf("after the refused dry runs the graph is at version %d with %d nodes; want %d and 3", after.Version, len(after.Nodes), before.Version+1)
	}

	// A dry run of a graph's first transaction creates nothing.
	status, res, e = c.dryRun("new", events(addNode("x")))
	if status != http.StatusOK || res.BaseVersion != 0 || res.Version != 1 || len(res.Nodes.Added) != 1 {
		t.Fatalf("dry run of a new graph: status %d, %+v, %+v; want version 1 with node x added", status, res.WhatIfAnswer, e)
	}
	if status, _ := c.graph("new"); status != http.StatusNotFound {
		t.Fatalf("after a dry run of its first transaction, GET the graph: %d; want 404", status)
	}
}
