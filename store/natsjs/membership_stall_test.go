package natsjs_test

import (
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store/natsjs"
)

// A watch whose consumer is lost on the server (as when the NATS server
// that held it dies) still reports an entry that expires.
func TestMembershipWatchSurvivesLosingItsConsumer(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	const ttl = time.Second
	m, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: ttl})
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
