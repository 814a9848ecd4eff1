package natsjs_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/natsnode"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// The server refuses a stale append with err_code 10071; Append reports
// it as ErrConflict, keeps the server's error in the chain and stores
// nothing.
func TestConflictIsServerWrongLastSequence(t *testing.T) {
	for _, size := range []int{1, 3} {
		t.Run(strconv.Itoa(size)+"events", func(t *testing.T) {
			ctx := testContext(t)
			log, js := openLogJS(t)
			h1, err := log.Append(ctx, txOf("g", "t1", size), store.Head{})
			if err != nil {
				t.Fatal(err)
			}
			_, err = log.Append(ctx, txOf("g", "t2", size), store.Head{})
			var apiErr *jetstream.APIError
			if !errors.Is(err, store.ErrConflict) || !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
				t.Fatalf("stale append: err = %v, want ErrConflict wrapping err_code 10071", err)
			}
			var e *natsjs.Error
			if !errors.As(err, &e) || e.Op != "append" || e.GraphID != "g" {
				t.Errorf("stale append: err = %#v, want a *natsjs.Error for append of graph g", err)
			}
			if h, _ := log.Head(ctx, "g"); h != h1 {
				t.Errorf("Head after refused append = %+v, want %+v: the transaction must be refused whole", h, h1)
			}
			if n := streamMsgs(t, js, defaultStream); n != 1 {
				t.Errorf("stream holds %d messages after a refused append, want 1", n)
			}
		})
	}
}

// The concurrency check is on the graph's own subject: other graphs'
// transactions in the same stream do not make a graph's head stale, and
// a sequence of another graph's message is not the graph's head.
func TestConflictIsPerGraph(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t)
	hg, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	var hh store.Head
	for i := range 3 {
		if hh, err = log.Append(ctx, txOf("h", "t"+strconv.Itoa(i), 1), hh); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := log.Append(ctx, txOf("g", "t2", 1), store.Head{Version: hg.Version, Sequence: hh.Sequence}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("append to g stating h's last sequence: err = %v, want ErrConflict", err)
	}
	h2, err := log.Append(ctx, txOf("g", "t2", 1), hg)
	if err != nil || h2.Version != 2 || h2.Sequence <= hh.Sequence {
		t.Fatalf("append to g after h's appends = %+v, %v; want version 2 after sequence %d", h2, err, hh.Sequence)
	}
}

// Head is the last message on the graph's own subject: later messages of
// other graphs in the same stream do not move it.
func TestHeadIsLastMessageOfGraphSubject(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t)
	var hg, hh store.Head
	var err error
	for i := range 3 {
		if hg, err = log.Append(ctx, txOf("g", "g"+strconv.Itoa(i), i+1), hg); err != nil {
			t.Fatal(err)
		}
		if hh, err = log.Append(ctx, txOf("h", "h"+strconv.Itoa(i), 2), hh); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]store.Head{"g": hg, "h": hh, "none": {}} {
		if got, err := log.Head(ctx, id); err != nil || got != want {
			t.Errorf("Head(%s) = %+v, %v; want %+v", id, got, err, want)
		}
	}
	if hg.Version != 3 || hg.Sequence >= hh.Sequence {
		t.Errorf("heads g %+v h %+v: want g at version 3 before h's last message", hg, hh)
	}
	h, at, err := log.LastChange(ctx, "g")
	if err != nil || h != hg || at.IsZero() {
		t.Errorf("LastChange(g) = %+v, %v, %v; want %+v at a recorded time", h, at, err, hg)
	}
}

// publishRaw stores data on graph g's subject, as a producer that bypasses
// Append would, and returns its sequence.
func publishRaw(t *testing.T, js jetstream.JetStream, data []byte) uint64 {
	t.Helper()
	ack, err := js.Publish(testContext(t), natsjs.Subject("g", 1), data)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Stream != defaultStream {
		t.Fatalf("raw message stored in stream %s, want %s", ack.Stream, defaultStream)
	}
	return ack.Sequence
}

type readResult struct {
	versions []uint64
	sizes    []int
	seqs     []uint64
	ids      []string
	corrupt  []uint64
	txs      []*messages.Transaction
}

