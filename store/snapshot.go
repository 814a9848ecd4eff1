package store

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"time"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

// SnapshotInfo describes one stored snapshot of a graph: where its state
// stands in the graph's history and the content address of its bytes.
type SnapshotInfo struct {
	GraphID string
	// CID addresses the bytes: CIDv1, raw codec, sha2-256 multihash, in
	// go-cid's default string form (base32, "bafkrei…"). See CIDOf.
	CID string
	// Version is the graph version the snapshot holds.
	Version uint64
	// Sequence is the stream sequence of the last transaction folded into
	// it: replay resumes after it (Reader.Read's afterSequence).
	Sequence uint64
	// Events counts the events of the graph's history up to Version (of
	// every transaction folded, rejected ones included): where the
	// snapshot stands in the history's bulk, which retention spaces
	// snapshots by (0: not known).
	Events uint64
	// RecordedAt is the recorded time of that last event; stores keep it
	// in UTC.
	RecordedAt time.Time
	// Size is the length of the bytes.
	Size int64
}

// SnapshotStore keeps graphs' snapshots: content-addressed blobs (a
// graph's canonical encoding, graph.Encode) and, per graph, an index of
// them by version. Snapshots only bound reads (docs/ARCHITECTURE.md,
// "Reading one graph's history"); the log
// stays the truth, so a snapshot that is missing or does not verify is
// never an emergency: fall back to an older one, or to the log.
//
// On a replicated store, List and Load may lag a Save or Delete by a
// moment (a replica still catching up answers them). That is harmless:
// a snapshot missed costs a longer replay from an older one or from the
// log, never a wrong answer.
//
// Objects are named by CID alone, so equal bytes are stored once. A graph's
// encoding holds its ID and version, so in practice every (graph, version)
// has its own object, and Delete may remove an object without asking
// who else names it.
type SnapshotStore interface {
	// Save stores data (a graph's canonical encoding) under its CID and
	// adds info to the graph's index. It returns info with CID and Size
	// filled in; a non-empty info.CID must equal the data's. Saving the
	// same version twice is not an error: the index keeps one entry per
	// version, the last saved, and an object already stored intact is not
	// written again (one that fails verification is rewritten, so saving
	// again repairs it).
	Save(ctx context.Context, info SnapshotInfo, data []byte) (SnapshotInfo, error)
	// List returns the graph's snapshots, oldest version first; none is
	// not an error. An index entry that cannot be read makes the error wrap
	// ErrCorrupt; the list then still holds every entry that could be
	// read, which a caller may use (falling back is always safe).
	List(ctx context.Context, graphID string) ([]SnapshotInfo, error)
	// Load returns the snapshot's bytes after verifying that they hash to
	// info.CID. Bytes that do not are never returned: the error wraps
	// ErrCorrupt and names the CID. A missing object wraps ErrNotFound.
	Load(ctx context.Context, info SnapshotInfo) ([]byte, error)
	// Delete removes the snapshot from the graph's index, then its object.
	// Deleting a snapshot that is not there is not an error, so an
	// interrupted Delete (or two pruners) may simply be retried.
	Delete(ctx context.Context, info SnapshotInfo) error
}

// cidPrefix is the only kind of CID a snapshot has: version 1, raw bytes,
// a full sha2-256 multihash.
var cidPrefix = cid.Prefix{Version: 1, Codec: cid.Raw, MhType: multihash.SHA2_256, MhLength: sha256.Size}

// CIDOf returns the CID of data: CIDv1, raw codec, sha2-256 multihash, as
// a base32 string ("bafkrei…"). Equal bytes give equal CIDs, and a graph's
// canonical encoding makes equal states equal bytes (docs/ARCHITECTURE.md,
// "Snapshots").
func CIDOf(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	mh, err := multihash.Encode(sum[:], multihash.SHA2_256)
	if err != nil {
		return "", fmt.Errorf("store: encode sha2-256 multihash: %w", err)
	}
	return cid.NewCidV1(cid.Raw, mh).String(), nil
}

// CheckCID reports whether s is a CID that CIDOf could have returned. Its
// error wraps ErrCorrupt: a CID comes from an index, and one that does not
// parse means the index is damaged.
func CheckCID(s string) error {
	_, err := snapshotDigest(s)
	return err
}

