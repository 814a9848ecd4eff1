package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/natsnode"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store/natsjs"
)

// v1Kind is what the migration must do with a transaction of format 1.
type v1Kind int

const (
	v1Copied      v1Kind = iota // copied as it is
	v1Malformed                 // copied with a rejection marker
	v1Unversioned               // version 0: not copied
)

// v1Tx is one transaction written in format 1: as its readers assembled
// it (events with their envelope, sequence and recorded time of the last
// event), and what the migration must do with it.
type v1Tx struct {
	tx   *messages.Transaction
	kind v1Kind
}

// v1Writer writes a log of format 1 as nodes of that format did: stream
// EVENTS capturing event.store.>, one message per event on
// event.store.<graph>.<EventType>, the envelope in the body, and
// remembers what it wrote.
type v1Writer struct {
	t      *testing.T
	ctx    context.Context
	js     jetstream.JetStream
	stream jetstream.Stream
	graphs map[string][]v1Tx
	ids    int
	// undecodable and notGraphs count the messages written that no
	// reader of format 1 read as an event of a graph.
	undecodable, notGraphs int
}

func newV1Writer(ctx context.Context, t *testing.T, js jetstream.JetStream) *v1Writer {
	t.Helper()
	s, err := js.CreateStream(ctx, jetstream.StreamConfig{
		Name: natsjs.DefaultStream, Subjects: []string{natsjs.LegacySubjects},
		MaxMsgs: -1, MaxBytes: -1, MaxMsgsPerSubject: -1, MaxMsgSize: -1,
		DenyDelete: true, DenyPurge: true, AllowDirect: true, AllowAtomicPublish: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// The ingress consumer every node of format 1 created.
	if _, err := js.CreateOrUpdateConsumer(ctx, natsjs.DefaultStream, jetstream.ConsumerConfig{
		Durable: "graphlog-ingress", FilterSubject: natsjs.LegacySubjects, AckPolicy: jetstream.AckExplicitPolicy,
	}); err != nil {
		t.Fatal(err)
	}
	return &v1Writer{t: t, ctx: ctx, js: js, stream: s, graphs: make(map[string][]v1Tx)}
}

// write stores a transaction of graphID at version as format 1 did: one
// message per event, each with graph, version, index, the count (count,
// or the number of events if 0) and the transaction ID, several as one
// atomic batch; an event's own graph ID, if set, is kept (a write past the
// normal path), and so is an incomplete transaction, published event by
// event.
func (w *v1Writer) write(kind v1Kind, graphID, txID string, version uint64, count int, evs ...*messages.Event) {
	w.t.Helper()
	if count == 0 {
		count = len(evs)
	}
	msgs := make([]*nats.Msg, len(evs))
	for i, ev := range evs {
		ev.GraphId = cmp.Or(ev.GraphId, graphID)
		ev.Version, ev.Index, ev.Count, ev.TransactionId = version, uint32(i), uint32(count), txID
		data, err := proto.Marshal(ev)
		if err != nil {
			w.t.Fatal(err)
		}
		msgs[i] = &nats.Msg{Subject: "event.store." + graphID + "." + payloadType(ev), Data: data, Header: nats.Header{}}
	}
	var seqs []uint64
	if len(msgs) > 1 && count == len(msgs) {
		ack, err := jetstreamext.PublishMsgBatch(w.ctx, w.js, msgs)
		if err != nil {
			w.t.Fatal(err)
		}
		for i := range msgs {
			seqs = append(seqs, ack.Sequence-uint64(len(msgs)-1-i))
		}
	} else {
		for _, msg := range msgs {
			ack, err := w.js.PublishMsg(w.ctx, msg)
			if err != nil {
				w.t.Fatal(err)
			}
			seqs = append(seqs, ack.Sequence)
		}
	}
	tx := &messages.Transaction{TransactionId: txID, GraphId: graphID, Version: version}
	for i, ev := range evs {
		msg, err := w.stream.GetMsg(w.ctx, seqs[i])
		if err != nil {
			w.t.Fatal(err)
		}
		if msg.Subject != msgs[i].Subject {
			w.t.Fatalf("event %d of %s's transaction %s is at sequence %d on %s, want %s", i, graphID, txID, seqs[i], msg.Subject, msgs[i].Subject)
		}
		ev.Sequence, ev.RecordedAt = seqs[i], timestamppb.New(msg.Time)
		tx.Events = append(tx.Events, ev)
		tx.Sequence, tx.RecordedAt = ev.Sequence, ev.RecordedAt
	}
	w.graphs[graphID] = append(w.graphs[graphID], v1Tx{tx: tx, kind: kind})
}

// raw stores bytes on a subject of format 1 that no reader decodes as an
// event of a graph.
func (w *v1Writer) raw(subject string, data []byte) {
	w.t.Helper()
	if _, err := w.js.Publish(w.ctx, subject, data); err != nil {
		w.t.Fatal(err)
	}
}

func payloadType(ev *messages.Event) string {
	return string(ev.ProtoReflect().WhichOneof(ev.ProtoReflect().Descriptor().Oneofs().ByName("payload")).Message().Name())
}

// event is an event with the fields a client or the edge set: ID,
// occurred time and metadata.
func (w *v1Writer) event(p func(*messages.Event)) *messages.Event {
	w.ids++
	ev := &messages.Event{
		EventId:    fmt.Sprintf("ev-%04d", w.ids),
		OccurredAt: timestamppb.New(time.Date(2026, 1, 2, 3, 4, 5, w.ids*1000, time.UTC)),
		Metadata:   &messages.Metadata{Author: "test", CorrelationId: fmt.Sprintf("corr-%d", w.ids)},
	}
	p(ev)
	return ev
}

func props(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func (w *v1Writer) nodeAdded(id string, p map[string]any) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "thing", Properties: props(p)}}
	})
}

