package store_test

import (
	"errors"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

func removed(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}}
}

func TestStampAndCommitted(t *testing.T) {
	tx := &messages.Transaction{GraphId: "g", TransactionId: "t", Events: []*messages.Event{removed("a"), removed("b"), removed("c")}}
	tx.Events[1].Sequence = 99
	tx.Events[1].RecordedAt = timestamppb.Now()
	if err := store.Stamp(tx, store.Head{Version: 4, Sequence: 40}); err != nil {
		t.Fatal(err)
	}
	store.Committed(tx, 52)
	if tx.Version != 5 || tx.Sequence != 52 {
		t.Errorf("tx version %d sequence %d, want 5 and 52", tx.Version, tx.Sequence)
	}
	for i, e := range tx.Events {
		if e.GraphId != "g" || e.TransactionId != "t" || e.Version != 5 || e.Index != uint32(i) || e.Count != 3 ||
			e.Sequence != 52 || e.RecordedAt != nil {
			t.Errorf("event %d stamped %+v", i, e)
		}
	}
}

func TestStampRefuses(t *testing.T) {
	v := uint64(3)
	tests := []struct {
		name string
		tx   *messages.Transaction
		want error
	}{
		{"nil", nil, graph.ErrInvalidTransaction},
		{"bad graph", &messages.Transaction{GraphId: "a.b", Events: []*messages.Event{removed("a")}}, graph.ErrInvalidID},
		{"empty", &messages.Transaction{GraphId: "g"}, graph.ErrInvalidTransaction},
		{"no payload", &messages.Transaction{GraphId: "g", Events: []*messages.Event{{}}}, graph.ErrInvalidTransaction},
		{"nil event", &messages.Transaction{GraphId: "g", Events: []*messages.Event{nil}}, graph.ErrInvalidTransaction},
		{"other graph", &messages.Transaction{GraphId: "g", Events: []*messages.Event{{GraphId: "h", Payload: removed("a").Payload}}}, graph.ErrInvalidTransaction},
		{"stale expected_version", &messages.Transaction{GraphId: "g", ExpectedVersion: &v, Events: []*messages.Event{removed("a")}}, store.ErrConflict},
	}
	for _, tt := range tests {
		if err := store.Stamp(tt.tx, store.Head{Version: 2, Sequence: 9}); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}

// An entry decodes to the transactions encoded, each with the envelope
// the reader fills in; the stored bytes hold no envelope.
func TestEntryRoundTrip(t *testing.T) {
	a := &messages.Transaction{GraphId: "g", TransactionId: "a", Events: []*messages.Event{removed("x"), removed("y")}}
	b := &messages.Transaction{GraphId: "g", TransactionId: "b", Events: []*messages.Event{removed("z")}}
	if err := store.Stamp(a, store.Head{Version: 6, Sequence: 60}); err != nil {
		t.Fatal(err)
	}
	if err := store.Stamp(b, store.Head{Version: 7, Sequence: 60}); err != nil {
		t.Fatal(err)
	}
	data, err := store.EncodeEntry(a, b)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	txs, err := store.DecodeEntry("g", "s", 61, at, data)
	if err != nil {
		t.Fatal(err)
	}
	if len(txs) != 2 || txs[0].TransactionId != "a" || txs[0].Version != 7 || txs[1].TransactionId != "b" || txs[1].Version != 8 {
		t.Fatalf("decoded %v", txs)
	}
	for _, tx := range txs {
		if tx.Sequence != 61 || !tx.RecordedAt.AsTime().Equal(at) {
			t.Errorf("tx %s: sequence %d recorded %v", tx.TransactionId, tx.Sequence, tx.RecordedAt.AsTime())
		}
		for i, e := range tx.Events {
			if e.GraphId != "g" || e.TransactionId != tx.TransactionId || e.Version != tx.Version || e.Index != uint32(i) ||
				e.Count != uint32(len(tx.Events)) || e.Sequence != 61 || !e.RecordedAt.AsTime().Equal(at) {
				t.Errorf("event %d of %s: %+v", i, tx.TransactionId, e)
			}
		}
	}
	// A stored event carries none of the envelope.
	var entry messages.LogEntry
	if err := proto.Unmarshal(data, &entry); err != nil {
		t.Fatal(err)
	}
	if e := entry.Transactions[0].Events[1]; e.GraphId != "" || e.Version != 0 || e.Index != 0 || e.Count != 0 || e.TransactionId != "" {
		t.Errorf("stored event keeps its envelope: %+v", e)
	}
}

func TestDecodeEntryRefuses(t *testing.T) {
	enc := func(txs ...*messages.Transaction) []byte {
		b, err := proto.Marshal(&messages.LogEntry{Transactions: txs})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := map[string][]byte{
		"garbage":     {0xff, 0xff, 0xff},
		"empty":       enc(),
		"other graph": enc(&messages.Transaction{GraphId: "h", Version: 1}),
		"no version":  enc(&messages.Transaction{GraphId: "g"}),
		"version gap": enc(&messages.Transaction{GraphId: "g", Version: 1}, &messages.Transaction{GraphId: "g", Version: 3}),
	}
	for name, data := range tests {
		_, err := store.DecodeEntry("g", "s", 5, time.Now(), data)
		var corrupt *store.CorruptError
		if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &corrupt) || corrupt.Sequence != 5 {
			t.Errorf("%s: err = %v, want a CorruptError at sequence 5", name, err)
		}
	}
}
