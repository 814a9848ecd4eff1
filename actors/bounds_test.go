package actors_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// Reads of graphs that have no events answer not found and keep no grain:
// a flood of them leaves the member with only the graphs that exist.
func TestReadsOfMissingGraphsKeepNoGrain(t *testing.T) {
	log, _ := openLog(t)
	m := metrics.New(prometheus.NewRegistry())
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: m, IdleTimeout: time.Hour})
	cl := member.Client()
	ctx := testContext(t)
	mustSubmit(t, cl, txOf("real", addNode("a")))

	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				_, err := cl.Query(ctx, fmt.Sprintf("missing-%d-%d", w, i), getGraph)
				if !errors.Is(err, graph.ErrNotFound) {
					t.Errorf("query of a missing graph: %v, want not found", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	eventually(t, 5*time.Second, "only the real graph's grain to stay active", func() bool {
		return metricValue(t, m.ActiveGraphs) == 1
	})

	// A graph read before its first transaction is written to at once.
	for i := range 20 {
		id := fmt.Sprintf("new-%d", i)
		if _, err := cl.Query(ctx, id, getGraph); !errors.Is(err, graph.ErrNotFound) {
			t.Fatalf("query of %s before its first write: %v", id, err)
		}
		if r := mustSubmit(t, cl, txOf(id, addNode("a"))); r.GetVersion() != 1 {
			t.Fatalf("first write of %s: version %d", id, r.GetVersion())
		}
		if s := state(t, cl, id); len(s.GetNodes()) != 1 {
			t.Fatalf("%s after its first write: %d nodes", id, len(s.GetNodes()))
		}
	}
}

// slowLog reads each transaction after a pause, or stops for good after
// stallAfter of them (if set).
type slowLog struct {
	*natsjs.Log
	pause      time.Duration
	stallAfter int
}

func (l *slowLog) Read(ctx context.Context, graphID string, after uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		n := 0
		for tx, err := range l.Log.Read(ctx, graphID, after) {
			if err == nil {
				n++
				wait := l.pause
				if l.stallAfter > 0 && n > l.stallAfter {
					wait = time.Hour
				}
				select {
				case <-time.After(wait):
				case <-ctx.Done():
					yield(nil, fmt.Errorf("slow log: %w", ctx.Err()))
					return
				}
			}
			if !yield(tx, err) {
				return
			}
		}
	}
}

// An activation's budget follows its progress: a log read slower in all
// than the I/O timeout, but never idle that long, activates; one that
// stops reading fails as unavailable after the timeout.
func TestActivationBudgetFollowsProgress(t *testing.T) {
	log, _ := openLog(t)
	const id = "long"
	for i := range 8 {
		appendDirect(t, log, id, addNode(fmt.Sprintf("n%d", i)))
	}
	const timeout = 400 * time.Millisecond

	slow := startMember(t, actors.GrainConfig{Log: &slowLog{Log: log, pause: timeout / 4}, IOTimeout: timeout})
	start := time.Now()
	s := state(t, slow.Client(), id)
	if len(s.GetNodes()) != 8 {
		t.Fatalf("activated with %d nodes, want 8", len(s.GetNodes()))
	}
	if took := time.Since(start); took < timeout {
		t.Fatalf("the activation took %s, less than the I/O timeout: the test shows nothing", took)
	}

	// One member at a time: protoactor's remote sets gRPC's global logger
	// as it starts, unsynchronised with a running member's gRPC server.
	shutdown(t, slow)
	stalled := startMember(t, actors.GrainConfig{Log: &slowLog{Log: log, stallAfter: 3}, IOTimeout: timeout})
	_, err := stalled.Client().Query(testContext(t), id, getGraph)
	if !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("query of a graph whose log stalls: %v, want unavailable", err)
	}
}

// racingLog loses every append to another writer.
type racingLog struct{ *natsjs.Log }

func (l *racingLog) Append(ctx context.Context, tx *messages.Transaction, expected store.Head) (store.Head, error) {
	return store.Head{}, fmt.Errorf("racing: %w", store.ErrConflict)
}

// A submit without expected_version that keeps losing the race for the
// log is told to retry (503), not that its version is stale (409): it
// stated none.
func TestLostRacesWithoutExpectedVersionAreUnavailable(t *testing.T) {
	log, _ := openLog(t)
	member := startMember(t, actors.GrainConfig{Log: &racingLog{Log: log}})
	_, err := member.Client().Submit(testContext(t), txOf("raced", addNode("a")))
	if !errors.Is(err, store.ErrUnavailable) || errors.Is(err, store.ErrConflict) {
		t.Fatalf("submit that always lost the race: %v; want unavailable, not conflict", err)
	}
	_, err = member.Client().Submit(testContext(t), withExpected(txOf("raced", addNode("a")), 0))
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("submit with expected_version that lost the race: %v; want conflict", err)
	}
}