func (w *v1Writer) nodeUpdated(id string, set map[string]any, unset ...string) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: id, Set: props(set), Unset: unset}}
	})
}

func (w *v1Writer) nodeRemoved(id string) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}
	})
}

func (w *v1Writer) edgeAdded(id, src, dst string, p map[string]any) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: id, SourceId: src, TargetId: dst, EdgeType: "link", Properties: props(p)}}
	})
}

func (w *v1Writer) edgeUpdated(id string, set map[string]any, unset ...string) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: id, Set: props(set), Unset: unset}}
	})
}

func (w *v1Writer) edgeRemoved(id string) *messages.Event {
	return w.event(func(ev *messages.Event) {
		ev.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: id}}
	})
}

// writeV1Log writes six graphs' histories of format 1, their transactions
// interleaved, with what only writes past the normal path left: an
// undecodable message, an incomplete transaction, an event naming another
// graph, a repeated version, a gap, a version 0, a reused transaction ID,
// a message on a subject of no valid graph; and a transaction the graph's
// rules reject. Some transactions are a few milliseconds apart, so that
// recorded times differ.
func writeV1Log(ctx context.Context, t *testing.T, js jetstream.JetStream) *v1Writer {
	t.Helper()
	w := newV1Writer(ctx, t, js)
	pause := func() { time.Sleep(3 * time.Millisecond) }
	delta := 0
	deltaTx := func() {
		delta++
		evs := []*messages.Event{w.nodeAdded(fmt.Sprintf("d%d", delta), map[string]any{"i": delta})}
		if delta > 1 {
			evs = append(evs, w.edgeAdded(fmt.Sprintf("d%d-d%d", delta-1, delta), fmt.Sprintf("d%d", delta-1), fmt.Sprintf("d%d", delta), nil))
		}
		w.write(v1Copied, "delta", fmt.Sprintf("dtx-%d", delta), uint64(delta), 0, evs...)
	}

	w.write(v1Copied, "alpha", "a1", 1, 0,
		w.nodeAdded("n1", map[string]any{"name": "one", "w": 1}),
		w.nodeAdded("n2", map[string]any{"name": "two"}),
		w.edgeAdded("e1", "n1", "n2", map[string]any{"weight": 2.5}))
	w.write(v1Copied, "beta", "b1", 1, 0, w.nodeAdded("x", nil))
	deltaTx()
	w.write(v1Copied, "gamma", "g1", 1, 0, w.nodeAdded("p", nil), w.nodeAdded("q", nil))
	var eps []*messages.Event
	for i := range 50 {
		eps = append(eps, w.nodeAdded(fmt.Sprintf("e%02d", i), map[string]any{"i": i, "tags": []any{"a", "b"}, "nested": map[string]any{"k": "v"}}))
	}
	w.write(v1Copied, "epsilon", "eps1", 1, 0, eps...)
	deltaTx()
	w.write(v1Copied, "alpha", "a2", 2, 0,
		w.nodeUpdated("n1", map[string]any{"name": "uno", "tags": []any{"x"}}, "w"),
		w.edgeUpdated("e1", map[string]any{"weight": 3}))
	pause()
	w.raw("event.store.beta.NodeAdded", []byte{0xff, 0xff, 0xff})
	w.undecodable++
	deltaTx()
	w.write(v1Copied, "beta", "b2", 2, 0, w.nodeAdded("y", nil), w.edgeAdded("xy", "x", "y", nil))
	w.write(v1Copied, "alpha", "a3", 3, 0, w.edgeRemoved("e1"))
	w.write(v1Copied, "gamma", "g2", 2, 0, w.nodeAdded("r", nil))
	w.write(v1Copied, "gamma", "g2-again", 2, 0, w.nodeAdded("s", nil)) // a repeated version
	pause()
	deltaTx()
	w.write(v1Malformed, "beta", "b3", 3, 3, w.nodeAdded("z1", nil), w.nodeAdded("z2", nil)) // incomplete
	w.write(v1Copied, "beta", "b4", 4, 0, w.nodeUpdated("x", map[string]any{"k": "v"}))
	w.write(v1Copied, "alpha", "a4", 4, 0, w.nodeAdded("n1", nil)) // rejected: n1 exists
	var upd []*messages.Event
	for i := range 10 {
		upd = append(upd, w.nodeUpdated(fmt.Sprintf("e%02d", i*5), map[string]any{"seen": true}, "tags"))
	}
	w.write(v1Copied, "epsilon", "eps2", 2, 0, upd...)
	pause()
	w.write(v1Copied, "gamma", "g4", 4, 0, w.nodeAdded("t", nil))                     // a gap
	w.write(v1Copied, "gamma", "g3", 3, 0, w.nodeAdded("u", nil), w.nodeRemoved("p")) // fills it
	other := w.nodeAdded("w", nil)
	other.GraphId = "alpha"
	w.write(v1Malformed, "beta", "b5", 5, 0, other) // an event naming another graph
	w.write(v1Unversioned, "gamma", "g0", 0, 0, w.nodeAdded("zero", nil))
	for range 6 {
		deltaTx()
	}
	w.write(v1Copied, "alpha", "a5", 5, 0, w.nodeRemoved("n2"), w.nodeAdded("n3", nil))
	w.write(v1Copied, "0", "z1", 1, 0, w.nodeAdded("a", nil))
	pause()
	w.write(v1Copied, "0", "z2", 2, 0, w.nodeAdded("b", nil), w.edgeAdded("ab", "a", "b", nil))
	bad, err := proto.Marshal(w.nodeAdded("stray", nil))
	if err != nil {
		t.Fatal(err)
	}
	w.raw("event.store.bad~id.NodeAdded", bad)
	w.notGraphs++
	w.write(v1Copied, "beta", "b1", 6, 0, w.nodeAdded("x", nil)) // a reused ID, rejected: x exists
	for range 10 {
		deltaTx()
	}
	return w
}

