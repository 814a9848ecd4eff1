package actors_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/metrics"
)

// A member at its limit of active graphs passivates the least recently
// used grain, with a snapshot, for each graph that activates; a graph in
// use stays, and an evicted one answers with its state when asked again.
func TestMaxActiveGraphsEvictsLeastRecentlyUsed(t *testing.T) {
	log, snaps := openSnapshots(t)
	m := metrics.New(nil)
	// g2 gets enough events to snapshot as it leaves, g1 does not.
	member := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Metrics: m, MaxActive: 3,
		Snapshot: actors.SnapshotPolicy{PassivationEvents: 2}})
	cl := member.Client()
	active := func(want float64) {
		t.Helper()
		eventually(t, 10*time.Second, fmt.Sprintf("%v graphs active", want), func() bool { return metricValue(t, m.ActiveGraphs) == want })
	}
	for i := range 2 {
		mustSubmit(t, cl, txOf(fmt.Sprintf("g%d", i), addNode("n")))
	}
	mustSubmit(t, cl, txOf("g2", addNode("n"), addNode("m")))
	state(t, cl, "g0") // g0 becomes the most recently used, g1 the least
	mustSubmit(t, cl, txOf("g3", addNode("n")))
	active(3)
	if got := metricValue(t, m.Evictions); got != 1 {
		t.Fatalf("%v evictions after the fourth graph, want 1", got)
	}
	state(t, cl, "g0")
	mustSubmit(t, cl, txOf("g4", addNode("n"), addNode("m")))
	active(3)
	if got := metricValue(t, m.Evictions); got != 2 {
		t.Fatalf("%v evictions after the fifth graph, want 2", got)
	}
	activations := metricValue(t, m.Activations)
	if s := state(t, cl, "g0"); s.GetVersion() != 1 {
		t.Fatalf("g0 at version %d, want 1", s.GetVersion())
	}
	if got := metricValue(t, m.Activations); got != activations {
		t.Fatalf("reading g0, the graph in use, activated it again (%v activations, were %v): it was evicted", got, activations)
	}
	for evicted, want := range map[string]int{"g1": 0, "g2": 1} {
		list, err := snaps.List(testContext(t), evicted)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != want {
			t.Errorf("%s was evicted with %d snapshots, want %d (--snapshot-passivation-events 2)", evicted, len(list), want)
		}
	}
	if s := state(t, cl, "g2"); s.GetVersion() != 1 || len(s.GetNodes()) != 2 {
		t.Fatalf("g2 after its eviction: %v", s)
	}
	if s := state(t, cl, "g1"); s.GetVersion() != 1 || len(s.GetNodes()) != 1 {
		t.Fatalf("g1 after its eviction: %v", s)
	}
	if got := metricValue(t, m.Activations); got != activations+2 {
		t.Fatalf("%v activations after reading evicted g1 and g2, want %v", got, activations+2)
	}
	active(3)
}
