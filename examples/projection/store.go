package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/follow"
)

// The projection keeps its state in one KV bucket:
//
//	graph.<id>      one graph's view and the position of the last
//	                transaction it includes (a record), in one value
//	partition.<p>   how far partition p was followed: a follow.Position
//
// Why nothing is missed or counted twice, whenever the process dies
// (docs/ARCHITECTURE.md, "Following the log"):
//
//  1. A graph's view and its version are one value, written whole: the
//     stored view is always the fold of exactly the transactions up to
//     the stored version.
//  2. A partition's position is written only after the views of every
//     transaction up to it (and not even after every batch: it is a lower
//     bound, so writing it now and then is enough). Following resumes from
//     it, so no transaction after the stored views is skipped.
//  3. Following from an older position hands transactions the views have;
//     a view skips every transaction at or below its version (view.apply),
//     so none is counted twice.
//
// Following a given set of graphs needs no partition positions: each
// graph follows from its own record's position (follow.Graph).
//
// A view is one value, so it must fit the server's max payload (1 MiB
// by default: tens of thousands of elements with short IDs). Larger
// graphs need their views split, each part carrying the version it
// includes, so that every part is still skipped or applied whole.

const (
	graphKeyPrefix     = "graph."
	partitionKeyPrefix = "partition."
)

// kv is what the projection needs of its bucket (a jetstream.KeyValue).
type kv interface {
	Get(ctx context.Context, key string) (jetstream.KeyValueEntry, error)
	Put(ctx context.Context, key string, value []byte) (uint64, error)
	ListKeys(ctx context.Context, opts ...jetstream.WatchOpt) (jetstream.KeyLister, error)
}

// state is what a projection finds in its bucket when it starts.
type state struct {
	views      map[string]*view
	partitions map[int]follow.Position
}

// load reads the bucket: every graph's view (only those of graphs, when
// given) and the partitions' positions.
func load(ctx context.Context, b kv, graphs []string) (state, error) {
	st := state{views: map[string]*view{}, partitions: map[int]follow.Position{}}
	keys := graphs
	if graphs == nil {
		lister, err := b.ListKeys(ctx)
		if err != nil && !errors.Is(err, jetstream.ErrNoKeysFound) {
			return st, err
		}
		keys = nil
		if lister != nil {
			for k := range lister.Keys() {
				keys = append(keys, k)
			}
			_ = lister.Stop() // ended already when Keys is closed
		}
	} else {
		keys = make([]string, len(graphs))
		for i, g := range graphs {
			keys[i] = graphKeyPrefix + g
		}
	}
	for _, k := range keys {
		e, err := b.Get(ctx, k)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			continue
		}
		if err != nil {
			return st, fmt.Errorf("reading %s: %w", k, err)
		}
		switch {
		case strings.HasPrefix(k, graphKeyPrefix):
			v, err := viewFromRecord(e.Value())
			if err != nil {
				return st, fmt.Errorf("the view in %s: %w", k, err)
			}
			st.views[v.g.ID()] = v
		case strings.HasPrefix(k, partitionKeyPrefix):
			p, err := strconv.Atoi(strings.TrimPrefix(k, partitionKeyPrefix))
			if err != nil {
				return st, fmt.Errorf("key %s names no partition", k)
			}
			var pos follow.Position
			if err := json.Unmarshal(e.Value(), &pos); err != nil {
				return st, fmt.Errorf("the position in %s: %w", k, err)
			}
			st.partitions[p] = pos
		}
	}
	return st, nil
}

func putView(ctx context.Context, b kv, v *view) error {
	data, err := v.record()
	if err != nil {
		return err
	}
	_, err = b.Put(ctx, graphKeyPrefix+v.g.ID(), data)
	return err
}

func putPosition(ctx context.Context, b kv, p int, pos follow.Position) error {
	data, err := json.Marshal(pos)
	if err != nil {
		return err
	}
	_, err = b.Put(ctx, partitionKeyPrefix+strconv.Itoa(p), data)
	return err
}
