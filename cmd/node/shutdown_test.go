package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/natstest"
)

// SIGTERM with live streams open: each stream is told to end, the member
// passivates its grains (each snapshots what changed), leaves the cluster
// (the other member sees it go at once, long before its entry would
// expire) and exits 0 within a few seconds.
func TestSIGTERMWithOpenStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	srv, _, _ := natstest.Start(t)
	const ttl = "30s" // an entry left behind would linger this long
	a := startMember(t, "a", srv.ClientURL(), "--member-ttl", ttl)
	b := startMember(t, "b", srv.ClientURL(), "--member-ttl", ttl)
	waitMembers(t, 15*time.Second, a, b)

	// Graphs hosted on a, changed since their last snapshot.
	ca := newClient(t, a.Base)
	var hosted []string
	for i := 0; len(hosted) < 3 && i < 200; i++ {
		g := fmt.Sprintf("term-%d", i)
		if placement(t, a, g) == a.address {
			hosted = append(hosted, g)
		}
	}
	if len(hosted) < 3 {
		t.Fatalf("member a hosts %d of 200 graphs", len(hosted))
	}
	versions := map[string]uint64{}
	for _, g := range hosted {
		for i := range 3 {
			versions[g] = ca.mustSubmit(g, events(addNode(fmt.Sprintf("n%d", i)))).Version
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var streams []<-chan sseMessage
	for _, g := range hosted {
		streams = append(streams, readSSE(t, ctx, a.Base+"/v1/graphs/"+g+"/events/stream", nil))
	}

	start := time.Now()
	if err := a.Terminate(10 * time.Second); err != nil {
		t.Fatalf("after SIGTERM with %d open streams: %v; want exit status 0 within 10s", len(streams), err)
	}
	t.Logf("member a exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	for i, s := range streams {
		var got []string
		for m := range s {
			got = append(got, m.event)
		}
		if len(got) == 0 || got[len(got)-1] != "end" {
			t.Errorf("stream %d got %v, want it to end with an end message", i, got)
		}
	}
	eventually(t, 3*time.Second, "member b to see member a gone, well within its 30s TTL", func() bool {
		seen := b.members(t)
		return len(seen) == 1 && seen[b.address]
	})

	cb := newClient(t, b.Base)
	for _, g := range hosted {
		var list api.Snapshots
		if st, e, err := cb.do("GET", "/v1/graphs/"+g+"/snapshots", nil, &list); err != nil || st != 200 ||
			len(list.Snapshots) == 0 || list.Snapshots[len(list.Snapshots)-1].Version != versions[g] {
			t.Errorf("snapshots of %s after member a's shutdown: %d %+v %v %+v; want the newest at version %d", g, st, e, err, list, versions[g])
		}
	}
}
