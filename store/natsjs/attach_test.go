package natsjs_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// A program that only follows the log attaches to the streams the nodes
// made and changes nothing of them, whatever it was configured with.
func TestAttachChangesNothing(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	if _, err := natsjs.Attach(ctx, js, natsjs.Config{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Attach before any log: %v, want ErrNotFound", err)
	}
	owner := natsjs.Config{Partitions: 3, DuplicateWindow: 2 * time.Minute, MaxTransactionBytes: 200_000}
	written, err := natsjs.Open(ctx, js, owner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := written.Append(ctx, txOf("g", "t1", 1), store.Head{}); err != nil {
		t.Fatal(err)
	}
	before := streamConfigs(t, js, partitionStreams(owner))

	log, err := natsjs.Attach(ctx, js, natsjs.Config{DuplicateWindow: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got := log.Config(); got.Partitions != 3 || got.MaxTransactionBytes != 200_000 {
		t.Errorf("attached log: %d partitions, transactions of up to %d bytes; want the log's 3 and 200000", got.Partitions, got.MaxTransactionBytes)
	}
	h, err := log.Head(ctx, "g")
	if err != nil || h.Version != 1 {
		t.Fatalf("head of g through the attached log: %+v, %v", h, err)
	}
	after := streamConfigs(t, js, partitionStreams(owner))
	for name, cfg := range before {
		if after[name].Duplicates != cfg.Duplicates || after[name].MaxMsgSize != cfg.MaxMsgSize {
			t.Errorf("stream %s changed by Attach: %+v, was %+v", name, after[name], cfg)
		}
	}
	var mismatch *natsjs.PartitionMismatchError
	if _, err := natsjs.Attach(ctx, js, natsjs.Config{Partitions: 2}); !errors.As(err, &mismatch) || mismatch.Log != 3 {
		t.Errorf("Attach asking 2 partitions of a log of 3: %v, want a PartitionMismatchError naming 3", err)
	}
}

func streamConfigs(t *testing.T, js jetstream.JetStream, names []string) map[string]jetstream.StreamConfig {
	t.Helper()
	out := map[string]jetstream.StreamConfig{}
	for _, name := range names {
		s, err := js.Stream(testContext(t), name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = s.CachedInfo().Config
	}
	return out
}

// A client looks the members' bucket up without configuring it.
func TestLookupMembership(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	if _, err := natsjs.LookupMembership(ctx, js, "members", nil); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LookupMembership before the bucket exists: %v, want ErrNotFound", err)
	}
	if _, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: 4 * time.Second}); err != nil {
		t.Fatal(err)
	}
	m, err := natsjs.LookupMembership(ctx, js, "members", nil)
	if err != nil {
		t.Fatal(err)
	}
	if m.TTL() != 4*time.Second {
		t.Errorf("looked-up TTL %s, want the members' 4s", m.TTL())
	}
	kv, err := js.KeyValue(ctx, "members")
	if err != nil {
		t.Fatal(err)
	}
	st, err := kv.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != natsjs.ExpiryFor(4*time.Second) {
		t.Errorf("bucket expiry %s after a lookup, want %s", st.TTL(), natsjs.ExpiryFor(4*time.Second))
	}
}
