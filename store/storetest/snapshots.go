package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// TestSnapshotStore checks that the stores open returns behave as
// store.SnapshotStore promises. open must return an empty store each time.
// corrupt must replace the bytes stored for cid with other bytes, in the
// store's own backend (not through the port), as damage would.
func TestSnapshotStore(t *testing.T, open func(t *testing.T) store.SnapshotStore, corrupt func(t *testing.T, s store.SnapshotStore, cid string)) {
	tests := []struct {
		name string
		run  func(t *testing.T, s store.SnapshotStore)
	}{
		{"SaveListLoad", testSnapshotRoundTrip},
		{"ContentAddressed", testSnapshotContentAddressed},
		{"ListOrderAndIsolation", testSnapshotListOrder},
		{"SaveSameVersionTwice", testSnapshotIdempotentSave},
		{"SaveSameVersionOtherBytes", testSnapshotReplace},
		{"CorruptNeverReturned", func(t *testing.T, s store.SnapshotStore) { testSnapshotCorrupt(t, s, corrupt) }},
		{"Missing", testSnapshotMissing},
		{"Delete", testSnapshotDelete},
		{"InvalidArguments", testSnapshotInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

// snapshotData returns n bytes that differ for every seed.
func snapshotData(seed string, n int) []byte {
	b := make([]byte, 0, n)
	for i := 0; len(b) < n; i++ {
		b = fmt.Appendf(b, "%s-%d;", seed, i)
	}
	return b[:n]
}

// someTime has nanoseconds and a zone other than UTC, to check that a
// store keeps the instant.
var someTime = time.Date(2025, 3, 4, 5, 6, 7, 891011121, time.FixedZone("UTC-3", -3*3600))

func snapInfo(graphID string, version uint64) store.SnapshotInfo {
	return store.SnapshotInfo{GraphID: graphID, Version: version, Sequence: 100 + 7*version, RecordedAt: someTime.Add(time.Duration(version) * time.Second)}
}

func mustSave(t *testing.T, s store.SnapshotStore, info store.SnapshotInfo, data []byte) store.SnapshotInfo {
	t.Helper()
	got, err := s.Save(testContext(t), info, data)
	if err != nil {
		t.Fatalf("Save(graph %s, version %d, %d bytes): %v", info.GraphID, info.Version, len(data), err)
	}
	return got
}

func mustList(t *testing.T, s store.SnapshotStore, graphID string) []store.SnapshotInfo {
	t.Helper()
	snaps, err := s.List(testContext(t), graphID)
	if err != nil {
		t.Fatalf("List(%s): %v", graphID, err)
	}
	return snaps
}

// settle bounds how long a replicated store may take to show a write to
// every reader (store.SnapshotStore: reads may lag writes by a moment).
const settle = 5 * time.Second

func mustLoad(t *testing.T, s store.SnapshotStore, info store.SnapshotInfo, want []byte) {
	t.Helper()
	got, err := s.Load(testContext(t), info)
	for deadline := time.Now().Add(settle); err != nil && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got, err = s.Load(testContext(t), info)
	}
	if err != nil {
		t.Fatalf("Load(graph %s, version %d, %s): %v", info.GraphID, info.Version, info.CID, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Load(graph %s, version %d) returned %d bytes that differ from the %d saved", info.GraphID, info.Version, len(got), len(want))
	}
}

// sameSnapshot compares infos, times as instants.
func sameSnapshot(a, b store.SnapshotInfo) bool {
	return a.GraphID == b.GraphID && a.CID == b.CID && a.Version == b.Version && a.Sequence == b.Sequence &&
		a.RecordedAt.Equal(b.RecordedAt) && a.Size == b.Size
}

func checkList(t *testing.T, s store.SnapshotStore, graphID string, want ...store.SnapshotInfo) {
	t.Helper()
	got := mustList(t, s, graphID)
	for deadline := time.Now().Add(settle); !slices.EqualFunc(got, want, sameSnapshot) && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		got = mustList(t, s, graphID)
	}
	if !slices.EqualFunc(got, want, sameSnapshot) {
		t.Fatalf("List(%s) =\n%v\nwant\n%v", graphID, got, want)
	}
}

func testSnapshotRoundTrip(t *testing.T, s store.SnapshotStore) {
	// Three sizes: empty, small, and larger than one Object Store chunk.
	for v, data := range [][]byte{{}, snapshotData("small", 100), snapshotData("large", 300_000)} {
		in := snapInfo("g", uint64(v+1))
		got := mustSave(t, s, in, data)
		wantCID, err := store.CIDOf(data)
		if err != nil {
			t.Fatal(err)
		}
		want := in
		want.CID, want.Size = wantCID, int64(len(data))
		if !sameSnapshot(got, want) {
			t.Errorf("Save returned %+v, want %+v", got, want)
		}
		mustLoad(t, s, got, data)
	}
	snaps := mustList(t, s, "g")
	if len(snaps) != 3 {
		t.Fatalf("List after three saves returned %d snapshots", len(snaps))
	}
	for _, info := range snaps {
		if info.RecordedAt.Location() != time.UTC {
			t.Errorf("version %d: RecordedAt %v is not in UTC", info.Version, info.RecordedAt)
		}
	}
	// Loaded bytes are the caller's: changing them changes nothing stored.
	data := snapshotData("small", 100)
	got, err := s.Load(testContext(t), snaps[1])
	if err != nil {
		t.Fatal(err)
	}
	got[0] ^= 0xff
	mustLoad(t, s, snaps[1], data)
}

func testSnapshotContentAddressed(t *testing.T, s store.SnapshotStore) {
	data := snapshotData("same", 1000)
	a := mustSave(t, s, snapInfo("g1", 1), data)
	b := mustSave(t, s, snapInfo("g2", 4), slices.Clone(data))
	if a.CID != b.CID {
		t.Errorf("equal bytes saved as %s and %s, want one CID", a.CID, b.CID)
	}
	c := mustSave(t, s, snapInfo("g1", 2), snapshotData("other", 1000))
	if c.CID == a.CID {
		t.Errorf("different bytes saved under the same CID %s", c.CID)
	}
	// A CID given by the caller must be the data's.
	withCID := snapInfo("g1", 3)
	withCID.CID = a.CID
	if got := mustSave(t, s, withCID, data); got.CID != a.CID {
		t.Errorf("Save with the data's CID returned CID %s", got.CID)
	}
	withCID.CID = c.CID
	if _, err := s.Save(testContext(t), withCID, data); err == nil {
		t.Errorf("Save of data whose CID is %s, with info naming %s, succeeded", a.CID, c.CID)
	}
	mustLoad(t, s, a, data)
	mustLoad(t, s, b, data)
}

func testSnapshotListOrder(t *testing.T, s store.SnapshotStore) {
	byVersion := map[uint64]store.SnapshotInfo{}
	// Saved out of order; 2 and 10 would swap if sorted as text.
	for _, v := range []uint64{3, 1, 20, 2, 10, 1 << 40} {
		byVersion[v] = mustSave(t, s, snapInfo("g1", v), snapshotData(fmt.Sprintf("g1-%d", v), 50))
	}
	g10 := []store.SnapshotInfo{
		mustSave(t, s, snapInfo("g10", 1), snapshotData("g10-1", 50)),
		mustSave(t, s, snapInfo("g10", 5), snapshotData("g10-5", 50)),
	}
	g1x := mustSave(t, s, snapInfo("g1_x", 7), snapshotData("g1_x-7", 50))

	checkList(t, s, "g1", byVersion[1], byVersion[2], byVersion[3], byVersion[10], byVersion[20], byVersion[1<<40])
	checkList(t, s, "g10", g10...)
	checkList(t, s, "g1_x", g1x)
	checkList(t, s, "g") // no snapshots: empty, no error
}

func testSnapshotIdempotentSave(t *testing.T, s store.SnapshotStore) {
	data := snapshotData("v1", 200_000)
	first := mustSave(t, s, snapInfo("g", 1), data)
	again := mustSave(t, s, snapInfo("g", 1), data)
	if !sameSnapshot(first, again) {
		t.Errorf("saving the same snapshot again returned %+v, first %+v", again, first)
	}
	checkList(t, s, "g", first)
	mustLoad(t, s, first, data)
}

// The index keeps one entry per version: the last saved.
func testSnapshotReplace(t *testing.T, s store.SnapshotStore) {
	old := mustSave(t, s, snapInfo("g", 1), snapshotData("old", 100))
	newData := snapshotData("new", 100)
	info := snapInfo("g", 1)
	info.Sequence++
	replaced := mustSave(t, s, info, newData)
	checkList(t, s, "g", replaced)
	mustLoad(t, s, replaced, newData)
	// Deleting by the old info must not remove the new entry.
	if err := s.Delete(testContext(t), old); err != nil {
		t.Fatalf("Delete of the replaced snapshot: %v", err)
	}
	checkList(t, s, "g", replaced)
	mustLoad(t, s, replaced, newData)
}

func testSnapshotCorrupt(t *testing.T, s store.SnapshotStore, corrupt func(t *testing.T, s store.SnapshotStore, cid string)) {
	for _, size := range []int{10, 300_000} {
		data := snapshotData(fmt.Sprintf("precious-%d", size), size)
		info := mustSave(t, s, snapInfo("g", uint64(size)), data)
		corrupt(t, s, info.CID)

		got, err := s.Load(testContext(t), info)
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("Load of a corrupted snapshot (%d bytes): err = %v, want ErrCorrupt", size, err)
		}
		if got != nil {
			t.Errorf("Load of a corrupted snapshot returned %d bytes along with its error", len(got))
		}
		if !strings.Contains(err.Error(), info.CID) {
			t.Errorf("Load error %q does not name the CID %s", err, info.CID)
		}
		// Saving the snapshot again repairs it.
		mustSave(t, s, snapInfo("g", uint64(size)), data)
		mustLoad(t, s, info, data)
	}
}

func testSnapshotMissing(t *testing.T, s store.SnapshotStore) {
	ctx := testContext(t)
	never, _ := store.CIDOf([]byte("never saved"))
	_, err := s.Load(ctx, store.SnapshotInfo{GraphID: "g", CID: never, Version: 1})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load of a CID never saved: err = %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", "not-a-cid", "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"} {
		if _, err := s.Load(ctx, store.SnapshotInfo{GraphID: "g", CID: bad, Version: 1}); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("Load of malformed CID %q: err = %v, want ErrCorrupt", bad, err)
		}
	}
}

