package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store/natsjs"
)

// buildNode compiles this command once per test binary run.
var buildNode = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "graphlog-node-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "node")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// process is a node running as a child process.
type process struct {
	cmd      *exec.Cmd
	base     string
	natsPort int
}

func startProcess(t *testing.T, dataDir string) *process {
	t.Helper()
	bin, err := buildNode()
	if err != nil {
		t.Fatal(err)
	}
	httpPort, natsPort := freePort(t), freePort(t)
	cmd := exec.Command(bin,
		"--node-name", "killtest",
		"--data-dir", dataDir,
		"--http-addr", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--nats-listen", "127.0.0.1:"+strconv.Itoa(natsPort),
		"--log-level", "warn",
	)
	cmd.Env = os.Environ()
	if testing.Verbose() {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, base: "http://127.0.0.1:" + strconv.Itoa(httpPort), natsPort: natsPort}
	t.Cleanup(func() { p.kill() })
	waitReady(t, p, "node process")
	return p
}

// waitReady waits until the process's node answers /readyz with 200.
func waitReady(t *testing.T, p *process, name string) {
	t.Helper()
	eventually(t, 30*time.Second, name+" ready", func() bool {
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

func (p *process) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
}

// A node killed with SIGKILL in the middle of a stream of writes comes back
// with every acknowledged transaction applied, none twice, and each graph
// equal to a fresh replay of its log.
func TestSIGKILLLosesNoAcknowledgedWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	dir := t.TempDir()
	p := startProcess(t, dir)
	c := newClient(t, p.base)

	graphs := []string{"kill-a", "kill-b", "kill-c"}
	var (
		mu    sync.Mutex
		acked = map[string][]string{} // graph → node IDs of acknowledged transactions
		wg    sync.WaitGroup
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
				status, _, err := c.do("POST", "/v1/graphs/"+g+"/transactions", events(addNode(node)), &submitResult{})
				if err != nil {
					return // the node is gone
				}
				if status == http.StatusOK {
					mu.Lock()
					acked[g] = append(acked[g], node)
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
	p.kill() // no goodbye: writes are in flight
	close(stop)
	wg.Wait()

	p = startProcess(t, dir)
	c = newClient(t, p.base)
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
	}
}

// replayFromLog folds a graph's log with the pure core, outside the node.
func replayFromLog(t *testing.T, natsPort int, graphID string) api.Graph {
	t.Helper()
	nc, err := nats.Connect("nats://127.0.0.1:" + strconv.Itoa(natsPort))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	log, err := natsjs.Open(ctx, js, natsjs.Config{})
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
	c := newClient(t, p.base)
	for i := range 5 {
		c.mustSubmit("calm", events(addNode(fmt.Sprintf("n%d", i))))
	}
	_, before := c.graph("calm")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("node exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("node did not exit within 40s of SIGTERM")
	}

	p = startProcess(t, dir)
	c = newClient(t, p.base)
	var list api.Snapshots
	if st, e, err := c.do("GET", "/v1/graphs/calm/snapshots", nil, &list); err != nil || st != 200 ||
		len(list.Snapshots) == 0 || list.Snapshots[len(list.Snapshots)-1].Version != before.Version {
		t.Fatalf("snapshots after a graceful shutdown: %d %+v %v %+v; want one at version %d", st, e, err, list, before.Version)
	}
	if _, after := c.graph("calm"); !sameGraph(after, before) {
		t.Fatalf("graph after restart differs")
	}
	if got := metricValue(t, p.base, "graphlog_activation_events_total"); got != "0" {
		t.Fatalf("activation after a graceful shutdown read %s events, want 0 (all in the snapshot)", got)
	}
}
