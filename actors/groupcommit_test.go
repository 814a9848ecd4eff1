package actors_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// gatedLog holds the graph's appends until the test opens the gate, so
// that submits pile up in the grain's mailbox behind one append: the next
// flush then finds them all, whatever the scheduler does.
type gatedLog struct {
	*natsjs.Log
	gate    chan struct{}
	entered chan struct{}
	mu      sync.Mutex
	groups  []int // transactions per append, in order
}

func (l *gatedLog) wait(n int) {
	l.mu.Lock()
	l.groups = append(l.groups, n)
	l.mu.Unlock()
	select {
	case l.entered <- struct{}{}:
	default:
	}
	<-l.gate
}

func (l *gatedLog) Append(ctx context.Context, tx *messages.Transaction, h store.Head) (store.Head, error) {
	l.wait(1)
	return l.Log.Append(ctx, tx, h)
}

func (l *gatedLog) AppendGroup(ctx context.Context, txs []*messages.Transaction, h store.Head) (store.Head, error) {
	l.wait(len(txs))
	return l.Log.AppendGroup(ctx, txs, h)
}

// Submits that queue behind an append go to the log together, in one
// message, and each is answered as if it had been submitted alone: resends
// with their first answer, an ID reused for other events with 409, a
// transaction the rules refuse with 422, a stale expected_version with a
// conflict. Every accepted one is in the log once, at consecutive
// versions.
func TestGroupCommit(t *testing.T) {
	real, _ := openLog(t)
	log := &gatedLog{Log: real, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: metrics.New(nil)})
	cl := member.Client()
	ctx := testContext(t)
	const id = "hot"
	withID := func(txID string, evs ...*messages.Event) *messages.Transaction {
		tx := txOf(id, evs...)
		tx.TransactionId = txID
		return tx
	}

	// The first submit holds the gate; the rest queue behind it, in order.
	type result struct {
		reply *messages.SubmitReply
		err   error
	}
	submitAsync := func(tx *messages.Transaction) <-chan result {
		ch := make(chan result, 1)
		go func() {
			r, err := cl.Submit(ctx, tx)
			ch <- result{r, err}
		}()
		return ch
	}
	first := submitAsync(withID("a", addNode("a")))
	<-log.entered
	queued := []*messages.Transaction{
		withID("b", addNode("b"), addEdge("ab", "a", "b")), // needs a, committed before it
		withID("c", addNode("c")),
		withID("d", addEdge("bc", "b", "c")), // needs b and c, in this group
		withID("bad", addEdge("x", "a", "missing")),
		withID("b", addNode("b"), addEdge("ab", "a", "b")), // a resend of b
		withExpected(withID("stale", addNode("s")), 1),
		withID("c", addNode("other")), // c reused for other events
		withID("e", addNode("e")),
	}
	var results []<-chan result
	for _, tx := range queued {
		results = append(results, submitAsync(tx))
		time.Sleep(20 * time.Millisecond) // keep their order in the mailbox
	}
	close(log.gate)

	if r := <-first; r.err != nil || r.reply.GetVersion() != 1 {
		t.Fatalf("first submit: %v %v", r.reply, r.err)
	}
	got := make([]result, len(results))
	for i, ch := range results {
		got[i] = <-ch
	}
	ok := func(i int, version uint64) {
		t.Helper()
		if got[i].err != nil || got[i].reply.GetVersion() != version {
			t.Errorf("queued submit %d (%s): %v %v, want version %d", i, queued[i].GetTransactionId(), got[i].reply, got[i].err, version)
		}
	}
	ok(0, 2)
	ok(1, 3)
	ok(2, 4)
	if !errors.Is(got[3].err, graph.ErrRejected) {
		t.Errorf("a transaction the rules refuse: %v, want ErrRejected", got[3].err)
	}
	ok(4, 2) // the resend of b: b's first answer
	if got[4].reply.GetSequence() != got[0].reply.GetSequence() {
		t.Errorf("resend of b answered sequence %d, first answer %d", got[4].reply.GetSequence(), got[0].reply.GetSequence())
	}
	if !errors.Is(got[5].err, store.ErrConflict) {
		t.Errorf("stale expected_version: %v, want a conflict", got[5].err)
	}
	if !errors.Is(got[6].err, store.ErrDuplicateTransactionID) {
		t.Errorf("c reused for other events: %v, want ErrDuplicateTransactionID", got[6].err)
	}
	ok(7, 5)

	// b, c and d went in one message: the log holds them at one sequence.
	txs, _ := readLog(t, real, id)
	checkVersions(t, txs)
	var ids []string
	bySeq := map[uint64]int{}
	for _, tx := range txs {
		ids = append(ids, tx.GetTransactionId())
		bySeq[tx.GetSequence()]++
	}
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(ids, want) {
		t.Fatalf("log holds %v, want %v", ids, want)
	}
	if bySeq[txs[1].GetSequence()] < 3 || txs[1].GetSequence() != txs[3].GetSequence() {
		t.Errorf("b, c and d are at sequences %d, %d, %d: not one group", txs[1].GetSequence(), txs[2].GetSequence(), txs[3].GetSequence())
	}
	log.mu.Lock()
	groups := slices.Clone(log.groups)
	log.mu.Unlock()
	if len(groups) < 2 || groups[1] < 3 {
		t.Errorf("appends of %v transactions, want the queued ones grouped after the first", groups)
	}
	want, _ := foldLog(t, real, id)
	sameState(t, "grain state and fold of the log", state(t, cl, id), want.State())
	if s := state(t, cl, id); !slices.Equal(nodeIDs(s), []string{"a", "b", "c", "e"}) || !slices.Equal(edgeIDs(s), []string{"ab", "bc"}) {
		t.Errorf("state: nodes %v edges %v", nodeIDs(s), edgeIDs(s))
	}
}

// Many writers on one graph: every acknowledged transaction is in the log
// exactly once, at consecutive versions, and the grain equals its log.
func TestGroupCommitUnderLoad(t *testing.T) {
	log, _ := openLog(t)
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: metrics.New(nil)})
	cl := member.Client()
	ctx := testContext(t)
	const id, writers, each = "busy", 16, 40
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		acked = map[string]uint64{}
	)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				tx := txOf(id, addNode(fmt.Sprintf("w%d-%d", w, i)))
				tx.TransactionId = fmt.Sprintf("w%d-%d", w, i)
				r, err := cl.Submit(ctx, tx)
				if err != nil {
					t.Errorf("submit %s: %v", tx.TransactionId, err)
					return
				}
				mu.Lock()
				acked[tx.TransactionId] = r.GetVersion()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	txs, _ := readLog(t, log, id)
	checkVersions(t, txs)
	if len(txs) != writers*each {
		t.Fatalf("log holds %d transactions, want %d", len(txs), writers*each)
	}
	messages := map[uint64]bool{}
	for _, tx := range txs {
		if v, ok := acked[tx.GetTransactionId()]; !ok || v != tx.GetVersion() {
			t.Fatalf("%s at version %d in the log, acknowledged as %d (%v)", tx.GetTransactionId(), tx.GetVersion(), v, ok)
		}
		messages[tx.GetSequence()] = true
	}
	t.Logf("%d transactions in %d messages", len(txs), len(messages))
	want, _ := foldLog(t, log, id)
	sameState(t, "grain state and fold of the log", state(t, cl, id), want.State())
}
