package actors_test

import (
	"errors"
	"fmt"
	"math/rand"
	"slices"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// randomHistory submits n random valid transactions to graphID through
// the grain and returns them as the log has them.
func randomHistory(t *testing.T, r *rand.Rand, submit func(*messages.Transaction), graphID string, n int) {
	t.Helper()
	var nodes, edges []string
	next := 0
	for range n {
		var evs []*messages.Event
		for range 1 + r.Intn(4) {
			next++
			switch k := r.Intn(10); {
			case k < 4 || len(nodes) < 2:
				id := fmt.Sprintf("n%d", next)
				nodes = append(nodes, id)
				evs = append(evs, addNode(id))
			case k < 7:
				id := fmt.Sprintf("e%d", next)
				edges = append(edges, id)
				evs = append(evs, addEdge(id, nodes[r.Intn(len(nodes))], nodes[r.Intn(len(nodes))]))
			case k < 9:
				evs = append(evs, updateNode(nodes[r.Intn(len(nodes))], fmt.Sprintf("k%d", r.Intn(3)), float64(next)))
			default:
				if len(edges) > 0 {
					i := r.Intn(len(edges))
					evs = append(evs, removeEdge(edges[i]))
					edges = append(edges[:i], edges[i+1:]...)
				}
			}
		}
		if len(evs) == 0 {
			continue
		}
		submit(txOf(graphID, evs...))
	}
}

// naiveAt folds the whole log and keeps the state as of the last
// transaction that is not after the point: the obvious way, with no
// snapshot.
func naiveAt(t *testing.T, txs []*messages.Transaction, graphID string, within func(*messages.Transaction) bool) *graph.Graph {
	t.Helper()
	g := graph.New(graphID)
	for _, tx := range txs {
		if !within(tx) {
			break
		}
		if err := g.Apply(tx); err != nil {
			t.Fatalf("naive fold at version %d: %v", tx.GetVersion(), err)
		}
	}
	return g
}

func openSnapshots(t *testing.T) (*natsjs.Log, *natsjs.Snapshots) {
	t.Helper()
	_, _, js := natstest.Start(t)
	log, err := natsjs.Open(testContext(t), js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := natsjs.OpenSnapshots(testContext(t), js, natsjs.SnapshotConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return log, snaps
}

// Time travel, to random versions and times of a random history with many
// snapshots (some pruned), equals a naive fold of the log's prefix.
func TestHistoryAtEqualsNaiveFold(t *testing.T) {
	log, snaps := openSnapshots(t)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Snapshot: actors.SnapshotPolicy{
		Every: 7, Retention: store.Retention{KeepNewest: 2, Every: 10},
	}})
	const id = "travel"
	r := rand.New(rand.NewSource(1))
	randomHistory(t, r, func(tx *messages.Transaction) {
		mustSubmit(t, m.Client(), tx)
		if r.Intn(8) == 0 {
			time.Sleep(3 * time.Millisecond) // spread recorded times
		}
	}, id, 80)
	txs, _ := readLog(t, log, id)
	if len(txs) != 80 {
		t.Fatalf("log has %d transactions, want 80", len(txs))
	}
	list, err := snaps.List(testContext(t), id)
	if err != nil || len(list) < 3 {
		t.Fatalf("snapshots %v (%v): want several to start from", list, err)
	}
	h := &replay.History{Log: log, Snapshots: snaps}
	ctx := testContext(t)
	for range 25 {
		v := uint64(1 + r.Intn(len(txs)))
		got, err := h.At(ctx, id, replay.Point{Version: v})
		if err != nil {
			t.Fatalf("At version %d: %v", v, err)
		}
		want := naiveAt(t, txs, id, func(tx *messages.Transaction) bool { return tx.GetVersion() <= v })
		sameState(t, fmt.Sprintf("version %d", v), got.State(), want.State())

		at := txs[r.Intn(len(txs))].GetRecordedAt().AsTime().Add(time.Duration(r.Intn(3)-1) * time.Microsecond)
		got, err = h.At(ctx, id, replay.Point{Time: at})
		want = naiveAt(t, txs, id, func(tx *messages.Transaction) bool { return !tx.GetRecordedAt().AsTime().After(at) })
		if want.Version() == 0 {
			if !errors.Is(err, graph.ErrNotFound) {
				t.Fatalf("At %v before the first event: %v, want not found", at, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("At %v: %v", at, err)
		}
		sameState(t, fmt.Sprintf("time %v", at), got.State(), want.State())
	}
	first := txs[0].GetRecordedAt().AsTime()
	if _, err := h.At(ctx, id, replay.Point{Time: first.Add(-time.Second)}); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("a time before the first event: %v, want not found", err)
	}
	if _, err := h.At(ctx, id, replay.Point{Version: 81}); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("a version never reached: %v, want not found", err)
	}
	future, err := h.At(ctx, id, replay.Point{Time: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, "the future", future.State(), naiveAt(t, txs, id, func(*messages.Transaction) bool { return true }).State())
}

// A snapshot whose stored bytes are corrupted is never served: activation
// and time travel fall back to an older snapshot or the log, count it, and
// still give the right state.
func TestCorruptSnapshotIsNeverUsed(t *testing.T) {
	_, _, js := natstest.Start(t)
	ctx := testContext(t)
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	snaps, err := natsjs.OpenSnapshots(ctx, js, natsjs.SnapshotConfig{})
	if err != nil {
		t.Fatal(err)
	}
	met := metrics.New(nil)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Metrics: met})
	const id = "corrupt"
	mustSubmit(t, m.Client(), txOf(id, addNode("a"), addNode("b")))
	mustSubmit(t, m.Client(), txOf(id, addEdge("e", "a", "b")))
	ref, err := m.Client().Snapshot(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ref.GetVersion() != 2 || ref.GetCid() == "" {
		t.Fatalf("snapshot %v", ref)
	}
	// Overwrite the snapshot's bytes with a valid encoding of another
	// state: decodable, so only the CID check can catch it.
	other := graph.New(id)
	lie, err := other.Encode()
	if err != nil {
		t.Fatal(err)
	}
	objects, err := js.ObjectStore(ctx, natsjs.DefaultSnapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := objects.PutBytes(ctx, ref.GetCid(), lie); err != nil {
		t.Fatal(err)
	}
	mustSubmit(t, m.Client(), txOf(id, addNode("c")))
	if err := m.Client().Passivate(ctx, id); err != nil { // stores a snapshot of version 3
		t.Fatal(err)
	}
	// Corrupt the newest too, so activation has to go back to the log.
	list, err := snaps.List(ctx, id)
	if err != nil || len(list) != 2 {
		t.Fatalf("snapshots %v (%v), want versions 2 and 3", list, err)
	}
	if _, err := objects.PutBytes(ctx, list[1].CID, lie); err != nil {
		t.Fatal(err)
	}
	failures := metricValue(t, met.SnapshotFailures)
	want, _ := foldLog(t, log, id)
	sameState(t, "activation past corrupted snapshots", state(t, m.Client(), id), want.State())
	if got := metricValue(t, met.SnapshotFailures); got < failures+2 {
		t.Fatalf("snapshot failures %v → %v: the two corrupted snapshots were not counted", failures, got)
	}
	h := &replay.History{Log: log, Snapshots: snaps}
	at2, err := h.At(ctx, id, replay.Point{Version: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := nodeIDs(at2.State()); len(got) != 2 || len(at2.State().GetEdges()) != 1 {
		t.Fatalf("version 2 through a corrupted snapshot: %v", at2.State())
	}
}

// A graph activated from a snapshot reads only the events after it.
func TestActivationReadsOnlyAfterTheSnapshot(t *testing.T) {
	log, snaps := openSnapshots(t)
	met := metrics.New(nil)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Metrics: met})
	ctx := testContext(t)
	const id = "bounded"
	for i := range 10 {
		mustSubmit(t, m.Client(), txOf(id, addNode(fmt.Sprintf("n%d", i)), addNode(fmt.Sprintf("m%d", i))))
	}
	if err := m.Client().Passivate(ctx, id); err != nil { // snapshot at version 10
		t.Fatal(err)
	}
	appendDirect(t, log, id, addNode("late1"), addNode("late2"))
	appendDirect(t, log, id, addNode("late3"))
	before := metricValue(t, met.ActivationEvents)
	got := state(t, m.Client(), id)
	if read := metricValue(t, met.ActivationEvents) - before; read != 3 {
		t.Fatalf("activation read %v events, want the 3 after the snapshot", read)
	}
	want, _ := foldLog(t, log, id)
	sameState(t, "activated from a snapshot", got, want.State())
}

// Replay frames: a keyframe, then frames whose events are the log's in
// order and whose changes are the diff between the versions they join.
func TestReplayFrames(t *testing.T) {
	log, snaps := openSnapshots(t)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Snapshot: actors.SnapshotPolicy{Every: 5}})
	const id = "film"
	r := rand.New(rand.NewSource(2))
	randomHistory(t, r, func(tx *messages.Transaction) { mustSubmit(t, m.Client(), tx) }, id, 30)
	txs, _ := readLog(t, log, id)
	h := &replay.History{Log: log, Snapshots: snaps}
	ctx := testContext(t)

	for _, tc := range []struct {
		from, to uint64
		every    int
	}{{0, 0, 4}, {5, 20, 3}, {10, 10, 1}} {
		var frames []*messages.Frame
		err := h.Replay(ctx, id, replay.Point{Version: tc.from}, replay.Point{Version: tc.to}, replay.FrameEvery{Events: tc.every},
			func(f *messages.Frame) error { frames = append(frames, f); return nil })
		if err != nil {
			t.Fatalf("replay %d..%d: %v", tc.from, tc.to, err)
		}
		key := frames[0]
		if key.GetVersion() != tc.from || key.GetState().GetVersion() != tc.from || len(key.GetEvents()) != 0 {
			t.Fatalf("keyframe of %d..%d: version %d, state %d, %d events", tc.from, tc.to, key.GetVersion(), key.GetState().GetVersion(), len(key.GetEvents()))
		}
		to := tc.to
		if to == 0 {
			to = uint64(len(txs))
		}
		var wantEvents []*messages.Event
		for _, tx := range txs[tc.from:to] {
			wantEvents = append(wantEvents, tx.GetEvents()...)
		}
		var gotEvents []*messages.Event
		prev := key.GetVersion()
		for _, f := range frames[1:] {
			gotEvents = append(gotEvents, f.GetEvents()...)
			a := naiveAt(t, txs, id, func(tx *messages.Transaction) bool { return tx.GetVersion() <= prev })
			b := naiveAt(t, txs, id, func(tx *messages.Transaction) bool { return tx.GetVersion() <= f.GetVersion() })
			if !proto.Equal(f.GetChanges(), graph.Diff(a, b)) {
				t.Fatalf("frame %d..%d: changes differ from the diff", prev, f.GetVersion())
			}
			prev = f.GetVersion()
		}
		if prev != to {
			t.Fatalf("replay %d..%d ended at version %d", tc.from, tc.to, prev)
		}
		if len(gotEvents) != len(wantEvents) {
			t.Fatalf("replay %d..%d: %d events, want %d", tc.from, tc.to, len(gotEvents), len(wantEvents))
		}
		for i := range gotEvents {
			if gotEvents[i].GetEventId() != wantEvents[i].GetEventId() {
				t.Fatalf("event %d of the replay is %s, want %s", i, gotEvents[i].GetEventId(), wantEvents[i].GetEventId())
			}
		}
	}
}