// copied counts the transactions the migration must copy.
func (w *v1Writer) copied() (n int) {
	for _, txs := range w.graphs {
		for _, tx := range txs {
			if tx.kind != v1Unversioned {
				n++
			}
		}
	}
	return n
}

func (w *v1Writer) count(kind v1Kind) (n int) {
	for _, txs := range w.graphs {
		for _, tx := range txs {
			if tx.kind == kind {
				n++
			}
		}
	}
	return n
}

// fold is graph graphID as readers of format 1 folded it.
func (w *v1Writer) fold(graphID string) *graph.Graph {
	g := graph.New(graphID)
	for _, tx := range w.graphs[graphID] {
		_ = replay.ApplyCommitted(g, tx.tx)
	}
	return g
}

func migrateTestContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Every graph of a log of format 1 is converted: the same transactions
// with the same versions, IDs, events and recorded times, folding to the
// same states; the old stream is kept, marked migrated; and a node starts
// on the result and goes on writing.
func TestMigrate(t *testing.T) {
	for _, partitions := range []int{1, 3} {
		t.Run(fmt.Sprintf("partitions=%d", partitions), func(t *testing.T) {
			ctx := migrateTestContext(t)
			srv, _, js := natstest.Start(t)
			w := writeV1Log(ctx, t, js)

			opts := migrateOptions{Log: natsjs.Config{Partitions: partitions}, Logger: testLogger(t), ProgressEvery: 10 * time.Millisecond}
			sum, err := migrate(ctx, js, opts, &testWriter{t})
			if err != nil {
				t.Fatalf("migrate: %v", err)
			}
			assertSummary(t, w, sum, true)
			assertMigrated(ctx, t, js, w, partitions)

			// Running it again finds nothing to do.
			again, err := migrate(ctx, js, opts, io.Discard)
			if err != nil || again.Done == "" || again.Copied != 0 {
				t.Fatalf("migrate again: %+v, %v; want nothing done", again, err)
			}

			// A node starts beside the old stream and goes on where format
			// 1 stopped.
			cfg := loopbackConfig("migrated", t.TempDir())
			cfg.NATS.URL = srv.ClientURL()
			cfg.NATS.Partitions = partitions
			_, base := startNode(t, cfg)
			c := newClient(t, base)
			want := w.fold("alpha")
			status, g := c.graph("alpha")
			if status != http.StatusOK || g.Version != want.Version() || len(g.Nodes) != want.NodeCount() || len(g.Edges) != want.EdgeCount() {
				t.Fatalf("GET alpha after migrating: %d, version %d, %d nodes, %d edges; want version %d, %d nodes, %d edges",
					status, g.Version, len(g.Nodes), len(g.Edges), want.Version(), want.NodeCount(), want.EdgeCount())
			}
			if res := c.mustSubmit("alpha", events(addNode("after"))); res.Version != want.Version()+1 {
				t.Fatalf("a transaction after migrating took version %d, want %d", res.Version, want.Version()+1)
			}
		})
	}
}

