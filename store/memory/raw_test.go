package memory_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
)

// tickingClock returns a clock that advances a millisecond per reading.
func tickingClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

// rawEntry is a log message holding one transaction of graph g at
// version with one event, written past Append.
func rawEntry(t *testing.T, version uint64) []byte {
	t.Helper()
	data, err := proto.Marshal(&messages.LogEntry{Transactions: []*messages.Transaction{{
		GraphId: "g", TransactionId: "raw", Version: version,
		Events: []*messages.Event{{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "n"}}}},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestRecordedTimeComesFromClock(t *testing.T) {
	at := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	log := memory.New(func() time.Time { return at })
	tx := &messages.Transaction{GraphId: "g", Events: []*messages.Event{{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "n"}}}}}
	if _, err := log.Append(context.Background(), tx, store.Head{}); err != nil {
		t.Fatal(err)
	}
	for got, err := range log.Read(context.Background(), "g", 0) {
		if err != nil {
			t.Fatal(err)
		}
		if !got.RecordedAt.AsTime().Equal(at) {
			t.Errorf("recorded at %v, want the clock's %v", got.RecordedAt.AsTime(), at)
		}
	}
}

// Raw writes stand for messages written past Append: transactions are
// yielded as written (even out of order), undecodable bytes as
// ErrCorrupt, and reading goes on.
func TestRawWritesYieldedAsWritten(t *testing.T) {
	log := memory.New(tickingClock())
	log.WriteRaw("g",
		rawEntry(t, 1),
		rawEntry(t, 2),
		[]byte{0xff, 0xff}, // undecodable
		rawEntry(t, 3),
	)
	var versions []uint64
	var sizes []int
	var corrupt []uint64
	for tx, err := range log.Read(context.Background(), "g", 0) {
		if err != nil {
			var ce *store.CorruptError
			if !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) {
				t.Fatalf("Read error %v, want a *store.CorruptError", err)
			}
			corrupt = append(corrupt, ce.Sequence)
			continue
		}
		versions = append(versions, tx.Version)
		sizes = append(sizes, len(tx.Events))
	}
	if len(versions) != 3 || versions[0] != 1 || sizes[0] != 1 || versions[1] != 2 || versions[2] != 3 {
		t.Errorf("read versions %v sizes %v, want [1 2 3] of one event each", versions, sizes)
	}
	if len(corrupt) != 1 || corrupt[0] != 3 {
		t.Errorf("corrupt sequences %v, want [3]", corrupt)
	}
}

func TestDeadLetter(t *testing.T) {
	log := memory.New(nil)
	if err := log.DeadLetter(context.Background(), "event.store.0.g", []byte("x"), "bad", 7); err != nil {
		t.Fatal(err)
	}
	got := log.DeadLetters()
	if len(got) != 1 || got[0].Subject != "event.store.0.g" || got[0].Reason != "bad" || got[0].Sequence != 7 {
		t.Errorf("DeadLetters() = %+v", got)
	}
}