// VerifyCID reports whether data hashes to the CID s. On a mismatch, or if
// s is not a snapshot CID, the error wraps ErrCorrupt and names s: such
// bytes must not be used (docs/ARCHITECTURE.md, "Snapshots").
func VerifyCID(s string, data []byte) error {
	want, err := snapshotDigest(s)
	if err != nil {
		return err
	}
	if got := sha256.Sum256(data); !bytes.Equal(got[:], want) {
		return fmt.Errorf("%w: snapshot %s: its %d bytes do not hash to its CID; do not use them: fall back to an older snapshot or to the log",
			ErrCorrupt, s, len(data))
	}
	return nil
}

// snapshotDigest returns the sha2-256 digest that the snapshot CID s
// names.
func snapshotDigest(s string) ([]byte, error) {
	c, err := cid.Decode(s)
	if err != nil {
		return nil, fmt.Errorf("%w: snapshot CID %q does not parse: %w", ErrCorrupt, s, err)
	}
	if p := c.Prefix(); p != cidPrefix {
		return nil, fmt.Errorf("%w: %q is not a snapshot CID (version %d, codec %#x, hash %#x of %d bytes); snapshots are CIDv1, raw, sha2-256",
			ErrCorrupt, s, p.Version, p.Codec, p.MhType, p.MhLength)
	}
	dec, err := multihash.Decode(c.Hash())
	if err != nil {
		return nil, fmt.Errorf("%w: snapshot CID %q has a bad multihash: %w", ErrCorrupt, s, err)
	}
	return dec.Digest, nil
}

// Retention says which snapshots of a graph to keep: the newest KeepNewest
// ones, plus the oldest snapshot of every window of Every events of
// history (events [0, Every), [Every, 2·Every) … by SnapshotInfo.Events),
// so that time travel to any point finds a kept snapshot less than about
// 2·Every events before it whenever each window has one. Windows count
// events, not versions: what a replay costs is the events it folds, and a
// graph written in transactions of a hundred events would otherwise keep a
// hundred times fewer snapshots for the same history. The newest snapshot
// is always kept. The zero Retention keeps everything; a negative
// KeepNewest counts as zero.
//
// Windows are fixed by position in the history, not by what is stored, so
// a snapshot kept for its window stays kept as newer ones arrive: pruning
// again never removes what an earlier pruning kept for history.
type Retention struct {
	KeepNewest int
	Every      uint64
}

// Prunable returns the snapshots of snaps (one graph's, as List returns
// them, in any order) that r would delete, oldest version first. It is
// pure; the caller deletes them.
func (r Retention) Prunable(snaps []SnapshotInfo) []SnapshotInfo {
	if r == (Retention{}) || len(snaps) == 0 {
		return nil
	}
	sorted := slices.Clone(snaps)
	slices.SortStableFunc(sorted, func(a, b SnapshotInfo) int { return cmp.Compare(a.Version, b.Version) })

	keep := make([]bool, len(sorted))
	for i := max(len(sorted)-max(r.KeepNewest, 1), 0); i < len(sorted); i++ {
		keep[i] = true
	}
	if r.Every > 0 {
		for i, s := range sorted {
			if i == 0 || s.Events/r.Every != sorted[i-1].Events/r.Every {
				keep[i] = true // the oldest of its window
			}
		}
	}
	var prune []SnapshotInfo
	for i, s := range sorted {
		if !keep[i] {
			prune = append(prune, s)
		}
	}
	return prune
}

// NearestByVersion returns the newest snapshot that holds version or an
// earlier one (ok false if there is none): the place to start replaying to
// reach version. snaps may be in any order.
func NearestByVersion(snaps []SnapshotInfo, version uint64) (SnapshotInfo, bool) {
	return nearest(snaps, func(s SnapshotInfo) bool { return s.Version <= version })
}

// NearestByTime returns the newest snapshot whose last event was recorded
// at or before t (ok false if there is none): the place to start replaying
// to see the graph as of t.
func NearestByTime(snaps []SnapshotInfo, t time.Time) (SnapshotInfo, bool) {
	return nearest(snaps, func(s SnapshotInfo) bool { return !s.RecordedAt.After(t) })
}

func nearest(snaps []SnapshotInfo, usable func(SnapshotInfo) bool) (SnapshotInfo, bool) {
	var best SnapshotInfo
	found := false
	for _, s := range snaps {
		if usable(s) && (!found || s.Version > best.Version) {
			best, found = s, true
		}
	}
	return best, found
}
