package follow_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/follow"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

var (
	_ follow.GraphLog     = (*natsjs.Log)(nil)
	_ follow.PartitionLog = (*natsjs.Log)(nil)
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// setup opens a log of partitions partitions, and attaches to it as a
// program that does not own the streams would.
func setup(t *testing.T, partitions int) (writer, reader *natsjs.Log, js jetstream.JetStream) {
	t.Helper()
	ctx := testContext(t)
	_, _, js = natstest.Start(t)
	writer, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: partitions})
	if err != nil {
		t.Fatal(err)
	}
	reader, err = natsjs.Attach(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return writer, reader, js
}

func tx(graphID string, id string) *messages.Transaction {
	return &messages.Transaction{GraphId: graphID, TransactionId: id, Events: []*messages.Event{
		{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "t"}}}}}
}

// appendGroup appends n transactions of graphID in one message (n > 1:
// a group commit, as a busy grain writes them).
func appendGroup(t *testing.T, log *natsjs.Log, graphID string, n int) {
	t.Helper()
	ctx := testContext(t)
	h, err := log.Head(ctx, graphID)
	if err != nil {
		t.Fatal(err)
	}
	txs := make([]*messages.Transaction, n)
	for i := range txs {
		txs[i] = tx(graphID, fmt.Sprintf("%s-v%d", graphID, h.Version+uint64(i)+1))
	}
	if _, err := log.AppendGroup(ctx, txs, h); err != nil {
		t.Fatal(err)
	}
}

// collect takes transactions from seq until it has n, failing on any
// error or after 10 s.
func collect(t *testing.T, seq func(context.Context) func(func(follow.Transaction, error) bool), n int) []follow.Transaction {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out []follow.Transaction
	if n == 0 {
		return out
	}
	for tx, err := range seq(ctx) {
		if err != nil {
			t.Fatalf("after %d transactions: %v", len(out), err)
		}
		out = append(out, tx)
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("the follower ended after %d transactions, want %d (ctx: %v)", len(out), n, ctx.Err())
	return nil
}

// none checks that seq hands nothing more within a short wait.
func none(t *testing.T, seq func(context.Context) func(func(follow.Transaction, error) bool)) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	for tx, err := range seq(ctx) {
		t.Fatalf("handed %s v%d (err %v), want nothing more", tx.Graph, tx.Version, err)
	}
}

func versions(txs []follow.Transaction) []string {
	out := make([]string, len(txs))
	for i, tx := range txs {
		out[i] = fmt.Sprintf("%s/%d@%d", tx.Graph, tx.Version, tx.Sequence)
	}
	return out
}

// Following one graph from every point of its history, including points
// inside a message of several transactions, hands exactly the
// transactions after that point, and then those committed later.
func TestGraphResumesFromEveryPosition(t *testing.T) {
	writer, log, _ := setup(t, 1)
	appendGroup(t, writer, "g", 1)
	appendGroup(t, writer, "other", 2)
	appendGroup(t, writer, "g", 3) // versions 2, 3, 4 in one message
	appendGroup(t, writer, "g", 1)
	appendGroup(t, writer, "other", 1)
	appendGroup(t, writer, "g", 2) // 6, 7

	from := func(p follow.Position) func(context.Context) func(func(follow.Transaction, error) bool) {
		return func(ctx context.Context) func(func(follow.Transaction, error) bool) {
			return follow.Graph(ctx, log, "g", p)
		}
	}
	all := collect(t, from(follow.Position{}), 7)
	for i, tx := range all {
		if tx.Graph != "g" || tx.Version != uint64(i+1) || tx.ID != fmt.Sprintf("g-v%d", i+1) ||
			len(tx.Events) != 1 || tx.RecordedAt.IsZero() || tx.Raw == nil {
			t.Fatalf("transaction %d: %+v", i, tx)
		}
	}
	if all[1].Sequence != all[3].Sequence || all[1].Sequence == all[0].Sequence {
		t.Fatalf("versions 2 to 4 are not one message: %v", versions(all))
	}
	none(t, from(all[6].Position()))

	for k, last := range all[:6] {
		// From the position of transaction k: the rest, whole.
		if got := collect(t, from(last.Position()), 6-k); !slices.Equal(versions(got), versions(all[k+1:])) {
			t.Errorf("after %s: %v, want %v", versions(all[k:k+1]), versions(got), versions(all[k+1:]))
		}
		// From its version alone: the same.
		if got := collect(t, from(follow.Position{Version: last.Version}), 6-k); !slices.Equal(versions(got), versions(all[k+1:])) {
			t.Errorf("after version %d: %v, want %v", last.Version, versions(got), versions(all[k+1:]))
		}
	}
	// A sequence alone is after its whole message.
	if got := collect(t, from(follow.Position{Sequence: all[1].Sequence}), 3); got[0].Version != 5 {
		t.Errorf("after the message of versions 2-4: %v, want from version 5", versions(got))
	}

	// What is committed while following comes too.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() {
		time.Sleep(100 * time.Millisecond)
		for _, id := range []string{"other", "g"} {
			h, err := writer.Head(ctx, id)
			if err == nil {
				_, err = writer.AppendGroup(ctx, []*messages.Transaction{tx(id, id+"-late1"), tx(id, id+"-late2")}, h)
			}
			if err != nil {
				t.Errorf("appending to %s while following: %v", id, err)
			}
		}
	}()
	var live []follow.Transaction
	for tx, err := range follow.Graph(ctx, log, "g", all[6].Position()) {
		if err != nil {
			t.Fatal(err)
		}
		if live = append(live, tx); len(live) == 2 {
			break
		}
	}
	if len(live) != 2 || live[0].Version != 8 || live[1].Version != 9 {
		t.Errorf("live: %v, want versions 8 and 9", versions(live))
	}

	// A version the graph has not reached is an error, not a wait.
	for _, err := range follow.Graph(testContext(t), log, "g", follow.Position{Version: 99}) {
		if !errors.Is(err, store.ErrNotFound) {
			t.Errorf("following after version 99 of a graph at 9: %v, want ErrNotFound", err)
		}
		break
	}
}

