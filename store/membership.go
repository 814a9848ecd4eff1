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

// MemberEntry is one member's registration: its ID and what it announced.
type MemberEntry struct {
	ID    string
	Value []byte
}

// Membership is where cluster members announce themselves. An entry lives
// for TTL after it was last written, so a member that dies without a
// goodbye drops out on its own.
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
	// Watch calls fn with every registered member once, then again
	// whenever the set changes, until ctx ends. It returns after the first
	// call (or with the error that prevented it); fn runs on one goroutine
	// at a time.
	Watch(ctx context.Context, fn func([]MemberEntry)) error
	// TTL is how long an entry lives without a refresh.
	TTL() time.Duration
}
