package natsjs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

// MembershipConfig sets up the member registry's KV bucket.
type MembershipConfig struct {
	// Bucket names the KV bucket; every member of one cluster uses the
	// same. Required.
	Bucket string
	// TTL is how long a member may go without a refresh before the others
	// remove its entry; at least MinMemberTTL. Entries expire on their
	// own only after ExpiryFor(TTL). The bucket is (re)configured with it,
	// so members of one cluster should agree on it.
	TTL time.Duration
	// Expiry is how long an entry lives without a refresh before the
	// server expires it; default ExpiryFor(TTL).
	Expiry time.Duration
	// Replicas of the bucket; default 1. Use 3 in a NATS cluster.
	Replicas int
	// Logger receives watch restarts; nil discards them.
	Logger *slog.Logger
}

// MinMemberTTL is the shortest entry TTL: the server keeps the markers of
// expired entries, which watchers see as deletions, for at least a second.
const MinMemberTTL = time.Second

// ExpiryFor is how long an entry of a bucket of member TTL ttl lives
// without a refresh before the server expires it (the stream's max age):
// ten TTLs, and at least a minute. Liveness is judged by the members, not
// by expiry: the server expires entries by the time they were written,
// and after a leader election of the bucket that took longer than a TTL
// (4 to 9 s after a server's crash) it would expire every entry at once,
// dropping members that were alive and only waiting for the election.
// Expiry is left to clean up after a cluster that stopped altogether.
func ExpiryFor(ttl time.Duration) time.Duration { return max(10*ttl, time.Minute) }

// Membership is a store.Membership in a NATS KV bucket. The server writes
// a marker when an entry expires, so watchers see expiry as a deletion;
// Refresh updates an entry only at the revision it last wrote, so it
// notices an entry that was removed or expired in between.
type Membership struct {
	kv     jetstream.KeyValue
	ttl    time.Duration
	logger *slog.Logger

	mu   sync.Mutex
	revs map[string]uint64 // last revision written per registered ID
}

var _ store.Membership = (*Membership)(nil)

// OpenMembership creates or updates the member bucket.
func OpenMembership(ctx context.Context, js jetstream.JetStream, cfg MembershipConfig) (*Membership, error) {
	const op = "open membership"
	if err := validName(cfg.Bucket); err != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("bucket: %w", err)}
	}
	if cfg.TTL < MinMemberTTL {
		return nil, &Error{Op: op, Err: fmt.Errorf("TTL %s is shorter than %s", cfg.TTL, MinMemberTTL)}
	}
	if cfg.Replicas == 0 {
		cfg.Replicas = 1
	}
	if cfg.Expiry == 0 {
		cfg.Expiry = ExpiryFor(cfg.TTL)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:         cfg.Bucket,
		Description:    "graphlog cluster members: member ID → announced address (JSON); entries expire unless refreshed",
		History:        1,
		TTL:            cfg.Expiry,
		LimitMarkerTTL: max(cfg.TTL, MinMemberTTL),
		Replicas:       cfg.Replicas,
	})
	if err != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("create or update key-value bucket %s: %w", cfg.Bucket, translate(err))}
	}
	return &Membership{kv: kv, ttl: cfg.TTL, logger: cfg.Logger, revs: map[string]uint64{}}, nil
}

// TTL is how long a member may go without a refresh before the others
// remove it.
func (m *Membership) TTL() time.Duration { return m.ttl }

// Register creates id's entry.
func (m *Membership) Register(ctx context.Context, id string, value []byte) error {
	const op = "register member"
	if err := validName(id); err != nil {
		return &Error{Op: op, Err: fmt.Errorf("member ID: %w", err)}
	}
	rev, err := m.kv.Create(ctx, id, value)
	if err != nil {
		if errors.Is(err, jetstream.ErrKeyExists) {
			return &Error{Op: op, Err: fmt.Errorf("member %s is registered already; start the member under a new ID", id)}
		}
		return &Error{Op: op, Err: translate(err)}
	}
	m.mu.Lock()
	m.revs[id] = rev
	m.mu.Unlock()
	return nil
}

// Refresh rewrites id's entry at the revision this registry last wrote.
func (m *Membership) Refresh(ctx context.Context, id string, value []byte) error {
	const op = "refresh member"
	m.mu.Lock()
	rev, ok := m.revs[id]
	m.mu.Unlock()
	if !ok {
		return &Error{Op: op, Err: fmt.Errorf("member %s: %w", id, store.ErrMemberExpired)}
	}
	next, err := m.kv.Update(ctx, id, value, rev)
	if wrongRevision(err) {
		// An earlier refresh may have landed without its answer reaching
		// us (a timeout during a leader election): only this member
		// writes its entry, so an entry still there with our value is
		// ours, at a revision we did not hear of.
		if e, gerr := m.kv.Get(ctx, id); gerr == nil && bytes.Equal(e.Value(), value) {
			next, err = m.kv.Update(ctx, id, value, e.Revision())
		}
	}
	if err != nil {
		if wrongRevision(err) || errors.Is(err, jetstream.ErrKeyNotFound) {
			m.forget(id)
			return &Error{Op: op, Err: fmt.Errorf("member %s: %w", id, store.ErrMemberExpired)}
		}
		return &Error{Op: op, Err: translate(err)}
	}
	m.mu.Lock()
	if _, ok := m.revs[id]; ok {
		m.revs[id] = next
	}
	m.mu.Unlock()
	return nil
}