func readResults(t *testing.T, log store.Reader, graphID string, after uint64) readResult {
	t.Helper()
	var r readResult
	for tx, err := range log.Read(testContext(t), graphID, after) {
		if err != nil {
			var ce *store.CorruptError
			if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &ce) {
				t.Fatalf("Read: %v, want only ErrCorrupt errors", err)
			}
			if ce.GraphID != graphID || ce.Subject != natsjs.Subject(graphID, 1) {
				t.Errorf("corrupt message reported for graph %q subject %q, want %q and %q", ce.GraphID, ce.Subject, graphID, natsjs.Subject(graphID, 1))
			}
			r.corrupt = append(r.corrupt, ce.Sequence)
			continue
		}
		r.versions = append(r.versions, tx.Version)
		r.sizes = append(r.sizes, len(tx.Events))
		r.seqs = append(r.seqs, tx.Sequence)
		r.ids = append(r.ids, tx.TransactionId)
		r.txs = append(r.txs, tx)
	}
	return r
}

// A message whose body is not a valid log entry of the graph yields a
// *store.CorruptError with its sequence, from Head and from Read, and
// reading goes on after it: no fold could apply it, and the transactions
// around it are whole.
func TestMalformedEntryIsCorruptAndSkipped(t *testing.T) {
	cases := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"garbage", func(*testing.T) []byte { return []byte{0xff, 0xff, 0xff} }},
		{"no transaction", func(t *testing.T) []byte { return entry(t) }},
		{"another graph's transaction", func(t *testing.T) []byte { return entry(t, stampedTx(t, "h", "x", 2, 2)) }},
		{"graph's and another graph's transaction", func(t *testing.T) []byte {
			return entry(t, stampedTx(t, "g", "x2", 2, 1), stampedTx(t, "h", "x3", 3, 1))
		}},
		{"version gap inside the entry", func(t *testing.T) []byte {
			return entry(t, stampedTx(t, "g", "x2", 2, 1), stampedTx(t, "g", "x4", 4, 1))
		}},
		{"versions out of order inside the entry", func(t *testing.T) []byte {
			return entry(t, stampedTx(t, "g", "x3", 3, 1), stampedTx(t, "g", "x2", 2, 1))
		}},
		{"no version", func(t *testing.T) []byte { return entry(t, txOf("g", "x", 1)) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forEachReadMode(t, func(t *testing.T, cfg natsjs.Config) {
				ctx := testContext(t)
				log, js := openLogJS(t, cfg)
				h, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
				if err != nil {
					t.Fatal(err)
				}
				bad := publishRaw(t, js, c.data(t))

				_, err = log.Head(ctx, "g")
				var ce *store.CorruptError
				if !errors.Is(err, store.ErrCorrupt) || !errors.As(err, &ce) || ce.Sequence != bad {
					t.Errorf("Head with a malformed newest message: err = %v, want a *store.CorruptError at sequence %d", err, bad)
				}
				if _, err := log.Append(ctx, txOf("g", "t2", 1), store.Head{Version: h.Version, Sequence: bad}); err != nil {
					t.Fatal(err)
				}
				got := readResults(t, log, "g", 0)
				if !slices.Equal(got.versions, []uint64{1, 2}) || !slices.Equal(got.sizes, []int{2, 1}) || !slices.Equal(got.corrupt, []uint64{bad}) {
					t.Errorf("Read = versions %v sizes %v corrupt %v; want [1 2], [2 1] and corrupt [%d]", got.versions, got.sizes, got.corrupt, bad)
				}
			})
		})
	}
}