func assertSummary(t *testing.T, w *v1Writer, sum migrateSummary, whole bool) {
	t.Helper()
	if sum.Done != "" || sum.Graphs != len(w.graphs) || sum.Transactions != int64(w.copied()) ||
		sum.Undecodable != int64(w.undecodable) || sum.NotGraphs != int64(w.notGraphs) ||
		sum.Unversioned != int64(w.count(v1Unversioned)) || sum.Malformed != int64(w.count(v1Malformed)) ||
		sum.Copied+sum.Found != sum.Transactions || (whole && sum.Found != 0) {
		t.Errorf("summary %+v; want %d graphs, %d transactions (all copied by this run: %t), %d undecodable, %d not of a graph, %d of version 0, %d malformed",
			sum, len(w.graphs), w.copied(), whole, w.undecodable, w.notGraphs, w.count(v1Unversioned), w.count(v1Malformed))
	}
	var out bytes.Buffer
	sum.print(&out)
	if !strings.Contains(out.String(), "nats stream rm EVENTS") {
		t.Errorf("summary does not say how to delete the old stream:\n%s", out.String())
	}
}

// assertMigrated checks the converted log against what w wrote.
func assertMigrated(ctx context.Context, t *testing.T, js jetstream.JetStream, w *v1Writer, partitions int) {
	t.Helper()
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: partitions})
	if err != nil {
		t.Fatalf("Open after migrating: %v", err)
	}
	ids, err := log.ListGraphs(ctx, "", "", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := slices.Sorted(func(yield func(string) bool) {
		for id := range w.graphs {
			if !yield(id) {
				return
			}
		}
	})
	if !slices.Equal(ids, wantIDs) {
		t.Errorf("graphs after migrating: %v, want %v", ids, wantIDs)
	}

	for _, id := range wantIDs {
		var want []v1Tx
		marked := map[uint64]bool{}
		for _, tx := range w.graphs[id] {
			if tx.kind != v1Unversioned {
				want = append(want, tx)
			}
			if tx.kind == v1Malformed {
				marked[tx.tx.Version] = true
			}
		}
		var got []*messages.Transaction
		for tx, err := range log.Read(ctx, id, 0) {
			if err != nil {
				t.Fatalf("read %s: %v", id, err)
			}
			got = append(got, tx)
		}
		if len(got) != len(want) {
			t.Fatalf("graph %s: %d transactions after migrating, want %d", id, len(got), len(want))
		}
		for i, g := range got {
			v1 := want[i].tx
			if g.Version != v1.Version || g.TransactionId != v1.TransactionId || !proto.Equal(g.RecordedAt, v1.RecordedAt) {
				t.Errorf("graph %s transaction %d: version %d, ID %q, recorded at %v; want version %d, ID %q, recorded at %v",
					id, i, g.Version, g.TransactionId, g.RecordedAt.AsTime(), v1.Version, v1.TransactionId, v1.RecordedAt.AsTime())
			}
			n := len(v1.Events)
			if want[i].kind == v1Malformed {
				n++
				if last := g.Events[len(g.Events)-1]; len(g.Events) != n || last.Payload != nil {
					t.Errorf("graph %s version %d, malformed in format 1: events %v, want its %d events and an event without payload", id, g.Version, g.Events, n-1)
					continue
				}
			}
			if len(g.Events) != n {
				t.Errorf("graph %s version %d: %d events, want %d", id, g.Version, len(g.Events), n)
				continue
			}
			for j, ev := range v1.Events {
				ge := g.Events[j]
				if ge.EventId != ev.EventId || !proto.Equal(ge.OccurredAt, ev.OccurredAt) || !proto.Equal(ge.Metadata, ev.Metadata) ||
					!proto.Equal(&messages.Event{Payload: ge.Payload}, &messages.Event{Payload: ev.Payload}) {
					t.Errorf("graph %s version %d event %d: %v, want %v", id, g.Version, j, ge, ev)
				}
				if !proto.Equal(ge.RecordedAt, v1.RecordedAt) || ge.Version != v1.Version || ge.GraphId != id {
					t.Errorf("graph %s version %d event %d: envelope %v", id, g.Version, j, ge)
				}
			}
		}

		folded := graph.New(id)
		if _, err := replay.Fold(ctx, log, folded, 0, nil, nil); err != nil {
			t.Fatal(err)
		}
		if diff := stateDiff(w.fold(id), folded, marked); diff != "" {
			t.Errorf("graph %s: %s", id, diff)
		}
		if v1 := w.fold(id); folded.Version() != v1.Version() || folded.NodeCount() != v1.NodeCount() || folded.EdgeCount() != v1.EdgeCount() {
			t.Errorf("graph %s folds to version %d with %d nodes and %d edges, format 1 to version %d with %d nodes and %d edges",
				id, folded.Version(), folded.NodeCount(), folded.EdgeCount(), v1.Version(), v1.NodeCount(), v1.EdgeCount())
		}
	}

	// Nothing was stored twice.
	var msgs uint64
	for p := range partitions {
		s, err := js.Stream(ctx, natsjs.StreamName(natsjs.DefaultStream, p))
		if err != nil {
			t.Fatal(err)
		}
		msgs += s.CachedInfo().State.Msgs
	}
	if msgs != uint64(w.copied()) {
		t.Errorf("the converted log holds %d messages, want one per transaction: %d", msgs, w.copied())
	}

	old, err := js.Stream(ctx, natsjs.DefaultStream)
	if err != nil {
		t.Fatalf("the old stream after migrating: %v", err)
	}
	cfg := old.CachedInfo().Config
	if !natsjs.LegacyMigrated(cfg) || cfg.Metadata[natsjs.MetaFormat] != "1" || cfg.Metadata[natsjs.MetaMigrating] != "" ||
		!slices.Equal(cfg.Subjects, []string{natsjs.LegacyFrozenSubject(natsjs.DefaultStream)}) {
		t.Errorf("the old stream after migrating: subjects %v, metadata %v", cfg.Subjects, cfg.Metadata)
	}
	if old.CachedInfo().State.Msgs == 0 {
		t.Errorf("the old stream lost its messages")
	}
}

