package store_test

import (
	"errors"
	"testing"

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
	if err := store.Stamp(tx, store.Head{Version: 4, Sequence: 40}, 10); err != nil {
		t.Fatal(err)
	}
	store.Committed(tx, 52)
	if tx.Version != 5 || tx.Sequence != 52 {
		t.Errorf("tx version %d sequence %d, want 5 and 52", tx.Version, tx.Sequence)
	}
	for i, e := range tx.Events {
		if e.GraphId != "g" || e.TransactionId != "t" || e.Version != 5 || e.Index != uint32(i) || e.Count != 3 ||
			e.Sequence != uint64(50+i) || e.RecordedAt != nil {
			t.Errorf("event %d stamped %+v", i, e)
		}
	}
}

func TestStampRefuses(t *testing.T) {
	v := uint64(3)
	tests := []struct {
		name string
		tx   *messages.Transaction
		max  int
		want error
	}{
		{"nil", nil, 10, graph.ErrInvalidTransaction},
		{"bad graph", &messages.Transaction{GraphId: "a.b", Events: []*messages.Event{removed("a")}}, 10, graph.ErrInvalidID},
		{"empty", &messages.Transaction{GraphId: "g"}, 10, graph.ErrInvalidTransaction},
		{"too many", &messages.Transaction{GraphId: "g", Events: []*messages.Event{removed("a"), removed("b")}}, 1, store.ErrTooLarge},
		{"no payload", &messages.Transaction{GraphId: "g", Events: []*messages.Event{{}}}, 10, graph.ErrInvalidTransaction},
		{"nil event", &messages.Transaction{GraphId: "g", Events: []*messages.Event{nil}}, 10, graph.ErrInvalidTransaction},
		{"other graph", &messages.Transaction{GraphId: "g", Events: []*messages.Event{{GraphId: "h", Payload: removed("a").Payload}}}, 10, graph.ErrInvalidTransaction},
		{"stale expected_version", &messages.Transaction{GraphId: "g", ExpectedVersion: &v, Events: []*messages.Event{removed("a")}}, 10, store.ErrConflict},
	}
	for _, tt := range tests {
		if err := store.Stamp(tt.tx, store.Head{Version: 2, Sequence: 9}, tt.max); !errors.Is(err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
	}
}
