package natsjs_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func TestFollow(t *testing.T) {
	log := openLog(t)
	ctx := testContext(t)
	head := store.Head{}
	appendTx := func(graphID, txID string, n int) {
		t.Helper()
		h, err := log.Head(ctx, graphID)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(ctx, txOf(graphID, txID, n), h); err != nil {
			t.Fatal(err)
		}
	}
	appendTx("f", "t1", 3)
	appendTx("other", "o1", 2)
	appendTx("f", "t2", 1)
	var err error
	if head, err = log.Head(ctx, "f"); err != nil {
		t.Fatal(err)
	}

	fctx, cancel := context.WithCancel(ctx)
	got := make(chan *messages.Transaction, 10)
	done := make(chan error, 1)
	go func() {
		defer close(got)
		for tx, err := range log.Follow(fctx, "f", 0) {
			if err != nil {
				done <- err
				return
			}
			got <- tx
		}
		done <- nil
	}()
	next := func() *messages.Transaction {
		t.Helper()
		select {
		case tx := <-got:
			return tx
		case <-time.After(10 * time.Second):
			t.Fatal("no transaction followed within 10s")
			return nil
		}
	}
	for want := uint64(1); want <= 2; want++ {
		if tx := next(); tx.GetVersion() != want || tx.GetGraphId() != "f" {
			t.Fatalf("followed %s version %d, want f version %d", tx.GetGraphId(), tx.GetVersion(), want)
		}
	}
	// What is committed later arrives too, whole.
	appendTx("other", "o2", 1)
	appendTx("f", "t3", 4)
	tx := next()
	if tx.GetVersion() != 3 || tx.GetTransactionId() != "t3" || len(tx.GetEvents()) != 4 || tx.GetSequence() <= head.Sequence {
		t.Fatalf("followed %v, want the whole version 3 (t3, 4 events) after sequence %d", tx, head.Sequence)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("follow ended with %v after its context was cancelled, want no error", err)
	}

	// From a sequence: only what comes after it.
	fctx, cancel = context.WithCancel(ctx)
	defer cancel()
	for tx, err := range log.Follow(fctx, "f", head.Sequence) {
		if err != nil {
			t.Fatal(err)
		}
		if tx.GetVersion() != 3 {
			t.Fatalf("follow after sequence %d began at version %d, want 3", head.Sequence, tx.GetVersion())
		}
		break
	}
	for _, err := range log.Follow(ctx, "bad.id", 0) {
		if err == nil {
			t.Fatal("follow of an invalid graph ID yielded no error")
		}
		break
	}
}

// A follow whose consumer is lost on the server (as when the NATS server
// that held it dies) goes on with the next transaction.
func TestFollowSurvivesLosingItsConsumer(t *testing.T) {
	log, js := openLogJS(t)
	ctx := testContext(t)
	appendTx := func(txID string) {
		t.Helper()
		h, err := log.Head(ctx, "lost")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := log.Append(ctx, txOf("lost", txID, 1), h); err != nil {
			t.Fatal(err)
		}
	}
	appendTx("t1")
	got := make(chan *messages.Transaction, 10)
	go func() {
		for tx, err := range log.Follow(ctx, "lost", 0) {
			if err != nil {
				return
			}
			got <- tx
		}
	}()
	next := func(within time.Duration) *messages.Transaction {
		t.Helper()
		select {
		case tx := <-got:
			return tx
		case <-time.After(within):
			t.Fatalf("no transaction followed within %s", within)
			return nil
		}
	}
	if tx := next(10 * time.Second); tx.GetVersion() != 1 {
		t.Fatalf("followed version %d, want 1", tx.GetVersion())
	}
	st, err := js.Stream(ctx, defaultStream)
	if err != nil {
		t.Fatal(err)
	}
	deleted := 0
	for name := range st.ConsumerNames(ctx).Name() {
		if err := st.DeleteConsumer(ctx, name); err != nil {
			t.Fatal(err)
		}
		deleted++
	}
	if deleted == 0 {
		t.Fatal("the follow has no consumer on the stream")
	}
	start := time.Now()
	appendTx("t2")
	if tx := next(60 * time.Second); tx.GetVersion() != 2 {
		t.Fatalf("followed version %d, want 2", tx.GetVersion())
	}
	t.Logf("followed the next transaction %s after its consumer was deleted", time.Since(start).Round(time.Millisecond))
}

// Follow yields a message it cannot decode as a *store.CorruptError with
// its sequence and goes on; a message of several transactions (a group
// commit) it yields as those transactions, with the message's sequence.
func TestFollowSkipsCorruptAndSplitsGroupCommits(t *testing.T) {
	log, js := openLogJS(t)
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	h1, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	bad := publishRaw(t, js, []byte{0xff, 0xff})
	group := publishRaw(t, js, entry(t, stampedTx(t, "g", "t2", 2, 1), stampedTx(t, "g", "t3", 3, 4)))

	type result struct {
		version, seq uint64
		corrupt      bool
	}
	want := []result{{1, h1.Sequence, false}, {0, bad, true}, {2, group, false}, {3, group, false}}
	var got []result
	for tx, err := range log.Follow(ctx, "g", 0) {
		var ce *store.CorruptError
		switch {
		case errors.As(err, &ce):
			got = append(got, result{0, ce.Sequence, true})
		case err != nil:
			t.Fatalf("Follow: %v, want only corrupt errors", err)
		default:
			got = append(got, result{tx.Version, tx.Sequence, false})
		}
		if len(got) == len(want) {
			break
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Follow yielded %+v, want %+v", got, want)
	}
}

// The server drops a follower's consumer a few seconds after its client
// stopped, not minutes (each one costs goroutines on the server), while a
// follower that waits for news keeps its consumer however long it waits.
func TestFollowConsumersLastAsLongAsTheirFollower(t *testing.T) {
	log, js := openLogJS(t)
	ctx := testContext(t)
	consumers := func() int {
		t.Helper()
		s, err := js.Stream(ctx, natsjs.StreamName("EVENTS", 0)) // the log opened with one partition
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Consumers
	}
	if _, err := log.Append(ctx, txOf("idle", "t1", 1), store.Head{}); err != nil {
		t.Fatal(err)
	}
	base := consumers()

	// Followers that come and go.
	for range 5 {
		fctx, cancel := context.WithCancel(ctx)
		for tx, err := range log.Follow(fctx, "idle", 0) {
			if err != nil || tx.GetVersion() == 1 {
				break
			}
		}
		cancel()
	}
	deadline := time.Now().Add(15 * time.Second)
	for consumers() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d consumers 15s after their followers stopped, want %d", consumers(), base)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A follower that waits longer than that still gets what comes.
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	got := make(chan uint64, 4)
	go func() {
		for tx, err := range log.Follow(fctx, "idle", 0) {
			if err != nil {
				return
			}
			got <- tx.GetVersion()
		}
	}()
	if v := <-got; v != 1 {
		t.Fatalf("followed version %d, want 1", v)
	}
	time.Sleep(8 * time.Second)
	h, err := log.Head(ctx, "idle")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := log.Append(ctx, txOf("idle", "t2", 1), h); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-got:
		if v != 2 {
			t.Fatalf("followed version %d, want 2", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a follower idle for 8s missed the next transaction")
	}
}
