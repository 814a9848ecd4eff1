package natsjs

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	cidpkg "github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// Defaults of SnapshotConfig.
const (
	DefaultSnapshotBucket      = "GRAPH_SNAPSHOTS"
	DefaultSnapshotIndexBucket = "GRAPH_SNAPSHOT_INDEX"
)

// SnapshotConfig sets up the snapshot store's buckets. Zero fields take
// their defaults.
type SnapshotConfig struct {
	// Bucket names the Object Store bucket of snapshot bytes, one object
	// per CID; default DefaultSnapshotBucket.
	Bucket string
	// IndexBucket names the KV bucket that maps graph and version to a
	// snapshot; default DefaultSnapshotIndexBucket.
	IndexBucket string
	// Replicas of both buckets; default 1. Use 3 in a cluster.
	Replicas int
	// Storage of both buckets; the zero value is file storage.
	Storage jetstream.StorageType
}

func (c SnapshotConfig) withDefaults() SnapshotConfig {
	if c.Bucket == "" {
		c.Bucket = DefaultSnapshotBucket
	}
	if c.IndexBucket == "" {
		c.IndexBucket = DefaultSnapshotIndexBucket
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	return c
}

// Validate reports every setting of c (after defaults) that cannot work.
func (c SnapshotConfig) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, b := range []struct{ field, name string }{{"Bucket", c.Bucket}, {"IndexBucket", c.IndexBucket}} {
		if !validBucketName(b.name) {
			errs = append(errs, fmt.Errorf("natsjs: %s %q is not a valid bucket name; use letters, digits, '_' and '-'", b.field, b.name))
		}
	}
	if c.Bucket == c.IndexBucket {
		errs = append(errs, fmt.Errorf("natsjs: Bucket and IndexBucket are both %q; give them different names", c.Bucket))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("natsjs: snapshot Replicas is %d; use 1 to 5 (3 in a cluster)", c.Replicas))
	}
	if c.Storage != jetstream.FileStorage && c.Storage != jetstream.MemoryStorage {
		errs = append(errs, fmt.Errorf("natsjs: snapshot Storage %d is neither file nor memory storage", c.Storage))
	}
	return errors.Join(errs...)
}

// validBucketName reports whether name can name a KV or Object Store
// bucket: letters, digits, '_' and '-'.
func validBucketName(name string) bool {
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Snapshots is the snapshot store on JetStream: snapshot bytes in an
// Object Store bucket, each object named by its CID, and an index in a KV
// bucket (history 1) with one key per snapshot, <graphID>.<version as 20
// zero-padded digits>, whose value is the snapshot's info as JSON. A graph
// ID is one key token, so the filter <graphID>.* lists exactly one graph's
// snapshots (never g10's when listing g1). Create it with OpenSnapshots.
//
// Save writes the object before the index entry and Delete removes the
// entry before the object, so an entry names a missing object only while
// a Delete runs (or races a Save of the same snapshot), or after one failed
// half way; Load reports that as store.ErrNotFound and the caller falls
// back.
type Snapshots struct {
	cfg     SnapshotConfig
	js      jetstream.JetStream
	objects jetstream.ObjectStore
	index   jetstream.KeyValue
}

var _ store.SnapshotStore = (*Snapshots)(nil)

// OpenSnapshots creates the snapshot buckets, or updates them to cfg, and
// returns the store.
func OpenSnapshots(ctx context.Context, js jetstream.JetStream, cfg SnapshotConfig) (*Snapshots, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	objects, err := js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:      cfg.Bucket,
		Description: "graphlog snapshots: a graph's canonical encoding, named by its CID",
		Storage:     cfg.Storage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, &Error{Op: opOpenSnapshots, Err: fmt.Errorf("create or update object store %s: %w", cfg.Bucket, translateSnapshot(err))}
	}
	index, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      cfg.IndexBucket,
		Description: "graphlog snapshot index: <graph>.<version> → snapshot info (JSON)",
		History:     1,
		Storage:     cfg.Storage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return nil, &Error{Op: opOpenSnapshots, Err: fmt.Errorf("create or update key-value bucket %s: %w", cfg.IndexBucket, translateSnapshot(err))}
	}
	return &Snapshots{cfg: cfg, js: js, objects: objects, index: index}, nil
}

// Config returns the store's configuration, defaults filled in.
func (s *Snapshots) Config() SnapshotConfig { return s.cfg }