func testSnapshotDelete(t *testing.T, s store.SnapshotStore) {
	ctx := testContext(t)
	d1, d2 := snapshotData("one", 100), snapshotData("two", 200_000)
	s1 := mustSave(t, s, snapInfo("g", 1), d1)
	s2 := mustSave(t, s, snapInfo("g", 2), d2)
	other := mustSave(t, s, snapInfo("h", 1), snapshotData("h", 10))

	if err := s.Delete(ctx, s1); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkList(t, s, "g", s2)
	if _, err := s.Load(ctx, s1); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Load of a deleted snapshot: err = %v, want ErrNotFound", err)
	}
	if err := s.Delete(ctx, s1); err != nil {
		t.Errorf("Delete of a snapshot already deleted: %v, want nil (Delete may be retried)", err)
	}
	mustLoad(t, s, s2, d2)
	checkList(t, s, "h", other)

	if err := s.Delete(ctx, s2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	checkList(t, s, "g")
	// A deleted snapshot can be saved again.
	again := mustSave(t, s, snapInfo("g", 1), d1)
	checkList(t, s, "g", again)
	mustLoad(t, s, again, d1)
}

func testSnapshotInvalid(t *testing.T, s store.SnapshotStore) {
	ctx := testContext(t)
	data := []byte("x")
	cid, _ := store.CIDOf(data)
	for _, id := range []string{"", "a.b", "a*", "a>", "a b", strings.Repeat("a", graph.MaxGraphIDLen+1)} {
		info := snapInfo(id, 1)
		if _, err := s.Save(ctx, info, data); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("Save(graph %q): err = %v, want graph.ErrInvalidID", id, err)
		}
		if _, err := s.List(ctx, id); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("List(%q): err = %v, want graph.ErrInvalidID", id, err)
		}
		info.CID = cid
		if err := s.Delete(ctx, info); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("Delete(graph %q): err = %v, want graph.ErrInvalidID", id, err)
		}
	}
	if err := s.Delete(ctx, store.SnapshotInfo{GraphID: "g", CID: "not-a-cid"}); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Delete of malformed CID: err = %v, want ErrCorrupt", err)
	}
}
