// Several members in one process race inside protoactor itself: its
// gossip swaps the remote's block list while UpdateClusterTopology reads
// it, and its remote's shutdown is unsynchronised (pointer swaps of
// immutable sets, harmless, but the race detector stops the test). These
// tests run without -race (.ci/run's second pass); the multi-member tests
// in cmd/node run members as processes.

//go:build !race

package cluster_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// flakyMembership is a real membership whose refreshes fail while the
// store is down (every member's, as during a leader election of the
// bucket) or while its own member is silent (that member alone).
type flakyMembership struct {
	*natsjs.Membership
	down   *atomic.Bool
	silent atomic.Bool
}

func (m *flakyMembership) Refresh(ctx context.Context, id string, value []byte) error {
	if m.down.Load() || m.silent.Load() {
		return fmt.Errorf("refresh member %s: %w (no leader)", id, store.ErrUnavailable)
	}
	return m.Membership.Refresh(ctx, id, value)
}

// Members are judged by each other's refreshes, and only by a member
// whose own refreshes work: an outage of the store longer than the TTL
// (a NATS leader election after a crash takes 4 to 9 s) drops nobody,
// while a member that alone stops refreshing is dropped within about a
// TTL and learns it when it refreshes again.
func TestMembershipSurvivesAStoreOutage(t *testing.T) {
	_, _, js := natstest.Start(t)
	ctx := testContext(t)
	const ttl = time.Second
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	var members []*cluster.Member
	var stores []*flakyMembership
	var lost []chan error
	for range 3 {
		real, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: ttl})
		if err != nil {
			t.Fatal(err)
		}
		ms := &flakyMembership{Membership: real, down: &down}
		l := make(chan error, 1)
		m := startKVMember(t, ms, actors.GrainConfig{Log: log}, l)
		members, stores, lost = append(members, m), append(stores, ms), append(lost, l)
	}
	see := func(want int, who ...*cluster.Member) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for _, m := range who {
			for len(m.Members()) != want {
				if time.Now().After(deadline) {
					t.Fatalf("member %s sees %d members, want %d", m.ID(), len(m.Members()), want)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	see(3, members...)

	// The store is down for four TTLs, then up again.
	down.Store(true)
	time.Sleep(4 * ttl)
	down.Store(false)
	select {
	case err := <-lost[0]:
		t.Fatalf("a member was dropped for an outage of the store: %v", err)
	case err := <-lost[1]:
		t.Fatalf("a member was dropped for an outage of the store: %v", err)
	case err := <-lost[2]:
		t.Fatalf("a member was dropped for an outage of the store: %v", err)
	case <-time.After(3 * ttl):
	}
	see(3, members...)

	// Member 2 alone goes silent: the others drop it.
	stores[2].silent.Store(true)
	start := time.Now()
	see(2, members[0], members[1])
	t.Logf("a silent member was dropped after %s (TTL %s)", time.Since(start).Round(time.Millisecond), ttl)
	stores[2].silent.Store(false)
	select {
	case <-lost[2]:
	case <-time.After(10 * ttl):
		t.Fatal("the dropped member did not learn it when it refreshed again")
	}
}
