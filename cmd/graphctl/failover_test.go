package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
)

// An import given two nodes of a cluster goes on when the node it talks to,
// which also holds the graph, is killed: it moves to the other node, sends
// the transaction it got no answer for again, and the graph ends up with
// every transaction exactly once.
func TestImportSurvivesANodeDying(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	a, b := twoMembers(t, "import")
	// A graph whose grain lives on a.
	graphID := ""
	for i := 0; graphID == ""; i++ {
		if i == 100 {
			t.Fatal("none of 100 graph IDs is placed on the first member")
		}
		var res apitypes.PlacementResponse
		id := "failover-" + strconv.Itoa(i)
		if err := getAPI(a.Base, "/v1/cluster/graphs/"+id, nil, &res); err != nil {
			t.Fatal(err)
		}
		if res.Member.Self {
			graphID = id
		}
	}

	const nodeCount, edgeCount, batch = 2_000, 20_000, 100
	csvPath := filepath.Join(t.TempDir(), "edges.csv")
	want, nodes := writeEdgeCSV(t, csvPath, nodeCount, edgeCount)

	done := make(chan result, 1)
	go func() {
		done <- ctlContext(context.Background(), t, a.Base+","+b.Base, nil,
			"import", graphID, csvPath, "--format", "csv", "--batch", strconv.Itoa(batch), "--progress-interval", "0")
	}()
	waitUntil(t, "a tenth of the import is committed", func() bool {
		var g apitypes.Graph
		return getAPI(b.Base, "/v1/graphs/"+graphID, url.Values{"limit": {"1"}}, &g) == nil && g.Version >= uint64((edgeCount+nodeCount)/batch/10)
	})
	killed := time.Now()
	a.Kill()
	var r result
	select {
	case r = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("the import did not end within 2 minutes of the kill")
	}
	t.Logf("import ended %s after the kill:\n%s", time.Since(killed).Round(time.Millisecond), r.stderr)
	if r.code != exitOK {
		t.Fatalf("import exit code %d, want %d\n%s", r.code, exitOK, r.stderr)
	}

	// The graph is the CSV's.
	r = ctl(t, b.Base, "", "export", graphID, "--format", "json").want(t, exitOK)
	var got apitypes.Graph
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Nodes) != len(nodes) || len(got.Edges) != edgeCount {
		t.Fatalf("%d nodes and %d edges, the CSV has %d and %d", len(got.Nodes), len(got.Edges), len(nodes), edgeCount)
	}
	for _, e := range got.Edges {
		if we, ok := want[e.ID]; !ok || e.Source != we.source || e.Target != we.target {
			t.Fatalf("edge %+v is not the CSV's", e)
		}
	}

	// Each of the import's transactions is in the log once, in order.
	var ids []string
	after := uint64(0)
	for {
		var page apitypes.Events
		q := url.Values{"after_version": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(apitypes.MaxLimit)}}
		if err := getAPI(b.Base, "/v1/graphs/"+graphID+"/events", q, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Events) == 0 {
			break
		}
		for _, ev := range page.Events {
			if ev.Index == 0 {
				ids = append(ids, ev.TransactionID)
			}
		}
		after = page.NextAfterVersion
	}
	if uint64(len(ids)) != got.Version {
		t.Fatalf("the log has %d transactions, the graph is at version %d", len(ids), got.Version)
	}
	prefix, _, _ := strings.Cut(strings.TrimPrefix(ids[0], "import-"), "-")
	for i, id := range ids {
		if want := fmt.Sprintf("import-%s-%d", prefix, i+1); id != want {
			t.Fatalf("transaction %d of the log is %q, want %q (of %d: %v…)", i+1, id, want, len(ids), ids[:min(len(ids), 5)])
		}
	}
}

// twoMembers starts two node processes that form a cluster over a NATS
// server of the test's, with a short member TTL, and waits until they see
// each other.
func twoMembers(t *testing.T, name string) (a, b *nodeProcess) {
	srv, _, _ := natstest.Start(t)
	member := func(name string) *nodeProcess {
		return ownNode(t, "--nats-url", srv.ClientURL(), "--node-name", name, "--member-ttl", "2s", "--request-timeout", "5s")
	}
	a, b = member(name+"-a"), member(name+"-b")
	waitUntil(t, "both members see each other", func() bool {
		for _, p := range []*nodeProcess{a, b} {
			var res apitypes.ClusterResponse
			if getAPI(p.Base, "/v1/cluster", nil, &res) != nil || len(res.Members) != 2 {
				return false
			}
		}
		return true
	})
	return a, b
}