// A message holding several consecutive transactions (a group commit) is
// read as those transactions, each whole and with its own ID and
// version, all with the message's sequence; Head is the last one's.
func TestGroupCommitEntryReadAsTransactions(t *testing.T) {
	forEachReadMode(t, func(t *testing.T, cfg natsjs.Config) {
		ctx := testContext(t)
		log, js := openLogJS(t, cfg)
		h1, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
		if err != nil {
			t.Fatal(err)
		}
		group := publishRaw(t, js, entry(t, stampedTx(t, "g", "t2", 2, 3), stampedTx(t, "g", "t3", 3, 1)))
		h, err := log.Head(ctx, "g")
		if err != nil || h != (store.Head{Version: 3, Sequence: group}) {
			t.Fatalf("Head after a group commit = %+v, %v; want version 3 at sequence %d", h, err, group)
		}
		h4, err := log.Append(ctx, txOf("g", "t4", 2), h)
		if err != nil || h4.Version != 4 {
			t.Fatalf("Append after a group commit = %+v, %v; want version 4", h4, err)
		}

		got := readResults(t, log, "g", 0)
		if !slices.Equal(got.versions, []uint64{1, 2, 3, 4}) || !slices.Equal(got.sizes, []int{2, 3, 1, 2}) ||
			!slices.Equal(got.ids, []string{"t1", "t2", "t3", "t4"}) ||
			!slices.Equal(got.seqs, []uint64{h1.Sequence, group, group, h4.Sequence}) || len(got.corrupt) != 0 {
			t.Fatalf("Read = versions %v sizes %v ids %v sequences %v corrupt %v; want t1…t4, versions 1…4, t2 and t3 at sequence %d",
				got.versions, got.sizes, got.ids, got.seqs, got.corrupt, group)
		}
		for _, tx := range got.txs[1:3] {
			for i, ev := range tx.Events {
				if ev.GraphId != "g" || ev.TransactionId != tx.TransactionId || ev.Version != tx.Version ||
					ev.Index != uint32(i) || ev.Count != uint32(len(tx.Events)) || ev.Sequence != group || ev.RecordedAt == nil {
					t.Errorf("event %d of %s: %v; want it stamped with its own transaction", i, tx.TransactionId, ev)
				}
			}
		}
		if got := readResults(t, log, "g", h1.Sequence); !slices.Equal(got.versions, []uint64{2, 3, 4}) {
			t.Errorf("Read after version 1 gave versions %v, want [2 3 4]", got.versions)
		}
		if got := readResults(t, log, "g", group); !slices.Equal(got.versions, []uint64{4}) {
			t.Errorf("Read after the group commit gave versions %v, want [4]", got.versions)
		}
	})
}

// readModes are the two ways Read fetches: direct get pages only, and a
// first page followed by a consumer (a page of one message leaves the
// rest of a small graph long and dense).
var readModes = []struct {
	name     string
	cfg      natsjs.Config
	consumer bool
}{
	{"DirectGet", natsjs.Config{}, false},
	{"Consumer", natsjs.Config{ReadBatch: 1}, true},
}

// forEachReadMode runs test with each read mode and checks that the mode
// was the one used.
func forEachReadMode(t *testing.T, test func(t *testing.T, cfg natsjs.Config)) {
	for _, mode := range readModes {
		t.Run(mode.name, func(t *testing.T) {
			before := natsjs.ConsumerReads()
			test(t, mode.cfg)
			if used := natsjs.ConsumerReads() > before; used != mode.consumer {
				t.Errorf("read with a consumer: %t, want %t", used, mode.consumer)
			}
		})
	}
}