// Following a partition hands every transaction of its graphs in the
// stream's order and none of another partition's; resumed from any
// transaction's position, exactly the ones after it; a message no graph
// can read is an error in its place, and following goes on.
func TestPartitionResumesFromEveryPosition(t *testing.T) {
	const partitions = 2
	writer, log, js := setup(t, partitions)
	var mine, theirs []string
	for i := 0; len(mine) < 3 || len(theirs) < 1; i++ {
		id := fmt.Sprintf("g%d", i)
		if natsjs.Partition(id, partitions) == 0 {
			mine = append(mine, id)
		} else {
			theirs = append(theirs, id)
		}
	}
	a, b, c, x := mine[0], mine[1], mine[2], theirs[0]
	appendGroup(t, writer, a, 1)
	appendGroup(t, writer, x, 2)
	appendGroup(t, writer, b, 3)
	appendGroup(t, writer, a, 2)
	// Bytes no graph reads: garbage on c's subject, and a graph of the
	// other partition on this one's subjects.
	ctx := testContext(t)
	garbage, err := js.Publish(ctx, natsjs.Subject(c, partitions), []byte("not an entry"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, natsjs.PartitionPrefix(0)+x, []byte("misplaced")); err != nil {
		t.Fatal(err)
	}
	// c's first transaction comes after the garbage, which counts as read.
	if _, err := writer.Append(ctx, tx(c, c+"-v1"), store.Head{Sequence: garbage.Sequence}); err != nil {
		t.Fatal(err)
	}
	appendGroup(t, writer, b, 1)

	from := func(p follow.Position) func(context.Context) func(func(follow.Transaction, error) bool) {
		return func(ctx context.Context) func(func(follow.Transaction, error) bool) {
			return func(yield func(follow.Transaction, error) bool) {
				for tx, err := range follow.Partition(ctx, log, 0, p) {
					if errors.Is(err, store.ErrCorrupt) {
						continue
					}
					if !yield(tx, err) {
						return
					}
				}
			}
		}
	}
	all := collect(t, from(follow.Position{}), 8)
	want := []string{a + "/1", b + "/1", b + "/2", b + "/3", a + "/2", a + "/3", c + "/1", b + "/4"}
	got := make([]string, len(all))
	for i, tx := range all {
		got[i] = fmt.Sprintf("%s/%d", tx.Graph, tx.Version)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("partition 0: %v, want %v", got, want)
	}
	none(t, from(all[7].Position()))
	for k, last := range all[:7] {
		if rest := collect(t, from(last.Position()), 7-k); !slices.Equal(versions(rest), versions(all[k+1:])) {
			t.Errorf("after %s: %v, want %v", versions(all[k:k+1]), versions(rest), versions(all[k+1:]))
		}
	}

	// The unreadable messages are handed as errors in their places.
	var corrupt []uint64
	ctx2, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n := 0
	for tx, err := range follow.Partition(ctx2, log, 0, follow.Position{}) {
		var ce *store.CorruptError
		if errors.As(err, &ce) {
			corrupt = append(corrupt, ce.Sequence)
		} else if err != nil {
			t.Fatal(err)
		} else if n++; tx.Graph == c {
			break
		}
	}
	if len(corrupt) != 2 || corrupt[0] <= all[5].Sequence || corrupt[1] >= all[6].Sequence {
		t.Errorf("corrupt messages at %v, want two between sequences %d and %d", corrupt, all[5].Sequence, all[6].Sequence)
	}

	// Each: every transaction through a callback, unreadable ones skipped,
	// until the callback says stop.
	var seen []string
	stop := errors.New("enough")
	err = follow.Each(follow.Partition(testContext(t), log, 0, follow.Position{}), func(tx follow.Transaction) error {
		seen = append(seen, fmt.Sprintf("%s/%d", tx.Graph, tx.Version))
		if len(seen) == len(want) {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(seen, want) {
		t.Errorf("Each: %v, %v; want %v and the callback's error", seen, err, want)
	}

	// A partition resumes from a sequence, never from a version alone.
	for _, err := range follow.Partition(testContext(t), log, 0, follow.Position{Version: 2}) {
		if err == nil {
			t.Error("following a partition from a version alone: no error")
		}
		break
	}
	for _, err := range follow.Partition(testContext(t), log, partitions, follow.Position{}) {
		if err == nil {
			t.Error("following a partition that does not exist: no error")
		}
		break
	}
}
