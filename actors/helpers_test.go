package actors_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// testContext bounds a test's calls to NATS and to grains.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func testLogger() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// openLog starts a NATS server for the test and opens the event log on it,
// with cfg if given.
func openLog(t testing.TB, cfg ...natsjs.Config) (*natsjs.Log, jetstream.JetStream) {
	t.Helper()
	_, _, js := natstest.Start(t)
	var c natsjs.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	if c.Partitions == 0 {
		c.Partitions = natstest.Partitions()
	}
	log, err := natsjs.Open(testContext(t), js, c)
	if err != nil {
		t.Fatalf("natsjs.Open: %v", err)
	}
	return log, js
}

// startMember starts a cluster member on loopback hosting grains with cfg,
// and shuts it down when the test ends (before the NATS server, which was
// started earlier).
func startMember(t testing.TB, cfg actors.GrainConfig) *cluster.Member {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger()
	}
	if cfg.IOTimeout == 0 {
		cfg.IOTimeout = 10 * time.Second
	}
	m, err := cluster.StartMember(cluster.MemberConfig{
		Host:           "127.0.0.1",
		Port:           0,
		Grain:          cfg,
		RequestTimeout: 20 * time.Second,
		Logger:         cfg.Logger,
	})
	if err != nil {
		t.Fatalf("StartMember: %v", err)
	}
	t.Cleanup(func() { shutdown(t, m) })
	return m
}

// shutdown stops m now, before the test ends.
func shutdown(t testing.TB, m *cluster.Member) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.Shutdown(ctx)
}

// eventually polls cond until it holds or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Events.

func addNode(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "thing"}}}
}

func addEdge(id, src, dst string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
		EdgeId: id, SourceId: src, TargetId: dst, EdgeType: "link"}}}
}

func updateNode(id, key string, value any) *messages.Event {
	set, err := structpb.NewStruct(map[string]any{key: value})
	if err != nil {
		panic(err)
	}
	return &messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: id, Set: set}}}
}

func removeNode(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}}
}

func removeEdge(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: id}}}
}

// txOf is an unstamped transaction of graphID.
func txOf(graphID string, evs ...*messages.Event) *messages.Transaction {
	return &messages.Transaction{GraphId: graphID, Events: evs}
}

// withExpected sets tx's expected_version.
func withExpected(tx *messages.Transaction, v uint64) *messages.Transaction {
	tx.ExpectedVersion = proto.Uint64(v)
	return tx
}

// Writing the log past the grain.

// appendDirect appends a transaction of evs to graphID's log after the
// log's head, as a second writer would, and returns the stamped
// transaction.
func appendDirect(t testing.TB, log *natsjs.Log, graphID string, evs ...*messages.Event) *messages.Transaction {
	t.Helper()
	ctx := testContext(t)
	head, err := log.Head(ctx, graphID)
	if err != nil {
		t.Fatalf("Head(%s): %v", graphID, err)
	}
	tx := txOf(graphID, evs...)
	tx.TransactionId = fmt.Sprintf("direct-%s-%d", graphID, head.Version+1)
	if _, err := log.Append(ctx, tx, head); err != nil {
		t.Fatalf("Append(%s) after %+v: %v", graphID, head, err)
	}
	return tx
}

// publishRaw stores evs as one transaction of graphID at version, in one
// message on the graph's subject with no concurrency check: what a writer
// past the normal write path could leave. It returns its sequence.
func publishRaw(t testing.TB, js jetstream.JetStream, graphID string, version uint64, evs ...*messages.Event) uint64 {
	t.Helper()
	tx := &messages.Transaction{GraphId: graphID, TransactionId: fmt.Sprintf("raw-%s-%d", graphID, version), Version: version, Events: evs}
	data, err := proto.Marshal(&messages.LogEntry{Transactions: []*messages.Transaction{tx}})
	if err != nil {
		t.Fatal(err)
	}
	subject := natsjs.Subject(graphID, natstest.Partitions())
	ack, err := js.Publish(testContext(t), subject, data)
	if err != nil {
		t.Fatalf("publish %s: %v", subject, err)
	}
	return ack.Sequence
}

