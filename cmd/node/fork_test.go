package main

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// A fork starts a new graph as a copy of another's state at a version:
// its state there equals the source's, its first transaction names the
// source, the version and the CID of the source's state, which a rebuild
// of the source from the log alone verifies, and it never lands on a
// graph that exists.
func TestFork(t *testing.T) {
	n, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("src", events(addNode("a"), addNode("b"), addEdge("ab", "a", "b")))
	c.mustSubmit("src", events(addNode("c"), map[string]any{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"k": 1}}))
	c.mustSubmit("src", events(map[string]any{"type": "NodeRemoved", "node_id": "b"}))

	var res api.ForkResult
	st, e, err := c.do("POST", "/v1/graphs/src/fork", map[string]any{"into": "copy", "version": 2, "metadata": map[string]any{"author": "ada"}}, &res)
	if err != nil || st != http.StatusOK {
		t.Fatalf("fork: %d %+v %v", st, e, err)
	}
	if res.Graph != "copy" || res.Version != 1 || res.Events != 4 || res.ForkedFrom.Graph != "src" || res.ForkedFrom.Version != 2 || res.ForkedFrom.CID == "" {
		t.Fatalf("fork answered %+v", res)
	}
	var was, forked api.Graph
	if st, e, err := c.do("GET", "/v1/graphs/src?version=2", nil, &was); err != nil || st != 200 {
		t.Fatalf("source at 2: %d %+v %v", st, e, err)
	}
	_, forked = c.graph("copy")
	if !reflect.DeepEqual(forked.Nodes, was.Nodes) || !reflect.DeepEqual(forked.Edges, was.Edges) {
		t.Fatalf("the fork's state differs from the source's at version 2:\n got %+v %+v\nwant %+v %+v", forked.Nodes, forked.Edges, was.Nodes, was.Edges)
	}
	if forked.ForkedFrom == nil || *forked.ForkedFrom != res.ForkedFrom {
		t.Fatalf("GET the fork shows forked_from %+v; want %+v", forked.ForkedFrom, res.ForkedFrom)
	}

	// The CID is the source's state at version 2, rebuilt from the log
	// alone, outside the node.
	ctx := context.Background()
	js, err := jetstream.New(n.nc)
	if err != nil {
		t.Fatal(err)
	}
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	g, err := (&replay.History{Log: log}).At(ctx, "src", replay.Point{Version: 2})
	if err != nil {
		t.Fatal(err)
	}
	data, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if cid, err := store.CIDOf(data); err != nil || cid != res.ForkedFrom.CID {
		t.Fatalf("the source at version 2 rebuilt from the log has CID %s (%v); the fork names %s", cid, err, res.ForkedFrom.CID)
	}

	// The fork's history starts with its fork; it goes on by itself.
	status, hist, e := c.elementHistory("copy", "node", "a", 10, "")
	if status != http.StatusOK || len(hist) != 1 || hist[0].Change != "added" || hist[0].Version != 1 || hist[0].Metadata == nil || hist[0].Metadata.Author != "ada" {
		t.Fatalf("history of a in the fork: %d %+v %+v", status, hist, e)
	}
	c.mustSubmit("copy", events(addNode("d")))
	if _, src := c.graph("src"); len(src.Nodes) != 2 {
		t.Fatalf("writing to the fork changed the source: %+v", src.Nodes)
	}

	// Forking the present takes the latest version.
	if st, e, err := c.do("POST", "/v1/graphs/src/fork", map[string]any{"into": "now"}, &res); err != nil || st != 200 || res.ForkedFrom.Version != 3 {
		t.Fatalf("fork of the present: %d %+v %+v %v", st, res, e, err)
	}
	for _, tc := range []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"into a graph that exists", map[string]any{"into": "copy", "version": 1}, http.StatusConflict, api.CodeConflict},
		{"a version never reached", map[string]any{"into": "x", "version": 99}, http.StatusNotFound, api.CodeNotFound},
		{"an invalid ID", map[string]any{"into": "bad id!"}, http.StatusBadRequest, api.CodeInvalidArgument},
		{"into itself", map[string]any{"into": "src"}, http.StatusBadRequest, api.CodeInvalidArgument},
		{"version and time", map[string]any{"into": "x", "version": 1, "as_of": "2026-01-01T00:00:00Z"}, http.StatusBadRequest, api.CodeInvalidArgument},
		{"an unknown field", map[string]any{"into": "x", "from": 1}, http.StatusBadRequest, api.CodeInvalidArgument},
	} {
		st, e, err := c.do("POST", "/v1/graphs/src/fork", tc.body, nil)
		if err != nil || st != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %+v %v; want %d %s", tc.name, st, e, err, tc.status, tc.code)
		}
	}
	if st, _ := c.graph("x"); st != http.StatusNotFound {
		t.Errorf("after the refused forks graph x: %d; want 404", st)
	}
	if _, again := c.graph("copy"); again.Version != 2 {
		t.Errorf("the refused fork into copy changed it: version %d", again.Version)
	}
}