// History reuses a graph's snapshot list for a moment; a snapshot pruned
// since it was listed is passed over without being counted as a failure,
// and the answer stays right.
func TestHistoryWithAPrunedSnapshot(t *testing.T) {
	log, snaps := openSnapshots(t)
	met := metrics.New(nil)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps})
	ctx := testContext(t)
	const id = "pruned"
	for i := range 3 {
		mustSubmit(t, m.Client(), txOf(id, addNode(fmt.Sprintf("n%d", i))))
		if _, err := m.Client().Snapshot(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	h := &replay.History{Log: log, Snapshots: snaps, Counters: met}
	if _, err := h.At(ctx, id, replay.Point{Version: 3}); err != nil { // lists and caches versions 1..3
		t.Fatal(err)
	}
	list, err := snaps.List(ctx, id)
	if err != nil || len(list) != 3 {
		t.Fatalf("snapshots %v (%v)", list, err)
	}
	if err := snaps.Delete(ctx, list[2]); err != nil {
		t.Fatal(err)
	}
	g, err := h.At(ctx, id, replay.Point{Version: 3})
	if err != nil {
		t.Fatal(err)
	}
	if g.Version() != 3 || g.NodeCount() != 3 {
		t.Fatalf("version %d with %d nodes, want 3 and 3", g.Version(), g.NodeCount())
	}
	if got := metricValue(t, met.SnapshotFailures); got != 0 {
		t.Fatalf("a pruned snapshot counted as %v failures", got)
	}
}

// A snapshot at any version k, then a replay of the rest of the log, ends
// at the very state a replay of everything reaches: same bytes, same CID.
func TestSnapshotThenReplayGivesTheSameCID(t *testing.T) {
	log, _ := openLog(t)
	m := startMember(t, actors.GrainConfig{Log: log})
	const id = "cid"
	r := rand.New(rand.NewSource(3))
	randomHistory(t, r, func(tx *messages.Transaction) { mustSubmit(t, m.Client(), tx) }, id, 40)
	ctx := testContext(t)
	full, _ := foldLog(t, log, id)
	fullBytes, err := full.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want, err := store.CIDOf(fullBytes)
	if err != nil {
		t.Fatal(err)
	}
	for k := uint64(0); k <= 40; k += 1 + uint64(r.Intn(5)) {
		g := graph.New(id)
		if _, err := replay.Fold(ctx, log, g, 0, func(tx *messages.Transaction) bool { return tx.GetVersion() > k }, nil); err != nil {
			t.Fatal(err)
		}
		snap, err := g.Encode()
		if err != nil {
			t.Fatal(err)
		}
		restored, err := graph.Decode(snap)
		if err != nil {
			t.Fatalf("decode the snapshot at %d: %v", k, err)
		}
		if _, err := replay.Fold(ctx, log, restored, 0, nil, nil); err != nil {
			t.Fatal(err)
		}
		b, err := restored.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := store.CIDOf(b); got != want {
			t.Fatalf("snapshot at version %d then replay: CID %s, a full replay gives %s", k, got, want)
		}
	}
}

// A large graph waits for events in proportion to its size between
// snapshots, not only for SnapshotPolicy.Every.
func TestSnapshotsOfALargeGraphWaitInProportion(t *testing.T) {
	log, snaps := openSnapshots(t)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Snapshot: actors.SnapshotPolicy{
		Every: 10, EveryPerElement: 0.5, Retention: store.Retention{KeepNewest: 100},
	}})
	const id = "large"
	ctx := testContext(t)
	versions := func() []uint64 {
		list, err := snaps.List(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var vs []uint64
		for _, s := range list {
			vs = append(vs, s.Version)
		}
		return vs
	}
	nodes := func(prefix string, n int) *messages.Transaction {
		evs := make([]*messages.Event, n)
		for i := range evs {
			evs[i] = addNode(fmt.Sprintf("%s%d", prefix, i))
		}
		return txOf(id, evs...)
	}
	// 100 events, 100 elements: due after max(10, 50) events.
	mustSubmit(t, m.Client(), nodes("a", 100))
	eventually(t, 10*time.Second, "a snapshot at version 1", func() bool { return slices.Equal(versions(), []uint64{1}) })
	// 20 events each: due when the events since version 1 reach half the
	// graph's size, at version 6 (100 events, 200 elements), not before.
	for i := range 5 {
		mustSubmit(t, m.Client(), nodes(fmt.Sprintf("b%d-", i), 20))
	}
	eventually(t, 10*time.Second, "a snapshot at version 6", func() bool { return slices.Contains(versions(), 6) })
	if got := versions(); !slices.Equal(got, []uint64{1, 6}) {
		t.Fatalf("snapshots at versions %v, want [1 6]", got)
	}
}