// Read pages through the graph's messages with direct gets of ReadBatch
// messages; transactions of many events come out whole. With the graph
// sparse in the stream it never switches to a consumer; dense, it does,
// and yields the same.
func TestReadAcrossPages(t *testing.T) {
	var sizes []int
	for i := range 20 {
		sizes = append(sizes, 1+i*5%9)
	}
	versions := func(from int) []uint64 {
		var vs []uint64
		for v := from; v <= len(sizes); v++ {
			vs = append(vs, uint64(v))
		}
		return vs
	}
	for _, tc := range []struct {
		name     string
		noise    int // transactions of other graphs after each of g's
		consumer bool
	}{
		{"Sparse", 50, false},
		{"Dense", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			log := openLog(t, natsjs.Config{ReadBatch: 3})
			var h store.Head
			var heads []store.Head
			noise := map[string]store.Head{}
			for i, n := range sizes {
				var err error
				if h, err = log.Append(ctx, txOf("g", "t"+strconv.Itoa(i), n), h); err != nil {
					t.Fatal(err)
				}
				heads = append(heads, h)
				for j := range tc.noise {
					id := "n" + strconv.Itoa(j%20)
					if noise[id], err = log.Append(ctx, txOf(id, "o"+strconv.Itoa(i)+"-"+strconv.Itoa(j), 1), noise[id]); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := natsjs.ConsumerReads()
			got := readResults(t, log, "g", 0)
			if !slices.Equal(got.sizes, sizes) || !slices.Equal(got.versions, versions(1)) {
				t.Fatalf("Read by pages of 3 gave versions %v sizes %v, want sizes %v", got.versions, got.sizes, sizes)
			}
			for i, seq := range got.seqs {
				if seq != heads[i].Sequence {
					t.Fatalf("Read gave sequences %v, want those of the appends", got.seqs)
				}
			}
			if used := natsjs.ConsumerReads() > before; used != tc.consumer {
				t.Errorf("read with a consumer: %t, want %t", used, tc.consumer)
			}
			got = readResults(t, log, "g", heads[2].Sequence)
			if !slices.Equal(got.versions, versions(4)) || !slices.Equal(got.sizes, sizes[3:]) {
				t.Fatalf("Read after version 3 gave versions %v sizes %v", got.versions, got.sizes)
			}
		})
	}
}

// There is no limit on the events of a transaction, only on its bytes: a
// transaction of 5,000 small events is one message and reads back whole.
func TestManyEventsInOneTransaction(t *testing.T) {
	forEachReadMode(t, func(t *testing.T, cfg natsjs.Config) {
		ctx := testContext(t)
		log, js := openLogJS(t, cfg)
		h0, err := log.Append(ctx, txOf("g", "t0", 1), store.Head{})
		if err != nil {
			t.Fatal(err)
		}
		const n = 5000
		tx := txOf("g", "many", n)
		for i, ev := range tx.Events {
			ev.EventId = "e" + strconv.Itoa(i)
		}
		h, err := log.Append(ctx, tx, h0)
		if err != nil {
			t.Fatalf("Append of %d events: %v", n, err)
		}
		if _, err := log.Append(ctx, txOf("g", "t2", 1), h); err != nil {
			t.Fatal(err)
		}
		if m := streamMsgs(t, js, defaultStream); m != 3 {
			t.Errorf("stream holds %d messages, want 3: one per transaction", m)
		}
		got := readResults(t, log, "g", 0)
		if !slices.Equal(got.sizes, []int{1, n, 1}) || len(got.corrupt) != 0 {
			t.Fatalf("Read gave sizes %v corrupt %v, want [1 %d 1]", got.sizes, got.corrupt, n)
		}
		read := got.txs[1]
		if read.Version != 2 || read.Sequence != h.Sequence || read.TransactionId != "many" {
			t.Errorf("read transaction %s version %d sequence %d, want many version 2 sequence %d", read.TransactionId, read.Version, read.Sequence, h.Sequence)
		}
		for i, ev := range read.Events {
			if ev.EventId != "e"+strconv.Itoa(i) || ev.Index != uint32(i) || ev.Count != n || ev.Version != 2 || ev.Sequence != h.Sequence {
				t.Fatalf("event %d read as %v", i, ev)
			}
		}
	})
}

// Transactions near the size limit read back whole, several of them in
// a row: a page of direct gets, or a consumer's pull, may hold fewer
// messages than asked for, never part of one.
func TestReadLargeTransactions(t *testing.T) {
	forEachReadMode(t, func(t *testing.T, cfg natsjs.Config) {
		ctx := testContext(t)
		log := openLog(t, cfg)
		const n, size = 5, 900_000
		var h store.Head
		var err error
		for i := range n {
			tx := txOf("g", "big"+strconv.Itoa(i), 1)
			tx.Events[0].EventId = strings.Repeat(strconv.Itoa(i), size)
			if h, err = log.Append(ctx, tx, h); err != nil {
				t.Fatal(err)
			}
		}
		got := readResults(t, log, "g", 0)
		if !slices.Equal(got.versions, []uint64{1, 2, 3, 4, 5}) || len(got.corrupt) != 0 {
			t.Fatalf("Read gave versions %v corrupt %v, want 1…5", got.versions, got.corrupt)
		}
		for i, tx := range got.txs {
			if id := tx.Events[0].EventId; len(id) != size || id[:1] != strconv.Itoa(i) {
				t.Errorf("transaction %d read with an event ID of %d bytes, want %d", i, len(id), size)
			}
		}
	})
}

func TestDeadLetterLandsInDeadLetterStream(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t)
	subject := natsjs.Subject("g", 1)
	if err := log.DeadLetter(ctx, subject, []byte("payload"), "cannot decode:\nbad bytes", 42); err != nil {
		t.Fatal(err)
	}
	dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := dlq.GetLastMsgForSubject(ctx, "deadletter."+subject)
	if err != nil {
		t.Fatalf("dead letter not in %s: %v", natsjs.DefaultDeadLetterStream, err)
	}
	if string(msg.Data) != "payload" ||
		msg.Header.Get(natsjs.HeaderOriginalSubject) != subject ||
		msg.Header.Get(natsjs.HeaderOriginalSequence) != "42" ||
		msg.Header.Get(natsjs.HeaderReason) != "cannot decode: bad bytes" {
		t.Errorf("dead letter = %q with headers %v", msg.Data, msg.Header)
	}
	// It does not land in the events stream.
	if n := streamMsgs(t, js, defaultStream); n != 0 {
		t.Errorf("events stream holds %d messages after a dead letter, want 0", n)
	}
}

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv, nc, js := natstest.StartIn(t, dir)
	ctx := testContext(t)
	cfg := natsjs.Config{Partitions: 2}
	log, err := natsjs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{graphOfPartition(t, "g", 0, 2), graphOfPartition(t, "g", 1, 2)}
	heads := map[string]store.Head{}
	for _, id := range ids {
		for i := range 3 {
			if heads[id], err = log.Append(ctx, txOf(id, "t"+strconv.Itoa(i), i+1), heads[id]); err != nil {
				t.Fatal(err)
			}
		}
	}
	nc.Close()
	srv.Shutdown()

	_, _, js = natstest.StartIn(t, dir)
	log, err = natsjs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		h := heads[id]
		if got, err := log.Head(ctx, id); err != nil || got != h {
			t.Fatalf("Head(%s) after restart = %+v, %v; want %+v", id, got, err, h)
		}
		if got := readResults(t, log, id, 0); !slices.Equal(got.sizes, []int{1, 2, 3}) {
			t.Fatalf("Read(%s) after restart gave sizes %v, want [1 2 3]", id, got.sizes)
		}
		if h4, err := log.Append(ctx, txOf(id, "t4", 1), h); err != nil || h4.Version != 4 {
			t.Fatalf("Append to %s after restart = %+v, %v; want version 4", id, h4, err)
		}
	}
}

