package natsjs_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func openDirectory(t testing.TB, js jetstream.JetStream, partitions int) *natsjs.Directory {
	t.Helper()
	d, err := natsjs.OpenDirectory(testContext(t), js, natsjs.DirectoryConfig{Stream: natsjs.DefaultStream, Partitions: partitions})
	if err != nil {
		t.Fatalf("OpenDirectory: %v", err)
	}
	t.Cleanup(d.Close)
	waitFor(t, 10*time.Second, "the directory to load", func() (bool, string) {
		ok, n := d.Loaded()
		return ok, fmt.Sprintf("%d graphs loaded", n)
	})
	return d
}

// listAll pages through the directory by pages of size, checking that
// each page is sorted, within prefix, after the last, and no longer than
// asked.
func listAll(t testing.TB, d *natsjs.Directory, prefix string, size int) []string {
	t.Helper()
	var all []string
	after := ""
	for {
		page, err := d.ListGraphs(testContext(t), prefix, after, size)
		if err != nil {
			t.Fatalf("ListGraphs(%q, %q, %d): %v", prefix, after, size, err)
		}
		if len(page) > size {
			t.Fatalf("a page of %d asked for %d", len(page), size)
		}
		for i, id := range page {
			if id <= after || (i > 0 && id <= page[i-1]) || len(id) < len(prefix) || id[:len(prefix)] != prefix {
				t.Fatalf("page after %q with prefix %q: %v is out of order or prefix", after, prefix, page)
			}
		}
		all = append(all, page...)
		if len(page) < size {
			return all
		}
		after = page[len(page)-1]
	}
}

// Pages of the directory, read while graphs are added, are each sorted
// and never repeat or skip a graph that was there before the paging
// began; another node's directory lists the same graphs once its watch
// has seen them.
func TestDirectoryPagingUnderConcurrentCreation(t *testing.T) {
	_, js := openLogJS(t, natsjs.Config{Partitions: 3})
	d := openDirectory(t, js, 3)
	ctx := testContext(t)
	var before []string
	for i := range 300 {
		id := fmt.Sprintf("g%04d", i*2) // even: there before the paging
		if err := d.Add(ctx, id); err != nil {
			t.Fatal(err)
		}
		before = append(before, id)
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		added = slices.Clone(before)
	)
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < 300; i += 4 {
				id := fmt.Sprintf("g%04d", i*2+1) // odd: added while paging
				if err := d.Add(ctx, id); err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				added = append(added, id)
				mu.Unlock()
			}
		})
	}
	for range 5 {
		got := listAll(t, d, "g", 17)
		for _, id := range before {
			if _, ok := slices.BinarySearch(got, id); !ok {
				t.Fatalf("paging while graphs are added skipped %s, there before it began", id)
			}
		}
	}
	wg.Wait()
	slices.Sort(added)
	if got := listAll(t, d, "", 50); !slices.Equal(got, added) {
		t.Fatalf("after the adds the directory lists %d graphs, want %d", len(got), len(added))
	}
	if got := listAll(t, d, "g000", 3); !slices.Equal(got, added[:10]) {
		t.Fatalf("prefix g000 lists %v, want %v", got, added[:10])
	}
	if err := d.Add(ctx, "g0000"); err != nil {
		t.Fatalf("adding a graph that is there: %v", err)
	}
	if err := d.Add(ctx, "bad.id"); err == nil {
		t.Fatal("a graph ID with a dot was added")
	}

	other := openDirectory(t, js, 3)
	if got := listAll(t, other, "", 1000); !slices.Equal(got, added) {
		t.Fatalf("another node's directory lists %d graphs, want %d", len(got), len(added))
	}
	late := "h-late"
	if err := d.Add(ctx, late); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the other node to see a new graph", func() (bool, string) {
		page, err := other.ListGraphs(ctx, "h", "", 10)
		return err == nil && slices.Equal(page, []string{late}), fmt.Sprint(page, err)
	})
}

// Backfill adds the graphs of the log that the directory lacks, and only
// those.
func TestDirectoryBackfill(t *testing.T) {
	log, js := openLogJS(t, natsjs.Config{Partitions: 2})
	ctx := testContext(t)
	var ids []string
	for i := range 25 {
		id := fmt.Sprintf("old-%02d", i)
		if _, err := log.Append(ctx, txOf(id, "t1", 1), store.Head{}); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	d := openDirectory(t, js, 2)
	if err := d.Add(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	if got := listAll(t, d, "", 100); !slices.Equal(got, ids[3:4]) {
		t.Fatalf("before the backfill: %v, want only %s", got, ids[3])
	}
	// Before the backfill, a graph missing from the index may still have
	// transactions: the directory is not sure.
	if listed, sure := d.Known(ids[5]); listed || sure {
		t.Fatalf("Known(%s) before the backfill = %v, %v; want false, false", ids[5], listed, sure)
	}
	added, err := d.Backfill(ctx, log)
	if err != nil || added != len(ids)-1 {
		t.Fatalf("Backfill added %d, %v; want %d", added, err, len(ids)-1)
	}
	if got := listAll(t, d, "", 7); !slices.Equal(got, ids) {
		t.Fatalf("after the backfill: %v, want %v", got, ids)
	}
	if listed, sure := d.Known(ids[5]); !listed || !sure {
		t.Fatalf("Known(%s) after the backfill = %v, %v; want true, true", ids[5], listed, sure)
	}
	if listed, sure := d.Known("new"); listed || !sure {
		t.Fatalf("Known(new) after the backfill = %v, %v; want false, true", listed, sure)
	}
	if added, err := d.Backfill(ctx, log); err != nil || added != 0 {
		t.Fatalf("a second backfill added %d, %v; want 0", added, err)
	}
}