// A resend after passivation gets its first answer even when the
// reactivated grain reads none of the log (it starts from a snapshot),
// and an ID reused for other events is refused: the remembered IDs are
// part of the snapshot (docs/ARCHITECTURE.md, "Retries are safe forever").
// The grain passivates on its
// own after an idle second, as in the report that found it.
func TestResendAfterPassivationIsAnsweredOnce(t *testing.T) {
	log, snaps := openSnapshots(t)
	met := metrics.New(nil)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Metrics: met, IdleTimeout: time.Second})
	cl := m.Client()
	ctx := testContext(t)
	const id = "resend"
	withID := func(txID string, evs ...*messages.Event) *messages.Transaction {
		tx := txOf(id, evs...)
		tx.TransactionId = txID
		return tx
	}
	first := mustSubmit(t, cl, withID("t-1", addNode("a")))
	second := mustSubmit(t, cl, withID("t-2", addNode("b"), addEdge("ab", "a", "b")))
	eventually(t, 10*time.Second, "the idle grain passivated", func() bool {
		return metricValue(t, met.ActiveGraphs) == 0
	})
	list, err := snaps.List(ctx, id)
	if err != nil || len(list) == 0 || list[len(list)-1].Version != 2 {
		t.Fatalf("snapshots after passivation: %v, %v; want one at version 2", list, err)
	}

	read := metricValue(t, met.ActivationEvents)
	if r := mustSubmit(t, cl, withID("t-2", addNode("b"), addEdge("ab", "a", "b"))); !proto.Equal(r, second) {
		t.Fatalf("t-2 resent after passivation answered %v, first answer %v", r, second)
	}
	if got := metricValue(t, met.ActivationEvents) - read; got != 0 {
		t.Fatalf("the reactivation read %v events of the log, want none (all in the snapshot)", got)
	}
	if r := mustSubmit(t, cl, withID("t-1", addNode("a"))); !proto.Equal(r, first) {
		t.Fatalf("t-1 resent answered %v, first answer %v", r, first)
	}
	if _, err := cl.Submit(ctx, withID("t-1", addNode("c"))); !errors.Is(err, store.ErrDuplicateTransactionID) {
		t.Fatalf("t-1 reused for another node: %v, want ErrDuplicateTransactionID", err)
	}
	if h := head(t, log, id); h.Version != 2 {
		t.Fatalf("log at version %d after the resends, want 2", h.Version)
	}
	if r := mustSubmit(t, cl, withID("t-3", addNode("c"))); r.GetVersion() != 3 {
		t.Fatalf("a new transaction after the resends got version %d, want 3", r.GetVersion())
	}
}

