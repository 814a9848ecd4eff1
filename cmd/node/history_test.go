package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
)

func TestTimeTravelOverHTTP(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("tt", events(addNode("a"), addNode("b")))                                                                         // v1
	c.mustSubmit("tt", events(addEdge("e1", "a", "b")))                                                                            // v2
	c.mustSubmit("tt", events(map[string]any{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"n": 1}}, addNode("c"))) // v3
	c.mustSubmit("tt", events(map[string]any{"type": "NodeRemoved", "node_id": "b"}))                                              // v4

	var page api.Events
	if st, e, err := c.do("GET", "/v1/graphs/tt/events", nil, &page); err != nil || st != 200 {
		t.Fatalf("events: %d %+v %v", st, e, err)
	}
	timeOf := map[uint64]string{}
	for _, ev := range page.Events {
		timeOf[ev.Version] = ev.RecordedAt
	}
	get := func(path string) (int, api.Graph, api.ErrorResponse) {
		t.Helper()
		var g api.Graph
		st, e, err := c.do("GET", path, nil, &g)
		if err != nil {
			t.Fatal(err)
		}
		return st, g, e
	}
	_, now := c.graph("tt")
	for _, tc := range []struct {
		query        string
		version      uint64
		nodes, edges int
	}{
		{"version=1", 1, 2, 0},
		{"version=2", 2, 2, 1},
		{"as_of=" + url.QueryEscape(timeOf[3]), 3, 3, 1},
		{"as_of=" + url.QueryEscape(timeOf[2]), 2, 2, 1},
		{"as_of=" + url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), 4, 2, 0},
	} {
		st, g, e := get("/v1/graphs/tt?" + tc.query)
		if st != 200 || g.Version != tc.version || len(g.Nodes) != tc.nodes || len(g.Edges) != tc.edges {
			t.Errorf("?%s: status %d %+v, version %d with %d nodes and %d edges; want version %d, %d, %d",
				tc.query, st, e, g.Version, len(g.Nodes), len(g.Edges), tc.version, tc.nodes, tc.edges)
		}
	}
	if st, g, _ := get("/v1/graphs/tt?version=4"); st != 200 || !sameGraph(g, now) {
		t.Errorf("version 4 differs from the present graph")
	}
	first, _ := time.Parse(time.RFC3339Nano, timeOf[1])
	for _, tc := range []struct {
		path   string
		status int
	}{
		{"/v1/graphs/tt?as_of=" + url.QueryEscape(first.Add(-time.Second).Format(time.RFC3339Nano)), 404},
		{"/v1/graphs/tt?version=9", 404},
		{"/v1/graphs/tt?as_of=yesterday", 400},
		{"/v1/graphs/tt?version=abc", 400},
		{"/v1/graphs/tt?version=0", 400},
		{"/v1/graphs/tt?version=1&as_of=" + url.QueryEscape(timeOf[1]), 400},
		{"/v1/graphs/tt/diff?to=2", 400},
		{"/v1/graphs/tt/diff?from=1&to=soon", 400},
		{"/v1/graphs/tt/replay", 400},
		{"/v1/graphs/tt/replay?every=2&interval=1s", 400},
		{"/v1/graphs/tt/replay?every=-1", 400},
	} {
		st, _, e, err := func() (int, api.Graph, api.ErrorResponse, error) {
			var g api.Graph
			st, e, err := c.do("GET", tc.path, nil, &g)
			return st, g, e, err
		}()
		if err != nil || st != tc.status || (st >= 400 && e.Error == "") {
			t.Errorf("%s: status %d %+v %v, want %d with a message", tc.path, st, e, err, tc.status)
		}
	}

	// Neighbors and algorithms answer as of a version too.
	var nb api.Neighbors
	if st, e, err := c.do("GET", "/v1/graphs/tt/nodes/a/neighbors?version=2", nil, &nb); err != nil || st != 200 || len(nb.Neighbors) != 1 {
		t.Errorf("neighbors of a at version 2: %d %+v %v %+v", st, e, err, nb)
	}
	if st, _, _ := c.do("GET", "/v1/graphs/tt/nodes/a/neighbors", nil, &nb); st != 200 || len(nb.Neighbors) != 0 {
		t.Errorf("neighbors of a now: %d %+v", st, nb)
	}
	var comps api.Components
	if st, e, err := c.do("GET", "/v1/graphs/tt/algorithms/components?kind=weak&version=2", nil, &comps); err != nil || st != 200 || len(comps.Components) != 1 {
		t.Errorf("components at version 2: %d %+v %v %+v", st, e, err, comps)
	}

	var d api.Diff
	if st, e, err := c.do("GET", "/v1/graphs/tt/diff?from=1&to=4", nil, &d); err != nil || st != 200 {
		t.Fatalf("diff: %d %+v %v", st, e, err)
	}
	if d.FromVersion != 1 || d.ToVersion != 4 || len(d.Nodes.Added) != 1 || d.Nodes.Added[0].ID != "c" ||
		len(d.Nodes.Removed) != 1 || d.Nodes.Removed[0].ID != "b" || len(d.Nodes.Changed) != 1 ||
		d.Nodes.Changed[0].Properties[0].Key != "n" || len(d.Edges.Added) != 0 {
		t.Errorf("diff 1..4: %+v", d)
	}

	resp, err := http.Get(base + "/v1/graphs/tt/replay?every=1")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != 200 || !strings.HasPrefix(ct, "application/x-ndjson") {
		t.Fatalf("replay: %d %s", resp.StatusCode, ct)
	}
	var frames []api.Frame
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var f api.Frame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("frame %q: %v", sc.Text(), err)
		}
		frames = append(frames, f)
	}
	if len(frames) != 5 || frames[0].State == nil || frames[0].Version != 0 || frames[4].Version != 4 {
		t.Fatalf("replay every=1: %d frames %+v", len(frames), frames)
	}
	if f := frames[4]; len(f.Events) != 1 || len(f.Nodes.Removed) != 1 || len(f.Edges.Removed) != 1 {
		t.Errorf("last frame (b removed with its edge): %+v", f)
	}

	var snap api.Snapshot
	if st, e, err := c.do("POST", "/v1/graphs/tt/snapshots", nil, &snap); err != nil || st != 200 || !strings.HasPrefix(snap.CID, "bafkrei") || snap.Version != 4 {
		t.Fatalf("take snapshot: %d %+v %v %+v", st, e, err, snap)
	}
	var list api.Snapshots
	if st, e, err := c.do("GET", "/v1/graphs/tt/snapshots", nil, &list); err != nil || st != 200 || len(list.Snapshots) != 1 || list.Snapshots[0].CID != snap.CID {
		t.Fatalf("list snapshots: %d %+v %v %+v", st, e, err, list)
	}
	if st, _, _ := c.do("POST", "/v1/graphs/never-written/snapshots", nil, &snap); st != 404 {
		t.Errorf("snapshot of a graph with no events: status %d, want 404", st)
	}
}

