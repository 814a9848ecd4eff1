package natsjs_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// The server refuses a stale batch with err_code 10071; Append reports it
// as ErrConflict and keeps the server's error in the chain.
func TestConflictIsServerWrongLastSequence(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t)
	h1, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = log.Append(ctx, txOf("g", "t2", 2), store.Head{})
	var apiErr *jetstream.APIError
	if !errors.Is(err, store.ErrConflict) || !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
		t.Fatalf("stale append: err = %v, want ErrConflict wrapping err_code 10071", err)
	}
	var e *natsjs.Error
	if !errors.As(err, &e) || e.Op != "append" || e.GraphID != "g" {
		t.Errorf("stale append: err = %#v, want a *natsjs.Error for append of graph g", err)
	}
	if h, _ := log.Head(ctx, "g"); h != h1 {
		t.Errorf("Head after refused batch = %+v, want %+v: the batch must be refused whole", h, h1)
	}
}

// Head is the newest event over all of the graph's subjects, not the last
// subject's.
func TestHeadSpansEventTypes(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t)
	tx1 := &messages.Transaction{GraphId: "g", Events: []*messages.Event{
		nodeAdded("a"),
		{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "a"}}},
		{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "a"}}},
	}}
	h, err := log.Append(ctx, tx1, store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	for i, ev := range []*messages.Event{nodeAdded("b"), {Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: "e"}}}} {
		want, err := log.Append(ctx, &messages.Transaction{GraphId: "g", Events: []*messages.Event{ev}}, h)
		if err != nil {
			t.Fatal(err)
		}
		got, err := log.Head(ctx, "g")
		if err != nil || got != want || got.Version != uint64(i+2) {
			t.Fatalf("Head = %+v, %v; want %+v", got, err, want)
		}
		h = got
	}
}

// publishRaw stores data on graph g's subject as a producer that bypasses
// Append would, and returns its sequence.
func publishRaw(t *testing.T, js jetstream.JetStream, data []byte) uint64 {
	t.Helper()
	ack, err := js.Publish(testContext(t), "event.store.g.NodeAdded", data)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

func rawEvent(t *testing.T, version uint64, index, count uint32) []byte {
	t.Helper()
	ev := nodeAdded("raw")
	ev.GraphId, ev.TransactionId, ev.Version, ev.Index, ev.Count = "g", "raw-"+strconv.FormatUint(version, 10), version, index, count
	data, err := proto.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

type readResult struct {
	versions []uint64
	sizes    []int
	corrupt  []uint64
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
			r.corrupt = append(r.corrupt, ce.Sequence)
			continue
		}
		r.versions = append(r.versions, tx.Version)
		r.sizes = append(r.sizes, len(tx.Events))
	}
	return r
}

// A transaction stored past Append without all its events is yielded as
// written, for graph.Apply to reject; the transactions around it are whole.
func TestPartialStoredTransactionYieldedAsWritten(t *testing.T) {
	forEachReadMode(t, testPartialStoredTransaction)
}

func testPartialStoredTransaction(t *testing.T, cfg natsjs.Config) {
	ctx := testContext(t)
	log, js := openLogJS(t, cfg)
	h, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	publishRaw(t, js, rawEvent(t, 2, 0, 3))
	publishRaw(t, js, rawEvent(t, 2, 1, 3)) // the third event never came
	publishRaw(t, js, rawEvent(t, 3, 0, 1))
	h, err = log.Head(ctx, "g")
	if err != nil || h.Version != 3 {
		t.Fatalf("Head after raw writes = %+v, %v; want version 3", h, err)
	}
	if _, err := log.Append(ctx, txOf("g", "t4", 2), h); err != nil {
		t.Fatal(err)
	}
	got := readResults(t, log, "g", 0)
	if !slices.Equal(got.versions, []uint64{1, 2, 3, 4}) || !slices.Equal(got.sizes, []int{2, 2, 1, 2}) || len(got.corrupt) != 0 {
		t.Errorf("Read = versions %v sizes %v corrupt %v; want versions [1 2 3 4] sizes [2 2 1 2]", got.versions, got.sizes, got.corrupt)
	}
}

// Bytes that are not an event yield ErrCorrupt with their sequence, and
// reading goes on after them.
func TestUndecodableMessageIsCorruptAndSkipped(t *testing.T) {
	forEachReadMode(t, testUndecodableMessage)
}