// Save stores data under its CID and indexes info; see
// store.SnapshotStore. An object already stored with the same digest is
// not uploaded again; one whose digest differs (a damaged object) is
// replaced. If the version was indexed with another CID, that object is
// deleted once the index names the new one.
func (s *Snapshots) Save(ctx context.Context, info store.SnapshotInfo, data []byte) (store.SnapshotInfo, error) {
	fail := func(err error) (store.SnapshotInfo, error) {
		return store.SnapshotInfo{}, &Error{Op: opSaveSnapshot, GraphID: info.GraphID, Err: err}
	}
	if err := graph.ValidateGraphID(info.GraphID); err != nil {
		return fail(err)
	}
	cid, err := store.CIDOf(data)
	if err != nil {
		return fail(err)
	}
	if info.CID != "" && info.CID != cid {
		return fail(fmt.Errorf("info names CID %s but the data's CID is %s; leave CID empty and Save fills it in", info.CID, cid))
	}
	info.CID, info.Size, info.RecordedAt = cid, int64(len(data)), info.RecordedAt.UTC()

	if err := s.putObject(ctx, cid, data); err != nil {
		return fail(err)
	}
	key := indexKey(info.GraphID, info.Version)
	// A missing or damaged entry is (re)written, an equal one left alone.
	prev, err := s.entry(ctx, key)
	switch {
	case err == nil && sameInfo(prev, info):
		return info, nil
	case err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrCorrupt):
		return fail(err)
	}
	value, err := json.Marshal(toEntry(info))
	if err != nil {
		return fail(fmt.Errorf("encode index entry: %w", err))
	}
	if _, err := s.index.Put(ctx, key, value); err != nil {
		return fail(fmt.Errorf("index %s: %w", key, translateSnapshot(err)))
	}
	if prev.CID != "" && prev.CID != cid {
		if err := s.deleteObject(ctx, prev.CID); err != nil {
			return fail(fmt.Errorf("snapshot %s saved, but the object %s of the snapshot it replaced could not be deleted (delete it by hand, or ignore it: it is unused): %w",
				cid, prev.CID, err))
		}
	}
	return info, nil
}

// putObject stores data as object cid unless an intact copy is there.
// Object Store digests are SHA-256 of the content, as the CID's multihash
// is, so the check needs no download.
func (s *Snapshots) putObject(ctx context.Context, cid string, data []byte) error {
	obj, err := s.objects.GetInfo(ctx, cid)
	switch {
	case err == nil:
		if intact(obj, cid, len(data)) {
			return nil
		}
	case !errors.Is(err, jetstream.ErrObjectNotFound):
		return fmt.Errorf("look up object %s: %w", cid, translateSnapshot(err))
	}
	if _, err := s.objects.PutBytes(ctx, cid, data); err != nil {
		return fmt.Errorf("store object %s: %w", cid, translateSnapshot(err))
	}
	return nil
}

// intact reports whether obj has the size and SHA-256 digest the CID
// names.
func intact(obj *jetstream.ObjectInfo, cid string, size int) bool {
	if obj.Deleted || obj.Size != uint64(size) {
		return false
	}
	have, err := jetstream.DecodeObjectDigest(obj.Digest)
	if err != nil {
		return false
	}
	c, err := cidpkg.Decode(cid)
	if err != nil {
		return false
	}
	want, err := multihash.Decode(c.Hash())
	return err == nil && want.Code == multihash.SHA2_256 && bytes.Equal(have, want.Digest)
}

