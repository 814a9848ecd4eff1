package main

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// --demo seeds a graph with a history once; a node started again with it
// leaves the graph as it is.
func TestDemoSeedsOnce(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.Demo = true
	n, base := startNode(t, cfg)
	status, g := newClient(t, base).graph(demoGraph)
	want := uint64(len(demoHistory()))
	if status != http.StatusOK || g.Version != want {
		t.Fatalf("demo graph: status %d version %d, want version %d", status, g.Version, want)
	}
	types := map[string]int{}
	for _, node := range g.Nodes {
		types[node.Type]++
		if node.ID == "legacy-invoices" {
			t.Errorf("the demo's removed service is still there")
		}
	}
	if len(types) < 4 || len(g.Edges) < 20 {
		t.Errorf("demo graph has node types %v and %d edges; want a varied graph", types, len(g.Edges))
	}
	// Its history has something to show: a past version differs.
	var past struct{ Nodes []any }
	if st, _, err := newClient(t, base).do("GET", "/v1/graphs/demo?version=3", nil, &past); err != nil || st != 200 || len(past.Nodes) >= len(g.Nodes) {
		t.Fatalf("demo graph at version 3: %d %v, %d nodes (now %d)", st, err, len(past.Nodes), len(g.Nodes))
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	n.shutdown(ctx)
	_, base = startNode(t, cfg)
	if _, again := newClient(t, base).graph(demoGraph); again.Version != want {
		t.Fatalf("after a restart with --demo the demo graph is at version %d, want %d", again.Version, want)
	}
}

// The gauges nothing counts as it happens are sampled from the start: the
// members this member sees and the ingress lag.
func TestSampledGauges(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	eventually(t, 10*time.Second, "gauges sampled", func() bool {
		return metricValue(t, base, "graphlog_cluster_members") == "1" &&
			metricValue(t, base, "graphlog_ingress_pending_messages") == "0" &&
			metricValue(t, base, "graphlog_ingress_ack_pending_messages") == "0"
	})
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz of a member in the membership: %s", resp.Status)
	}
}