// A migration interrupted anywhere, again and again, and run again ends
// where an uninterrupted one ends, having stored nothing twice; until it
// ends, nodes refuse the frozen log.
func TestMigrateResumesAfterInterruption(t *testing.T) {
	const partitions = 2
	ctx := migrateTestContext(t)
	srv, _, js := natstest.Start(t)
	w := writeV1Log(ctx, t, js)

	var sum migrateSummary
	interrupted := 0
	for run := 1; ; run++ {
		if run > 40 {
			t.Fatalf("the migration did not end in %d runs", run-1)
		}
		rctx, cancel := context.WithCancel(ctx)
		every := int64(1 + run%4) // interrupt at different places
		var err error
		sum, err = migrate(rctx, js, migrateOptions{
			Log:     natsjs.Config{Partitions: partitions},
			Workers: 1 + run%3,
			Logger:  testLogger(t),
			afterCopy: func(n int64) {
				if n >= every {
					cancel()
				}
			},
		}, io.Discard)
		cancel()
		if err == nil {
			break
		}
		if !errors.Is(err, errMigrateInterrupted) {
			t.Fatalf("run %d: %v, want errMigrateInterrupted", run, err)
		}
		interrupted++
		if _, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: partitions}); !errors.Is(err, natsjs.ErrLegacyLog) {
			t.Fatalf("Open on a log being migrated: %v, want ErrLegacyLog", err)
		}
		if run == 1 {
			old, err := js.Stream(ctx, natsjs.DefaultStream)
			if err != nil {
				t.Fatal(err)
			}
			if md := old.CachedInfo().Config.Metadata; md[natsjs.MetaMigrating] != "true" || natsjs.LegacyMigrated(old.CachedInfo().Config) {
				t.Errorf("the old stream while migrating has metadata %v", md)
			}
			cfg := loopbackConfig("early", t.TempDir())
			cfg.NATS.URL = srv.ClientURL()
			cfg.NATS.Partitions = partitions
			if n, err := start(ctx, cfg, testLogger(t)); !errors.Is(err, natsjs.ErrLegacyLog) {
				if n != nil {
					n.shutdown(ctx)
				}
				t.Fatalf("a node started on a log being migrated: %v, want ErrLegacyLog", err)
			}
		}
	}
	if interrupted < 3 || sum.Found == 0 {
		t.Fatalf("the migration was interrupted %d times, the last run found %d transactions copied; the test means to interrupt it more", interrupted, sum.Found)
	}
	assertSummary(t, w, sum, false)
	assertMigrated(ctx, t, js, w, partitions)
}