// List returns the graph's snapshots, oldest version first; see
// store.SnapshotStore. It reads the index with one batched direct get of
// the last message of each of the graph's keys: no consumer is created,
// so any number of graphs may list at once (each watcher would be a
// consumer of the index stream, and the server bounds those). A graph
// with more keys than one such answer holds (the server sends at most
// 1,024) is read with a watcher instead.
func (s *Snapshots) List(ctx context.Context, graphID string) ([]store.SnapshotInfo, error) {
	fail := func(err error) ([]store.SnapshotInfo, error) {
		return nil, &Error{Op: opListSnapshots, GraphID: graphID, Err: err}
	}
	if err := graph.ValidateGraphID(graphID); err != nil {
		return fail(err)
	}
	prefix := "$KV." + s.cfg.IndexBucket + "."
	msgs, err := jetstreamext.GetLastMsgsFor(ctx, s.js, "KV_"+s.cfg.IndexBucket, []string{prefix + graphID + ".*"})
	if err != nil {
		return fail(translateSnapshot(err))
	}
	var (
		snaps    []store.SnapshotInfo
		bad      []error
		answered bool
	)
	var pending string
	for m, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) {
			answered = true
			break
		}
		if err != nil {
			// Too many keys for one answer, among others.
			return s.listByWatch(ctx, graphID)
		}
		answered = true
		pending = m.Header.Get(headerNumPending)
		if op := m.Header.Get(kvOperationHeader); op == "DEL" || op == "PURGE" {
			continue // a deleted entry
		}
		info, err := parseEntry(graphID, strings.TrimPrefix(m.Subject, prefix), m.Data)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		snaps = append(snaps, info)
	}
	if !answered {
		return fail(noAnswer(ctx))
	}
	if pending != "" && pending != "0" {
		return s.listByWatch(ctx, graphID) // the answer was cut
	}
	slices.SortFunc(snaps, func(a, b store.SnapshotInfo) int { return cmp.Compare(a.Version, b.Version) })
	if len(bad) > 0 {
		return snaps, &Error{Op: opListSnapshots, GraphID: graphID, Err: errors.Join(bad...)}
	}
	return snaps, nil
}

// listByWatch reads the index with one filtered watcher (an ordered
// consumer on the graph's keys only): the way for a graph with more keys
// than one direct get answers.
func (s *Snapshots) listByWatch(ctx context.Context, graphID string) ([]store.SnapshotInfo, error) {
	fail := func(err error) ([]store.SnapshotInfo, error) {
		return nil, &Error{Op: opListSnapshots, GraphID: graphID, Err: err}
	}
	w, err := s.index.WatchFiltered(ctx, []string{graphID + ".*"}, jetstream.IgnoreDeletes())
	if err != nil {
		return fail(translateSnapshot(err))
	}
	defer func() { _ = w.Stop() }() // a consumer of our own; nothing to report if its cleanup fails

	var (
		snaps []store.SnapshotInfo
		bad   []error
	)
	for {
		select {
		case <-ctx.Done():
			return fail(translateSnapshot(ctx.Err()))
		case e, ok := <-w.Updates():
			if !ok {
				return fail(unavailable(errors.New("the index watcher stopped before it delivered every entry")))
			}
			if e == nil { // every current entry delivered
				slices.SortFunc(snaps, func(a, b store.SnapshotInfo) int { return cmp.Compare(a.Version, b.Version) })
				if len(bad) > 0 {
					return snaps, &Error{Op: opListSnapshots, GraphID: graphID, Err: errors.Join(bad...)}
				}
				return snaps, nil
			}
			info, err := parseEntry(graphID, e.Key(), e.Value())
			if err != nil {
				bad = append(bad, err)
				continue
			}
			snaps = append(snaps, info)
		}
	}
}

// kvOperationHeader marks a KV message that deletes or purges its key.
const kvOperationHeader = "KV-Operation"

// Load returns the snapshot's bytes once they verify against info.CID; see
// store.SnapshotStore.
func (s *Snapshots) Load(ctx context.Context, info store.SnapshotInfo) ([]byte, error) {
	fail := func(err error) ([]byte, error) {
		return nil, &Error{Op: opLoadSnapshot, GraphID: info.GraphID, Err: err}
	}
	if err := store.CheckCID(info.CID); err != nil {
		return fail(err)
	}
	data, err := s.objects.GetBytes(ctx, info.CID)
	if err != nil {
		return fail(fmt.Errorf("snapshot %s (version %d): %w", info.CID, info.Version, translateSnapshot(err)))
	}
	if err := store.VerifyCID(info.CID, data); err != nil {
		return fail(err)
	}
	return data, nil
}

// Delete removes the snapshot's index entry, then its object; see
// store.SnapshotStore.
func (s *Snapshots) Delete(ctx context.Context, info store.SnapshotInfo) error {
	fail := func(err error) error {
		return &Error{Op: opDeleteSnapshot, GraphID: info.GraphID, Err: err}
	}
	if err := graph.ValidateGraphID(info.GraphID); err != nil {
		return fail(err)
	}
	if err := store.CheckCID(info.CID); err != nil {
		return fail(err)
	}
	key := indexKey(info.GraphID, info.Version)
	// Only the entry that names this CID goes: a newer Save of the same
	// version with other bytes must not lose its entry.
	switch prev, err := s.entry(ctx, key); {
	case err == nil && prev.CID == info.CID:
		if err := s.index.Delete(ctx, key); err != nil {
			return fail(fmt.Errorf("unindex %s: %w", key, translateSnapshot(err)))
		}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		return fail(err)
	}
	if err := s.deleteObject(ctx, info.CID); err != nil {
		return fail(err)
	}
	return nil
}

