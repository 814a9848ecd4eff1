package natsjs_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
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
