package actors

import (
	"sync"
	"testing"
	"time"
)

// A mailbox blocked on the log must not hold up the others: every run
// scheduled while others block gets a goroutine of its own, and each runs
// exactly once.
func TestWarmDispatcherRunsEveryMailboxDespiteBlockedOnes(t *testing.T) {
	d := newWarmDispatcher(300)
	release := make(chan struct{})
	var blocked, ran sync.WaitGroup
	const n = 50
	counts := make([]int, n)
	var mu sync.Mutex
	blocked.Add(n)
	ran.Add(n)
	for i := range n {
		d.Schedule(func() {
			mu.Lock()
			counts[i]++
			mu.Unlock()
			blocked.Done()
			<-release
			ran.Done()
		})
	}
	waitOrFail(t, &blocked, "every mailbox to start while the others block")
	close(release)
	waitOrFail(t, &ran, "every mailbox to finish")

	// The goroutines are idle now: later runs reuse them, and still run
	// once each.
	ran.Add(n)
	for i := range n {
		d.Schedule(func() {
			mu.Lock()
			counts[i]++
			mu.Unlock()
			ran.Done()
		})
	}
	waitOrFail(t, &ran, "the second runs")
	for i, c := range counts {
		if c != 2 {
			t.Fatalf("run %d ran %d times, want 2", i, c)
		}
	}
}

func waitOrFail(t *testing.T, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