// events --follow given two nodes goes on through the second when the
// first dies, from the version it had printed.
func TestFollowMovesToAnotherNode(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	a, b := twoMembers(t, "follow")
	const g = "follow-on"
	submit := func(base, node string) {
		t.Helper()
		ctl(t, base, `{"events": [{"type": "NodeAdded", "node_id": "`+node+`"}]}`, "submit", g).want(t, exitOK)
	}
	submit(b.Base, "before")

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var out, errOut syncBuffer
	done := make(chan int, 1)
	args := []string{"--server", a.Base + "," + b.Base, "-o", "json", "events", g, "--follow"}
	go func() { done <- runContext(ctx, args, strings.NewReader(""), &out, &errOut, noEnv) }()
	waitUntil(t, "the history printed", func() bool { return strings.Contains(out.String(), `"node_id":"before"`) })

	a.Kill()
	submit(b.Base, "after")
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(out.String(), `"node_id":"after"`) {
		if time.Now().After(deadline) {
			t.Fatalf("the transaction after the kill was not printed within 30s\nstdout:\n%s\nstderr:\n%s", out.String(), errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit code %d after cancel; stderr: %s", code, errOut.String())
	}
	var versions []uint64
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		var ev apitypes.Event
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("not an event: %q", line)
		}
		versions = append(versions, ev.Version)
	}
	if !slices.Equal(versions, []uint64{1, 2}) {
		t.Errorf("printed versions %v, want [1 2]: each once\nstderr:\n%s", versions, errOut.String())
	}
	if !strings.Contains(errOut.String(), "reconnecting") {
		t.Errorf("stderr does not say the stream was reconnected:\n%s", errOut.String())
	}
}

// getAPI decodes the JSON answer to GET base+path?query into out.
func getAPI(base, path string, query url.Values, out any) error {
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	resp, err := http.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// When the answer to a committed transaction is lost and the graph
// passivated meanwhile, the import's retry (same transaction ID, same
// expected version) is answered as the first time: the graph remembers its
// transaction IDs in its snapshot. Nothing is applied twice, and the import
// need not read the log to find out.
func TestImportRetryAfterALostAnswer(t *testing.T) {
	node := ownNode(t, "--grain-idle-timeout", "1s")
	target, err := url.Parse(node.Base)
	if err != nil {
		t.Fatal(err)
	}
	const graphID, lose = "lost-answer", 3 // the answer to the third transaction is lost
	var posts, eventReads atomic.Int32
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/transactions"):
			if posts.Add(1) == lose {
				// Commit it, then drop the answer once the grain passivated.
				rec := httptest.NewRecorder()
				forward.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK {
					t.Errorf("the transaction whose answer is lost got %d: %s", rec.Code, rec.Body)
				}
				time.Sleep(3 * time.Second)
				panic(http.ErrAbortHandler)
			}
		case strings.HasSuffix(r.URL.Path, "/events"):
			eventReads.Add(1)
		}
		forward.ServeHTTP(w, r)
	}))
	defer proxy.Close()

	var b strings.Builder
	b.WriteString("source,target\n")
	for i := range 500 {
		fmt.Fprintf(&b, "n%d,n%d\n", i, i+1)
	}
	r := ctl(t, proxy.URL, b.String(), "import", graphID, "-", "--format", "csv", "--batch", "100", "--progress-interval", "0").want(t, exitOK)
	if !strings.Contains(r.stderr, "transaction 3: POST /v1/graphs/"+graphID+"/transactions: the connection to "+proxy.URL+" was lost: EOF; sending it again") {
		t.Errorf("no retry of transaction 3 on stderr:\n%s", r.stderr)
	}
	if n := eventReads.Load(); n != 0 {
		t.Errorf("the import read the log %d times: its retry was not answered as the first time; stderr:\n%s", n, r.stderr)
	}
	g := getGraph(t, node.Base, graphID)
	if len(g.Nodes) != 501 || len(g.Edges) != 500 || g.Version != 11 {
		t.Fatalf("version %d, %d nodes, %d edges; want version 11 (1001 events in 100s), 501 nodes, 500 edges", g.Version, len(g.Nodes), len(g.Edges))
	}
}

// With several servers, a node that cannot be connected to is passed over;
// when none can be, the error names them all.
func TestServerList(t *testing.T) {
	base := server(t)
	ctl(t, base, `{"events": [{"type": "NodeAdded", "node_id": "a"}]}`, "submit", "servers", "-").want(t, exitOK)
	port, err := nodeproc.FreePort() // nothing listens there
	if err != nil {
		t.Fatal(err)
	}
	down := "http://127.0.0.1:" + strconv.Itoa(port)
	r := ctl(t, down+", "+base, "", "get", "servers", "-o", "json").want(t, exitOK)
	var g apitypes.Graph
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil || len(g.Nodes) != 1 {
		t.Fatalf("get through the second server: %v\n%s", err, r.stdout)
	}
	r = ctl(t, down+","+down+"/x", "", "get", "servers").want(t, exitError)
	if !strings.Contains(r.stderr, "cannot reach any of "+down+", "+down+"/x:") {
		t.Errorf("stderr: %s", r.stderr)
	}
	r = ctl(t, base+",ftp://x", "", "get", "servers").want(t, exitUsage)
	if !strings.Contains(r.stderr, "or several separated by commas") {
		t.Errorf("stderr: %s", r.stderr)
	}
}
