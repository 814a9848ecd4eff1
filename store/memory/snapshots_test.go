package memory_test

import (
	"testing"

	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
	"github.com/graphlog/graphlog/store/storetest"
)

func TestSnapshotConformance(t *testing.T) {
	storetest.TestSnapshotStore(t,
		func(t *testing.T) store.SnapshotStore { return memory.NewSnapshots() },
		func(t *testing.T, s store.SnapshotStore, cid string) {
			if !s.(*memory.Snapshots).Corrupt(cid) {
				t.Fatalf("corrupt: no object %s", cid)
			}
		})
}
