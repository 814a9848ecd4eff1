package store

import (
	"context"
	"errors"
	"time"
)

// ErrMemberExpired reports that a member's entry is gone: it was not
// refreshed within the registry's TTL (the member was cut off or paused),
// or it was removed. The other members have dropped it; it must rejoin
// under a new ID.
var ErrMemberExpired = errors.New("member entry expired; the member was dropped from the cluster")

// MemberEntry is one member's registration: its ID, what it announced,
// and the revision of its last write, which every refresh changes.
type MemberEntry struct {
	ID       string
	Value    []byte
	Revision uint64
}

// Membership is where cluster members announce themselves. A member
// refreshes its entry every third of TTL; the members judge each other by
// those refreshes (a member not refreshed for TTL while the store works
// is removed by another). Entries also expire on their own, long after
// TTL, so that the entries of a cluster that stopped altogether go away.
type Membership interface {
	// Register creates id's entry. It fails if id is registered already:
	// IDs are never reused.
	Register(ctx context.Context, id string, value []byte) error
	// Refresh rewrites id's entry, restarting its TTL. It fails with
	// ErrMemberExpired if the entry expired or was removed since the last
	// write.
	Refresh(ctx context.Context, id string, value []byte) error
	// Deregister removes id's entry.
	Deregister(ctx context.Context, id string) error
	// Drop removes id's entry if its last write is still at revision: a
	// member removes another that stopped refreshing, unless it wrote
	// again meanwhile.
	Drop(ctx context.Context, id string, revision uint64) error
	// Watch calls fn with every registered member once, then again
	// whenever the set changes, until ctx ends. It returns after the first
	// call (or with the error that prevented it); fn runs on one goroutine
	// at a time.
	Watch(ctx context.Context, fn func([]MemberEntry)) error
	// TTL is how long a member may go without a refresh before the
	// others remove it.
	TTL() time.Duration
}