func testUndecodableMessage(t *testing.T, cfg natsjs.Config) {
	ctx := testContext(t)
	log, js := openLogJS(t, cfg)
	h, err := log.Append(ctx, txOf("g", "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	bad := publishRaw(t, js, []byte{0xff, 0xff, 0xff})

	if _, err := log.Head(ctx, "g"); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Head with an undecodable newest message: err = %v, want ErrCorrupt", err)
	}
	if _, err := log.Append(ctx, txOf("g", "t2", 1), store.Head{Version: h.Version, Sequence: bad}); err != nil {
		t.Fatal(err)
	}
	got := readResults(t, log, "g", 0)
	if !slices.Equal(got.versions, []uint64{1, 2}) || !slices.Equal(got.corrupt, []uint64{bad}) {
		t.Errorf("Read = versions %v corrupt %v; want [1 2] and corrupt [%d]", got.versions, got.corrupt, bad)
	}
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

// Read pages through the graph with direct gets of ReadBatch messages;
// transactions that straddle pages come out whole. With the graph sparse
// in the stream it never switches to a consumer; dense, it does, and
// yields the same.
func TestReadAcrossPages(t *testing.T) {
	sizes := []int{2, 5, 1, 4, 3, 7}
	for _, tc := range []struct {
		name     string
		noise    int // events of other graphs after each transaction
		consumer bool
	}{
		{"Sparse", 200, false},
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
					if noise[id], err = log.Append(ctx, txOf(id, "o", 1), noise[id]); err != nil {
						t.Fatal(err)
					}
				}
			}
			before := natsjs.ConsumerReads()
			got := readResults(t, log, "g", 0)
			if !slices.Equal(got.sizes, sizes) || !slices.Equal(got.versions, []uint64{1, 2, 3, 4, 5, 6}) {
				t.Fatalf("Read by pages of 3 gave versions %v sizes %v, want sizes %v", got.versions, got.sizes, sizes)
			}
			if used := natsjs.ConsumerReads() > before; used != tc.consumer {
				t.Errorf("read with a consumer: %t, want %t", used, tc.consumer)
			}
			got = readResults(t, log, "g", heads[2].Sequence)
			if !slices.Equal(got.versions, []uint64{4, 5, 6}) || !slices.Equal(got.sizes, sizes[3:]) {
				t.Fatalf("Read after version 3 gave versions %v sizes %v", got.versions, got.sizes)
			}
		})
	}
}

// A one-event transaction is a plain publish; it is refused with the same
// server error as a batch.
func TestSingleEventConflict(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t)
	if _, err := log.Append(ctx, txOf("g", "t1", 1), store.Head{}); err != nil {
		t.Fatal(err)
	}
	_, err := log.Append(ctx, txOf("g", "t2", 1), store.Head{})
	var apiErr *jetstream.APIError
	if !errors.Is(err, store.ErrConflict) || !errors.As(err, &apiErr) || apiErr.ErrorCode != jetstream.JSErrCodeStreamWrongLastSequence {
		t.Fatalf("stale one-event append: err = %v, want ErrConflict wrapping err_code 10071", err)
	}
}

