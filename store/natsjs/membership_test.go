package natsjs_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// memberView records what a watch reported.
type memberView struct {
	mu    sync.Mutex
	lists [][]store.MemberEntry
}

func (v *memberView) fn(list []store.MemberEntry) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.lists = append(v.lists, list)
}

func (v *memberView) ids() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.lists) == 0 {
		return "<none>"
	}
	var ids []string
	for _, e := range v.lists[len(v.lists)-1] {
		ids = append(ids, e.ID+"="+string(e.Value))
	}
	return strings.Join(ids, ",")
}

// waitIDs waits until the last report is want.
func (v *memberView) waitIDs(t *testing.T, want string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for time.Since(start) < within {
		if v.ids() == want {
			return time.Since(start)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("members %q, want %q after %s", v.ids(), want, within)
	return 0
}

func TestMembership(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	const ttl = time.Second
	m, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: ttl, Expiry: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Register(ctx, "a", []byte("1")); err != nil {
		t.Fatal(err)
	}
	var view memberView
	if err := m.Watch(ctx, view.fn); err != nil {
		t.Fatal(err)
	}
	if got := view.ids(); got != "a=1" {
		t.Fatalf("first report %q, want a=1 before Watch returns", got)
	}

	// A second registry (another member's) sees the same bucket.
	other, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: ttl, Expiry: ttl})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Register(ctx, "a", []byte("x")); err == nil {
		t.Fatal("registering an ID twice succeeded; IDs must never be reused")
	}
	if err := other.Register(ctx, "b", []byte("2")); err != nil {
		t.Fatal(err)
	}
	view.waitIDs(t, "a=1,b=2", 5*time.Second)

	// a keeps refreshing past several TTLs; b stops and expires.
	stop := make(chan struct{})
	refreshed := make(chan error, 1)
	go func() {
		tick := time.NewTicker(ttl / 4)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				refreshed <- nil
				return
			case <-tick.C:
				if err := m.Refresh(ctx, "a", []byte("1")); err != nil {
					refreshed <- err
					return
				}
			}
		}
	}()
	took := view.waitIDs(t, "a=1", 3*ttl+2*time.Second)
	t.Logf("an entry not refreshed dropped out after %s (TTL %s)", took, ttl)
	time.Sleep(ttl)
	if got := view.ids(); got != "a=1" {
		t.Fatalf("refreshed member dropped: %q", got)
	}
	close(stop)
	if err := <-refreshed; err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if err := other.Refresh(ctx, "b", []byte("2")); !errors.Is(err, store.ErrMemberExpired) {
		t.Fatalf("refresh after expiry = %v, want ErrMemberExpired", err)
	}

	if err := m.Deregister(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	view.waitIDs(t, "", 5*time.Second)
	if err := m.Refresh(ctx, "a", []byte("1")); !errors.Is(err, store.ErrMemberExpired) {
		t.Fatalf("refresh after deregister = %v, want ErrMemberExpired", err)
	}
	// Each report lists members sorted by ID.
	view.mu.Lock()
	defer view.mu.Unlock()
	for _, l := range view.lists {
		if !slices.IsSortedFunc(l, func(a, b store.MemberEntry) int { return strings.Compare(a.ID, b.ID) }) {
			t.Fatalf("report not sorted: %v", l)
		}
	}
}

func TestOpenMembershipRejects(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	for _, cfg := range []natsjs.MembershipConfig{
		{Bucket: "", TTL: time.Second},
		{Bucket: "a.b", TTL: time.Second},
		{Bucket: "m", TTL: 10 * time.Millisecond},
	} {
		if _, err := natsjs.OpenMembership(ctx, js, cfg); err == nil {
			t.Errorf("OpenMembership(%+v) succeeded", cfg)
		}
	}
}

// A watch whose consumer is lost on the server (as when the NATS server
// that held it dies) still reports an entry that expires.
func TestMembershipWatchSurvivesLosingItsConsumer(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	const ttl = time.Second
	m, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: ttl, Expiry: ttl})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"a", "b"} {
		if err := m.Register(ctx, id, []byte(id)); err != nil {
			t.Fatal(err)
		}
	}
	var view memberView
	if err := m.Watch(ctx, view.fn); err != nil {
		t.Fatal(err)
	}
	view.waitIDs(t, "a=a,b=b", 5*time.Second)

	st, err := js.Stream(ctx, "KV_members")
	if err != nil {
		t.Fatal(err)
	}
	names := st.ConsumerNames(ctx)
	deleted := 0
	for name := range names.Name() {
		if err := st.DeleteConsumer(ctx, name); err != nil {
			t.Fatal(err)
		}
		deleted++
	}
	if deleted == 0 {
		t.Fatal("the watch has no consumer on the bucket's stream")
	}

	// a refreshes; b stops and expires.
	done := make(chan struct{})
	defer close(done)
	go func() {
		tick := time.NewTicker(ttl / 4)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = m.Refresh(ctx, "a", []byte("a"))
			}
		}
	}()
	took := view.waitIDs(t, "a=a", 4*ttl+2*time.Second)
	t.Logf("b dropped out %s after its watch lost its consumer (TTL %s)", took, ttl)
}