func TestUnavailableWhenServerIsGone(t *testing.T) {
	srv, _, js := natstest.Start(t)
	ctx := testContext(t)
	log, err := natsjs.Open(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	srv.Shutdown()

	if _, err := log.Append(ctx, txOf("g", "t", 1), store.Head{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Append without a server: err = %v, want ErrUnavailable", err)
	}
	if _, err := log.Head(ctx, "g"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Head without a server: err = %v, want ErrUnavailable", err)
	}
	for _, err := range log.Read(ctx, "g", 0) {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Read without a server: err = %v, want ErrUnavailable", err)
		}
	}
	if _, err := log.ListGraphs(ctx, "", "", 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("ListGraphs without a server: err = %v, want ErrUnavailable", err)
	}
}

// Without the graph's partition stream (deleted behind the log's back) the
// server has no one to answer: ErrUnavailable, saying to open the log.
func TestUnavailableWithoutStream(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{})
	if err := js.DeleteStream(ctx, defaultStream); err != nil {
		t.Fatal(err)
	}
	_, err := log.Append(ctx, txOf("g", "t", 1), store.Head{})
	if !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "Open") {
		t.Errorf("Append without the stream: err = %v, want ErrUnavailable naming Open", err)
	}
	if _, err := log.Head(ctx, "g"); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Head without the stream: err = %v, want ErrUnavailable", err)
	}
	for _, err := range log.Read(ctx, "g", 0) {
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Read without the stream: err = %v, want ErrUnavailable", err)
		}
	}
}

