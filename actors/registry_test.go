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
	member := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Metrics: m, MaxActive: 3})
	cl := member.Client()
	active := func(want float64) {
		t.Helper()
		eventually(t, 10*time.Second, fmt.Sprintf("%v graphs active", want), func() bool { return metricValue(t, m.ActiveGraphs) == want })
	}
	for i := range 3 {
		mustSubmit(t, cl, txOf(fmt.Sprintf("g%d", i), addNode("n")))
	}
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
	for _, evicted := range []string{"g1", "g2"} {
		list, err := snaps.List(testContext(t), evicted)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) == 0 {
			t.Errorf("%s was evicted without a snapshot", evicted)
		}
	}
	if s := state(t, cl, "g1"); s.GetVersion() != 1 || len(s.GetNodes()) != 1 {
		t.Fatalf("g1 after its eviction: %v", s)
	}
	if got := metricValue(t, m.Activations); got != activations+1 {
		t.Fatalf("%v activations after reading evicted g1, want %v", got, activations+1)
	}
	active(3)
}