// publishJunk stores bytes that are no event on subject and returns their
// sequence.
func publishJunk(t testing.TB, js jetstream.JetStream, subject string) uint64 {
	t.Helper()
	ack, err := js.Publish(testContext(t), subject, []byte("\xff\xff not an event"))
	if err != nil {
		t.Fatalf("publish junk to %s: %v", subject, err)
	}
	return ack.Sequence
}

// Reading the log.

// readLog returns graphID's transactions in the log and how many of its
// messages could not be decoded.
func readLog(t testing.TB, log *natsjs.Log, graphID string) (txs []*messages.Transaction, corrupt int) {
	t.Helper()
	for tx, err := range log.Read(testContext(t), graphID, 0) {
		switch {
		case errors.Is(err, store.ErrCorrupt):
			corrupt++
		case err != nil:
			t.Fatalf("Read(%s): %v", graphID, err)
		default:
			txs = append(txs, tx)
		}
	}
	return txs, corrupt
}

// logTx returns graphID's transaction at version from the log.
func logTx(t testing.TB, log *natsjs.Log, graphID string, version uint64) *messages.Transaction {
	t.Helper()
	txs, _ := readLog(t, log, graphID)
	for _, tx := range txs {
		if tx.GetVersion() == version {
			return tx
		}
	}
	t.Fatalf("graph %s has no version %d in the log", graphID, version)
	return nil
}

// foldLog is graphID rebuilt from nothing but the log.
func foldLog(t testing.TB, log *natsjs.Log, graphID string) (*graph.Graph, replay.FoldResult) {
	t.Helper()
	g := graph.New(graphID)
	res, err := replay.Fold(testContext(t), log, g, 0, nil, nil)
	if err != nil {
		t.Fatalf("Fold(%s): %v", graphID, err)
	}
	return g, res
}

func head(t testing.TB, log *natsjs.Log, graphID string) store.Head {
	t.Helper()
	h, err := log.Head(testContext(t), graphID)
	if err != nil {
		t.Fatalf("Head(%s): %v", graphID, err)
	}
	return h
}

// checkVersions fails unless txs carry versions 1, 2, … without gaps.
func checkVersions(t testing.TB, txs []*messages.Transaction) {
	t.Helper()
	for i, tx := range txs {
		if tx.GetVersion() != uint64(i+1) {
			t.Fatalf("transaction %d of the log has version %d, want %d (versions must have no gaps)", i, tx.GetVersion(), i+1)
		}
	}
}

// Asking grains.

var getGraph = &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}}

// state asks graphID's grain for its whole state.
func state(t testing.TB, cl *cluster.Client, graphID string) *messages.GraphState {
	t.Helper()
	r, err := cl.Query(testContext(t), graphID, getGraph)
	if err != nil {
		t.Fatalf("Query(%s): %v", graphID, err)
	}
	return r.GetGraph()
}

func mustSubmit(t testing.TB, cl *cluster.Client, tx *messages.Transaction) *messages.SubmitReply {
	t.Helper()
	r, err := cl.Submit(testContext(t), tx)
	if err != nil {
		t.Fatalf("Submit to %s: %v", tx.GetGraphId(), err)
	}
	return r
}

func nodeIDs(s *messages.GraphState) []string {
	var ids []string
	for _, n := range s.GetNodes() {
		ids = append(ids, n.GetId())
	}
	return ids
}

func edgeIDs(s *messages.GraphState) []string {
	var ids []string
	for _, e := range s.GetEdges() {
		ids = append(ids, e.GetId())
	}
	return ids
}

// sameState fails unless got and want are the same graph state.
// Both are compared as readers see them (replay.StateView): without the
// remembered transaction IDs, which grains do not send.
func sameState(t testing.TB, what string, got, want *messages.GraphState) {
	t.Helper()
	got, want = proto.Clone(got).(*messages.GraphState), proto.Clone(want).(*messages.GraphState)
	// Readers see neither the remembered transactions nor the trails
	// (replay.StateView); the fold of the log has both.
	got.Recent, want.Recent = nil, nil
	got.Trails, want.Trails = nil, nil
	if !proto.Equal(got, want) {
		t.Fatalf("%s differs:\ngot  %s\nwant %s", what, prototext.Format(got), prototext.Format(want))
	}
}

// metricValue reads a counter or gauge.
func metricValue(t testing.TB, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge: %v", &m)
	return 0
}
