package natsjs_test

import (
	"errors"
	"testing"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Locate finds the message of every version, inside group commits too,
// among other graphs' messages.
func TestLocate(t *testing.T) {
	log := openLog(t)
	ctx := testContext(t)
	want := map[uint64]uint64{} // version → sequence
	var head store.Head
	for i := range 40 {
		// Another graph's messages between, so sequences are sparse.
		oh, err := log.Head(ctx, "other")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(ctx, txOf("other", "o"+itoa(i), 1), oh); err != nil {
			t.Fatal(err)
		}
		n := 1 + i%3 // 1, 2 or 3 transactions in one message
		txs := make([]*messages.Transaction, n)
		for j := range txs {
			txs[j] = txOf("g", "t"+itoa(i)+"-"+itoa(j), 1)
		}
		next, err := log.AppendGroup(ctx, txs, head)
		if err != nil {
			t.Fatal(err)
		}
		for v := head.Version + 1; v <= next.Version; v++ {
			want[v] = next.Sequence
		}
		head = next
	}
	for v := uint64(1); v <= head.Version; v++ {
		seq, err := log.Locate(ctx, "g", v)
		if err != nil || seq != want[v] {
			t.Errorf("Locate(g, %d) = %d, %v; want %d", v, seq, err, want[v])
		}
	}
	for _, v := range []uint64{0, head.Version + 1} {
		if _, err := log.Locate(ctx, "g", v); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Locate(g, %d): %v, want ErrNotFound", v, err)
		}
	}
	if _, err := log.Locate(ctx, "nothing", 1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Locate of a graph with no transactions: %v, want ErrNotFound", err)
	}
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