// A replay from a version inside a message of several transactions (a
// group commit) goes on with the rest of that message.
func TestReplayFromInsideAGroup(t *testing.T) {
	log, _ := openLog(t)
	ctx := testContext(t)
	const id = "grouped"
	h1, err := log.Append(ctx, txOf(id, addNode("a")), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := log.AppendGroup(ctx, []*messages.Transaction{txOf(id, addNode("b")), txOf(id, addNode("c")), txOf(id, addNode("d"))}, h1); err != nil {
		t.Fatal(err)
	}
	h := &replay.History{Log: log}
	var frames []*messages.Frame
	if err := h.Replay(ctx, id, replay.Point{Version: 2}, replay.Point{}, replay.FrameEvery{Events: 1},
		func(f *messages.Frame) error { frames = append(frames, f); return nil }); err != nil {
		t.Fatal(err)
	}
	var versions []uint64
	for _, f := range frames {
		versions = append(versions, f.GetVersion())
	}
	if !slices.Equal(versions, []uint64{2, 3, 4}) {
		t.Fatalf("replay from version 2 gave frames at versions %v, want the keyframe at 2 then 3 and 4", versions)
	}
	if s := frames[2].GetState(); s != nil {
		t.Fatalf("a frame after the keyframe carries a whole state")
	}
}

// Snapshot retention spaces kept snapshots by events of history, over a
// long history written in transactions of five events, a snapshot after
// each: the oldest snapshot of every window of Retention.Every events is
// kept, and the newest two, nothing else; each index entry counts the
// events before it.
func TestRetentionKeepsOnePerWindowOfEvents(t *testing.T) {
	log, snaps := openSnapshots(t)
	m := startMember(t, actors.GrainConfig{Log: log, Snapshots: snaps, Snapshot: actors.SnapshotPolicy{
		Retention: store.Retention{KeepNewest: 2, Every: 50},
	}})
	ctx := testContext(t)
	const id, perTx, txs = "long", 5, 120
	for i := range txs {
		evs := make([]*messages.Event, perTx)
		for j := range evs {
			evs[j] = addNode(fmt.Sprintf("n%d-%d", i, j))
		}
		mustSubmit(t, m.Client(), txOf(id, evs...))
		if _, err := m.Client().Snapshot(ctx, id); err != nil { // prunes, as every snapshot stored does
			t.Fatal(err)
		}
	}
	list, err := snaps.List(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	// Windows of 50 events are 10 versions: version 1 opens the first,
	// then 10, 20 … 110; 119 and 120 are the newest two.
	want := []uint64{1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 119, 120}
	var got []uint64
	for _, s := range list {
		got = append(got, s.Version)
		if s.Events != s.Version*perTx {
			t.Errorf("snapshot at version %d counts %d events, want %d", s.Version, s.Events, s.Version*perTx)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("snapshots kept at versions %v, want %v", got, want)
	}
}