// Open creates one stream per partition, capturing that partition's graph
// subjects, keeping every transaction forever, remembering message IDs
// for the duplicate window, refusing messages over the transaction limit
// plus headers, and saying in its metadata what log it holds. Open is
// idempotent.
func TestOpenSetsUpStreams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		cfg        natsjs.Config
		partitions int
		window     time.Duration
		maxBytes   int
		dlq        string
	}{
		{"Defaults", natsjs.Config{}, 1, natsjs.DefaultDuplicateWindow, natsjs.DefaultMaxTransactionBytes, natsjs.DefaultDeadLetterStream},
		{"Configured", natsjs.Config{Stream: "LOG", DeadLetterStream: "LOG_DLQ", Partitions: 3, DuplicateWindow: 30 * time.Second, MaxTransactionBytes: 64 << 10},
			3, 30 * time.Second, 64 << 10, "LOG_DLQ"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testContext(t)
			_, _, js := natstest.Start(t)
			for range 2 {
				if _, err := natsjs.Open(ctx, js, tc.cfg); err != nil {
					t.Fatal(err)
				}
			}
			names := partitionStreams(tc.cfg)
			if len(names) != tc.partitions {
				t.Fatalf("want %d partition streams, got names %v", tc.partitions, names)
			}
			for p, name := range names {
				s, err := js.Stream(ctx, name)
				if err != nil {
					t.Fatalf("partition stream %s: %v", name, err)
				}
				cfg := s.CachedInfo().Config
				wantSubject := "event.store." + strconv.Itoa(p) + ".*"
				if len(cfg.Subjects) != 1 || cfg.Subjects[0] != wantSubject || wantSubject != natsjs.PartitionPrefix(p)+"*" {
					t.Errorf("stream %s subjects %v, want [%s]", name, cfg.Subjects, wantSubject)
				}
				if !cfg.AllowDirect || !cfg.DenyDelete || !cfg.DenyPurge || cfg.AllowAtomicPublish ||
					cfg.MaxMsgs != -1 || cfg.MaxBytes != -1 || cfg.MaxAge != 0 || cfg.MaxMsgsPerSubject != -1 ||
					cfg.Discard != jetstream.DiscardNew || cfg.Storage != jetstream.FileStorage || cfg.Replicas != 1 {
					t.Errorf("stream %s config = %+v; want direct get, deny delete and purge, no limits, file storage", name, cfg)
				}
				if cfg.Duplicates != tc.window {
					t.Errorf("stream %s duplicate window %v, want %v", name, cfg.Duplicates, tc.window)
				}
				if cfg.MaxMsgSize != int32(tc.maxBytes+natsjs.HeaderRoom) {
					t.Errorf("stream %s max message size %d, want %d", name, cfg.MaxMsgSize, tc.maxBytes+natsjs.HeaderRoom)
				}
				if cfg.Metadata["graphlog.format"] != "2" || cfg.Metadata["graphlog.partitions"] != strconv.Itoa(tc.partitions) {
					t.Errorf("stream %s metadata %v, want graphlog.format 2 and graphlog.partitions %d", name, cfg.Metadata, tc.partitions)
				}
			}
			base := tc.cfg.Stream
			if base == "" {
				base = natsjs.DefaultStream
			}
			assertNoStream(t, js, base)
			assertNoStream(t, js, natsjs.StreamName(base, tc.partitions))
			dlq, err := js.Stream(ctx, tc.dlq)
			if err != nil {
				t.Fatalf("dead-letter stream: %v", err)
			}
			if s := dlq.CachedInfo().Config.Subjects; len(s) != 1 || s[0] != natsjs.DeadLetterSubjects {
				t.Errorf("dead-letter stream subjects %v, want [%s]", s, natsjs.DeadLetterSubjects)
			}
		})
	}
}

// No operator command drops a stored transaction: the streams refuse
// deletes and purges.
func TestStreamsRefuseDeleteAndPurge(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t)
	h, err := log.Append(ctx, txOf("g", "t1", 1), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := js.Stream(ctx, defaultStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteMsg(ctx, h.Sequence); err == nil {
		t.Error("deleting a message of the log succeeded")
	}
	if err := s.Purge(ctx); err == nil {
		t.Error("purging the log succeeded")
	}
	if got, err := log.Head(ctx, "g"); err != nil || got != h {
		t.Errorf("Head after delete and purge = %+v, %v; want %+v", got, err, h)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := []natsjs.Config{
		{},
		{Partitions: 0}, // the default, 1
		{Partitions: 1},
		{Partitions: natsjs.MaxPartitions},
		{Replicas: 3, Partitions: 16, DuplicateWindow: 2 * time.Minute, MaxTransactionBytes: 1024, ReadBatch: 50, Storage: jetstream.MemoryStorage},
		{MaxTransactionBytes: 8 << 20},
	}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
	invalid := []struct {
		cfg   natsjs.Config
		names string // what the error must name
	}{
		{natsjs.Config{Stream: "a.b"}, "Stream"},
		{natsjs.Config{DeadLetterStream: "x y"}, "DeadLetterStream"},
		{natsjs.Config{Stream: "S", DeadLetterStream: "S"}, "DeadLetterStream"},
		{natsjs.Config{Replicas: -1}, "Replicas"},
		{natsjs.Config{Replicas: 6}, "Replicas"},
		{natsjs.Config{Partitions: -1}, "Partitions"},
		{natsjs.Config{Partitions: natsjs.MaxPartitions + 1}, "Partitions"},
		{natsjs.Config{DuplicateWindow: -time.Second}, "DuplicateWindow"},
		{natsjs.Config{MaxTransactionBytes: 1023}, "MaxTransactionBytes"},
		{natsjs.Config{MaxTransactionBytes: -1}, "MaxTransactionBytes"},
		{natsjs.Config{ReadBatch: -5}, "ReadBatch"},
		{natsjs.Config{Storage: 7}, "Storage"},
	}
	for _, c := range invalid {
		if err := c.cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.names) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", c.cfg, err, c.names)
		}
	}
	// Every problem is reported at once.
	err := natsjs.Config{Partitions: -1, MaxTransactionBytes: 10}.Validate()
	if err == nil || !strings.Contains(err.Error(), "Partitions") || !strings.Contains(err.Error(), "MaxTransactionBytes") {
		t.Errorf("Validate of two bad settings = %v, want both named", err)
	}
}

