package cluster_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// laggingMembership is a real membership whose watch, while lag is set,
// shows the members without the one that registered through it: what a
// watch served by a replica still catching up shows a member that has
// just registered.
type laggingMembership struct {
	*natsjs.Membership
	self string
	lag  atomic.Bool
}

func (m *laggingMembership) Register(ctx context.Context, id string, value []byte) error {
	m.self = id
	return m.Membership.Register(ctx, id, value)
}

func (m *laggingMembership) Watch(ctx context.Context, fn func([]store.MemberEntry)) error {
	return m.Membership.Watch(ctx, func(entries []store.MemberEntry) {
		if m.lag.Load() {
			var others []store.MemberEntry
			for _, e := range entries {
				if e.ID != m.self {
					others = append(others, e)
				}
			}
			entries = others
		}
		fn(entries)
	})
}

// A view of the members without this member is taken for what it may be,
// a stale read, until the store says the entry is gone: the member stays
// while its entry is alive, and learns it was dropped once it is not.
func TestStaleMembersViewDoesNotDropAMember(t *testing.T) {
	_, _, js := natstest.Start(t)
	ctx := testContext(t)
	real, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	members := &laggingMembership{Membership: real}
	members.lag.Store(true) // from the first view on
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	lost := make(chan error, 1)
	member := startKVMember(t, members, actors.GrainConfig{Log: log}, lost)
	// Views without it, for two heartbeats: it must not think itself
	// dropped.
	select {
	case err := <-lost:
		t.Fatalf("a stale view dropped the member: %v", err)
	case <-time.After(2 * time.Second):
	}
	members.lag.Store(false)

	// Its entry removed behind its back: the next view without it is
	// confirmed by the store, and the member learns it was dropped.
	if err := real.Deregister(ctx, member.ID()); err != nil {
		t.Fatal(err)
	}
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("the member did not learn that its entry was removed")
	}
}

// startKVMember starts a member on loopback registered in members, whose
// grains keep their graphs in log, and stops it when the test ends; lost,
// if not nil, receives why it was dropped.
func startKVMember(t *testing.T, members store.Membership, grain actors.GrainConfig, lost chan<- error) *cluster.Member {
	t.Helper()
	cfg := cluster.MemberConfig{
		Host: "127.0.0.1", Port: 0, Membership: members,
		Grain:          grain,
		RequestTimeout: 60 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
	}
	if lost != nil {
		cfg.OnLost = func(err error) { lost <- err }
	}
	m, err := cluster.StartMember(cfg)
	if err != nil {
		t.Fatalf("StartMember: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		m.Shutdown(ctx)
	})
	return m
}
