package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// TestEventLog checks that the logs open returns behave as store.EventLog
// promises.
func TestEventLog(t *testing.T, open func(t *testing.T) store.EventLog) {
	tests := []struct {
		name string
		run  func(t *testing.T, log store.EventLog)
	}{
		{"AppendToEmpty", testAppendToEmpty},
		{"VersionsWithoutGaps", testVersionsWithoutGaps},
		{"StaleExpectedConflicts", testStaleExpectedConflicts},
		{"ConcurrentAppendersOneWins", testConcurrentAppenders},
		{"ReadWholeTransactions", testReadWholeTransactions},
		{"ReadStopsWhenConsumerStops", testReadStopsEarly},
		{"GraphsAreIsolated", testGraphsIsolated},
		{"InvalidGraphIDs", testInvalidGraphIDs},
		{"TooLarge", testTooLarge},
		{"ResentIDIsADuplicate", testResentID},
		{"GroupCommit", testGroupCommit},
		{"MalformedTransactions", testMalformedTransactions},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

func testAppendToEmpty(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	if h := mustHead(t, ctx, log, "g"); h != (store.Head{}) {
		t.Fatalf("Head of a graph with no events = %+v, want the zero Head", h)
	}
	if txs := readAll(t, ctx, log, "g", 0); len(txs) != 0 {
		t.Fatalf("Read of a graph with no events yielded %d transactions", len(txs))
	}

	tx := newTx("g", "t1", 3)
	h := mustAppend(t, ctx, log, tx, store.Head{})
	if h.Version != 1 || h.Sequence == 0 {
		t.Fatalf("Append to an empty graph returned %+v, want version 1 and a sequence", h)
	}
	// The caller's transaction comes back stamped (store.Appender).
	if tx.Version != 1 || tx.Sequence != h.Sequence {
		t.Errorf("stamped tx has version %d sequence %d, want 1 and %d", tx.Version, tx.Sequence, h.Sequence)
	}
	for i, ev := range tx.Events {
		if ev.GraphId != "g" || ev.TransactionId != "t1" || ev.Version != 1 || ev.Index != uint32(i) || ev.Count != 3 ||
			ev.Sequence != h.Sequence {
			t.Errorf("stamped event %d = graph %q tx %q version %d index %d count %d sequence %d", i,
				ev.GraphId, ev.TransactionId, ev.Version, ev.Index, ev.Count, ev.Sequence)
		}
	}
	if got := mustHead(t, ctx, log, "g"); got != h {
		t.Errorf("Head after append = %+v, want %+v", got, h)
	}
}

func testVersionsWithoutGaps(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	var h store.Head
	for i, n := range []int{1, 3, 2} {
		prev := h
		h = mustAppend(t, ctx, log, newTx("g", fmt.Sprintf("t%d", i+1), n), h)
		if h.Version != uint64(i+1) {
			t.Fatalf("append %d returned version %d, want %d", i+1, h.Version, i+1)
		}
		if h.Sequence <= prev.Sequence {
			t.Fatalf("append %d of %d events returned sequence %d after %d", i+1, n, h.Sequence, prev.Sequence)
		}
		if got := mustHead(t, ctx, log, "g"); got != h {
			t.Fatalf("Head after append %d = %+v, want %+v", i+1, got, h)
		}
	}
	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 3 {
		t.Fatalf("Read yielded %d transactions, want 3", len(txs))
	}
	for i, tx := range txs {
		if tx.Version != uint64(i+1) {
			t.Errorf("transaction %d has version %d", i, tx.Version)
		}
	}
}

func testStaleExpectedConflicts(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	h1 := mustAppend(t, ctx, log, newTx("g", "t1", 2), store.Head{})
	h2 := mustAppend(t, ctx, log, newTx("g", "t2", 1), h1)

	stale := []struct {
		name     string
		expected store.Head
	}{
		{"previous head", h1},
		{"empty head", store.Head{}},
		{"future sequence", store.Head{Version: h2.Version, Sequence: h2.Sequence + 100}},
		{"right version, wrong sequence", store.Head{Version: h2.Version, Sequence: h1.Sequence}},
	}
	for _, s := range stale {
		_, err := log.Append(ctx, newTx("g", "loser", 2), s.expected)
		if !errors.Is(err, store.ErrConflict) {
			t.Errorf("Append with %s %+v (head %+v): err = %v, want ErrConflict", s.name, s.expected, h2, err)
		}
	}
	// expected_version in the transaction is checked too.
	tx := newTx("g", "loser", 1)
	v := h1.Version
	tx.ExpectedVersion = &v
	if _, err := log.Append(ctx, tx, h2); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Append with expected_version %d at version %d: err = %v, want ErrConflict", v, h2.Version, err)
	}

	if got := mustHead(t, ctx, log, "g"); got != h2 {
		t.Errorf("Head after refused appends = %+v, want %+v", got, h2)
	}
	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 2 || txs[0].TransactionId != "t1" || txs[1].TransactionId != "t2" {
		t.Errorf("after refused appends the graph holds %d transactions %v, want t1 t2", len(txs), txIDs(txs))
	}
	// The right head still works.
	if h3 := mustAppend(t, ctx, log, newTx("g", "t3", 1), h2); h3.Version != 3 {
		t.Errorf("append after conflicts returned version %d, want 3", h3.Version)
	}
}

func testConcurrentAppenders(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	base := mustAppend(t, ctx, log, newTx("g", "base", 1), store.Head{})

	const writers = 16
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		winners   []string
		winHead   store.Head
		conflicts int
		others    []error
	)
	start := make(chan struct{})
	for i := range writers {
		wg.Go(func() {
			id := fmt.Sprintf("w%d", i)
			tx := newTx("g", id, 1+i%4)
			<-start
			h, err := log.Append(ctx, tx, base)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				winners = append(winners, id)
				winHead = h
			case errors.Is(err, store.ErrConflict):
				conflicts++
			default:
				others = append(others, err)
			}
		})
	}
	close(start)
	wg.Wait()

	if len(others) > 0 {
		t.Fatalf("racing appenders got errors other than ErrConflict: %v", others)
	}
	if len(winners) != 1 || conflicts != writers-1 {
		t.Fatalf("%d racing appenders with the same head: %d won (%v), %d conflicted; want exactly one winner",
			writers, len(winners), winners, conflicts)
	}
	if got := mustHead(t, ctx, log, "g"); got != winHead || got.Version != 2 {
		t.Errorf("Head after the race = %+v, want the winner's %+v at version 2", got, winHead)
	}
	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 2 || txs[1].TransactionId != winners[0] || txs[1].Version != 2 {
		t.Errorf("after the race the graph holds %v, want base then %s", txIDs(txs), winners[0])
	}
}