func (s *Snapshots) deleteObject(ctx context.Context, cid string) error {
	err := s.objects.Delete(ctx, cid)
	if err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("delete object %s: %w", cid, translateSnapshot(err))
	}
	return nil
}

// entry reads and parses one index entry; a missing one wraps
// store.ErrNotFound.
func (s *Snapshots) entry(ctx context.Context, key string) (store.SnapshotInfo, error) {
	e, err := s.index.Get(ctx, key)
	if err != nil {
		return store.SnapshotInfo{}, fmt.Errorf("index %s: %w", key, translateSnapshot(err))
	}
	graphID, _, _ := strings.Cut(key, ".")
	return parseEntry(graphID, key, e.Value())
}

// indexKey is the index key of a graph's snapshot at version. Zero padding
// makes keys sort as versions do, for anyone reading the bucket by hand.
func indexKey(graphID string, version uint64) string {
	return fmt.Sprintf("%s.%020d", graphID, version)
}

// entry is the index value: the snapshot's info as JSON, readable with
// `nats kv get`.
type entry struct {
	GraphID    string    `json:"graph_id"`
	CID        string    `json:"cid"`
	Version    uint64    `json:"version"`
	Sequence   uint64    `json:"sequence"`
	Events     uint64    `json:"events,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	Size       int64     `json:"size"`
}

func toEntry(i store.SnapshotInfo) entry {
	return entry{GraphID: i.GraphID, CID: i.CID, Version: i.Version, Sequence: i.Sequence, Events: i.Events, RecordedAt: i.RecordedAt.UTC(), Size: i.Size}
}

// parseEntry decodes the value of key and checks it against the key, so a
// damaged or misplaced entry is reported rather than used.
func parseEntry(graphID, key string, value []byte) (store.SnapshotInfo, error) {
	corrupt := func(format string, args ...any) (store.SnapshotInfo, error) {
		return store.SnapshotInfo{}, fmt.Errorf("%w: index entry %s: %s; delete the entry (the snapshot is then rebuilt from the log)",
			store.ErrCorrupt, key, fmt.Sprintf(format, args...))
	}
	versionToken, ok := strings.CutPrefix(key, graphID+".")
	if !ok {
		return corrupt("the key is not under graph %q", graphID)
	}
	version, err := strconv.ParseUint(versionToken, 10, 64)
	if err != nil || len(versionToken) != 20 {
		return corrupt("the key does not end in a 20-digit version")
	}
	var e entry
	if err := json.Unmarshal(value, &e); err != nil {
		return corrupt("cannot decode %d bytes: %v", len(value), err)
	}
	if e.GraphID != graphID || e.Version != version {
		return corrupt("it names graph %q version %d", e.GraphID, e.Version)
	}
	if err := store.CheckCID(e.CID); err != nil {
		return corrupt("%v", err)
	}
	return store.SnapshotInfo{GraphID: e.GraphID, CID: e.CID, Version: e.Version, Sequence: e.Sequence, Events: e.Events, RecordedAt: e.RecordedAt.UTC(), Size: e.Size}, nil
}

func sameInfo(a, b store.SnapshotInfo) bool {
	return a.GraphID == b.GraphID && a.CID == b.CID && a.Version == b.Version && a.Sequence == b.Sequence &&
		a.Events == b.Events && a.RecordedAt.Equal(b.RecordedAt) && a.Size == b.Size
}

// translateSnapshot classifies the errors of the Object Store and KV
// APIs, then the rest as translate does.
func translateSnapshot(err error) error {
	switch {
	case errors.Is(err, jetstream.ErrObjectNotFound), errors.Is(err, jetstream.ErrKeyNotFound),
		errors.Is(err, jetstream.ErrKeyDeleted):
		return fmt.Errorf("%w (%w)", store.ErrNotFound, err)
	case errors.Is(err, jetstream.ErrDigestMismatch), errors.Is(err, jetstream.ErrBadObjectMeta):
		return fmt.Errorf("%w (%w); do not use this snapshot: fall back to an older one or to the log", store.ErrCorrupt, err)
	case errors.Is(err, jetstream.ErrBucketNotFound), errors.Is(err, jetstream.ErrStreamNotFound):
		return unavailable(err)
	}
	return translate(err)
}
