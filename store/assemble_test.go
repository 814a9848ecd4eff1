package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// ev is an event at sequence seq of a transaction of count events at
// version v.
func ev(seq, v uint64, index, count uint32) *messages.Event {
	return &messages.Event{Sequence: seq, Version: v, Index: index, Count: count, TransactionId: fmt.Sprintf("t%d", v)}
}

// assemble runs events through an Assembler and describes what comes out,
// one "version:sequences" string per transaction.
func assemble(events []*messages.Event) []string {
	a := store.NewAssembler("g")
	var out []string
	add := func(tx *messages.Transaction) {
		if tx == nil {
			return
		}
		seqs := make([]uint64, len(tx.Events))
		for i, e := range tx.Events {
			seqs[i] = e.Sequence
		}
		out = append(out, fmt.Sprintf("v%d:%v@%d", tx.Version, seqs, tx.Sequence))
	}
	for _, e := range events {
		ended, completed := a.Add(e)
		add(ended)
		add(completed)
	}
	add(a.Flush())
	return out
}

func TestAssembler(t *testing.T) {
	tests := []struct {
		name   string
		events []*messages.Event
		want   []string
	}{
		{"none", nil, nil},
		{"whole transactions",
			[]*messages.Event{ev(1, 1, 0, 2), ev(2, 1, 1, 2), ev(5, 2, 0, 1), ev(7, 3, 0, 3), ev(8, 3, 1, 3), ev(9, 3, 2, 3)},
			[]string{"v1:[1 2]@2", "v2:[5]@5", "v3:[7 8 9]@9"}},
		{"cut by the next version",
			[]*messages.Event{ev(1, 1, 0, 3), ev(2, 1, 1, 3), ev(3, 2, 0, 1)},
			[]string{"v1:[1 2]@2", "v2:[3]@3"}},
		{"cut by the end",
			[]*messages.Event{ev(1, 1, 0, 1), ev(2, 2, 0, 2)},
			[]string{"v1:[1]@1", "v2:[2]@2"}},
		{"version written twice",
			[]*messages.Event{ev(1, 1, 0, 1), ev(2, 1, 0, 1)},
			[]string{"v1:[1]@1", "v1:[2]@2"}},
		{"count zero never completes",
			[]*messages.Event{ev(1, 1, 0, 0), ev(2, 1, 1, 0), ev(3, 2, 0, 1)},
			[]string{"v1:[1 2]@2", "v2:[3]@3"}},
		{"started mid-transaction",
			[]*messages.Event{ev(2, 1, 1, 2), ev(3, 2, 0, 1)},
			[]string{"v1:[2]@2", "v2:[3]@3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := assemble(tt.events); !slices.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

// Every event comes out exactly once, in order, in a transaction of its
// own version, never more than its count.
func FuzzAssembler(f *testing.F) {
	f.Add([]byte{1, 2, 1, 2, 2, 1, 3, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var events []*messages.Event
		for i := 0; i+1 < len(data); i += 2 {
			events = append(events, ev(uint64(len(events)+1), uint64(data[i]%4), 0, uint32(data[i+1]%4)))
		}
		a := store.NewAssembler("g")
		var seen []uint64
		check := func(tx *messages.Transaction) {
			if tx == nil {
				return
			}
			if len(tx.Events) == 0 {
				t.Fatal("empty transaction")
			}
			if c := tx.Events[0].Count; c > 0 && uint32(len(tx.Events)) > c {
				t.Fatalf("transaction of %d events, count %d", len(tx.Events), c)
			}
			for _, e := range tx.Events {
				if e.Version != tx.Version {
					t.Fatalf("event of version %d in transaction %d", e.Version, tx.Version)
				}
				seen = append(seen, e.Sequence)
			}
			if tx.Sequence != tx.Events[len(tx.Events)-1].Sequence {
				t.Fatalf("transaction sequence %d, last event %d", tx.Sequence, tx.Events[len(tx.Events)-1].Sequence)
			}
		}
		for _, e := range events {
			ended, completed := a.Add(e)
			check(ended)
			check(completed)
		}
		check(a.Flush())
		if len(seen) != len(events) {
			t.Fatalf("%d events in, %d out", len(events), len(seen))
		}
		for i, s := range seen {
			if s != uint64(i+1) {
				t.Fatalf("event %d out is sequence %d", i, s)
			}
		}
	})
}