func TestDeadLetterLandsInDeadLetterStream(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t)
	if err := log.DeadLetter(ctx, "event.store.g.NodeAdded", []byte("payload"), "cannot decode:\nbad bytes", 42); err != nil {
		t.Fatal(err)
	}
	dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := dlq.GetLastMsgForSubject(ctx, "deadletter.event.store.g.NodeAdded")
	if err != nil {
		t.Fatalf("dead letter not in %s: %v", natsjs.DefaultDeadLetterStream, err)
	}
	if string(msg.Data) != "payload" ||
		msg.Header.Get(natsjs.HeaderOriginalSubject) != "event.store.g.NodeAdded" ||
		msg.Header.Get(natsjs.HeaderOriginalSequence) != "42" ||
		msg.Header.Get(natsjs.HeaderReason) != "cannot decode: bad bytes" {
		t.Errorf("dead letter = %q with headers %v", msg.Data, msg.Header)
	}
	// It does not land in the events stream.
	events, err := js.Stream(ctx, natsjs.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	if info, err := events.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Errorf("events stream holds %d messages after a dead letter (err %v), want 0", info.State.Msgs, err)
	}
}

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv, nc, js := natstest.StartIn(t, dir)
	ctx := testContext(t)
	log, err := natsjs.Open(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var h store.Head
	for i := range 3 {
		if h, err = log.Append(ctx, txOf("g", "t"+strconv.Itoa(i), i+1), h); err != nil {
			t.Fatal(err)
		}
	}
	nc.Close()
	srv.Shutdown()

	_, _, js = natstest.StartIn(t, dir)
	log, err = natsjs.Open(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := log.Head(ctx, "g"); err != nil || got != h {
		t.Fatalf("Head after restart = %+v, %v; want %+v", got, err, h)
	}
	if got := readResults(t, log, "g", 0); !slices.Equal(got.sizes, []int{1, 2, 3}) {
		t.Fatalf("Read after restart gave sizes %v, want [1 2 3]", got.sizes)
	}
	if h4, err := log.Append(ctx, txOf("g", "t4", 1), h); err != nil || h4.Version != 4 {
		t.Fatalf("Append after restart = %+v, %v; want version 4", h4, err)
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
	if _, err := log.ListGraphs(ctx, "", 0); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("ListGraphs without a server: err = %v, want ErrUnavailable", err)
	}
}

// Without the stream (Open was never called) the server has no one to
// answer: ErrUnavailable, saying to open the log.
func TestUnavailableWithoutStream(t *testing.T) {
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{})
	if err := js.DeleteStream(ctx, natsjs.DefaultStream); err != nil {
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

func TestOpenSetsUpStreams(t *testing.T) {
	ctx := testContext(t)
	_, _, js := natstest.Start(t)
	for range 2 { // Open is idempotent.
		if _, err := natsjs.Open(ctx, js, natsjs.Config{}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := js.Stream(ctx, natsjs.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.CachedInfo().Config
	if !cfg.AllowAtomicPublish || !cfg.AllowDirect || !cfg.DenyDelete || !cfg.DenyPurge ||
		cfg.MaxMsgs != -1 || cfg.MaxBytes != -1 || cfg.MaxAge != 0 || cfg.Storage != jetstream.FileStorage ||
		len(cfg.Subjects) != 1 || cfg.Subjects[0] != natsjs.EventSubjects {
		t.Errorf("events stream config = %+v", cfg)
	}
	if _, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream); err != nil {
		t.Errorf("dead-letter stream: %v", err)
	}
}

func TestConfigValidate(t *testing.T) {
	valid := []natsjs.Config{{}, {Replicas: 3, MaxEventsPerTransaction: 10, ReadBatch: 50, Storage: jetstream.MemoryStorage}}
	for _, c := range valid {
		if err := c.Validate(); err != nil {
			t.Errorf("Validate(%+v) = %v", c, err)
		}
	}
	invalid := []natsjs.Config{
		{Stream: "a.b"}, {DeadLetterStream: "x y"}, {Stream: "S", DeadLetterStream: "S"},
		{Replicas: -1}, {Replicas: 6}, {MaxEventsPerTransaction: 1001}, {MaxEventsPerTransaction: -1},
		{ReadBatch: -5}, {Storage: 7},
	}
	for _, c := range invalid {
		if err := c.Validate(); err == nil {
			t.Errorf("Validate(%+v) accepted it", c)
		}
	}
}

// A transaction above a lower configured limit is refused as too large.
func TestConfiguredTransactionLimit(t *testing.T) {
	log := openLog(t, natsjs.Config{MaxEventsPerTransaction: 5})
	if _, err := log.Append(testContext(t), txOf("g", "t", 6), store.Head{}); !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("6 events with a limit of 5: err = %v, want ErrTooLarge", err)
	}
}

// An event larger than the server's max payload is too large, not a
// mystery.
func TestOversizedEventIsTooLarge(t *testing.T) {
	log := openLog(t)
	tx := txOf("g", "t", 1)
	tx.Events[0].EventId = strings.Repeat("x", 2<<20)
	if _, err := log.Append(testContext(t), tx, store.Head{}); !errors.Is(err, store.ErrTooLarge) {
		t.Errorf("a 2 MiB event: err = %v, want ErrTooLarge", err)
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
