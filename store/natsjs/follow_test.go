package natsjs_test

import (
	"context"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
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
