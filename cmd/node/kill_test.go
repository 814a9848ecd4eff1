package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/store/natsjs"
)

// process is a node running as a child process.
type process struct {
	*nodeproc.Process
	natsPort int
}

// startProcess starts a node process keeping its data in dataDir, killed
// at the end of the test.
func startProcess(t *testing.T, dataDir string) *process {
	t.Helper()
	natsPort := freePort(t)
	p := startNodeProcess(t, "--node-name", "killtest", "--data-dir", dataDir,
		"--nats-listen", "127.0.0.1:"+strconv.Itoa(natsPort), "--log-level", "warn")
	return &process{Process: p, natsPort: natsPort}
}

// startNodeProcess starts a node process with args and waits until it is
// ready; the test kills it at its end.
func startNodeProcess(t *testing.T, args ...string) *nodeproc.Process {
	t.Helper()
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	var out io.Writer
	if testing.Verbose() {
		out = os.Stderr
	}
	p, err := nodeproc.Start(bin, args, out, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func freePort(t *testing.T) int {
	t.Helper()
	port, err := nodeproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// A node killed with SIGKILL in the middle of a stream of writes comes back
// with every acknowledged transaction applied, none twice, and each graph
// equal to a fresh replay of its log; every acknowledged transaction sent
// again (same ID, same events) is answered with its first version.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	dir := t.TempDir()
	p := startProcess(t, dir)
	c := newClient(t, p.Base)

	graphs := []string{"kill-a", "kill-b", "kill-c"}
	var (
		mu       sync.Mutex
		acked    = map[string][]string{} // graph → node IDs of acknowledged transactions
		versions = map[string]uint64{}   // node ID → the version its transaction got
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := graphs[w%len(graphs)]
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				node := fmt.Sprintf("w%d-%d", w, i)
				var res submitResult
				status, _, err := c.do("POST", "/v1/graphs/"+g+"/transactions", killTx(node), &res)
				if err != nil {
					return // the node is gone
				}
				if status == http.StatusOK {
					mu.Lock()
					acked[g] = append(acked[g], node)
					versions[node] = res.Version
					mu.Unlock()
				}
			}
		}()
	}
	eventually(t, 30*time.Second, "writes acknowledged before the kill", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked[graphs[0]]) >= 50 && len(acked[graphs[2]]) >= 50
	})
	p.Kill() // no goodbye: writes are in flight
	close(stop)
	wg.Wait()

	p = startProcess(t, dir)
	c = newClient(t, p.Base)
	for _, g := range graphs {
		status, got := c.graph(g)
		if status != http.StatusOK {
			t.Fatalf("graph %s after restart: status %d", g, status)
		}
		have := map[string]bool{}
		for _, n := range got.Nodes {
			have[n.ID] = true
		}
		t.Logf("graph %s: %d writes acknowledged before the kill, %d transactions in the log", g, len(acked[g]), got.Version)
		for _, n := range acked[g] {
			if !have[n] {
				t.Errorf("graph %s lost acknowledged node %s", g, n)
			}
		}
		// Every transaction adds one node: a transaction applied twice
		// would take a version without adding one.
		if got.Version != uint64(len(got.Nodes)) {
			t.Errorf("graph %s: version %d with %d nodes", g, got.Version, len(got.Nodes))
		}
		if want := replayFromLog(t, p.natsPort, g); !sameGraph(got, want) {
			t.Errorf("graph %s differs from a fresh replay of its log", g)
		}
		// The restarted node remembers every acknowledged transaction.
		for _, n := range acked[g] {
			var res submitResult
			status, e, err := c.do("POST", "/v1/graphs/"+g+"/transactions", killTx(n), &res)
			if err != nil || status != http.StatusOK || res.Version != versions[n] {
				t.Fatalf("graph %s: %s sent again after the restart: %d %+v %v, version %d; want its first version %d",
					g, n, status, e, err, res.Version, versions[n])
			}
		}
		if _, after := c.graph(g); after.Version != got.Version {
			t.Errorf("graph %s at version %d after the resends, %d before", g, after.Version, got.Version)
		}
	}
}

// killTx is the transaction that adds node, with an ID of its own, so it
// can be sent again as it was.
func killTx(node string) map[string]any {
	return map[string]any{"transaction_id": "tx-" + node, "events": []any{addNode(node)}}
}

// replayFromLog folds a graph's log with the pure core, outside the node.
func replayFromLog(t *testing.T, natsPort int, graphID string) api.Graph {
	t.Helper()
	js := jsAt(t, "nats://127.0.0.1:"+strconv.Itoa(natsPort))
	ctx := context.Background()
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	g := graph.New(graphID)
	for tx, err := range log.Read(ctx, graphID, 0) {
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Apply(tx); err != nil {
			t.Fatalf("replaying %s version %d: %v", graphID, tx.GetVersion(), err)
		}
	}
	return api.GraphJSON(g.State())
}

func sameGraph(a, b api.Graph) bool {
	ja, errA := jsonOf(a)
	jb, errB := jsonOf(b)
	return errA == nil && errB == nil && ja == jb
}

// SIGTERM shuts a node down gracefully: it exits 0, and every graph it
// hosted was snapshotted on the way out, so the next start reads nothing
// but the snapshot.
func TestSIGTERMShutsDownGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	dir := t.TempDir()
	p := startProcess(t, dir)
	c := newClient(t, p.Base)
	for i := range 5 {
		c.mustSubmit("calm", events(addNode(fmt.Sprintf("n%d", i))))
	}
	_, before := c.graph("calm")
	if err := p.Terminate(40 * time.Second); err != nil {
		t.Fatalf("after SIGTERM: %v; want exit status 0 within 40s", err)
	}

	p = startProcess(t, dir)
	c = newClient(t, p.Base)
	var list api.Snapshots
	if st, e, err := c.do("GET", "/v1/graphs/calm/snapshots", nil, &list); err != nil || st != 200 ||
		len(list.Snapshots) == 0 || list.Snapshots[len(list.Snapshots)-1].Version != before.Version {
		t.Fatalf("snapshots after a graceful shutdown: %d %+v %v %+v; want one at version %d", st, e, err, list, before.Version)
	}
	if _, after := c.graph("calm"); !sameGraph(after, before) {
		t.Fatalf("graph after restart differs")
	}
	if got := metricValue(t, p.Base, "graphlog_activation_events_total"); got != "0" {
		t.Fatalf("activation after a graceful shutdown read %s events, want 0 (all in the snapshot)", got)
	}
}
