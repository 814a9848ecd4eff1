package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func testContext(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// openLog opens a log with cfg (defaults if none) on a fresh server.
func openLog(t testing.TB, cfg ...natsjs.Config) *natsjs.Log {
	t.Helper()
	log, _ := openLogJS(t, cfg...)
	return log
}

func openLogJS(t testing.TB, cfg ...natsjs.Config) (*natsjs.Log, jetstream.JetStream) {
	t.Helper()
	_, _, js := natstest.Start(t)
	var c natsjs.Config
	if len(cfg) > 0 {
		c = cfg[0]
	}
	log, err := natsjs.Open(testContext(t), js, c)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return log, js
}

func nodeAdded(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "thing"}}}
}

func txOf(graphID, txID string, n int) *messages.Transaction {
	tx := &messages.Transaction{GraphId: graphID, TransactionId: txID}
	for i := range n {
		tx.Events = append(tx.Events, nodeAdded(txID+"-"+string(rune('a'+i%26))))
	}
	return tx
}

// stampedTx is txOf stamped as graph graphID's version version, as Append
// stores it.
func stampedTx(t testing.TB, graphID, txID string, version uint64, n int) *messages.Transaction {
	t.Helper()
	tx := txOf(graphID, txID, n)
	if err := store.Stamp(tx, store.Head{Version: version - 1}); err != nil {
		t.Fatal(err)
	}
	return tx
}

// entry is the body of a log message holding txs (store.EncodeEntry),
// whether or not they belong together.
func entry(t testing.TB, txs ...*messages.Transaction) []byte {
	t.Helper()
	data, err := store.EncodeEntry(txs...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// partitionStreams names the partition streams of a log with cfg.
func partitionStreams(cfg natsjs.Config) []string {
	base, n := cfg.Stream, cfg.Partitions
	if base == "" {
		base = natsjs.DefaultStream
	}
	n = max(n, 1)
	names := make([]string, n)
	for p := range n {
		names[p] = natsjs.StreamName(base, p)
	}
	return names
}

// defaultStream is the one partition stream of a log with the default
// configuration: EVENTS-0.
var defaultStream = natsjs.StreamName(natsjs.DefaultStream, 0)

// streamMsgs is how many messages stream name holds.
func streamMsgs(t testing.TB, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	ctx := testContext(t)
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("stream %s: %v", name, err)
	}
	return info.State.Msgs
}

// assertNoStream fails the test if stream name exists.
func assertNoStream(t testing.TB, js jetstream.JetStream, name string) {
	t.Helper()
	if _, err := js.Stream(testContext(t), name); !errors.Is(err, jetstream.ErrStreamNotFound) {
		t.Errorf("stream %s: err = %v, want it not to exist", name, err)
	}
}

// graphOfPartition returns the first graph ID prefix-0, prefix-1 … that
// belongs to partition p of partitions.
func graphOfPartition(t testing.TB, prefix string, p, partitions int) string {
	t.Helper()
	for i := range 10000 {
		id := fmt.Sprintf("%s-%d", prefix, i)
		if natsjs.Partition(id, partitions) == p {
			return id
		}
	}
	t.Fatalf("no graph %s-N in partition %d of %d", prefix, p, partitions)
	return ""
}

// waitFor polls cond until it holds, failing the test after within. It is
// for what the server does in the background (acks, purges), never to
// measure time.
func waitFor(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (%s)", what, within, state)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