// Validate promises to report every setting that cannot work, and the
// server refuses duplicate windows under 100 ms.
func TestConfigValidateShortDuplicateWindow(t *testing.T) {
	cfg := natsjs.Config{DuplicateWindow: 50 * time.Millisecond}
	_, _, js := natstest.Start(t)
	_, openErr := natsjs.Open(testContext(t), js, cfg)
	if openErr == nil {
		t.Fatalf("Open with a duplicate window of %v succeeded; the server accepts it", cfg.DuplicateWindow)
	}
	if err := cfg.Validate(); err == nil {
		t.Fatalf("DuplicateWindow %v passes Validate, but Open fails with %v", cfg.DuplicateWindow, openErr)
	}
}

// A transaction whose encoding is over the configured byte limit is
// refused as too large, naming the limit, and nothing is stored; the
// limit is on the whole transaction, however its bytes are spread over
// events.
func TestConfiguredTransactionLimit(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{MaxTransactionBytes: 4096})
	bigEvent := txOf("g", "big", 1)
	bigEvent.Events[0].EventId = strings.Repeat("x", 5000)
	manyEvents := txOf("g", "many", 300)
	for name, tx := range map[string]*messages.Transaction{"one 5,000-byte event": bigEvent, "300 small events": manyEvents} {
		_, err := log.Append(ctx, tx, store.Head{})
		if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), "4096") {
			t.Errorf("%s with a limit of 4096 bytes: err = %v, want ErrTooLarge naming 4096", name, err)
		}
	}
	if h, err := log.Head(ctx, "g"); err != nil || h != (store.Head{}) {
		t.Errorf("Head after refused appends = %+v, %v; want the zero Head", h, err)
	}
	if n := streamMsgs(t, js, defaultStream); n != 0 {
		t.Errorf("stream holds %d messages after refused appends, want 0", n)
	}
	fits := txOf("g", "fits", 1)
	fits.Events[0].EventId = strings.Repeat("x", 3000)
	if _, err := log.Append(ctx, fits, store.Head{}); err != nil {
		t.Errorf("a 3,000-byte event with a limit of 4096 bytes: %v", err)
	}
}

// An event larger than the default limit is too large, naming the limit,
// and is not sent.
func TestOversizedEventIsTooLarge(t *testing.T) {
	log, js := openLogJS(t)
	tx := txOf("g", "t", 1)
	tx.Events[0].EventId = strings.Repeat("x", 2<<20)
	_, err := log.Append(testContext(t), tx, store.Head{})
	if !errors.Is(err, store.ErrTooLarge) || !strings.Contains(err.Error(), strconv.Itoa(natsjs.DefaultMaxTransactionBytes)) {
		t.Errorf("a 2 MiB event: err = %v, want ErrTooLarge naming the limit %d", err, natsjs.DefaultMaxTransactionBytes)
	}
	if n := streamMsgs(t, js, defaultStream); n != 0 {
		t.Errorf("stream holds %d messages after a refused append, want 0", n)
	}
}

// Open refuses a server whose max payload cannot carry the transaction
// limit plus headers, creating nothing; a lower limit fits.
func TestOpenRefusesSmallMaxPayload(t *testing.T) {
	ctx := testContext(t)
	const maxPayload = 512 << 10
	srv, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, NoLog: true, MaxPayload: maxPayload})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.ClientURL(), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	_, err = natsjs.Open(ctx, js, natsjs.Config{})
	var e *natsjs.Error
	if err == nil || !errors.As(err, &e) || e.Op != "open" || !strings.Contains(err.Error(), "max payload") || !strings.Contains(err.Error(), strconv.Itoa(maxPayload)) {
		t.Fatalf("Open with the default limit on a server of max payload %d: err = %v, want an open error naming the max payload", maxPayload, err)
	}
	assertNoStream(t, js, defaultStream)
	assertNoStream(t, js, natsjs.DefaultDeadLetterStream)

	_, err = natsjs.Open(ctx, js, natsjs.Config{MaxTransactionBytes: maxPayload - natsjs.HeaderRoom + 1})
	if err == nil {
		t.Errorf("Open with a limit one byte over max payload minus header room succeeded")
	}
	log, err := natsjs.Open(ctx, js, natsjs.Config{MaxTransactionBytes: maxPayload - natsjs.HeaderRoom})
	if err != nil {
		t.Fatalf("Open with a limit that fits: %v", err)
	}
	if _, err := log.Append(ctx, txOf("g", "t1", 3), store.Head{}); err != nil {
		t.Fatal(err)
	}
}