// A graph of format 1 whose versions go back (a gap filled later: version
// 4, then 3) resumes by place, not by version: interrupted right after
// version 4, the next run still copies version 3.
func TestMigrateResumesAfterGap(t *testing.T) {
	ctx := migrateTestContext(t)
	_, _, js := natstest.Start(t)
	w := writeV1Log(ctx, t, js)
	// With one worker graphs go in order: gamma's version 4 is the fourth
	// of its transactions to copy, after every graph sorted before it.
	at := int64(0)
	for id, txs := range w.graphs {
		if id < "gamma" {
			for _, tx := range txs {
				if tx.kind != v1Unversioned {
					at++
				}
			}
		}
	}
	at += 4
	if g := w.graphs["gamma"][3].tx; g.TransactionId != "g4" || g.Version != 4 {
		t.Fatalf("gamma's fourth transaction is %q version %d; the test expects g4", g.TransactionId, g.Version)
	}
	rctx, cancel := context.WithCancel(ctx)
	_, err := migrate(rctx, js, migrateOptions{Workers: 1, afterCopy: func(n int64) {
		if n == at {
			cancel()
		}
	}}, io.Discard)
	cancel()
	if !errors.Is(err, errMigrateInterrupted) {
		t.Fatalf("interrupted migrate: %v", err)
	}
	log, err := natsjs.OpenForMigration(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if head, err := log.Head(ctx, "gamma"); err != nil || head.Version != 4 {
		t.Fatalf("gamma's head after the interruption: %+v, %v; want version 4", head, err)
	}
	sum, err := migrate(ctx, js, migrateOptions{}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	assertSummary(t, w, sum, false)
	assertMigrated(ctx, t, js, w, 1)
}

// `node migrate` killed with SIGKILL while it copies, twice, then run
// again, converts the log as a run that was never killed does.
func TestMigrateProcessKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the node binary")
	}
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	const partitions = 2
	ctx := migrateTestContext(t)
	srv, _, js := natstest.Start(t)
	w := writeV1Log(ctx, t, js)
	for i := range 100 {
		for g := range 30 {
			w.write(v1Copied, fmt.Sprintf("bulk-%02d", g), fmt.Sprintf("bulk-%d-%d", g, i), uint64(i+1), 0,
				w.nodeAdded(fmt.Sprintf("n%d", i), map[string]any{"i": i}))
		}
	}
	stored := func() (n uint64) {
		for p := range partitions {
			s, err := js.Stream(ctx, natsjs.StreamName(natsjs.DefaultStream, p))
			if errors.Is(err, jetstream.ErrStreamNotFound) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			n += s.CachedInfo().State.Msgs
		}
		return n
	}
	args := []string{"migrate", "--nats-url", srv.ClientURL(), "--partitions", fmt.Sprint(partitions), "--log-level", "error"}
	for _, killAt := range []uint64{200, uint64(w.copied()) / 2} {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		for n := stored(); n < killAt; n = stored() {
			select {
			case err := <-exited:
				t.Fatalf("node migrate exited (%v) with %d transactions stored, before the kill at %d; give it more to copy", err, n, killAt)
			case <-time.After(2 * time.Millisecond):
			}
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-exited
	}
	var out bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("node migrate after two kills: %v\n%s", err, out.String())
	}
	t.Logf("node migrate after two kills:\n%s", out.String())
	if !strings.Contains(out.String(), "by an earlier one") {
		t.Errorf("node migrate printed:\n%s", out.String())
	}
	assertMigrated(ctx, t, js, w, partitions)
}