func testReadWholeTransactions(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	sent := []*messages.Transaction{newTx("g", "t1", 2), newTx("g", "t2", 3), newTx("g", "t3", 1)}
	var heads []store.Head
	var h store.Head
	for _, tx := range sent {
		h = mustAppend(t, ctx, log, tx, h)
		heads = append(heads, h)
	}
	// Appended copies were stamped in place; compare with fresh ones.
	fresh := []*messages.Transaction{newTx("g", "t1", 2), newTx("g", "t2", 3), newTx("g", "t3", 1)}

	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 3 {
		t.Fatalf("Read from 0 yielded %v, want t1 t2 t3", txIDs(txs))
	}
	for i, tx := range txs {
		checkCommitted(t, tx, fresh[i], uint64(i+1))
		if tx.Sequence != heads[i].Sequence {
			t.Errorf("transaction %d has sequence %d, Append returned %d", i+1, tx.Sequence, heads[i].Sequence)
		}
		if i > 0 && tx.RecordedAt.AsTime().Before(txs[i-1].RecordedAt.AsTime()) {
			t.Errorf("transaction %d recorded at %v, before transaction %d at %v", i+1, tx.RecordedAt.AsTime(), i, txs[i-1].RecordedAt.AsTime())
		}
	}

	// From a transaction boundary in the middle: the rest, whole.
	rest := readAll(t, ctx, log, "g", heads[0].Sequence)
	if len(rest) != 2 {
		t.Fatalf("Read after sequence %d yielded %v, want t2 t3", heads[0].Sequence, txIDs(rest))
	}
	checkCommitted(t, rest[0], fresh[1], 2)
	checkCommitted(t, rest[1], fresh[2], 3)

	for _, after := range []uint64{heads[2].Sequence, heads[2].Sequence + 1000} {
		if txs := readAll(t, ctx, log, "g", after); len(txs) != 0 {
			t.Errorf("Read after sequence %d (head %d) yielded %v, want nothing", after, heads[2].Sequence, txIDs(txs))
		}
	}
}

