package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/btree"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store"
)

// Directory is the list of graphs, kept so that a page of it costs the
// page, whatever the number of graphs (docs/ARCHITECTURE.md, "The graph
// directory").
//
// Its durable form is one KV bucket per partition, <stream>_GRAPHS-<p>,
// with one key per graph that has transactions (the value is empty). The
// ingress adds a graph when it sees the graph's first transaction, so
// every write path (grains, direct appends) feeds it, off the write path.
// Every node watches the buckets into an ordered in-memory index (a
// B-tree of graph IDs), from which it answers listings by seeking to the
// page's start.
type Directory struct {
	cfg    DirectoryConfig
	kvs    []jetstream.KeyValue
	mu     sync.RWMutex
	ids    *btree.BTreeG[string]
	loaded atomic.Int32 // partitions whose current keys the index holds
	// backfilled: Backfill ran to its end, so the index lacks no graph
	// the log held when this node started.
	backfilled atomic.Bool
	stop       context.CancelFunc
	done       sync.WaitGroup
}

// DirectoryConfig configures a Directory.
type DirectoryConfig struct {
	// Stream is the log's base stream name; the buckets are named after
	// it. Partitions and Replicas are the log's.
	Stream     string
	Partitions int
	Replicas   int
	Logger     *slog.Logger
}

var _ store.GraphLister = (*Directory)(nil)

// DirectoryBucket is the KV bucket of partition p's graphs.
func DirectoryBucket(stream string, p int) string {
	return stream + "_GRAPHS-" + strconv.Itoa(p)
}

// OpenDirectory creates or binds the directory's buckets and starts
// watching them. Listings answer unavailable until every bucket's current
// keys are in the index (Loaded).
func OpenDirectory(ctx context.Context, js jetstream.JetStream, cfg DirectoryConfig) (*Directory, error) {
	if cfg.Partitions < 1 {
		cfg.Partitions = 1
	}
	if cfg.Replicas < 1 {
		cfg.Replicas = 1
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	d := &Directory{cfg: cfg, ids: btree.NewG(64, func(a, b string) bool { return a < b })}
	for p := range cfg.Partitions {
		kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      DirectoryBucket(cfg.Stream, p),
			Description: fmt.Sprintf("graphlog graph directory: one key per graph of partition %d that has transactions", p),
			History:     1,
			Replicas:    cfg.Replicas,
			Storage:     jetstream.FileStorage,
		})
		if err != nil {
			return nil, &Error{Op: opList, Err: fmt.Errorf("directory bucket %s: %w", DirectoryBucket(cfg.Stream, p), translate(err))}
		}
		d.kvs = append(d.kvs, kv)
	}
	wctx, stop := context.WithCancel(context.Background())
	d.stop = stop
	for p, kv := range d.kvs {
		// Keys only: the values are empty, and the watcher's ordered
		// consumer resumes by itself after a reconnection.
		w, err := kv.WatchAll(wctx, jetstream.IgnoreDeletes(), jetstream.MetaOnly())
		if err != nil {
			d.Close()
			return nil, &Error{Op: opList, Err: fmt.Errorf("watching directory bucket %s: %w", DirectoryBucket(cfg.Stream, p), translate(err))}
		}
		d.done.Add(1)
		go d.watch(w)
	}
	return d, nil
}

// watch feeds the index from one bucket until the directory closes.
func (d *Directory) watch(w jetstream.KeyWatcher) {
	defer d.done.Done()
	defer w.Stop()
	for e := range w.Updates() {
		if e == nil {
			// The bucket's current keys are in: the watcher now sends
			// only new ones.
			d.loaded.Add(1)
			continue
		}
		d.insert(e.Key())
	}
}

func (d *Directory) insert(id string) {
	d.mu.Lock()
	d.ids.ReplaceOrInsert(id)
	d.mu.Unlock()
}

// Close stops watching the buckets.
func (d *Directory) Close() {
	if d.stop != nil {
		d.stop()
	}
	d.done.Wait()
}

// Loaded reports whether the index holds every bucket's keys as of its
// opening, and how many graphs it holds.
func (d *Directory) Loaded() (bool, int) {
	d.mu.RLock()
	n := d.ids.Len()
	d.mu.RUnlock()
	return int(d.loaded.Load()) == len(d.kvs), n
}

// Known reports whether the directory lists graphID, and whether that
// answer is sure to be negative for a graph it does not list: once the
// index is loaded and backfilled, a graph missing from it had no
// transaction when the ingress last caught up. A grain uses it to skip the snapshot lookup of
// a graph that is new (a graph written a moment ago may be missing for a
// while; it then reads its log from the start, which is correct, only
// not as short).
func (d *Directory) Known(graphID string) (listed, loaded bool) {
	loaded, _ = d.Loaded()
	loaded = loaded && d.backfilled.Load()
	d.mu.RLock()
	listed = d.ids.Has(graphID)
	d.mu.RUnlock()
	return listed, loaded
}

// Add records that graph graphID has transactions. Adding a graph that is
// there already changes nothing.
func (d *Directory) Add(ctx context.Context, graphID string) error {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return err
	}
	kv := d.kvs[Partition(graphID, d.cfg.Partitions)]
	if _, err := kv.Create(ctx, graphID, nil); err != nil && !errors.Is(err, jetstream.ErrKeyExists) {
		return &Error{Op: opList, Err: fmt.Errorf("adding graph %s to the directory: %w", graphID, translate(err))}
	}
	// This node lists it at once; the others when their watch sees it.
	d.insert(graphID)
	return nil
}

// ListGraphs returns up to limit IDs of graphs that start with prefix and
// sort after after, in order; limit 0 or less means all. It costs the
// page: a seek in the index, then one step per ID returned.
func (d *Directory) ListGraphs(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if ok, n := d.Loaded(); !ok {
		return nil, &Error{Op: opList, Err: fmt.Errorf("%w: the graph directory is loading (%d graphs so far); retry in a moment", store.ErrUnavailable, n)}
	}
	start := max(prefix, after)
	var ids []string
	d.mu.RLock()
	defer d.mu.RUnlock()
	d.ids.AscendGreaterOrEqual(start, func(id string) bool {
		if !strings.HasPrefix(id, prefix) {
			return false
		}
		if id == after {
			return true
		}
		ids = append(ids, id)
		return limit <= 0 || len(ids) < limit
	})
	return ids, nil
}

// Backfill adds to the directory every graph that has transactions in log
// but no key, as read from the streams' subject lists (a cost that grows
// with the number of graphs, paid once per node start): graphs written
// before the directory existed, or whose first transaction the ingress
// has not seen yet. It waits until the index is loaded, and reports how
// many graphs it added.
func (d *Directory) Backfill(ctx context.Context, log *Log) (int, error) {
	for {
		if ok, _ := d.Loaded(); ok {
			break
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	ids, err := log.ListGraphs(ctx, "", "", 0)
	if err != nil {
		return 0, err
	}
	added := 0
	for _, id := range ids {
		d.mu.RLock()
		known := d.ids.Has(id)
		d.mu.RUnlock()
		if known {
			continue
		}
		if err := d.Add(ctx, id); err != nil {
			return added, err
		}
		added++
		if added%10_000 == 0 {
			d.cfg.Logger.Info("graph directory backfill", slog.Int("added", added))
		}
	}
	d.backfilled.Store(true)
	return added, nil
}
