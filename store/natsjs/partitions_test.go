package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// A log of 4 partitions puts each graph's transactions in its partition's
// stream, on its own subject, and Head, Read, ListGraphs and Follow find
// them there. The partition count is fixed: reopening with another is
// refused, naming the count the log has, and changes nothing.
func TestPartitions(t *testing.T) {
	const partitions = 4
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	cfg := natsjs.Config{Partitions: partitions}
	log, err := natsjs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}

	var ids []string
	heads := map[string]store.Head{}
	seqs := map[string][]uint64{}
	byPartition := make([]map[string]bool, partitions)
	for p := range byPartition {
		byPartition[p] = map[string]bool{}
	}
	for i := range 40 {
		id := fmt.Sprintf("graph-%02d", i)
		ids = append(ids, id)
		byPartition[natsjs.Partition(id, partitions)][natsjs.Subject(id, partitions)] = true
		for v := range i%3 + 1 {
			h, err := log.Append(ctx, txOf(id, fmt.Sprintf("t%d", v), v+1), heads[id])
			if err != nil {
				t.Fatalf("Append to %s: %v", id, err)
			}
			heads[id] = h
			seqs[id] = append(seqs[id], h.Sequence)
		}
	}

	// Each stream holds exactly its partition's graphs' subjects, and the
	// last message of each is the graph's head.
	for p := range partitions {
		if len(byPartition[p]) == 0 {
			t.Fatalf("no graph of the 40 in partition %d; choose other IDs", p)
		}
		s, err := js.Stream(ctx, natsjs.StreamName(natsjs.DefaultStream, p))
		if err != nil {
			t.Fatal(err)
		}
		info, err := s.Info(ctx, jetstream.WithSubjectFilter(">"))
		if err != nil {
			t.Fatal(err)
		}
		got := slices.Sorted(maps.Keys(info.State.Subjects))
		if want := slices.Sorted(maps.Keys(byPartition[p])); !slices.Equal(got, want) {
			t.Errorf("stream %s holds subjects %v, want %v", natsjs.StreamName(natsjs.DefaultStream, p), got, want)
		}
	}
	for _, id := range ids {
		p := natsjs.Partition(id, partitions)
		s, err := js.Stream(ctx, natsjs.StreamName(natsjs.DefaultStream, p))
		if err != nil {
			t.Fatal(err)
		}
		m, err := s.GetLastMsgForSubject(ctx, natsjs.Subject(id, partitions))
		if err != nil || m.Sequence != heads[id].Sequence {
			t.Errorf("last message of %s in stream %d: %v, %v; want sequence %d", id, p, m, err, heads[id].Sequence)
		}
	}

	// Head and Read find every graph in its stream.
	for _, id := range ids {
		if h, err := log.Head(ctx, id); err != nil || h != heads[id] {
			t.Errorf("Head(%s) = %+v, %v; want %+v", id, h, err, heads[id])
		}
		var versions, gotSeqs []uint64
		for tx, err := range log.Read(ctx, id, 0) {
			if err != nil {
				t.Fatalf("Read(%s): %v", id, err)
			}
			if tx.GraphId != id {
				t.Fatalf("Read(%s) yielded a transaction of %s", id, tx.GraphId)
			}
			versions = append(versions, tx.Version)
			gotSeqs = append(gotSeqs, tx.Sequence)
		}
		if n := len(seqs[id]); len(versions) != n || versions[n-1] != uint64(n) || !slices.Equal(gotSeqs, seqs[id]) {
			t.Errorf("Read(%s) gave versions %v sequences %v, want %d transactions at %v", id, versions, gotSeqs, n, seqs[id])
		}
	}

	// ListGraphs merges the partitions, sorted, and pages across them.
	if got, err := log.ListGraphs(ctx, "", "", 0); err != nil || !slices.Equal(got, ids) {
		t.Errorf("ListGraphs = %v, %v; want %v", got, err, ids)
	}
	var paged []string
	for after := ""; ; {
		page, err := log.ListGraphs(ctx, "", after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1]
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("ListGraphs by pages of 7 = %v, want %v", paged, ids)
	}

	// Follow, one graph of each partition: what is there, then what comes.
	for p := range partitions {
		var id string
		for _, candidate := range ids {
			if natsjs.Partition(candidate, partitions) == p {
				id = candidate
				break
			}
		}
		heads[id] = followNew(t, log, id, heads[id])
	}

	// Another partition count is refused, naming the log's, and changes
	// nothing; the right count opens the log as it was.
	for _, other := range []int{2, 0, 8} {
		_, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: other})
		var pm *natsjs.PartitionMismatchError
		if !errors.Is(err, natsjs.ErrPartitionMismatch) || !errors.As(err, &pm) || pm.Log != partitions ||
			!strings.Contains(err.Error(), "4 partitions") || !strings.Contains(err.Error(), "--partitions 4") {
			t.Errorf("Open with Partitions %d: err = %v, want ErrPartitionMismatch naming 4 partitions", other, err)
		}
	}
	assertNoStream(t, js, natsjs.StreamName(natsjs.DefaultStream, partitions))
	for _, name := range partitionStreams(cfg) {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if md := s.CachedInfo().Config.Metadata; md["graphlog.partitions"] != "4" {
			t.Errorf("stream %s metadata %v after refused opens, want graphlog.partitions 4", name, md)
		}
	}
	reopened, err := natsjs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatalf("reopen with Partitions 4: %v", err)
	}
	for _, id := range ids {
		h, err := reopened.Head(ctx, id)
		if err != nil || h.Version != heads[id].Version {
			t.Errorf("Head(%s) after reopening = %+v, %v; want version %d", id, h, err, heads[id].Version)
		}
	}
}