// A migration goes on only after its own writes: a graph whose converted
// log holds a transaction the original does not have at that place is
// reported, not written after.
func TestMigrateRefusesForeignWrites(t *testing.T) {
	ctx := migrateTestContext(t)
	_, _, js := natstest.Start(t)
	w := newV1Writer(ctx, t, js)
	for v := uint64(1); v <= 3; v++ {
		w.write(v1Copied, "g", fmt.Sprintf("t%d", v), v, 0, w.nodeAdded(fmt.Sprintf("n%d", v), nil))
	}

	// Freeze the stream and copy one transaction, then write past the
	// migration.
	rctx, cancel := context.WithCancel(ctx)
	_, err := migrate(rctx, js, migrateOptions{Workers: 1, afterCopy: func(int64) { cancel() }}, io.Discard)
	cancel()
	if !errors.Is(err, errMigrateInterrupted) {
		t.Fatalf("interrupted migrate: %v", err)
	}
	log, err := natsjs.OpenForMigration(ctx, js, natsjs.Config{})
	if err != nil {
		t.Fatal(err)
	}
	head, err := log.Head(ctx, "g")
	if err != nil || head.Version != 1 {
		t.Fatalf("head after one transaction copied: %+v, %v", head, err)
	}
	if _, err := log.Append(ctx, &messages.Transaction{GraphId: "g", TransactionId: "foreign", Events: []*messages.Event{w.nodeAdded("c", nil)}}, head); err != nil {
		t.Fatal(err)
	}
	_, err = migrate(ctx, js, migrateOptions{}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "graph g:") || !strings.Contains(err.Error(), "other than this migration") {
		t.Fatalf("migrate over a log with foreign writes: %v, want an error naming graph g", err)
	}
	if _, err := natsjs.Open(ctx, js, natsjs.Config{}); !errors.Is(err, natsjs.ErrLegacyLog) {
		t.Fatalf("Open after a failed migration: %v, want ErrLegacyLog", err)
	}
}

