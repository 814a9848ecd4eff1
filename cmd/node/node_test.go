package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func TestSubmitQueryAndRestart(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	n, base := startNode(t, cfg)
	c := newClient(t, base)

	res := c.mustSubmit("g1", events(addNode("a"), addNode("b"), addEdge("e1", "a", "b")))
	if res.Version != 1 || res.Events != 3 || res.Sequence == 0 {
		t.Fatalf("first transaction: %+v, want version 1, 3 events", res)
	}
	res = c.mustSubmit("g1", map[string]any{"expected_version": 1, "events": []any{addNode("c"), addEdge("e2", "b", "c")}})
	if res.Version != 2 {
		t.Fatalf("second transaction: version %d, want 2", res.Version)
	}
	// Read-your-writes: the answer comes after the grain applied it.
	status, g := c.graph("g1")
	if status != http.StatusOK || g.Version != 2 || len(g.Nodes) != 3 || len(g.Edges) != 2 {
		t.Fatalf("graph after two transactions: status %d, %+v", status, g)
	}
	var path api.Path
	if st, e, err := c.do("GET", "/v1/graphs/g1/algorithms/shortest-path?from=a&to=c", nil, &path); err != nil || st != 200 {
		t.Fatalf("shortest path: %d %+v %v", st, e, err)
	}
	if !slices.Equal(path.Nodes, []string{"a", "b", "c"}) {
		t.Fatalf("shortest path a→c = %v", path.Nodes)
	}
	if st, _ := c.graph("nothing-here"); st != http.StatusNotFound {
		t.Fatalf("graph with no events: status %d, want 404", st)
	}

	// A restarted node rebuilds the graph from the log alone.
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	n.shutdown(ctx)
	cancel()
	_, base = startNode(t, cfg)
	c = newClient(t, base)
	status, again := c.graph("g1")
	if status != http.StatusOK || !reflect.DeepEqual(again, g) {
		t.Fatalf("after restart: status %d\n got %+v\nwant %+v", status, again, g)
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Graphs.MaxTransactionBytes = 2048
	cfg.HTTP.MaxBodyBytes = 64 << 10
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	c.mustSubmit("g", events(addNode("a"), addNode("b"), addEdge("e1", "a", "b")))
	_, before := c.graph("g")

	many := make([]map[string]any, 100)
	for i := range many {
		many[i] = addNode(fmt.Sprintf("node-with-a-long-id-%04d", i))
	}
	huge := `{"events":[{"type":"NodeAdded","node_id":"x","properties":{"blob":"` + strings.Repeat("x", 70<<10) + `"}}]}`
	cases := []struct {
		name   string
		graph  string
		body   any
		status int
		code   string
		says   string
	}{
		{"malformed JSON", "g", `{"events": [`, 400, "invalid_argument", "JSON"},
		{"not an object", "g", `[1,2]`, 400, "invalid_argument", ""},
		{"bad graph ID", "a.b", events(addNode("z")), 400, "invalid_argument", "graph ID"},
		{"empty node ID", "g", events(addNode("")), 400, "invalid_argument", "empty"},
		{"long node ID", "g", events(addNode(strings.Repeat("n", 257))), 400, "invalid_argument", "257"},
		{"unknown event type", "g", events(map[string]any{"type": "NodeExploded", "node_id": "z"}), 400, "invalid_argument", "NodeExploded"},
		{"empty transaction", "g", events(), 400, "invalid_argument", ""},
		{"field of another type", "g", events(map[string]any{"type": "NodeRemoved", "node_id": "a", "source_id": "b"}), 400, "invalid_argument", "source_id"},
		{"properties not an object", "g", events(map[string]any{"type": "NodeAdded", "node_id": "z", "properties": 7}), 400, "invalid_argument", "properties"},
		{"stale expected version", "g", map[string]any{"expected_version": 0, "events": []any{addNode("z")}}, 409, "conflict", "version"},
		{"future expected version", "g", map[string]any{"expected_version": 9, "events": []any{addNode("z")}}, 409, "conflict", "version"},
		{"duplicate node", "g", events(addNode("z"), addNode("a")), 422, "rejected", `"a"`},
		{"edge to a missing node", "g", events(addEdge("e9", "a", "ghost")), 422, "rejected", "ghost"},
		{"duplicate edge", "g", events(addEdge("e1", "a", "b")), 422, "rejected", "e1"},
		{"update of a missing node", "g", events(map[string]any{"type": "NodeUpdated", "node_id": "ghost", "set": map[string]any{"k": 1}}), 422, "rejected", "ghost"},
		{"removal of a missing edge", "g", events(map[string]any{"type": "EdgeRemoved", "edge_id": "ghost"}), 422, "rejected", "ghost"},
		{"edge to a node removed earlier", "g", events(map[string]any{"type": "NodeRemoved", "node_id": "b"}, addEdge("e7", "a", "b")), 422, "rejected", `"b"`},
		{"transaction over the byte limit", "g", map[string]any{"events": many}, 413, "too_large", "2048"},
		{"body too large", "g", huge, 413, "too_large", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, res, e := c.submit(tc.graph, tc.body)
			if status != tc.status || e.Code != tc.code {
				t.Fatalf("status %d code %q (%s), want %d %q; answer %+v", status, e.Code, e.Error, tc.status, tc.code, res)
			}
			if e.Error == "" || !strings.Contains(e.Error, tc.says) {
				t.Fatalf("message %q does not say %q", e.Error, tc.says)
			}
			_, after := c.graph("g")
			if !reflect.DeepEqual(after, before) {
				t.Fatalf("graph changed:\n got %+v\nwant %+v", after, before)
			}
		})
	}
	// The graph still takes good transactions at the next version.
	if res := c.mustSubmit("g", events(addNode("z"))); res.Version != 2 {
		t.Fatalf("next good transaction got version %d, want 2", res.Version)
	}
}