// Deregister removes id's entry.
func (m *Membership) Deregister(ctx context.Context, id string) error {
	m.forget(id)
	if err := m.kv.Delete(ctx, id); err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		return &Error{Op: "deregister member", Err: translate(err)}
	}
	return nil
}

// Drop removes id's entry if it is still at revision.
func (m *Membership) Drop(ctx context.Context, id string, revision uint64) error {
	err := m.kv.Delete(ctx, id, jetstream.LastRevision(revision))
	if err != nil && !errors.Is(err, jetstream.ErrKeyNotFound) {
		if wrongRevision(err) {
			return &Error{Op: "drop member", Err: fmt.Errorf("member %s wrote its entry again; it stays", id)}
		}
		return &Error{Op: "drop member", Err: translate(err)}
	}
	return nil
}

// wrongRevision reports a write refused because the entry is not at the
// revision stated.
func wrongRevision(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence
}

func (m *Membership) forget(id string) {
	m.mu.Lock()
	delete(m.revs, id)
	m.mu.Unlock()
}

// Watch follows the bucket. A watcher that ends (the connection was lost
// for long) or falls silent is started again; it first replays every
// entry, so nothing is missed.
//
// Silence gives away a watcher whose consumer was lost on the server (the
// NATS server that held it died): nats.go does not notice, and the watcher
// would never report another change. Every live member writes its entry
// every third of the TTL, so a watch of a bucket with members that hears
// nothing for two thirds of the TTL (two missed writes of every member) is
// started again, before a dead member's entry expires; a needless restart
// costs only a replay of the entries.
func (m *Membership) Watch(ctx context.Context, fn func([]store.MemberEntry)) error {
	w, err := m.kv.WatchAll(ctx)
	if err != nil {
		return &Error{Op: "watch members", Err: translate(err)}
	}
	members := map[string]jetstream.KeyValueEntry{}
	ready := make(chan struct{})
	go func() {
		first := ready
		defer func() { _ = w.Stop() }() // stopping a watcher only unsubscribes
		synced := false
		report := func() {
			if !synced {
				return
			}
			list := make([]store.MemberEntry, 0, len(members))
			for id, e := range members {
				list = append(list, store.MemberEntry{ID: id, Value: e.Value(), Revision: e.Revision()})
			}
			slices.SortFunc(list, func(a, b store.MemberEntry) int { return strings.Compare(a.ID, b.ID) })
			fn(list)
		}
		// restart replaces the watcher; false when ctx ended first.
		restart := func() bool {
			_ = w.Stop()
			for {
				next, err := m.kv.WatchAll(ctx)
				if ctx.Err() != nil {
					return false
				}
				if err == nil {
					w = next
					break
				}
				m.logger.Warn("member watch cannot restart; retrying", slog.Any("error", err))
				time.Sleep(m.ttl / 3)
			}
			clear(members)
			synced = false
			return true
		}
		heard := time.Now()
		check := time.NewTicker(m.ttl / 6)
		defer check.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-check.C:
				if synced && len(members) > 0 && time.Since(heard) > 2*m.ttl/3 {
					m.logger.Warn("member watch heard nothing for two thirds of the TTL; restarting it",
						slog.Duration("silent", time.Since(heard).Round(time.Millisecond)))
					if !restart() {
						return
					}
					heard = time.Now()
				}
			case e, ok := <-w.Updates():
				if !ok {
					if ctx.Err() != nil {
						return
					}
					m.logger.Warn("member watch ended; restarting it")
					if !restart() {
						return
					}
					heard = time.Now()
					continue
				}
				heard = time.Now()
				if e == nil { // the initial entries are all in
					if !synced {
						synced = true
						report()
						if first != nil {
							close(first)
							first = nil
						}
					}
					continue
				}
				if e.Operation() == jetstream.KeyValuePut {
					members[e.Key()] = e
				} else {
					delete(members, e.Key())
				}
				report()
			}
		}
	}()
	select {
	case <-ready:
		return nil
	case <-ctx.Done():
		return &Error{Op: "watch members", Err: ctx.Err()}
	}
}

// validName accepts what is safe as a bucket name and as a key: 1 to 255
// letters, digits, '_' and '-'.
func validName(s string) error {
	if s == "" || len(s) > 255 {
		return fmt.Errorf("%q must be 1 to 255 characters long", s)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return fmt.Errorf("%q has %q at byte %d; use only letters, digits, '_' and '-'", s, c, i)
		}
	}
	return nil
}