// Algorithms are bounded by --max-algorithm-elements on the live state and
// as of a version alike: past it the answer is 422 limit_exceeded naming
// the flag, and an older, smaller state still answers.
func TestAlgorithmSizeBound(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Graphs.MaxAlgorithmElements = 3
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	c.mustSubmit("big", events(addNode("a"), addNode("b"), addEdge("e1", "a", "b")))
	c.mustSubmit("big", events(addNode("c")))
	for _, path := range []string{
		"/v1/graphs/big/algorithms/shortest-path?from=a&to=b",
		"/v1/graphs/big/algorithms/components?kind=strong",
		"/v1/graphs/big/algorithms/topological-order",
		"/v1/graphs/big/algorithms/components?kind=weak&version=2",
	} {
		st, e, err := c.do("GET", path, nil, nil)
		if err != nil || st != http.StatusUnprocessableEntity || e.Code != "limit_exceeded" || !strings.Contains(e.Error, "--max-algorithm-elements") {
			t.Errorf("%s on 4 elements, bound 3: %d %+v %v; want 422 limit_exceeded naming --max-algorithm-elements", path, st, e, err)
		}
	}
	var comps api.Components
	if st, e, err := c.do("GET", "/v1/graphs/big/algorithms/components?kind=weak&version=1", nil, &comps); err != nil || st != 200 || len(comps.Components) != 1 {
		t.Errorf("components at version 1 (3 elements): %d %+v %v %+v", st, e, err, comps)
	}
}
