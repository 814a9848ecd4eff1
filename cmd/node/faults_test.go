package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/natsnode"
)

// retryingWriters submit transactions that each add one node to one of
// graphs, each resent with its own transaction ID until it is answered
// 200 (a resend is safe: docs/ARCHITECTURE.md, "Retries are safe
// forever"). They count the answers by status.
type retryingWriters struct {
	c      *client
	graphs []string
	stop   chan struct{}
	wg     sync.WaitGroup

	mu       sync.Mutex
	acked    map[string][]string // graph → node IDs acknowledged
	statuses map[int]int
	okAfter  atomic.Int64 // acknowledgements counted from markNow on
	counting atomic.Bool
}

func startRetryingWriters(c *client, graphs []string, writers int) *retryingWriters {
	w := &retryingWriters{c: c, graphs: graphs, stop: make(chan struct{}), acked: map[string][]string{}, statuses: map[int]int{}}
	for i := range writers {
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			g := graphs[i%len(graphs)]
			for n := 0; ; n++ {
				node := fmt.Sprintf("w%d-%d", i, n)
				for {
					select {
					case <-w.stop:
						return
					default:
					}
					var res submitResult
					status, _, err := c.do("POST", "/v1/graphs/"+g+"/transactions", killTx(node), &res)
					w.mu.Lock()
					if err != nil {
						status = -1 // no answer
					}
					w.statuses[status]++
					if status == http.StatusOK {
						w.acked[g] = append(w.acked[g], node)
					}
					w.mu.Unlock()
					if status == http.StatusOK {
						if w.counting.Load() {
							w.okAfter.Add(1)
						}
						break
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	return w
}

func (w *retryingWriters) finish() {
	close(w.stop)
	w.wg.Wait()
}

// The NATS server a node uses (--nats-url) restarts under writers: writes
// fail cleanly (503) while it is away and go on after it; nothing
// acknowledged is lost, nothing is applied twice, and the grains catch up
// with the log.
func TestNATSRestartUnderWriters(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	natsPort := freePort(t)
	natsDir := t.TempDir()
	startNATS := func() *natsnode.Server {
		t.Helper()
		srv, err := natsnode.Start(natsnode.Options{DataDir: natsDir, Port: natsPort, NoLog: true})
		if err != nil {
			t.Fatalf("starting NATS on port %d: %v", natsPort, err)
		}
		return srv
	}
	srv := startNATS()
	p := startNodeProcess(t, "--node-name", "natsrestart", "--nats-url", "nats://127.0.0.1:"+strconv.Itoa(natsPort),
		"--request-timeout", "2s", "--log-level", "error")
	c := newClient(t, p.Base)
	graphs := []string{"nr-a", "nr-b", "nr-c"}
	w := startRetryingWriters(c, graphs, 6)
	defer func() {
		select {
		case <-w.stop:
		default:
			w.finish()
		}
	}()
	eventually(t, 20*time.Second, "writes before the restart", func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.statuses[http.StatusOK] >= 100
	})

	srv.Shutdown()
	time.Sleep(3 * time.Second)
	w.mu.Lock()
	during := w.statuses[http.StatusServiceUnavailable]
	w.mu.Unlock()
	srv = startNATS()
	defer srv.Shutdown()
	w.counting.Store(true)
	eventually(t, 60*time.Second, "writes acknowledged after the restart", func() bool { return w.okAfter.Load() >= 100 })
	w.finish()

	w.mu.Lock()
	t.Logf("answers by status (-1: none): %v", w.statuses)
	for status := range w.statuses {
		if status != http.StatusOK && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers of status %d; a NATS outage must answer 503 (retry later)", w.statuses[status], status)
		}
	}
	w.mu.Unlock()
	if during == 0 {
		t.Error("no write was answered 503 while NATS was away")
	}
	for _, g := range graphs {
		eventually(t, 20*time.Second, "graph "+g+" to hold every acknowledged node", func() bool {
			status, got := c.graph(g)
			if status != http.StatusOK {
				return false
			}
			have := map[string]bool{}
			for _, n := range got.Nodes {
				have[n.ID] = true
			}
			for _, n := range w.acked[g] {
				if !have[n] {
					return false
				}
			}
			return true
		})
		_, got := c.graph(g)
		if got.Version != uint64(len(got.Nodes)) {
			t.Errorf("graph %s: version %d with %d nodes: a transaction was applied twice", g, got.Version, len(got.Nodes))
		}
		if want := replayFromLog(t, natsPort, g); !sameGraph(got, want) {
			t.Errorf("graph %s differs from a fresh replay of its log", g)
		}
	}
}

// The log's storage fills up (the server's JetStream limit reached):
// writes are answered 507 storage_full, naming what to do, and change
// nothing; when space returns the node writes again by itself, and every
// write acknowledged before is there.
func TestStorageFullAndBack(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.NATS.MaxStorage = 24 << 20
	n, base := startNode(t, cfg)
	c := newClient(t, base)
	var acked []string
	for i := range 5 {
		node := fmt.Sprintf("before-%d", i)
		c.mustSubmit("full", events(addNode(node)))
		acked = append(acked, node)
	}

	// Other data takes the rest of the space.
	js := jsAt(t, n.nats.ClientURL())
	ctx := context.Background()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BALLAST", Subjects: []string{"ballast"}}); err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 512<<10)
	full := false
	for i := 0; i < 200 && !full; i++ {
		if _, err := js.Publish(ctx, "ballast", chunk); err != nil {
			full = true
			t.Logf("the storage took %d ballast messages of %d bytes; then %v", i, len(chunk), err)
		}
	}
	if !full {
		t.Fatal("200 ballast messages of 512 KiB fit in a storage limited to 24 MiB")
	}

	_, before := c.graph("full")
	for _, g := range []string{"full", "new-graph"} {
		status, e, err := c.do("POST", "/v1/graphs/"+g+"/transactions", events(addNode("during")), nil)
		if err != nil || status != http.StatusInsufficientStorage || e.Code != api.CodeStorageFull || !strings.Contains(e.Error, "--nats-max-storage") {
			t.Fatalf("write to %s with the storage full: %d %+v %v; want 507 storage_full naming --nats-max-storage", g, status, e, err)
		}
	}
	if _, after := c.graph("full"); after.Version != before.Version {
		t.Fatalf("a refused write moved the graph from version %d to %d", before.Version, after.Version)
	}

	if err := js.DeleteStream(ctx, "BALLAST"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 30*time.Second, "writes to work again once space returned", func() bool {
		status, _, err := c.do("POST", "/v1/graphs/full/transactions", killTx("after"), nil)
		return err == nil && status == http.StatusOK
	})
	acked = append(acked, "after")
	_, got := c.graph("full")
	have := map[string]bool{}
	for _, nd := range got.Nodes {
		have[nd.ID] = true
	}
	for _, node := range acked {
		if !have[node] {
			t.Errorf("node %s, acknowledged, is missing", node)
		}
	}
	if have["during"] {
		t.Error("a write refused for a full storage was applied")
	}
}
