package store_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"

	"github.com/graphlog/graphlog/store"
)

// CIDOf agrees with go-cid's own hashing path, which goes through
// go-multihash's registered hasher rather than crypto/sha256 directly.
func TestCIDOfMatchesGoCID(t *testing.T) {
	prefix := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.SHA2_256, MhLength: -1}
	for _, data := range [][]byte{nil, []byte("graph"), make([]byte, 1<<20)} {
		want, err := prefix.Sum(data)
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.CIDOf(data)
		if err != nil {
			t.Fatal(err)
		}
		if got != want.String() {
			t.Errorf("CIDOf(%d bytes) = %s, go-cid says %s", len(data), got, want)
		}
		if !strings.HasPrefix(got, "bafkrei") {
			t.Errorf("CIDOf(%d bytes) = %s, want a base32 CIDv1 raw sha2-256 (bafkrei…)", len(data), got)
		}
		if err := store.VerifyCID(got, data); err != nil {
			t.Errorf("VerifyCID of the data's own CID: %v", err)
		}
	}
	// The empty input has a well-known CID.
	if got, _ := store.CIDOf(nil); got != "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku" {
		t.Errorf("CIDOf(nil) = %s", got)
	}
}

func TestVerifyCID(t *testing.T) {
	data := []byte("state")
	good, _ := store.CIDOf(data)
	other, _ := store.CIDOf([]byte("other state"))
	v0, _ := cid.Prefix{Version: 0, Codec: cid.DagProtobuf, MhType: multihash.SHA2_256, MhLength: -1}.Sum(data)
	dagpb, _ := cid.Prefix{Version: 1, Codec: cid.DagProtobuf, MhType: multihash.SHA2_256, MhLength: -1}.Sum(data)
	sha512, _ := cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.SHA2_512, MhLength: -1}.Sum(data)
	base58, _ := cid.MustParse(good).StringOfBase('z')

	tests := []struct {
		name string
		cid  string
		ok   bool
	}{
		{"own CID", good, true},
		{"same CID in base58", base58, true},
		{"other data's CID", other, false},
		{"empty", "", false},
		{"garbage", "not-a-cid", false},
		{"truncated", good[:len(good)-3], false},
		{"CIDv0", v0.String(), false},
		{"dag-pb codec", dagpb.String(), false},
		{"sha2-512", sha512.String(), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := store.VerifyCID(tt.cid, data)
			if tt.ok != (err == nil) {
				t.Fatalf("VerifyCID(%q) = %v, want ok=%t", tt.cid, err, tt.ok)
			}
			if err != nil && !errors.Is(err, store.ErrCorrupt) {
				t.Errorf("VerifyCID(%q) = %v, want it to wrap ErrCorrupt", tt.cid, err)
			}
			if err != nil && tt.cid != "" && !strings.Contains(err.Error(), tt.cid) {
				t.Errorf("VerifyCID(%q) = %v, want the error to name the CID", tt.cid, err)
			}
		})
	}
}

// snaps returns snapshot infos at the given versions, recorded a minute
// apart per version from t0.
func snaps(versions ...uint64) []store.SnapshotInfo {
	out := make([]store.SnapshotInfo, len(versions))
	for i, v := range versions {
		out[i] = store.SnapshotInfo{GraphID: "g", Version: v, Sequence: 10 * v, Events: v, RecordedAt: t0.Add(time.Duration(v) * time.Minute)}
	}
	return out
}

// bulky are snapshots of a graph written in transactions of perTx events.
func bulky(perTx uint64, versions ...uint64) []store.SnapshotInfo {
	out := snaps(versions...)
	for i := range out {
		out[i].Events = perTx * out[i].Version
	}
	return out
}

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func versions(s []store.SnapshotInfo) []uint64 {
	out := make([]uint64, len(s))
	for i, x := range s {
		out[i] = x.Version
	}
	return out
}

func TestRetentionPrunable(t *testing.T) {
	tests := []struct {
		name  string
		r     store.Retention
		snaps []store.SnapshotInfo
		prune []uint64
	}{
		{"empty input", store.Retention{KeepNewest: 2, Every: 10}, nil, nil},
		{"zero retention keeps all", store.Retention{}, snaps(1, 2, 3), nil},
		{"keep newest 2", store.Retention{KeepNewest: 2}, snaps(1, 2, 3, 4), []uint64{1, 2}},
		{"keep newest more than there are", store.Retention{KeepNewest: 9}, snaps(1, 2, 3), nil},
		{"input order does not matter", store.Retention{KeepNewest: 2}, snaps(4, 1, 3, 2), []uint64{1, 2}},
		{"negative keep counts as zero but newest stays", store.Retention{KeepNewest: -3, Every: 100}, snaps(1, 2, 3), []uint64{2}},
		{"only newest", store.Retention{KeepNewest: 1}, snaps(5), nil},
		{
			"one per window, oldest of each",
			store.Retention{Every: 10},
			snaps(0, 5, 9, 10, 12, 25, 27, 29),
			[]uint64{5, 9, 12, 27}, // keeps 0, 10, 25 (windows) and 29 (newest)
		},
		{
			"windows plus newest K",
			store.Retention{KeepNewest: 3, Every: 10},
			snaps(3, 7, 11, 14, 18, 21, 22, 23),
			[]uint64{7, 14, 18}, // keeps 3, 11, 21 (windows), 21 22 23 (newest)
		},
		{
			"regular snapshots on window boundaries",
			store.Retention{KeepNewest: 2, Every: 100},
			snaps(50, 100, 150, 200, 250, 300, 350),
			[]uint64{150, 250}, // 50 stays: the oldest of window [0, 100)
		},
		{"never prunes the newest", store.Retention{Every: 1000}, snaps(1001, 1002), nil},
		{
			// 100 events a transaction: windows of 1000 events are 10 versions.
			"windows count events, not versions",
			store.Retention{Every: 1000},
			bulky(100, 5, 9, 10, 12, 25, 27, 29),
			[]uint64{9, 12, 27}, // keeps 5, 10, 25 (windows of events) and 29 (newest)
		},
		{"every 1 keeps all", store.Retention{Every: 1}, snaps(1, 2, 3), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.snaps)
			got := versions(tt.r.Prunable(tt.snaps))
			if !slices.Equal(got, tt.prune) && !(len(got) == 0 && len(tt.prune) == 0) {
				t.Errorf("%+v.Prunable(%v) = %v, want %v", tt.r, versions(tt.snaps), got, tt.prune)
			}
			if !slices.Equal(versions(in), versions(tt.snaps)) {
				t.Errorf("Prunable changed its input")
			}
		})
	}
}

