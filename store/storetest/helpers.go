package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// timeout bounds every subtest; a real server answers in milliseconds.
const timeout = 30 * time.Second

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	t.Cleanup(cancel)
	return ctx
}

// newTx returns a transaction of n NodeAdded events for graphID; node IDs
// are txID-0, txID-1 ….
func newTx(graphID, txID string, n int) *messages.Transaction {
	tx := &messages.Transaction{GraphId: graphID, TransactionId: txID}
	for i := range n {
		tx.Events = append(tx.Events, &messages.Event{
			EventId: fmt.Sprintf("%s-e%d", txID, i),
			Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
				NodeId:   fmt.Sprintf("%s-%d", txID, i),
				NodeType: "thing",
			}},
		})
	}
	return tx
}

// mustAppend appends tx after expected. A conflict while the head is still
// expected is tried again: a replicated stream may refuse an expectation
// it cannot judge yet (it is still applying the graph's previous message),
// which store.Appender allows ("reload the head and decide again").
func mustAppend(t *testing.T, ctx context.Context, log store.EventLog, tx *messages.Transaction, expected store.Head) store.Head {
	t.Helper()
	h, err := log.Append(ctx, tx, expected)
	for range 5 {
		if !errors.Is(err, store.ErrConflict) || tx.ExpectedVersion != nil {
			break
		}
		if now, herr := log.Head(ctx, tx.GetGraphId()); herr != nil || now != expected {
			break
		}
		time.Sleep(50 * time.Millisecond)
		h, err = log.Append(ctx, tx, expected)
	}
	if err != nil {
		t.Fatalf("Append(graph %s, tx %s, expected %+v): %v", tx.GetGraphId(), tx.GetTransactionId(), expected, err)
	}
	return h
}

func mustHead(t *testing.T, ctx context.Context, log store.EventLog, graphID string) store.Head {
	t.Helper()
	h, err := log.Head(ctx, graphID)
	if err != nil {
		t.Fatalf("Head(%s): %v", graphID, err)
	}
	return h
}

// readAll reads graphID after seq and fails the test on any error.
func readAll(t *testing.T, ctx context.Context, log store.EventLog, graphID string, after uint64) []*messages.Transaction {
	t.Helper()
	var txs []*messages.Transaction
	for tx, err := range log.Read(ctx, graphID, after) {
		if err != nil {
			t.Fatalf("Read(%s, after %d): %v", graphID, after, err)
		}
		txs = append(txs, tx)
	}
	return txs
}

// checkCommitted checks that got, read back from the log, is the
// committed form of sent: same graph, transaction ID, version and events,
// each stamped with the transaction's sequence.
func checkCommitted(t *testing.T, got, sent *messages.Transaction, version uint64) {
	t.Helper()
	if got.GetGraphId() != sent.GetGraphId() || got.GetTransactionId() != sent.GetTransactionId() || got.GetVersion() != version {
		t.Fatalf("read transaction (graph %s, id %s, version %d), want (graph %s, id %s, version %d)",
			got.GetGraphId(), got.GetTransactionId(), got.GetVersion(), sent.GetGraphId(), sent.GetTransactionId(), version)
	}
	if len(got.Events) != len(sent.Events) {
		t.Fatalf("transaction %s read with %d events, appended with %d", got.TransactionId, len(got.Events), len(sent.Events))
	}
	if got.GetRecordedAt() == nil || got.GetRecordedAt().AsTime().IsZero() {
		t.Errorf("transaction %s read without a recorded time", got.TransactionId)
	}
	n := uint64(len(got.Events))
	for i, ev := range got.Events {
		want := sent.Events[i]
		if ev.GetGraphId() != sent.GraphId || ev.GetTransactionId() != sent.TransactionId || ev.GetVersion() != version ||
			ev.GetIndex() != uint32(i) || ev.GetCount() != uint32(n) {
			t.Errorf("event %d of %s: graph %q tx %q version %d index %d count %d; want %q %q %d %d %d",
				i, sent.TransactionId, ev.GetGraphId(), ev.GetTransactionId(), ev.GetVersion(), ev.GetIndex(), ev.GetCount(),
				sent.GraphId, sent.TransactionId, version, i, n)
		}
		if ev.GetEventId() != want.GetEventId() || ev.GetNodeAdded().GetNodeId() != want.GetNodeAdded().GetNodeId() {
			t.Errorf("event %d of %s: read %s/%s, appended %s/%s", i, sent.TransactionId,
				ev.GetEventId(), ev.GetNodeAdded().GetNodeId(), want.GetEventId(), want.GetNodeAdded().GetNodeId())
		}
		if ev.GetSequence() != got.Sequence {
			t.Errorf("event %d of %s has sequence %d, want its transaction's %d",
				i, sent.TransactionId, ev.GetSequence(), got.Sequence)
		}
		if ev.GetRecordedAt() == nil {
			t.Errorf("event %d of %s has no recorded time", i, sent.TransactionId)
		}
	}
}