// Sixteen writers race on one graph with expected_version: each success is
// applied exactly once at its version, each loser gets 409, and versions
// have no gaps.
func TestConcurrentWritersWithExpectedVersion(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("race", events(addNode("root")))

	const writers, rounds = 16, 8
	type win struct {
		node    string
		version uint64
	}
	var (
		mu        sync.Mutex
		wins      []win
		conflicts int
		wg        sync.WaitGroup
	)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				_, g := c.graph("race")
				node := fmt.Sprintf("w%d-r%d", w, r)
				status, res, e := c.submit("race", map[string]any{"expected_version": g.Version, "events": []any{addNode(node)}})
				mu.Lock()
				switch status {
				case http.StatusOK:
					wins = append(wins, win{node, res.Version})
				case http.StatusConflict:
					conflicts++
				default:
					t.Errorf("writer %d: status %d %+v", w, status, e)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if conflicts == 0 {
		t.Fatal("no writer lost a race; the test did not race")
	}
	if len(wins)+conflicts != writers*rounds {
		t.Fatalf("%d wins + %d conflicts, want %d answers", len(wins), conflicts, writers*rounds)
	}
	_, g := c.graph("race")
	if g.Version != uint64(1+len(wins)) || len(g.Nodes) != 1+len(wins) {
		t.Fatalf("graph at version %d with %d nodes after %d wins", g.Version, len(g.Nodes), len(wins))
	}
	versions := map[uint64]string{}
	for _, w := range wins {
		if other, dup := versions[w.version]; dup {
			t.Fatalf("version %d given to both %s and %s", w.version, other, w.node)
		}
		versions[w.version] = w.node
	}
	// Each win is in the log exactly once, at the version it was told.
	var page api.Events
	if st, e, err := c.do("GET", "/v1/graphs/race/events?limit=1000", nil, &page); err != nil || st != 200 {
		t.Fatalf("events: %d %+v %v", st, e, err)
	}
	if len(page.Events) != 1+len(wins) {
		t.Fatalf("log has %d events, want %d", len(page.Events), 1+len(wins))
	}
	for i, ev := range page.Events {
		if ev.Version != uint64(i+1) {
			t.Fatalf("event %d has version %d: versions have a gap", i, ev.Version)
		}
		if i > 0 && versions[ev.Version] != ev.NodeID {
			t.Fatalf("version %d in the log adds %q, the writer was told %q", ev.Version, ev.NodeID, versions[ev.Version])
		}
	}
}

// openLog connects to the node's NATS as a separate producer would.
func openLog(t *testing.T, n *node) (*natsjs.Log, jetstream.JetStream) {
	t.Helper()
	return openLogAt(t, n.nats.ClientURL())
}

// jsAt connects to the NATS server at url for the rest of the test.
func jsAt(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// openLogAt connects to the NATS server at url and opens the event log.
func openLogAt(t *testing.T, url string) (*natsjs.Log, jetstream.JetStream) {
	t.Helper()
	js := jsAt(t, url)
	log, err := natsjs.Open(context.Background(), js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	return log, js
}

func nodeAdded(id string) *messages.Event {
	return &messages.Event{EventId: "ev-" + id, Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
}

// appendDirect appends one transaction to the log, past the grains.
func appendDirect(t *testing.T, log store.EventLog, graphID string, evs ...*messages.Event) store.Head {
	t.Helper()
	ctx := context.Background()
	for {
		head, err := log.Head(ctx, graphID)
		if err != nil {
			t.Fatal(err)
		}
		tx := &messages.Transaction{TransactionId: "direct-" + evs[0].GetEventId(), GraphId: graphID, Events: evs}
		next, err := log.Append(ctx, tx, head)
		if err == nil {
			return next
		}
		if !strings.Contains(err.Error(), "conflict") {
			t.Fatal(err)
		}
	}
}

// Transactions appended to the log directly reach the grains through the
// ingress, whether the grain is active or not.
func TestLogPathReachesGrains(t *testing.T) {
	n, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	log, _ := openLog(t, n)

	// A graph whose grain is active: the ingress delivers the new version.
	c.mustSubmit("active", events(addNode("a")))
	appendDirect(t, log, "active", nodeAdded("b"))
	eventually(t, 10*time.Second, "direct append applied to the active graph", func() bool {
		_, g := c.graph("active")
		return g.Version == 2 && len(g.Nodes) == 2
	})
	// The grain's next submit lands after the direct one.
	if res := c.mustSubmit("active", events(addNode("c"))); res.Version != 3 {
		t.Fatalf("submit after a direct append got version %d, want 3", res.Version)
	}

	// A graph nobody asked for yet: the ingress activates it.
	appendDirect(t, log, "cold", nodeAdded("x"))
	appendDirect(t, log, "cold", nodeAdded("y"))
	eventually(t, 10*time.Second, "direct appends applied to a new graph", func() bool {
		_, g := c.graph("cold")
		return g.Version == 2 && len(g.Nodes) == 2
	})

	// The graph directory lists both, however they were written.
	eventually(t, 10*time.Second, "both graphs in the directory", func() bool {
		var list api.GraphList
		st, _, err := c.do("GET", "/v1/graphs", nil, &list)
		return err == nil && st == 200 && slices.Equal(list.Graphs, []string{"active", "cold"})
	})
}

// A message that names no graph goes to the dead-letter stream; bytes that
// are no transaction on a graph's subject are skipped by its reads. Neither
// blocks the graphs behind it.
func TestUndecodableMessagesAreDeadLettered(t *testing.T) {
	n, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	log, js := openLog(t, n)
	ctx := context.Background()

	c.mustSubmit("g", events(addNode("a")))
	for _, subj := range []string{natsjs.Subject("g", natstest.Partitions()), natsjs.PartitionPrefix(0) + "bad!id", natsjs.PartitionPrefix(0) + "bad~id"} {
		if _, err := js.Publish(ctx, subj, []byte("\xff not protobuf")); err != nil {
			t.Fatal(err)
		}
	}
	appendDirect(t, log, "other", nodeAdded("o"))

	dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "two dead letters", func() bool {
		info, err := dlq.Info(ctx)
		return err == nil && info.State.Msgs == 2
	})
	eventually(t, 10*time.Second, "the graph behind the bad messages applied", func() bool {
		_, g := c.graph("other")
		return g.Version == 1
	})
	// The graph whose subject holds garbage still reads and writes.
	if res := c.mustSubmit("g", events(addNode("b"))); res.Version != 2 {
		t.Fatalf("write after garbage on the graph's subject: version %d, want 2", res.Version)
	}
	if got := metricValue(t, base, "graphlog_dead_letters_total"); got != "2" {
		t.Fatalf("graphlog_dead_letters_total = %q, want 2", got)
	}
}

// metricValue reads one unlabelled metric from /metrics.
func metricValue(t *testing.T, base, name string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			return v
		}
	}
	return ""
}

// A resend after the graph passivated (idle for a second, snapshotted) is
// answered with its first version; a reused ID with other events is 409
// duplicate_transaction_id; nothing is applied twice.
func TestResendAfterPassivationOverHTTP(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Graphs.IdleTimeout = time.Second
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	withID := func(id string, evs ...map[string]any) map[string]any {
		return map[string]any{"transaction_id": id, "events": evs}
	}
	c.mustSubmit("resend", withID("t-1", addNode("a")))
	second := c.mustSubmit("resend", withID("t-2", addNode("b")))
	eventually(t, 10*time.Second, "the idle graph passivated", func() bool {
		return metricValue(t, base, "graphlog_active_graphs") == "0"
	})
	if again := c.mustSubmit("resend", withID("t-2", addNode("b"))); again != second {
		t.Fatalf("t-2 resent after passivation answered %+v, first answer %+v", again, second)
	}
	status, _, e := c.submit("resend", withID("t-1", addNode("other")))
	if status != http.StatusConflict || e.Code != api.CodeDuplicateTransactionID {
		t.Fatalf("t-1 reused for another node: %d %+v, want 409 %s", status, e, api.CodeDuplicateTransactionID)
	}
	if _, g := c.graph("resend"); g.Version != 2 || len(g.Nodes) != 2 {
		t.Fatalf("graph at version %d with %d nodes after the resends, want 2 and 2", g.Version, len(g.Nodes))
	}
}

// A node started with --partitions 4 spreads its graphs over four streams,
// each holding only its own graphs' subjects, and serves every graph; the
// same node started with another count refuses to start and names the
// count the log has.
func TestGraphsLandInFourPartitions(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(dir)
	cfg.NATS.Partitions = 4
	n, base := startNode(t, cfg)
	c := newClient(t, base)
	const graphs = 40
	for i := range graphs {
		c.mustSubmit(fmt.Sprintf("p%d", i), events(addNode("a"), addNode("b")))
	}
	js := jsAt(t, n.nats.ClientURL())
	ctx := context.Background()
	total := 0
	for p := range 4 {
		s, err := js.Stream(ctx, natsjs.StreamName(cfg.NATS.Stream, p))
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
		if err != nil {
			t.Fatal(err)
		}
		if len(info.State.Subjects) == 0 {
			t.Errorf("partition %d holds no graph", p)
		}
		for subject := range info.State.Subjects {
			if _, err := natsjs.GraphIDFromSubject(subject, 4); err != nil {
				t.Errorf("partition %d holds %s: %v", p, subject, err)
			}
		}
		total += len(info.State.Subjects)
	}
	if total != graphs {
		t.Errorf("%d graph subjects over the partitions, want %d", total, graphs)
	}
	for i := range graphs {
		if status, g := c.graph(fmt.Sprintf("p%d", i)); status != http.StatusOK || g.Version != 1 || len(g.Nodes) != 2 {
			t.Fatalf("graph p%d: status %d, %+v", i, status, g)
		}
	}

	sctx, cancel := context.WithTimeout(ctx, shutdownTimeout)
	n.shutdown(sctx)
	cancel()
	cfg.NATS.Partitions = 2
	if _, err := start(ctx, cfg, testLogger(t)); !errors.Is(err, natsjs.ErrPartitionMismatch) || !strings.Contains(err.Error(), "--partitions 4") {
		t.Fatalf("a node started with 2 partitions on a log of 4: %v, want a refusal naming --partitions 4", err)
	}
}