// A resend of a stored transaction (same graph and transaction ID) within
// the duplicate window is answered with ErrDuplicate, naming where the
// first landed, and stores nothing.
func TestDuplicateWithinWindow(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t)
	h1, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = log.Append(ctx, txOf("g", "t1", 2), h1)
	var e *natsjs.Error
	if !errors.Is(err, store.ErrDuplicate) || !errors.As(err, &e) || e.Op != "append" || e.GraphID != "g" ||
		!strings.Contains(err.Error(), "sequence "+strconv.FormatUint(h1.Sequence, 10)) {
		t.Fatalf("resend of t1 at the head: err = %v, want ErrDuplicate naming sequence %d", err, h1.Sequence)
	}
	// A resend that also states a stale head is refused one way or the
	// other, never stored.
	if _, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{}); !errors.Is(err, store.ErrDuplicate) && !errors.Is(err, store.ErrConflict) {
		t.Errorf("resend of t1 at the empty head: err = %v, want ErrDuplicate or ErrConflict", err)
	}
	if n := streamMsgs(t, js, defaultStream); n != 1 {
		t.Errorf("stream holds %d messages after resends, want 1", n)
	}
	if h, err := log.Head(ctx, "g"); err != nil || h != h1 {
		t.Errorf("Head after resends = %+v, %v; want %+v", h, err, h1)
	}
	// The message ID is per graph: the same transaction ID in another
	// graph is another transaction.
	if _, err := log.Append(ctx, txOf("h", "t1", 2), store.Head{}); err != nil {
		t.Errorf("t1 in graph h: %v", err)
	}
}

// The log remembers transaction IDs only for its duplicate window: past
// it, nats-server (2.15.3) stores a resend at the current head again, as a
// new transaction with the next version. Refusing such resends is the
// grains' job, which remember transaction IDs for longer (docs/ARCHITECTURE.md,
// "Retries are safe forever"); this test pins down what the log alone does.
func TestDuplicateWindowExpires(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{DuplicateWindow: 100 * time.Millisecond})
	h1, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	// Within the window each resend is a duplicate and stores nothing;
	// once the server has forgotten the ID the resend is stored. How soon
	// that is depends on the server's purge timer, so poll.
	var h2 store.Head
	waitFor(t, 20*time.Second, "resend of t1 stored after the duplicate window", func() (bool, string) {
		h2, err = log.Append(ctx, txOf("g", "t1", 2), h1)
		if err != nil && !errors.Is(err, store.ErrDuplicate) {
			t.Fatalf("resend of t1: err = %v, want ErrDuplicate until the window has passed", err)
		}
		return err == nil, "still a duplicate"
	})
	if h2.Version != 2 || h2.Sequence <= h1.Sequence {
		t.Errorf("resend past the window stored at %+v, want version 2 after %+v", h2, h1)
	}
	if n := streamMsgs(t, js, defaultStream); n != 2 {
		t.Errorf("stream holds %d messages, want 2: the first t1 and its resend", n)
	}
	got := readResults(t, log, "g", 0)
	if !slices.Equal(got.ids, []string{"t1", "t1"}) || !slices.Equal(got.versions, []uint64{1, 2}) {
		t.Errorf("Read gave %v versions %v, want t1 twice, versions 1 and 2", got.ids, got.versions)
	}
}

// A caller that cancels gets its cancellation back, not ErrUnavailable:
// nothing is wrong with the log.
func TestCanceledContext(t *testing.T) {
	log := openLog(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := log.Append(ctx, txOf("g", "t", 2), store.Head{}); !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Append with a canceled context: err = %v, want context.Canceled only", err)
	}
	if _, err := log.Head(ctx, "g"); !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Head with a canceled context: err = %v, want context.Canceled only", err)
	}
	for _, err := range log.Read(ctx, "g", 0) {
		if !errors.Is(err, context.Canceled) || errors.Is(err, store.ErrUnavailable) {
			t.Errorf("Read with a canceled context: err = %v, want context.Canceled only", err)
		}
	}
}
