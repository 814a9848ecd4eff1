package actors_test

import (
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store/memory"
)

// steppedClock returns the times it is given, one per reading, then the
// last one again.
func steppedClock(times ...time.Time) func() time.Time {
	var mu sync.Mutex
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := times[0]
		if len(times) > 1 {
			times = times[1:]
		}
		return t
	}
}

// Recorded times can go backwards (a stream's leader moved to a server
// whose clock is behind). As of a time T, a graph is the longest prefix of
// its history recorded at or before T, so answers never go back as T
// grows, and a snapshot is placed at the latest recorded time it holds,
// not its last transaction's, so that it is never used for a T before a
// transaction it holds.
func TestAsOfTimeWithRecordedTimesGoingBackwards(t *testing.T) {
	base := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(minutes int) time.Time { return base.Add(time.Duration(minutes) * time.Minute) }
	// Versions 1 to 4 are recorded at minutes 10, 20, 15 and 25.
	log := memory.New(steppedClock(at(10), at(20), at(15), at(25)))
	snaps := memory.NewSnapshots()
	member := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps})
	cl := member.Client()
	const id = "skewed"
	for _, n := range []string{"a", "b", "c"} {
		mustSubmit(t, cl, txOf(id, addNode(n)))
	}
	ref, err := cl.Snapshot(testContext(t), id)
	if err != nil {
		t.Fatal(err)
	}
	if got := ref.GetRecordedAt().AsTime(); ref.GetVersion() != 3 || !got.Equal(at(20)) {
		t.Fatalf("snapshot at version %d placed at %s, want version 3 at %s, the latest time it holds", ref.GetVersion(), got, at(20))
	}
	mustSubmit(t, cl, txOf(id, addNode("d")))

	h := &replay.History{Log: log, Snapshots: snaps}
	want := map[int]uint64{10: 1, 12: 1, 15: 1, 17: 1, 19: 1, 20: 3, 22: 3, 25: 4, 30: 4}
	var last uint64
	for minute := 10; minute <= 30; minute++ {
		g, err := h.At(testContext(t), id, replay.Point{Time: at(minute)})
		if err != nil {
			t.Fatalf("as of minute %d: %v", minute, err)
		}
		if g.Version() < last {
			t.Fatalf("as of minute %d: version %d, after version %d as of an earlier time", minute, g.Version(), last)
		}
		last = g.Version()
		if v, ok := want[minute]; ok && g.Version() != v {
			t.Errorf("as of minute %d: version %d, want %d", minute, g.Version(), v)
		}
	}
}