// With nothing to convert, migrate says so: a log of format 2 alone is
// done; no log at all, or a stream of that name that is no log of format
// 1, is an error.
func TestMigrateNothingToDo(t *testing.T) {
	ctx := migrateTestContext(t)
	t.Run("format 2", func(t *testing.T) {
		_, _, js := natstest.Start(t)
		if _, err := natsjs.Open(ctx, js, natsjs.Config{}); err != nil {
			t.Fatal(err)
		}
		sum, err := migrate(ctx, js, migrateOptions{}, io.Discard)
		if err != nil || !strings.Contains(sum.Done, "converted already") {
			t.Fatalf("migrate a log of format 2: %+v, %v", sum, err)
		}
	})
	t.Run("no log", func(t *testing.T) {
		_, _, js := natstest.Start(t)
		if _, err := migrate(ctx, js, migrateOptions{}, io.Discard); err == nil || !strings.Contains(err.Error(), "nothing to convert") {
			t.Fatalf("migrate without a log: %v", err)
		}
	})
	t.Run("other stream", func(t *testing.T) {
		_, _, js := natstest.Start(t)
		if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "EVENTS", Subjects: []string{"orders.>"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := migrate(ctx, js, migrateOptions{}, io.Discard); err == nil || !strings.Contains(err.Error(), "not a graphlog log of format 1") {
			t.Fatalf("migrate a stream that is no log: %v", err)
		}
		s, err := js.Stream(ctx, "EVENTS")
		if err != nil || !slices.Equal(s.CachedInfo().Config.Subjects, []string{"orders.>"}) {
			t.Fatalf("the other stream after migrate: %v", err)
		}
	})
}

// `node migrate` runs on the node's embedded NATS server, on its data
// directory, as the node would, and refuses a directory without NATS
// data.
func TestMigrateCommandEmbedded(t *testing.T) {
	ctx := migrateTestContext(t)
	dir := t.TempDir()
	srv, nc, js := natstest.StartIn(t, filepath.Join(dir, "nats"))
	w := writeV1Log(ctx, t, js)
	nc.Close()
	srv.Shutdown()

	err := runMigrate([]string{"--data-dir", filepath.Join(dir, "elsewhere"), "--nats-listen", "127.0.0.1:-1"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no NATS data") {
		t.Fatalf("node migrate on a directory without NATS data: %v", err)
	}
	var out bytes.Buffer
	if err := runMigrate([]string{"--data-dir", dir, "--nats-listen", "127.0.0.1:-1", "--partitions", "2", "--log-level", "error"}, &out, &testWriter{t}); err != nil {
		t.Fatalf("node migrate: %v", err)
	}
	if !strings.Contains(out.String(), "converted stream EVENTS") ||
		!regexp.MustCompile(fmt.Sprintf(`transactions: +%d \(%d copied by this run`, w.copied(), w.copied())).MatchString(out.String()) {
		t.Errorf("node migrate printed:\n%s", out.String())
	}

	srv2, err := natsnode.Start(natsnode.Options{DataDir: filepath.Join(dir, "nats"), Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv2.Shutdown)
	nc2, err := nats.Connect(srv2.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc2.Close)
	js2, err := jetstream.New(nc2)
	if err != nil {
		t.Fatal(err)
	}
	assertMigrated(ctx, t, js2, w, 2)
}