// Pruning is stable: pruning what a pruning left, after more snapshots
// arrive, never removes a snapshot that was kept for its window.
func TestRetentionPruneAgainKeepsWindows(t *testing.T) {
	r := store.Retention{KeepNewest: 2, Every: 10}
	var kept []store.SnapshotInfo
	windowKept := map[uint64]uint64{} // window → the first (oldest) snapshot in it
	for v := uint64(1); v <= 200; v += 3 {
		if _, ok := windowKept[v/10]; !ok {
			windowKept[v/10] = v
		}
		kept = append(kept, snaps(v)...)
		prune := r.Prunable(kept)
		kept = slices.DeleteFunc(kept, func(s store.SnapshotInfo) bool {
			return slices.ContainsFunc(prune, func(p store.SnapshotInfo) bool { return p.Version == s.Version })
		})
		for w, wv := range windowKept {
			if !slices.ContainsFunc(kept, func(s store.SnapshotInfo) bool { return s.Version == wv }) {
				t.Fatalf("after saving version %d: the snapshot at %d, kept for window %d, was pruned", v, wv, w)
			}
		}
		if len(kept) > int(v/10)+1+r.KeepNewest {
			t.Fatalf("after saving version %d: %d snapshots kept, want at most one per window plus %d", v, len(kept), r.KeepNewest)
		}
	}
}

func TestNearestByVersion(t *testing.T) {
	all := snaps(10, 20, 30)
	tests := []struct {
		version uint64
		want    uint64
		ok      bool
	}{
		{0, 0, false}, {9, 0, false}, {10, 10, true}, {19, 10, true}, {20, 20, true}, {29, 20, true}, {30, 30, true}, {1 << 60, 30, true},
	}
	for _, tt := range tests {
		for _, in := range [][]store.SnapshotInfo{all, {all[2], all[0], all[1]}} {
			got, ok := store.NearestByVersion(in, tt.version)
			if ok != tt.ok || ok && got.Version != tt.want {
				t.Errorf("NearestByVersion(%v, %d) = %d, %t; want %d, %t", versions(in), tt.version, got.Version, ok, tt.want, tt.ok)
			}
		}
	}
	if _, ok := store.NearestByVersion(nil, 5); ok {
		t.Error("NearestByVersion(nil) found a snapshot")
	}
}

func TestNearestByTime(t *testing.T) {
	all := snaps(10, 20, 30) // recorded at t0+10m, +20m, +30m
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	tests := []struct {
		t    time.Time
		want uint64
		ok   bool
	}{
		{at(0), 0, false},
		{at(10).Add(-time.Nanosecond), 0, false},
		{at(10), 10, true},
		{at(25), 20, true},
		{at(30), 30, true},
		{at(30).In(time.FixedZone("UTC+5", 5*3600)), 30, true}, // the same instant elsewhere
		{at(1000), 30, true},
	}
	for _, tt := range tests {
		got, ok := store.NearestByTime(all, tt.t)
		if ok != tt.ok || ok && got.Version != tt.want {
			t.Errorf("NearestByTime(%v) = %d, %t; want %d, %t", tt.t, got.Version, ok, tt.want, tt.ok)
		}
	}
}

// BenchmarkVerifyCID is the share of Load that is hashing: sha2-256 of
// the whole snapshot.
func BenchmarkVerifyCID(b *testing.B) {
	data := make([]byte, 8<<20)
	c, err := store.CIDOf(data)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := store.VerifyCID(c, data); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzVerifyCID: no input panics, and whatever verifies is the data's CID
// in some base.
func FuzzVerifyCID(f *testing.F) {
	good, _ := store.CIDOf([]byte("state"))
	f.Add(good, []byte("state"))
	f.Add(good, []byte("other"))
	f.Add("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG", []byte{})
	f.Add("bafy", []byte{})
	f.Fuzz(func(t *testing.T, s string, data []byte) {
		if store.VerifyCID(s, data) != nil {
			return
		}
		want, _ := store.CIDOf(data)
		if c, err := cid.Decode(s); err != nil || c.String() != want {
			t.Fatalf("VerifyCID accepted %q for data whose CID is %s", s, want)
		}
	})
}
