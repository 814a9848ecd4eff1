package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// Snapshots is an in-memory store.SnapshotStore with the semantics of
// natsjs.Snapshots: objects named by CID, one index entry per graph and
// version, bytes verified on Load. Bytes are copied in and out. Create it
// with NewSnapshots.
type Snapshots struct {
	mu      sync.RWMutex
	objects map[string][]byte                        // by CID
	index   map[string]map[uint64]store.SnapshotInfo // by graph, then version
}

var _ store.SnapshotStore = (*Snapshots)(nil)

// NewSnapshots returns an empty snapshot store.
func NewSnapshots() *Snapshots {
	return &Snapshots{objects: make(map[string][]byte), index: make(map[string]map[uint64]store.SnapshotInfo)}
}

// Save stores data under its CID and indexes info; see
// store.SnapshotStore.
func (s *Snapshots) Save(ctx context.Context, info store.SnapshotInfo, data []byte) (store.SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("memory: save snapshot: %w", err)
	}
	if err := graph.ValidateGraphID(info.GraphID); err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("memory: save snapshot: %w", err)
	}
	cid, err := store.CIDOf(data)
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("memory: save snapshot of graph %s: %w", info.GraphID, err)
	}
	if info.CID != "" && info.CID != cid {
		return store.SnapshotInfo{}, fmt.Errorf("memory: save snapshot of graph %s: info names CID %s but the data's CID is %s; leave CID empty and Save fills it in",
			info.GraphID, info.CID, cid)
	}
	info.CID, info.Size, info.RecordedAt = cid, int64(len(data)), info.RecordedAt.UTC()

	s.mu.Lock()
	defer s.mu.Unlock()
	// Rewriting the object also repairs one damaged by Corrupt.
	s.objects[cid] = slices.Clone(data)
	versions := s.index[info.GraphID]
	if versions == nil {
		versions = make(map[uint64]store.SnapshotInfo)
		s.index[info.GraphID] = versions
	}
	if prev, ok := versions[info.Version]; ok && prev.CID != cid {
		delete(s.objects, prev.CID)
	}
	versions[info.Version] = info
	return info, nil
}

// List returns the graph's snapshots, oldest version first.
func (s *Snapshots) List(ctx context.Context, graphID string) ([]store.SnapshotInfo, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: list snapshots: %w", err)
	}
	if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, fmt.Errorf("memory: list snapshots: %w", err)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var snaps []store.SnapshotInfo
	for _, info := range s.index[graphID] {
		snaps = append(snaps, info)
	}
	slices.SortFunc(snaps, func(a, b store.SnapshotInfo) int { return cmp.Compare(a.Version, b.Version) })
	return snaps, nil
}

// Load returns a copy of the snapshot's bytes once they verify against
// info.CID.
func (s *Snapshots) Load(ctx context.Context, info store.SnapshotInfo) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: load snapshot: %w", err)
	}
	if err := store.CheckCID(info.CID); err != nil {
		return nil, fmt.Errorf("memory: load snapshot of graph %s: %w", info.GraphID, err)
	}
	s.mu.RLock()
	data, ok := s.objects[info.CID]
	s.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("memory: load snapshot %s of graph %s (version %d): %w", info.CID, info.GraphID, info.Version, store.ErrNotFound)
	}
	// Stored bytes are never changed in place (Corrupt replaces them), so
	// they may be read outside the lock.
	if err := store.VerifyCID(info.CID, data); err != nil {
		return nil, fmt.Errorf("memory: load snapshot of graph %s: %w", info.GraphID, err)
	}
	return slices.Clone(data), nil
}

// Delete removes the snapshot's index entry (if it still names info.CID)
// and its object. Deleting what is not there is not an error.
func (s *Snapshots) Delete(ctx context.Context, info store.SnapshotInfo) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: delete snapshot: %w", err)
	}
	if err := graph.ValidateGraphID(info.GraphID); err != nil {
		return fmt.Errorf("memory: delete snapshot: %w", err)
	}
	if err := store.CheckCID(info.CID); err != nil {
		return fmt.Errorf("memory: delete snapshot of graph %s: %w", info.GraphID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if versions := s.index[info.GraphID]; versions[info.Version].CID == info.CID {
		delete(versions, info.Version)
		if len(versions) == 0 {
			delete(s.index, info.GraphID)
		}
	}
	delete(s.objects, info.CID)
	return nil
}

// Corrupt replaces the stored bytes of object cid with others of the same
// length (the last byte flipped; one byte if it was empty), as a damaged
// disk or a stray write would, so tests can check that Load refuses them.
// It reports whether the object existed.
func (s *Snapshots) Corrupt(cid string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	data, ok := s.objects[cid]
	if !ok {
		return false
	}
	bad := slices.Clone(data)
	if len(bad) == 0 {
		bad = []byte{0}
	} else {
		bad[len(bad)-1] ^= 0xff
	}
	s.objects[cid] = bad
	return true
}
