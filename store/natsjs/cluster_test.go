package natsjs_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
	"github.com/graphlog/graphlog/store/storetest"
)

// The conformance suites hold on a three-server cluster with every stream
// and bucket replicated three times, as a production cluster runs them,
// the event log spread over two partition streams.
// One cluster serves every case: each case gets streams and buckets of its
// own, deleted when it ends (the partition streams of two logs would claim
// the same subjects).
func TestClusterConformance(t *testing.T) {
	_, _, js := natstest.StartCluster(t, 3)
	n := 0
	unique := func(prefix string) string { n++; return fmt.Sprintf("%s_%d", prefix, n) }

	openR3 := func(t *testing.T) *natsjs.Log {
		t.Helper()
		log, err := natsjs.Open(testContext(t), js, natsjs.Config{
			Stream:           unique("EVENTS"),
			DeadLetterStream: unique("DLQ"),
			Partitions:       2,
			Replicas:         3,
		})
		if err != nil {
			t.Fatalf("Open R3: %v", err)
		}
		cfg := log.Config()
		streams := partitionStreams(cfg)
		t.Cleanup(func() { deleteStreams(t, js, append(streams, cfg.DeadLetterStream)...) })
		for _, name := range streams {
			assertReplicas(t, js, name, 3)
		}
		return log
	}
	t.Run("EventLog", func(t *testing.T) {
		storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return openR3(t) })
	})
	t.Run("GraphLister", func(t *testing.T) {
		storetest.TestGraphLister(t, func(t *testing.T) storetest.ListingLog { return openR3(t) })
	})
	t.Run("SnapshotStore", func(t *testing.T) {
		storetest.TestSnapshotStore(t,
			func(t *testing.T) store.SnapshotStore {
				s, err := natsjs.OpenSnapshots(testContext(t), js, natsjs.SnapshotConfig{
					Bucket:      unique("SNAPS"),
					IndexBucket: unique("SNAP_INDEX"),
					Replicas:    3,
				})
				if err != nil {
					t.Fatalf("OpenSnapshots R3: %v", err)
				}
				cfg := s.Config()
				t.Cleanup(func() { deleteStreams(t, js, "OBJ_"+cfg.Bucket, "KV_"+cfg.IndexBucket) })
				assertReplicas(t, js, "OBJ_"+cfg.Bucket, 3)
				assertReplicas(t, js, "KV_"+cfg.IndexBucket, 3)
				return s
			},
			func(t *testing.T, s store.SnapshotStore, cid string) {
				if _, err := s.(*natsjs.Snapshots).Objects().PutBytes(testContext(t), cid, []byte("not the snapshot")); err != nil {
					t.Fatalf("corrupt object %s: %v", cid, err)
				}
			})
	})
}

// assertReplicas fails the test unless the stream has the replicas asked
// for: a suite passing on R1 streams would prove nothing about R3.
func assertReplicas(t *testing.T, js jetstream.JetStream, stream string, want int) {
	t.Helper()
	s, err := js.Stream(testContext(t), stream)
	if err != nil {
		t.Fatalf("stream %s: %v", stream, err)
	}
	info := s.CachedInfo()
	if info.Config.Replicas != want || info.Cluster == nil || len(info.Cluster.Replicas) != want-1 {
		t.Fatalf("stream %s has %d replicas (cluster %+v), want %d", stream, info.Config.Replicas, info.Cluster, want)
	}
}

func deleteStreams(t *testing.T, js jetstream.JetStream, names ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, name := range names {
		if err := js.DeleteStream(ctx, name); err != nil {
			t.Errorf("delete stream %s: %v", name, err)
		}
	}
}