func testReadStopsEarly(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	var h store.Head
	for i := range 5 {
		h = mustAppend(t, ctx, log, newTx("g", fmt.Sprintf("t%d", i+1), 2), h)
	}
	n := 0
	for tx, err := range log.Read(ctx, "g", 0) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		if tx.Version == 2 {
			break
		}
	}
	if n != 2 {
		t.Fatalf("consumer stopped after version 2 but saw %d transactions", n)
	}
	if txs := readAll(t, ctx, log, "g", 0); len(txs) != 5 {
		t.Fatalf("Read after an early stop yielded %d transactions, want 5", len(txs))
	}
}

func testGraphsIsolated(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	// Graph IDs that are prefixes of one another must not see each
	// other's events: the filter is on whole subject tokens.
	ids := []string{"g1", "g10", "g1_0", "g"}
	heads := map[string]store.Head{}
	for round := range 3 {
		for _, id := range ids {
			heads[id] = mustAppend(t, ctx, log, newTx(id, fmt.Sprintf("%s-t%d", id, round+1), round+1), heads[id])
		}
	}
	for _, id := range ids {
		if got := mustHead(t, ctx, log, id); got != heads[id] {
			t.Errorf("Head(%s) = %+v, want %+v", id, got, heads[id])
		}
		txs := readAll(t, ctx, log, id, 0)
		if len(txs) != 3 {
			t.Errorf("Read(%s) yielded %v, want its 3 transactions", id, txIDs(txs))
			continue
		}
		for i, tx := range txs {
			if tx.GraphId != id || !strings.HasPrefix(tx.TransactionId, id+"-") || tx.Version != uint64(i+1) {
				t.Errorf("Read(%s) yielded transaction %s of graph %s at version %d", id, tx.TransactionId, tx.GraphId, tx.Version)
			}
			for _, ev := range tx.Events {
				if ev.GraphId != id {
					t.Errorf("Read(%s) yielded an event of graph %s", id, ev.GraphId)
				}
			}
		}
	}
}

var invalidGraphIDs = []string{"", "a.b", "*", ">", "a*", "a b", "g1.>", "é", strings.Repeat("a", graph.MaxGraphIDLen+1)}

func testInvalidGraphIDs(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	for _, id := range invalidGraphIDs {
		if _, err := log.Append(ctx, newTx(id, "t", 1), store.Head{}); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("Append to graph %q: err = %v, want graph.ErrInvalidID", id, err)
		}
		if _, err := log.Head(ctx, id); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("Head(%q): err = %v, want graph.ErrInvalidID", id, err)
		}
		var errs []error
		for tx, err := range log.Read(ctx, id, 0) {
			if tx != nil {
				t.Errorf("Read(%q) yielded a transaction", id)
			}
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], graph.ErrInvalidID) {
			t.Errorf("Read(%q) yielded errors %v, want one graph.ErrInvalidID", id, errs)
		}
	}
	// Nothing was stored, not even under a graph the bad ID starts with.
	for _, id := range []string{"a", "g1"} {
		if h := mustHead(t, ctx, log, id); h != (store.Head{}) {
			t.Errorf("Head(%s) after refused appends = %+v, want the zero Head", id, h)
		}
	}
	if l, ok := log.(store.GraphLister); ok {
		ids, err := l.ListGraphs(ctx, "", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 0 {
			t.Errorf("after refused appends ListGraphs = %v, want none", ids)
		}
	}
}

// TooLargeBytes is over the transaction size limit of a log opened with
// its defaults; FitsBytes is under it.
const (
	TooLargeBytes = 1_100_000
	FitsBytes     = 900_000
)

// bigTx is a one-event transaction whose property holds size bytes.
func bigTx(graphID, txID string, size int) *messages.Transaction {
	tx := newTx(graphID, txID, 1)
	props, _ := structpb.NewStruct(map[string]any{"blob": strings.Repeat("x", size)})
	tx.Events[0].GetNodeAdded().Properties = props
	return tx
}

func testTooLarge(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	_, err := log.Append(ctx, bigTx("g", "big", TooLargeBytes), store.Head{})
	if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("Append of a %d-byte transaction: err = %v, want ErrTooLarge naming the limit", TooLargeBytes, err)
	}
	if h := mustHead(t, ctx, log, "g"); h != (store.Head{}) {
		t.Fatalf("Head after a refused append = %+v, want the zero Head", h)
	}
	// Under the limit is allowed and reads back whole, as are many
	// events in one transaction: the limit is on bytes.
	h := mustAppend(t, ctx, log, bigTx("g", "fits", FitsBytes), store.Head{})
	h = mustAppend(t, ctx, log, newTx("g", "many", 5000), h)
	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 2 || len(txs[1].Events) != 5000 || txs[1].Sequence != h.Sequence {
		t.Fatalf("a %d-byte and a 5,000-event transaction read back as %v", FitsBytes, txIDs(txs))
	}
}

