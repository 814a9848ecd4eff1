package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/store/natsjs"
)

func TestMain(m *testing.M) {
	code := m.Run()
	nodeproc.RemoveBuild()
	os.Exit(code)
}

// proc is the projection running as a program of its own.
type proc struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
}

func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	port, err := nodeproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append(args, "--http-addr", addr)...)
	if testing.Verbose() {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, base: "http://" + addr, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(p.kill)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if resp, err := http.Get(p.base + "/totals"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("the projection exited during start-up: %v", cmd.ProcessState)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the projection did not answer within 15s")
		}
	}
}

// kill ends the projection with SIGKILL: no goodbye, whatever it was
// writing.
func (p *proc) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func getJSON(url string, v any) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp.StatusCode, err
	}
	return resp.StatusCode, json.Unmarshal(body, v)
}

// httpGraph is a graph as the node's API returns it.
type httpGraph struct {
	Version uint64 `json:"version"`
	Nodes   []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"nodes"`
	Edges []struct {
		ID     string `json:"id"`
		Type   string `json:"type"`
		Source string `json:"source"`
		Target string `json:"target"`
	} `json:"edges"`
}

// topOf is the n nodes of v of highest degree, ties by ID.
func topOf(v GraphView, n int) []NodeDegree {
	var all []NodeDegree
	for id, d := range v.Degrees {
		all = append(all, NodeDegree{Node: id, Degree: d})
	}
	slices.SortFunc(all, func(a, b NodeDegree) int {
		if a.In+a.Out != b.In+b.Out {
			return (b.In + b.Out) - (a.In + a.Out)
		}
		return strings.Compare(a.Node, b.Node)
	})
	return all[:min(n, len(all))]
}

// writer writes transactions to one graph over HTTP until stop: nodes of
// three types, edges of two between its nodes, edges removed, nodes
// removed with their edges. Two writers share each graph, so the graph's
// grain commits their transactions in groups.
func writer(t *testing.T, base, graphID, name string, stop <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	var nodes, edges []string
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		var evs []map[string]any
		switch {
		case len(nodes) < 2 || i%5 == 0:
			id := fmt.Sprintf("%s-n%d", name, i)
			evs = append(evs, map[string]any{"type": "NodeAdded", "node_id": id, "node_type": []string{"person", "robot", "city"}[i%3]})
			nodes = append(nodes, id)
		case i%7 == 0 && len(edges) > 0:
			evs = append(evs, map[string]any{"type": "EdgeRemoved", "edge_id": edges[0]})
			edges = edges[1:]
		case i%11 == 0:
			evs = append(evs, map[string]any{"type": "NodeRemoved", "node_id": nodes[0]}) // and its edges
			nodes = nodes[1:]
		default:
			id := fmt.Sprintf("%s-e%d", name, i)
			src, dst := nodes[i%len(nodes)], nodes[(i/2)%len(nodes)]
			evs = append(evs, map[string]any{"type": "EdgeAdded", "edge_id": id, "source_id": src, "target_id": dst,
				"edge_type": []string{"knows", "owns"}[i%2]})
			edges = append(edges, id)
		}
		body, _ := json.Marshal(map[string]any{"events": evs})
		resp, err := client.Post(base+"/v1/graphs/"+graphID+"/transactions", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Errorf("writer %s: %v", name, err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		// A removed node may have taken an edge listed here; its removal
		// is then refused (422) and nothing changes, which is fine.
		if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("writer %s: status %d", name, resp.StatusCode)
			return
		}
	}
}

// The projection, as a program, is killed with SIGKILL twice in the
// middle of a stream of writes and started again each time; at the end
// its views equal the counts computed from the graphs' states read over
// HTTP: nothing missed, nothing counted twice. Two run side by side: one
// follows every graph by partition, one a set of graphs.
func TestProjectionSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node and projection processes")
	}
	srv, _, js := natstest.Start(t)
	nodeBin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	var logs io.Writer
	if testing.Verbose() {
		logs = os.Stderr
	}
	node, err := nodeproc.Start(nodeBin, []string{"--nats-url", srv.ClientURL(), "--node-name", "a", "--log-level", "warn",
		"--partitions", strconv.Itoa(natstest.Partitions())}, logs, 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { node.Stop(10 * time.Second) })
	bin := filepath.Join(t.TempDir(), "projection")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	graphs := []string{"p0", "p1", "p2", "p3"}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, g := range graphs {
		wg.Add(2)
		go writer(t, node.Base, g, g+"a", stop, &wg)
		go writer(t, node.Base, g, g+"b", stop, &wg)
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopWriters)

	runs := [][]string{
		{"--nats-url", srv.ClientURL(), "--bucket", "proj_all", "--checkpoint-interval", "300ms"},
		{"--nats-url", srv.ClientURL(), "--bucket", "proj_set", "--graphs", "p0,p2"},
	}
	start := func() []*proc {
		var ps []*proc
		for _, args := range runs {
			ps = append(ps, startProc(t, bin, args...))
		}
		return ps
	}
	ps := start()
	for range 2 {
		time.Sleep(1200 * time.Millisecond)
		for _, p := range ps {
			p.kill()
		}
		time.Sleep(300 * time.Millisecond) // writes go on while it is down
		ps = start()
	}
	time.Sleep(800 * time.Millisecond)
	stopWriters()
	if t.Failed() {
		return
	}

	// How many transactions shared a message with another (group commit).
	log, err := natsjs.Attach(context.Background(), js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	grouped := 0
	for _, g := range graphs {
		var last uint64
		for tx, err := range log.Read(context.Background(), g, 0) {
			if err != nil {
				t.Fatal(err)
			}
			if tx.GetSequence() == last {
				grouped++
			}
			last = tx.GetSequence()
		}
	}
	t.Logf("%d transactions were committed in a message after another", grouped)

	want := map[string]GraphView{}
	for _, g := range graphs {
		var hg httpGraph
		if status, err := getJSON(node.Base+"/v1/graphs/"+g, &hg); status != http.StatusOK || err != nil {
			t.Fatalf("GET graph %s: %d %v", g, status, err)
		}
		var nodes [][2]string
		var edges [][4]string
		for _, n := range hg.Nodes {
			nodes = append(nodes, [2]string{n.ID, n.Type})
		}
		for _, e := range hg.Edges {
			edges = append(edges, [4]string{e.ID, e.Type, e.Source, e.Target})
		}
		want[g] = expected(g, hg.Version, nodes, edges)
		if hg.Version < 20 || len(hg.Edges) == 0 {
			t.Fatalf("graph %s: only %d transactions and %d edges written; the test wrote too little", g, hg.Version, len(hg.Edges))
		}
	}
	for i, p := range ps {
		followed := graphs
		if i == 1 {
			followed = []string{"p0", "p2"}
		}
		total := Totals{Graphs: len(followed), NodesByType: map[string]int{}, EdgesByType: map[string]int{}}
		for _, g := range followed {
			w := want[g]
			for k, n := range w.NodesByType {
				total.NodesByType[k] += n
			}
			for k, n := range w.EdgesByType {
				total.EdgesByType[k] += n
			}
			var got *GraphView
			deadline := time.Now().Add(15 * time.Second)
			for {
				got = nil
				if status, err := getJSON(p.base+"/graphs/"+g, &got); status == http.StatusOK && err == nil && got.Version >= w.Version {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("projection %v: graph %s not at version %d within 15s (at %+v)", runs[i], g, w.Version, got)
				}
				time.Sleep(20 * time.Millisecond)
			}
			if err := sameView(got, w); err != nil {
				t.Errorf("projection %v: %v", runs[i], err)
			}
		}
		// The degree index: the nodes of highest degree, ties by ID.
		var top []NodeDegree
		if _, err := getJSON(p.base+"/graphs/"+followed[0]+"/top?n=3", &top); err != nil {
			t.Fatal(err)
		}
		if wantTop := topOf(want[followed[0]], 3); !slices.Equal(top, wantTop) {
			t.Errorf("projection %v: top 3 of %s %v, want %v", runs[i], followed[0], top, wantTop)
		}
		var totals Totals
		if _, err := getJSON(p.base+"/totals", &totals); err != nil || totals.Graphs != total.Graphs ||
			!maps.Equal(totals.NodesByType, total.NodesByType) || !maps.Equal(totals.EdgesByType, total.EdgesByType) {
			t.Errorf("projection %v: totals %+v (%v), want %+v", runs[i], totals, err, total)
		}
	}
}
