package natsjs_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
	"github.com/graphlog/graphlog/store/storetest"
)

func TestSnapshotConformance(t *testing.T) {
	storetest.TestSnapshotStore(t,
		func(t *testing.T) store.SnapshotStore { s, _ := openSnapshots(t); return s },
		func(t *testing.T, s store.SnapshotStore, cid string) {
			// Other bytes under the same name: the Object Store's own
			// digest matches them, so only the CID check can tell.
			if _, err := s.(*natsjs.Snapshots).Objects().PutBytes(testContext(t), cid, []byte("not the snapshot")); err != nil {
				t.Fatalf("corrupt object %s: %v", cid, err)
			}
		})
}

// openSnapshots opens a snapshot store with cfg (defaults if none) on a
// fresh server.
func openSnapshots(t testing.TB, cfg ...natsjs.SnapshotConfig) (*natsjs.Snapshots, jetstream.JetStream) {
	t.Helper()
	_, _, js := natstest.Start(t)
	var c natsjs.SnapshotConfig
	if len(cfg) > 0 {
		c = cfg[0]
	}
	s, err := natsjs.OpenSnapshots(testContext(t), js, c)
	if err != nil {
		t.Fatalf("OpenSnapshots: %v", err)
	}
	return s, js
}

func TestSnapshotConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  natsjs.SnapshotConfig
		bad  string // a word the error must contain; "" for valid
	}{
		{"defaults", natsjs.SnapshotConfig{}, ""},
		{"memory R3", natsjs.SnapshotConfig{Replicas: 3, Storage: jetstream.MemoryStorage}, ""},
		{"dotted bucket", natsjs.SnapshotConfig{Bucket: "a.b"}, "Bucket"},
		{"same names", natsjs.SnapshotConfig{Bucket: "X", IndexBucket: "X"}, "different names"},
		{"replicas", natsjs.SnapshotConfig{Replicas: 7}, "Replicas"},
		{"storage", natsjs.SnapshotConfig{Storage: 9}, "Storage"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (err == nil) != (tt.bad == "") || err != nil && !strings.Contains(err.Error(), tt.bad) {
			t.Errorf("%s: Validate() = %v, want an error about %q", tt.name, err, tt.bad)
		}
	}
}

// The index layout is part of the contract with operators (and with
// anyone reading the bucket): one key per snapshot, <graph>.<20 digits>.
// Opening again is harmless, and an intact object is not uploaded again.
func TestSnapshotIndexLayout(t *testing.T) {
	ctx := testContext(t)
	s, js := openSnapshots(t, natsjs.SnapshotConfig{Storage: jetstream.MemoryStorage})
	info, err := s.Save(ctx, store.SnapshotInfo{GraphID: "g-1", Version: 42, Sequence: 99}, []byte("state"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, natsjs.DefaultSnapshotIndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.Keys(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"g-1.00000000000000000042"}; !slices.Equal(keys, want) {
		t.Errorf("index keys = %v, want %v", keys, want)
	}
	obj, err := js.ObjectStore(ctx, natsjs.DefaultSnapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	before, err := obj.GetInfo(ctx, info.CID)
	if err != nil {
		t.Fatalf("object named by the CID %s: %v", info.CID, err)
	}

	again, err := natsjs.OpenSnapshots(ctx, js, natsjs.SnapshotConfig{Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatalf("OpenSnapshots on existing buckets: %v", err)
	}
	if _, err := again.Save(ctx, store.SnapshotInfo{GraphID: "g-1", Version: 42, Sequence: 99}, []byte("state")); err != nil {
		t.Fatal(err)
	}
	after, err := obj.GetInfo(ctx, info.CID)
	if err != nil {
		t.Fatal(err)
	}
	if after.NUID != before.NUID {
		t.Errorf("saving the same bytes again uploaded the object again (NUID %s → %s)", before.NUID, after.NUID)
	}
}

// A damaged index entry is reported, and the entries that can be read are
// still returned.
func TestSnapshotListReportsDamagedEntries(t *testing.T) {
	ctx := testContext(t)
	s, js := openSnapshots(t)
	good, err := s.Save(ctx, store.SnapshotInfo{GraphID: "g", Version: 1}, []byte("one"))
	if err != nil {
		t.Fatal(err)
	}
	kv, err := js.KeyValue(ctx, natsjs.DefaultSnapshotIndexBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "g.00000000000000000002", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Put(ctx, "g.3", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	snaps, err := s.List(ctx, "g")
	if !errors.Is(err, store.ErrCorrupt) || !strings.Contains(err.Error(), "g.00000000000000000002") || !strings.Contains(err.Error(), "g.3") {
		t.Errorf("List with damaged entries: err = %v, want ErrCorrupt naming both keys", err)
	}
	if len(snaps) != 1 || snaps[0].CID != good.CID {
		t.Errorf("List with damaged entries returned %+v, want the one good entry", snaps)
	}
	// Saving over a damaged entry replaces it.
	if _, err := s.Save(ctx, store.SnapshotInfo{GraphID: "g", Version: 2}, []byte("two")); err != nil {
		t.Fatalf("Save over a damaged entry: %v", err)
	}
}

// Without a server, calls fail with ErrUnavailable, not a hang.
func TestSnapshotUnavailable(t *testing.T) {
	srv, nc, js := natstest.Start(t)
	s, err := natsjs.OpenSnapshots(testContext(t), js, natsjs.SnapshotConfig{})
	if err != nil {
		t.Fatal(err)
	}
	nc.Close()
	srv.Shutdown()
	ctx := testContext(t)
	cid, _ := store.CIDOf([]byte("x"))
	if _, err := s.Load(ctx, store.SnapshotInfo{GraphID: "g", CID: cid}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Load without a server: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.List(ctx, "g"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("List without a server: err = %v, want ErrUnavailable", err)
	}
	if _, err := s.Save(ctx, store.SnapshotInfo{GraphID: "g"}, []byte("x")); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Save without a server: err = %v, want ErrUnavailable", err)
	}
}

// List reads a graph's index without a consumer, so graphs may list at
// once by the thousand; a graph with more entries than one direct get
// answers (1,024) is listed whole too, by a watcher.
func TestSnapshotListManyEntriesAndManyListers(t *testing.T) {
	s, _ := openSnapshots(t)
	ctx := testContext(t)
	const many = 1100
	for v := uint64(1); v <= many; v++ {
		data := []byte(fmt.Sprintf("state of version %d", v))
		if _, err := s.Save(ctx, store.SnapshotInfo{GraphID: "big", Version: v, Sequence: v}, data); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List(ctx, "big")
	if err != nil || len(list) != many || list[0].Version != 1 || list[many-1].Version != many {
		t.Fatalf("List of %d entries: %d entries (%v)", many, len(list), err)
	}
	// More concurrent listers than the server lets one stream have
	// consumers.
	if _, err := s.Save(ctx, store.SnapshotInfo{GraphID: "small", Version: 1, Sequence: 1}, []byte("small")); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2000)
	for range 2000 {
		wg.Go(func() {
			if l, err := s.List(ctx, "small"); err != nil || len(l) != 1 {
				errs <- fmt.Errorf("%d entries, %v", len(l), err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a concurrent List: %v", err)
	}
}