// A transaction ID stored already is not stored again, whatever head the
// resend states (docs/ARCHITECTURE.md, "Retries are safe forever").
func testResentID(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	h := mustAppend(t, ctx, log, newTx("g", "t1", 2), store.Head{})
	for _, expected := range []store.Head{{}, h} {
		if _, err := log.Append(ctx, newTx("g", "t1", 2), expected); !errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrConflict) {
			t.Errorf("resend of t1 expecting %+v: err = %v, want ErrDuplicate (or ErrConflict)", expected, err)
		}
	}
	if _, err := log.Append(ctx, newTx("g", "t1", 2), h); !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("resend of t1 at the head: err = %v, want ErrDuplicate", err)
	}
	// The same ID in another graph is another transaction.
	mustAppend(t, ctx, log, newTx("h", "t1", 1), store.Head{})
	if txs := readAll(t, ctx, log, "g", 0); len(txs) != 1 {
		t.Errorf("after resends graph g holds %v, want t1 once", txIDs(txs))
	}
}

// Several transactions in one message (group commit) take consecutive
// versions, share the message's sequence, read back as they were, and
// land together or not at all.
func testGroupCommit(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	h1 := mustAppend(t, ctx, log, newTx("g", "t1", 1), store.Head{})
	group := []*messages.Transaction{newTx("g", "t2", 2), newTx("g", "t3", 1), newTx("g", "t4", 3)}
	v3 := uint64(3)
	group[2].ExpectedVersion = &v3 // the version after t3
	h, err := log.AppendGroup(ctx, group, h1)
	if err != nil {
		t.Fatalf("AppendGroup: %v", err)
	}
	if h.Version != 4 || h.Sequence <= h1.Sequence {
		t.Fatalf("AppendGroup returned %+v after %+v, want version 4 at a new sequence", h, h1)
	}
	if got := mustHead(t, ctx, log, "g"); got != h {
		t.Errorf("Head after the group = %+v, want %+v", got, h)
	}
	txs := readAll(t, ctx, log, "g", 0)
	if len(txs) != 4 {
		t.Fatalf("read %v, want t1 t2 t3 t4", txIDs(txs))
	}
	fresh := []*messages.Transaction{newTx("g", "t2", 2), newTx("g", "t3", 1), newTx("g", "t4", 3)}
	for i, tx := range txs[1:] {
		checkCommitted(t, tx, fresh[i], uint64(i+2))
		if tx.Sequence != h.Sequence || group[i].Version != uint64(i+2) || group[i].Sequence != h.Sequence {
			t.Errorf("group transaction %d: read at sequence %d, stamped version %d sequence %d; want all at %d",
				i, tx.Sequence, group[i].Version, group[i].Sequence, h.Sequence)
		}
	}
	// Reading after the sequence before the group yields the group whole.
	if rest := readAll(t, ctx, log, "g", h1.Sequence); len(rest) != 3 {
		t.Errorf("read after %d: %v, want the group", h1.Sequence, txIDs(rest))
	}

	refused := []struct {
		name     string
		group    []*messages.Transaction
		expected store.Head
		want     error
	}{
		{"stale head", []*messages.Transaction{newTx("g", "x1", 1), newTx("g", "x2", 1)}, h1, store.ErrConflict},
		{"wrong expected_version inside", func() []*messages.Transaction {
			g := []*messages.Transaction{newTx("g", "y1", 1), newTx("g", "y2", 1)}
			v := h.Version // y2 comes after y1, at version 5
			g[1].ExpectedVersion = &v
			return g
		}(), h, store.ErrConflict},
		{"an ID twice", []*messages.Transaction{newTx("g", "z", 1), newTx("g", "z", 1)}, h, store.ErrDuplicate},
		{"two graphs", []*messages.Transaction{newTx("g", "w1", 1), newTx("h", "w2", 1)}, h, graph.ErrInvalidTransaction},
		{"empty", nil, h, graph.ErrInvalidTransaction},
	}
	for _, r := range refused {
		if _, err := log.AppendGroup(ctx, r.group, r.expected); !errors.Is(err, r.want) {
			t.Errorf("AppendGroup of %s: err = %v, want %v", r.name, err, r.want)
		}
	}
	if got := mustHead(t, ctx, log, "g"); got != h {
		t.Errorf("Head after refused groups = %+v, want %+v", got, h)
	}
	if n := len(readAll(t, ctx, log, "g", 0)); n != 4 {
		t.Errorf("after refused groups the graph holds %d transactions, want 4", n)
	}
}

