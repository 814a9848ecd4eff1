package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
)

// runAsExample makes the test binary run the example instead of the
// tests, with the arguments it is given: a second run must be another
// process, as a program would be (the actor library sets the gRPC
// logger, a global, each time a member starts, while the first run's
// connections may still read it).
const runAsExample = "GRAPHLOG_RUN_ACTORCLIENT"

func TestMain(m *testing.M) {
	if os.Getenv(runAsExample) == "1" {
		main()
		return
	}
	code := m.Run()
	nodeproc.RemoveBuild()
	os.Exit(code)
}

// The example, as a client-only member, writes to a graph hosted by a
// node in another process and reads it back by actor messages; the node's
// HTTP API shows what it wrote, and the node still sees itself alone as a
// member.
func TestActorClientAgainstANode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node process")
	}
	srv, _, _ := natstest.Start(t)
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	var logs io.Writer
	if testing.Verbose() {
		logs = os.Stderr
	}
	node, err := nodeproc.Start(bin, []string{"--nats-url", srv.ClientURL(), "--node-name", "a", "--log-level", "warn"}, logs, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop(10 * time.Second) })

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, []string{"--nats-url", srv.ClientURL(), "--graph", "chain", "--count", "3"}, &out); err != nil {
		t.Fatalf("actorclient: %v\n%s", err, out.String())
	}
	t.Logf("actorclient's output:\n%s", out.String())
	for _, want := range []string{
		"submitted to chain: version 1,", "submitted to chain: version 3,",
		"refused, as it should be:", "graph chain: version 3, 3 nodes, 2 edges",
		"neighbour of n3: n2", "path n1 → n3: [n1 n2 n3]",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	// Another run, in a process of its own, goes on from where the graph
	// is.
	again := exec.CommandContext(ctx, os.Args[0], "--nats-url", srv.ClientURL(), "--graph", "chain", "--count", "2")
	again.Env = append(os.Environ(), runAsExample+"=1")
	if output, err := again.CombinedOutput(); err != nil {
		t.Fatalf("actorclient, second run: %v\n%s", err, output)
	}
	var g struct {
		Version uint64 `json:"version"`
		Nodes   []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"nodes"`
		Edges []struct {
			ID     string `json:"id"`
			Source string `json:"source"`
			Target string `json:"target"`
		} `json:"edges"`
	}
	getJSON(t, node.Base+"/v1/graphs/chain", &g)
	var nodes, edges []string
	for _, n := range g.Nodes {
		nodes = append(nodes, n.ID+":"+n.Type)
	}
	for _, e := range g.Edges {
		edges = append(edges, e.ID+":"+e.Source+"→"+e.Target)
	}
	if g.Version != 5 || !slices.Equal(nodes, []string{"n1:step", "n2:step", "n3:step", "n4:step", "n5:step"}) ||
		!slices.Equal(edges, []string{"e2:n1→n2", "e3:n2→n3", "e4:n3→n4", "e5:n4→n5"}) {
		t.Errorf("graph chain over HTTP: version %d, nodes %v, edges %v; want version 5 and the chain n1 → … → n5", g.Version, nodes, edges)
	}

	// A client is not a member: it hosts nothing.
	var cl struct {
		Members []struct{ ID string } `json:"members"`
	}
	getJSON(t, node.Base+"/v1/cluster", &cl)
	if len(cl.Members) != 1 {
		t.Errorf("the node sees %d members, want itself alone: %+v", len(cl.Members), cl.Members)
	}
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}