// followNew follows graph id from its start, checks that it yields the
// graph's transactions up to head, then appends one and checks that the
// follow yields it. It returns the new head.
func followNew(t *testing.T, log *natsjs.Log, id string, head store.Head) store.Head {
	t.Helper()
	ctx, cancel := context.WithCancel(testContext(t))
	defer cancel()
	got := make(chan *messages.Transaction, 16)
	errs := make(chan error, 1)
	go func() {
		for tx, err := range log.Follow(ctx, id, 0) {
			if err != nil {
				errs <- err
				return
			}
			got <- tx
		}
	}()
	next := func() *messages.Transaction {
		t.Helper()
		select {
		case tx := <-got:
			return tx
		case err := <-errs:
			t.Fatalf("Follow(%s): %v", id, err)
		case <-time.After(10 * time.Second):
			t.Fatalf("Follow(%s): no transaction within 10s", id)
		}
		return nil
	}
	for v := uint64(1); v <= head.Version; v++ {
		if tx := next(); tx.GraphId != id || tx.Version != v {
			t.Fatalf("Follow(%s) yielded %s version %d, want version %d", id, tx.GraphId, tx.Version, v)
		}
	}
	h, err := log.Append(ctx, txOf(id, "followed", 2), head)
	if err != nil {
		t.Fatal(err)
	}
	if tx := next(); tx.GraphId != id || tx.Version != h.Version || tx.Sequence != h.Sequence || len(tx.Events) != 2 {
		t.Fatalf("Follow(%s) yielded %v, want version %d at sequence %d", id, tx, h.Version, h.Sequence)
	}
	return h
}

// A server holding a log of format 1 (one stream named Config.Stream with
// subjects event.store.>) is refused: this version neither reads nor
// writes it, and `node migrate` converts it. Nothing is created.
func TestOpenRefusesLegacyLog(t *testing.T) {
	for _, base := range []string{"", "OLD"} {
		t.Run("Stream="+base, func(t *testing.T) {
			ctx := testContext(t)
			_, _, js := natstest.Start(t)
			name := base
			if name == "" {
				name = natsjs.DefaultStream
			}
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"event.store.>"}, AllowDirect: true}); err != nil {
				t.Fatal(err)
			}
			_, err := natsjs.Open(ctx, js, natsjs.Config{Stream: base})
			if !errors.Is(err, natsjs.ErrLegacyLog) || !strings.Contains(err.Error(), "node migrate") || !strings.Contains(err.Error(), name) {
				t.Fatalf("Open over a format 1 log: err = %v, want ErrLegacyLog naming stream %s and `node migrate`", err, name)
			}
			if errors.Is(err, natsjs.ErrPartitionMismatch) {
				t.Errorf("Open over a format 1 log: err = %v, also a partition mismatch", err)
			}
			assertNoStream(t, js, natsjs.StreamName(name, 0))
			if _, err := js.Stream(ctx, name); err != nil {
				t.Errorf("the format 1 stream after a refused Open: %v", err)
			}
		})
	}
}

// A partition stream that does not say it holds format 2 (an older
// format, or a stream not made by graphlog) is refused too.
func TestOpenRefusesPartitionStreamOfOtherFormat(t *testing.T) {
	for name, md := range map[string]map[string]string{
		"format 1":    {"graphlog.format": "1", "graphlog.partitions": "1"},
		"no metadata": nil,
	} {
		t.Run(name, func(t *testing.T) {
			ctx := testContext(t)
			_, _, js := natstest.Start(t)
			if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: defaultStream, Subjects: []string{"event.store.0.*"}, Metadata: md}); err != nil {
				t.Fatal(err)
			}
			if _, err := natsjs.Open(ctx, js, natsjs.Config{}); !errors.Is(err, natsjs.ErrLegacyLog) {
				t.Errorf("Open over a partition stream with metadata %v: err = %v, want ErrLegacyLog", md, err)
			}
		})
	}
}

// ListGraphs lists the graphs that have transactions, each once. A
// message on a partition's subject naming a graph of another partition is
// none of that graph's history (Read and Head never see it; the feed
// dead-letters it), so it must not list the graph a second time, nor a
// graph that has no transaction.
func TestListGraphsSkipsMisplacedSubjects(t *testing.T) {
	const partitions = 2
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{Partitions: partitions})
	both := graphOfPartition(t, "both", 1, partitions) // has transactions, and a misplaced message
	only := graphOfPartition(t, "only", 1, partitions) // has only a misplaced message
	if _, err := log.Append(ctx, txOf(both, "t1", 1), store.Head{}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{both, only} {
		if _, err := js.Publish(ctx, natsjs.PartitionPrefix(0)+id, entry(t, stampedTx(t, id, "x", 1, 1))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := log.ListGraphs(ctx, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []string{both}) {
		t.Fatalf("with misplaced messages on %s0.%s and %s0.%s, ListGraphs = %v, want [%s]: a graph is listed only from its own partition",
			"event.store.", both, "event.store.", only, got, both)
	}
}