func testMalformedTransactions(t *testing.T, log store.EventLog) {
	ctx := testContext(t)
	noPayload := newTx("g", "t", 2)
	noPayload.Events[1].Payload = nil
	nilEvent := newTx("g", "t", 2)
	nilEvent.Events[0] = nil
	otherGraph := newTx("g", "t", 2)
	otherGraph.Events[1].GraphId = "h"

	cases := []struct {
		name string
		tx   *messages.Transaction
	}{
		{"nil transaction", nil},
		{"no events", newTx("g", "t", 0)},
		{"event without payload", noPayload},
		{"nil event", nilEvent},
		{"event of another graph", otherGraph},
	}
	for _, c := range cases {
		if _, err := log.Append(ctx, c.tx, store.Head{}); !errors.Is(err, graph.ErrInvalidTransaction) {
			t.Errorf("Append of %s: err = %v, want graph.ErrInvalidTransaction", c.name, err)
		}
	}
	if h := mustHead(t, ctx, log, "g"); h != (store.Head{}) {
		t.Errorf("Head after refused appends = %+v, want the zero Head", h)
	}
}

// ListingLog is a log that can also list its graphs.
type ListingLog interface {
	store.EventLog
	store.GraphLister
}

// TestGraphLister checks that the logs open returns list their graphs as
// store.GraphLister promises.
func TestGraphLister(t *testing.T, open func(t *testing.T) ListingLog) {
	t.Run("Empty", func(t *testing.T) {
		ctx := testContext(t)
		ids, err := open(t).ListGraphs(ctx, "", "", 10)
		if err != nil || len(ids) != 0 {
			t.Fatalf("ListGraphs of an empty log = %v, %v; want none", ids, err)
		}
	})
	t.Run("Paginated", func(t *testing.T) {
		ctx := testContext(t)
		log := open(t)
		all := []string{"c", "a10", "b", "a", "A", "a-1"}
		for _, id := range all {
			h := mustAppend(t, ctx, log, newTx(id, id+"-1", 2), store.Head{})
			// A second transaction makes two subjects per graph.
			tx := newTx(id, id+"-2", 1)
			tx.Events[0].Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id + "-1-0"}}
			mustAppend(t, ctx, log, tx, h)
		}
		sorted := slices.Clone(all)
		slices.Sort(sorted)

		got, err := log.ListGraphs(ctx, "", "", 0)
		if err != nil || !slices.Equal(got, sorted) {
			t.Fatalf("ListGraphs(\"\", 0) = %v, %v; want %v", got, err, sorted)
		}
		var paged []string
		after := ""
		for range len(all) + 1 {
			page, err := log.ListGraphs(ctx, "", after, 4)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 4 {
				t.Fatalf("ListGraphs(%q, 4) returned %d IDs", after, len(page))
			}
			if len(page) == 0 {
				break
			}
			paged = append(paged, page...)
			after = page[len(page)-1]
		}
		if !slices.Equal(paged, sorted) {
			t.Errorf("paging by 4 listed %v, want %v", paged, sorted)
		}
		if page, err := log.ListGraphs(ctx, "", "b", 1); err != nil || !slices.Equal(page, []string{"c"}) {
			t.Errorf("ListGraphs(\"b\", 1) = %v, %v; want [c]", page, err)
		}
		for _, tc := range []struct {
			prefix, after string
			limit         int
			want          []string
		}{
			{"a", "", 0, []string{"a", "a-1", "a10"}},
			{"a", "", 2, []string{"a", "a-1"}},
			{"a", "a-1", 0, []string{"a10"}},
			{"a1", "", 0, []string{"a10"}},
			{"a", "a10", 0, nil},
			{"A", "", 0, []string{"A"}},
			{"zz", "", 0, nil},
			{"b", "a", 0, []string{"b"}},
		} {
			got, err := log.ListGraphs(ctx, tc.prefix, tc.after, tc.limit)
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("ListGraphs(prefix %q, after %q, %d) = %v, %v; want %v", tc.prefix, tc.after, tc.limit, got, err, tc.want)
			}
		}
	})
}

func txIDs(txs []*messages.Transaction) []string {
	ids := make([]string, len(txs))
	for i, tx := range txs {
		ids[i] = tx.GetTransactionId()
	}
	return ids
}
