package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// historyOptions are the knobs of `node bench history`.
type historyOptions struct {
	graphs         int             // graphs interleaved in the shared stream
	eventsPerGraph int             // events of each of them, one per transaction
	sample         int             // graphs whose activation is timed
	travelEvents   int             // events of the time-travel graph
	travelTxSize   int             // events per transaction (log entry) of the time-travel graph
	travelNodes    int             // nodes its events keep updating
	snapshotEvery  int             // events between its snapshots
	retention      store.Retention // of its snapshots: the node's default
	travelSamples  int             // random times, random versions and HTTP reads of one node, travelled to
	snapshotEdges  int             // edges of the graph whose snapshot is timed
	rounds         int             // rounds of the rebuild and snapshot timings; medians
	seed           uint64          // of the random times, versions and nodes
	headers        bool            // store events with the headers Append writes
	elementTxs     int             // transactions of the element-history graph
	elementTouches int             // of them, those touching the node whose history is read
}

// The figures graphlog is built to (docs/ARCHITECTURE.md, "Reading one
// graph's history"); each is printed beside what was measured.
const (
	targetActivationP50 = 10 * time.Millisecond
	targetActivationP99 = 25 * time.Millisecond
	targetSpeedup       = 40.0 // naive filtered consumer time / activation time
	targetTravelP99     = 50 * time.Millisecond
	targetRebuildRatio  = 0.8 // raw ordered read time / fold time

	// The sizes the targets are stated for.
	targetGraphs         = 1000
	targetEventsPerGraph = 1000
	targetTravelEvents   = 1_000_000
	targetSnapshotEdges  = 1_000_000
)

// runHistoryBench measures, in one run on a fresh node, what reads of a
// graph's history cost on large histories, against the targets and, where
// there is one, a raw JetStream baseline measured in the same run:
//
//  1. cold activation of one graph in a shared stream of many graphs'
//     events, without and with a snapshot, vs a naive filtered ordered
//     consumer reading the graph's messages;
//  2. time travel to random times and versions of a graph with a long
//     history, written in transactions of N events, with snapshots every K
//     events pruned by the node's retention, in process and as a user
//     reads one node as of a version over HTTP;
//  3. rebuilding that graph from the log vs a raw ordered consumer reading
//     the same messages;
//  4. saving and restoring a snapshot of a graph with many edges, its size,
//     and the live graph's memory per edge.
//
// Events are written with plain JetStream async publish of already stamped
// transactions, one log entry each (one event per transaction in the shared
// stream, --travel-tx-size in the time-travel graph): the log is the truth
// and any valid content works, and writing millions of events through the
// grains would take most of the run. Every read checks that they fold with
// no rejection.
func runHistoryBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench history", flag.ContinueOnError)
	var o historyOptions
	fs.IntVar(&o.graphs, "graphs", 200, fmt.Sprintf("graphs interleaved round-robin in the shared stream (target %d)", targetGraphs))
	fs.IntVar(&o.eventsPerGraph, "events-per-graph", 1000, fmt.Sprintf("events of each of those graphs, one per transaction (target %d)", targetEventsPerGraph))
	fs.IntVar(&o.sample, "sample", 50, "graphs whose activation is timed (fewer than --graphs)")
	fs.IntVar(&o.travelEvents, "travel-events", 200_000, fmt.Sprintf("events of the time-travel graph (target %d)", targetTravelEvents))
	fs.IntVar(&o.travelTxSize, "travel-tx-size", 100, "events per transaction of the time-travel graph, each transaction one log entry (1: one event per transaction)")
	fs.IntVar(&o.travelNodes, "travel-nodes", 2000, "nodes the time-travel graph's events keep updating")
	defaults := config.Default().Snapshots
	fs.IntVar(&o.snapshotEvery, "snapshot-every", defaults.Every, "events between the time-travel graph's snapshots, each taken at the first transaction boundary "+
		"at or after a multiple (the node's default --snapshot-every); they are pruned with the node's default retention")
	fs.IntVar(&o.travelSamples, "travel-samples", 100, "random times, as many random versions, and as many HTTP reads of one node at a random version, to travel to")
	fs.IntVar(&o.snapshotEdges, "snapshot-edges", 200_000, fmt.Sprintf("edges of the graph whose snapshot is saved and restored (target %d)", targetSnapshotEdges))
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of the rebuild and snapshot timings (medians reported)")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random times, versions and nodes")
	fs.BoolVar(&o.headers, "headers", true, "publish each event with the optimistic-concurrency headers Append writes "+
		"(expected last sequence of the graph's subjects), which the server checks and stores, as it does for events written through graphlog")
	fs.IntVar(&o.elementTxs, "element-txs", 100_000, fmt.Sprintf("one-event transactions of the element-history graph (target %d)", targetElementTxs))
	fs.IntVar(&o.elementTouches, "element-touches", targetElementTouches, "of them, those that touch the node whose history is read")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.retention = store.Retention{KeepNewest: defaults.Keep, Every: defaults.KeepEvery}
	switch {
	case o.graphs <= 0 || o.eventsPerGraph <= 0 || o.sample <= 0 || o.travelEvents <= 0 || o.travelTxSize <= 0 || o.travelNodes <= 0 ||
		o.snapshotEvery <= 0 || o.travelSamples <= 0 || o.snapshotEdges <= 0 || o.rounds <= 0 || o.elementTouches <= 0:
		return errors.New("bench history: every size must be positive")
	case o.sample >= o.graphs:
		return errors.New("bench history: --sample must be smaller than --graphs (one more graph warms up)")
	case o.travelNodes >= o.travelEvents:
		return errors.New("bench history: --travel-nodes must be smaller than --travel-events")
	case o.snapshotEvery > o.travelEvents:
		return errors.New("bench history: --snapshot-every must be at most --travel-events")
	case o.elementTxs < 2*o.elementTouches:
		return errors.New("bench history: --element-txs must be at least twice --element-touches")
	}

	stopProfile, err := startProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx := context.Background()
	// The ingress would deliver every event published below to its grain,
	// activating every graph: nothing would be left to activate cold.
	n, stop, err := benchNode(ctx, "bench-history", false, progress)
	if err != nil {
		return err
	}
	defer stop()

	var pubFailed atomic.Int64
	nc, err := nats.Connect(n.nats.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncErrHandler(func(jetstream.JetStream, *nats.Msg, error) { pubFailed.Add(1) }))
	if err != nil {
		return err
	}
	log, err := natsjs.Open(ctx, js, natsjs.Config{Stream: n.cfg.NATS.Stream})
	if err != nil {
		return err
	}
	snaps, err := natsjs.OpenSnapshots(ctx, js, natsjs.SnapshotConfig{Bucket: n.cfg.Snapshots.Bucket, IndexBucket: n.cfg.Snapshots.Bucket + "_INDEX"})
	if err != nil {
		return err
	}
	b := &historyBench{o: o, n: n, js: js, pubFailed: &pubFailed, log: log, snaps: snaps, progress: progress}

	fmt.Fprintf(out, "graphlog bench history (%d CPUs): activation in a shared stream of %d graphs × %d events, %d sampled; "+
		"time travel in a graph of %d events in transactions of %d (%d nodes, snapshot every %d events, retention: newest %d and one per %d events), "+
		"%d random times, versions and HTTP reads; snapshot of a graph of %d edges; %d rounds where rounds apply, medians\n",
		runtime.NumCPU(), o.graphs, o.eventsPerGraph, o.sample, o.travelEvents, o.travelTxSize, o.travelNodes, o.snapshotEvery,
		o.retention.KeepNewest, o.retention.Every, o.travelSamples, o.snapshotEdges, o.rounds)
	fmt.Fprintf(out, "p99 is the nearest-rank percentile: with fewer than 100 samples, the slowest one\n")

	// Item 4 runs first, while the process holds little else, so that the
	// heap it measures is the graph's.
	snap, err := b.snapshot(ctx)
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	snap.print(out)
	act, err := b.activation(ctx)
	if err != nil {
		return fmt.Errorf("activation: %w", err)
	}
	act.print(out, o)
	travel, err := b.timeTravel(ctx)
	if err != nil {
		return fmt.Errorf("time travel: %w", err)
	}
	travel.print(out, o)
	rebuild, err := b.rebuild(ctx, travel.graphID)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	rebuild.print(out, o)
	element, err := b.elementHistory(ctx)
	if err != nil {
		return fmt.Errorf("element history: %w", err)
	}
	element.print(out)

	printSummary(out, o, act, travel, rebuild, snap, element)
	return nil
}

// historyBench holds what every part of the benchmark uses.
type historyBench struct {
	o         historyOptions
	n         *node
	js        jetstream.JetStream // publishes with pubFailed counting failed acks
	pubFailed *atomic.Int64
	log       *natsjs.Log
	snaps     *natsjs.Snapshots
	progress  io.Writer
}

// ------------------------------------------------------------ 1. activation

type activationResult struct {
	fill          time.Duration
	events        int
	grainCold     []time.Duration // Query to a graph not active: activation from the log
	grainWarm     []time.Duration // the same after passivation: from its snapshot
	foldCold      []time.Duration // History.Start + Fold in process, no snapshot
	foldWarm      []time.Duration // the same, from the snapshot
	naive         []time.Duration // filtered ordered consumer from the stream's start
	snapshotBytes int64           // of one sampled graph's snapshot
}

func sharedGraphID(g int) string { return fmt.Sprintf("act-%05d", g) }

// sharedEvent is event j (0-based; version j+1) of a graph of the shared
// stream: nodes and edges alternately, each edge from the node just added
// to an older one, so half the graph's events are nodes and half edges.
func sharedEvent(graphID string, j int) *messages.Event {
	ev := &messages.Event{EventId: nuid.Next(), TransactionId: nuid.Next(), GraphId: graphID, Version: uint64(j + 1), Count: 1}
	if j%2 == 0 {
		ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: "n" + strconv.Itoa(j/2), NodeType: "item", Properties: numberProps("w", float64(j)),
		}}
	} else {
		ev.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId: "e" + strconv.Itoa(j/2), SourceId: "n" + strconv.Itoa(j/2), TargetId: "n" + strconv.Itoa(j/4),
			EdgeType: "link", Properties: numberProps("w", float64(j)),
		}}
	}
	return ev
}

func numberProps(key string, v float64) *structpb.Struct {
	return &structpb.Struct{Fields: map[string]*structpb.Value{key: structpb.NewNumberValue(v)}}
}

func (b *historyBench) activation(ctx context.Context) (activationResult, error) {
	o := b.o
	res := activationResult{events: o.graphs * o.eventsPerGraph}
	// Round-robin: each graph's events are spread over the whole stream,
	// the worst case for a reader that scans it.
	fill, err := b.publish(ctx, fmt.Sprintf("shared stream: %d graphs × %d events", o.graphs, o.eventsPerGraph), res.events,
		func(i int) *messages.Transaction {
			return oneEventTx(sharedEvent(sharedGraphID(i%o.graphs), i/o.graphs))
		},
		func(i int) int { return i - o.graphs })
	if err != nil {
		return res, err
	}
	res.fill = fill

	// Graph 0 warms up every path (connections, consumers, code); the
	// sample is spread evenly over the others.
	ids := make([]string, o.sample)
	for i := range ids {
		ids[i] = sharedGraphID(1 + i*(o.graphs-1)/o.sample)
	}
	client := b.n.member.Client()
	getNode := &messages.Query{Query: &messages.Query_Node{Node: &messages.GetNode{NodeId: "n0"}}}
	query := func(id string) (time.Duration, error) {
		start := time.Now()
		reply, err := client.Query(ctx, id, getNode)
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		if reply.GetVersion() != uint64(o.eventsPerGraph) {
			return 0, fmt.Errorf("graph %s activated at version %d, want %d", id, reply.GetVersion(), o.eventsPerGraph)
		}
		return d, nil
	}
	withSnapshots := &replay.History{Log: b.log, Snapshots: b.snaps}
	fromLog := &replay.History{Log: b.log}
	fold := func(h *replay.History, id string, fromSnapshot bool) (time.Duration, error) {
		start := time.Now()
		g, _, err := h.Start(ctx, id, replay.Point{})
		if err != nil {
			return 0, err
		}
		r, err := replay.Fold(ctx, b.log, g, 0, nil, nil)
		d := time.Since(start)
		switch {
		case err != nil:
			return 0, err
		case g.Version() != uint64(o.eventsPerGraph) || r.Rejected != 0 || r.Corrupt != 0 || r.OutOfOrder != 0:
			return 0, fmt.Errorf("graph %s folded to version %d (want %d): %d rejected, %d corrupt, %d out of order",
				id, g.Version(), o.eventsPerGraph, r.Rejected, r.Corrupt, r.OutOfOrder)
		case fromSnapshot && r.Applied != 0:
			return 0, fmt.Errorf("graph %s folded %d transactions after its snapshot, want none", id, r.Applied)
		}
		return d, nil
	}
	naive := func(id string) (time.Duration, error) {
		start := time.Now()
		got, err := orderedRead(ctx, b.js, b.log.Config(), id, o.eventsPerGraph)
		d := time.Since(start)
		if err != nil {
			return 0, err
		}
		if got != o.eventsPerGraph {
			return 0, fmt.Errorf("ordered consumer read %d messages of %s, want %d", got, id, o.eventsPerGraph)
		}
		return d, nil
	}

	// Without a snapshot. The paths run in alternating order, so that no
	// path always finds the graph's messages freshly cached.
	fmt.Fprintf(b.progress, "activation without snapshots of %d graphs...\n", len(ids))
	for i, id := range append([]string{sharedGraphID(0)}, ids...) {
		var dCold, dFold, dNaive time.Duration
		var err error
		steps := []func() error{
			func() (err error) { dNaive, err = naive(id); return err },
			func() (err error) { dFold, err = fold(fromLog, id, false); return err },
			func() (err error) { dCold, err = query(id); return err },
		}
		if i%2 == 1 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			if err = step(); err != nil {
				return res, err
			}
		}
		// Passivation snapshots the graph at its latest version, as an
		// idle grain does.
		if err := client.Passivate(ctx, id); err != nil {
			return res, err
		}
		if i == 0 {
			continue // warm-up
		}
		res.grainCold, res.foldCold, res.naive = append(res.grainCold, dCold), append(res.foldCold, dFold), append(res.naive, dNaive)
		if i%10 == 0 {
			fmt.Fprintf(b.progress, "  %d/%d: grain %s, in process %s, naive consumer %s\n", i, len(ids), ms(dCold), ms(dFold), ms(dNaive))
		}
	}

	for _, id := range ids {
		list, err := b.snaps.List(ctx, id)
		if err != nil {
			return res, err
		}
		if len(list) == 0 || list[len(list)-1].Version != uint64(o.eventsPerGraph) {
			return res, fmt.Errorf("graph %s has no snapshot at version %d after passivation: %v", id, o.eventsPerGraph, list)
		}
		res.snapshotBytes = list[len(list)-1].Size
	}
	// Let the passivated grains' terminations reach the identity lookup.
	time.Sleep(100 * time.Millisecond)

	fmt.Fprintf(b.progress, "activation from snapshots of %d graphs...\n", len(ids))
	for i, id := range ids {
		var dWarm, dFold time.Duration
		steps := []func() error{
			func() (err error) { dWarm, err = query(id); return err },
			func() (err error) { dFold, err = fold(withSnapshots, id, true); return err },
		}
		if i%2 == 1 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return res, err
			}
		}
		if err := client.Passivate(ctx, id); err != nil {
			return res, err
		}
		res.grainWarm, res.foldWarm = append(res.grainWarm, dWarm), append(res.foldWarm, dFold)
	}
	return res, nil
}

func (r activationResult) print(out io.Writer, o historyOptions) {
	fmt.Fprintf(out, "\n1. cold activation of one graph of %d events in a shared stream of %d events (%d graphs interleaved round-robin), %d graphs sampled\n",
		o.eventsPerGraph, r.events, o.graphs, o.sample)
	if o.graphs != targetGraphs || o.eventsPerGraph != targetEventsPerGraph {
		fmt.Fprintf(out, "   (the targets are stated for %d graphs × %d events; the naive consumer's time grows with the stream)\n",
			targetGraphs, targetEventsPerGraph)
	}
	fmt.Fprintf(out, "   stream filled by async publish in %s (%.0f events/s); every sample folded to version %d, none rejected\n",
		r.fill.Round(time.Millisecond), float64(r.events)/r.fill.Seconds(), o.eventsPerGraph)
	fmt.Fprintf(out, "   %-56s %10s %10s  %s\n", "", "p50", "p99", "target p50 / p99")
	line := func(name string, ds []time.Duration, target bool) {
		t := ""
		if target {
			p50, p99 := percentile(ds, 0.5), percentile(ds, 0.99)
			t = fmt.Sprintf("≤ %s / ≤ %s  %s / %s", ms(targetActivationP50), ms(targetActivationP99),
				verdict(p50 <= targetActivationP50), verdict(p99 <= targetActivationP99))
		}
		fmt.Fprintln(out, strings.TrimRight(fmt.Sprintf("   %-56s %10s %10s  %s", name, ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), t), " "))
	}
	line("grain activation, no snapshot (Query to an idle graph)", r.grainCold, true)
	line(fmt.Sprintf("grain activation from a snapshot at latest (%d bytes)", r.snapshotBytes), r.grainWarm, true)
	line("in process: History.Start + Fold, no snapshot", r.foldCold, false)
	line("in process: History.Start + Fold, from the snapshot", r.foldWarm, false)
	line(fmt.Sprintf("baseline: naive filtered ordered consumer, %d messages", o.eventsPerGraph), r.naive, false)
	naive := percentile(r.naive, 0.5)
	fmt.Fprintf(out, "   speed-up over the naive consumer (its p50 / activation p50, target ≥ %.0f×): no snapshot %.1f× %s, from snapshot %.1f× %s\n",
		targetSpeedup, ratio(naive, percentile(r.grainCold, 0.5)), verdict(ratio(naive, percentile(r.grainCold, 0.5)) >= targetSpeedup),
		ratio(naive, percentile(r.grainWarm, 0.5)), verdict(ratio(naive, percentile(r.grainWarm, 0.5)) >= targetSpeedup))
}

// ----------------------------------------------------------- 2. time travel

type travelResult struct {
	graphID   string
	versions  int // transactions, one log entry each
	fill      time.Duration
	taken     int   // snapshots taken
	kept      int   // of them, kept by the retention
	snapBytes int64 // of the last snapshot
	// first, last are the recorded times of the first and last
	// transactions.
	first, last time.Time
	byTime      []time.Duration
	byVersion   []time.Duration
	// One node as of a random version, as a user reads it: GET
	// /v1/graphs/{g}/nodes/{id}?version=V on the node's HTTP API.
	httpNode []time.Duration
	// For the versions: History.Start alone (snapshot list, load, verify,
	// decode), and how many events the fold after it read.
	startOnly []time.Duration
	folded    []int
	// History.At a kept snapshot's own version: the floor of a travel,
	// with nothing to fold after the snapshot.
	atSnapshot []time.Duration
}

// travelEvent is event j (0-based) of the time-travel graph's history,
// without its envelope: its nodes are added, then updated over and over,
// each update setting a counter to j, so a long history keeps a small
// state.
func travelEvent(j, nodes int) *messages.Event {
	ev := &messages.Event{EventId: nuid.Next()}
	node := travelNode(j % nodes)
	if j < nodes {
		ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: node, NodeType: "counter", Properties: numberProps("count", float64(j))}}
	} else {
		ev.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: node, Set: numberProps("count", float64(j))}}
	}
	return ev
}

func travelNode(k int) string { return "t" + strconv.Itoa(k) }

// travelTx is transaction k (0-based; version k+1) of the time-travel
// graph, stamped: events [k·size, (k+1)·size) of its history, fewer in the
// last transaction if size does not divide the history.
func travelTx(graphID string, k int, o historyOptions) *messages.Transaction {
	from, to := k*o.travelTxSize, min((k+1)*o.travelTxSize, o.travelEvents)
	tx := &messages.Transaction{GraphId: graphID, TransactionId: nuid.Next(), Version: uint64(k + 1)}
	for j := from; j < to; j++ {
		ev := travelEvent(j, o.travelNodes)
		ev.GraphId, ev.TransactionId, ev.Version = graphID, tx.TransactionId, tx.Version
		ev.Index, ev.Count = uint32(j-from), uint32(to-from)
		tx.Events = append(tx.Events, ev)
	}
	return tx
}

// travelVersions is how many transactions (versions) the time-travel
// graph has.
func travelVersions(o historyOptions) int {
	return (o.travelEvents + o.travelTxSize - 1) / o.travelTxSize
}

// travelEventsAt is how many events the time-travel graph's history holds
// up to version v.
func travelEventsAt(v uint64, o historyOptions) int {
	return min(int(v)*o.travelTxSize, o.travelEvents)
}

// travelCount is the counter node k holds at version v of the time-travel
// graph (ok false: the node does not exist yet): the index of the last
// event up to v that touched it.
func travelCount(k int, v uint64, o historyOptions) (int, bool) {
	last := travelEventsAt(v, o) - 1
	if k > last {
		return 0, false
	}
	return last - (last-k)%o.travelNodes, true
}

func (b *historyBench) timeTravel(ctx context.Context) (travelResult, error) {
	o := b.o
	res := travelResult{graphID: "travel", versions: travelVersions(o)}
	id := res.graphID
	fill, err := b.publish(ctx, fmt.Sprintf("time-travel graph: %d events in %d transactions of %d", o.travelEvents, res.versions, o.travelTxSize),
		res.versions, func(i int) *messages.Transaction { return travelTx(id, i, o) }, func(i int) int { return i - 1 })
	if err != nil {
		return res, err
	}
	res.fill = fill

	// Snapshots spaced by events, as the grain's policy spaces them: at
	// the first transaction boundary at or after every multiple of K
	// events, of the state folded so far, recorded at its last
	// transaction's time, then pruned as the node prunes them.
	fmt.Fprintf(b.progress, "folding %s and snapshotting it every %d events...\n", id, o.snapshotEvery)
	type pending struct {
		info store.SnapshotInfo
		data []byte
	}
	var due []pending
	g := graph.New(id)
	events := uint64(0)
	for tx, err := range b.log.Read(ctx, id, 0) {
		if err != nil {
			return res, err
		}
		if err := replay.ApplyCommitted(g, tx); err != nil {
			return res, fmt.Errorf("version %d: %w", tx.GetVersion(), err)
		}
		at := tx.GetRecordedAt().AsTime()
		if res.first.IsZero() {
			res.first = at
		}
		res.last = at
		before := events
		events += uint64(len(tx.GetEvents()))
		if events/uint64(o.snapshotEvery) != before/uint64(o.snapshotEvery) {
			data, err := g.Encode()
			if err != nil {
				return res, err
			}
			due = append(due, pending{store.SnapshotInfo{GraphID: id, Version: g.Version(), Sequence: g.Sequence(), Events: events, RecordedAt: at}, data})
		}
	}
	if g.Version() != uint64(res.versions) || events != uint64(o.travelEvents) {
		return res, fmt.Errorf("%s folded to version %d with %d events, want %d with %d", id, g.Version(), events, res.versions, o.travelEvents)
	}
	for _, p := range due {
		info, err := b.snaps.Save(ctx, p.info, p.data)
		if err != nil {
			return res, err
		}
		res.taken, res.snapBytes = res.taken+1, info.Size
	}
	due = nil
	list, err := b.snaps.List(ctx, id)
	if err != nil {
		return res, err
	}
	for _, s := range o.retention.Prunable(list) {
		if err := b.snaps.Delete(ctx, s); err != nil {
			return res, err
		}
	}
	kept, err := b.snaps.List(ctx, id)
	if err != nil {
		return res, err
	}
	res.kept = len(kept)
	fmt.Fprintf(b.progress, "  %d snapshots taken, %d kept by the retention\n", res.taken, res.kept)

	fmt.Fprintf(b.progress, "time travel to %d random times, %d random versions, and %d HTTP reads of one node at a random version...\n",
		o.travelSamples, o.travelSamples, o.travelSamples)
	h := &replay.History{Log: b.log, Snapshots: b.snaps}
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	base := "http://" + b.n.httpAddr() + "/v1/graphs/" + id + "/nodes/"
	readNode := func(v uint64, k int) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Get(base + travelNode(k) + "?version=" + strconv.FormatUint(v, 10))
		if err != nil {
			return 0, err
		}
		var n api.Node
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		d := time.Since(start)
		switch {
		case err != nil:
			return 0, err
		case resp.StatusCode != http.StatusOK:
			return 0, fmt.Errorf("GET node %s at version %d: %s %s", travelNode(k), v, resp.Status, body)
		}
		if err := json.Unmarshal(body, &n); err != nil {
			return 0, fmt.Errorf("GET node %s at version %d: %w", travelNode(k), v, err)
		}
		want, _ := travelCount(k, v, o)
		if n.ID != travelNode(k) || n.Properties["count"] != float64(want) {
			return 0, fmt.Errorf("GET node %s at version %d: got %s with count %v, want count %d", travelNode(k), v, n.ID, n.Properties["count"], want)
		}
		return d, nil
	}
	// randomNode is a node that exists at version v.
	rng := rand.New(rand.NewPCG(o.seed, 0x9e3779b97f4a7c15))
	randomNode := func(v uint64) int { return rng.IntN(min(o.travelNodes, travelEventsAt(v, o))) }

	// Warm-up: connections, code, the snapshot lists' caches.
	if _, err := h.At(ctx, id, replay.Point{Version: uint64(res.versions)}); err != nil {
		return res, err
	}
	if _, err := readNode(uint64(res.versions), 0); err != nil {
		return res, err
	}
	span := int64(res.last.Sub(res.first))
	for i := range o.travelSamples {
		at := res.first.Add(time.Duration(rng.Int64N(span + 1)))
		start := time.Now()
		g, err := h.At(ctx, id, replay.Point{Time: at})
		d := time.Since(start)
		if err != nil {
			return res, fmt.Errorf("at %s: %w", at.Format(time.RFC3339Nano), err)
		}
		if g.Version() == 0 {
			return res, fmt.Errorf("at %s: empty graph", at.Format(time.RFC3339Nano))
		}
		if err := checkTravelState(g, g.Version(), o); err != nil {
			return res, fmt.Errorf("at %s: %w", at.Format(time.RFC3339Nano), err)
		}
		res.byTime = append(res.byTime, d)

		v := 1 + rng.Uint64N(uint64(res.versions))
		start = time.Now()
		g, err = h.At(ctx, id, replay.Point{Version: v})
		d = time.Since(start)
		if err != nil {
			return res, fmt.Errorf("at version %d: %w", v, err)
		}
		if err := checkTravelState(g, v, o); err != nil {
			return res, err
		}
		res.byVersion = append(res.byVersion, d)
		start = time.Now()
		_, from, err := h.Start(ctx, id, replay.Point{Version: v})
		if err != nil {
			return res, err
		}
		res.startOnly, res.folded = append(res.startOnly, time.Since(start)), append(res.folded, travelEventsAt(v, o)-int(from.Events))

		v = 1 + rng.Uint64N(uint64(res.versions))
		dHTTP, err := readNode(v, randomNode(v))
		if err != nil {
			return res, err
		}
		res.httpNode = append(res.httpNode, dHTTP)
		if (i+1)%(o.travelSamples/5+1) == 0 {
			fmt.Fprintf(b.progress, "  %d/%d: time %s, version %s, HTTP node at version %d %s\n",
				i+1, o.travelSamples, ms(res.byTime[i]), ms(d), v, ms(dHTTP))
		}
	}
	for range min(o.travelSamples, 20) {
		v := kept[rng.IntN(len(kept))].Version
		start := time.Now()
		g, err := h.At(ctx, id, replay.Point{Version: v})
		d := time.Since(start)
		if err != nil {
			return res, fmt.Errorf("at version %d: %w", v, err)
		}
		if err := checkTravelState(g, v, o); err != nil {
			return res, err
		}
		res.atSnapshot = append(res.atSnapshot, d)
	}
	return res, nil
}

// checkTravelState checks that g is the time-travel graph at version v:
// the node its last event touched holds that event's counter.
func checkTravelState(g *graph.Graph, v uint64, o historyOptions) error {
	if g.Version() != v {
		return fmt.Errorf("travelled to version %d, got %d", v, g.Version())
	}
	j := travelEventsAt(v, o) - 1
	id := travelNode(j % o.travelNodes)
	n, ok := g.Node(id)
	if !ok {
		return fmt.Errorf("version %d has no node %s", v, id)
	}
	if got := n.GetProperties().GetFields()["count"].GetNumberValue(); got != float64(j) {
		return fmt.Errorf("version %d: node %s has count %v, want %d", v, id, got, j)
	}
	return nil
}

func (r travelResult) print(out io.Writer, o historyOptions) {
	fmt.Fprintf(out, "\n2. time travel in one graph of %d events in %d transactions of %d events, one log entry each (%d nodes updated over and over; target size %d events, whatever the transaction size)\n",
		o.travelEvents, r.versions, o.travelTxSize, o.travelNodes, targetTravelEvents)
	fmt.Fprintf(out, "   written by async publish in %s; %d snapshots taken, one at the first transaction boundary at or after every %d events; "+
		"%d kept by the node's default retention (newest %d, and the oldest of every %d events), %d bytes each (the last)\n",
		r.fill.Round(time.Millisecond), r.taken, o.snapshotEvery, r.kept, o.retention.KeepNewest, o.retention.Every, r.snapBytes)
	fmt.Fprintf(out, "   %-64s %10s %10s  %s\n", "", "p50", "p99", "target p99")
	line := func(name string, ds []time.Duration, target bool) {
		t := ""
		if p99 := percentile(ds, 0.99); target {
			t = fmt.Sprintf("≤ %s %s", ms(targetTravelP99), verdict(p99 <= targetTravelP99))
		}
		fmt.Fprintln(out, strings.TrimRight(fmt.Sprintf("   %-64s %10s %10s  %s", name, ms(percentile(ds, 0.5)), ms(percentile(ds, 0.99)), t), " "))
	}
	line(fmt.Sprintf("History.At a random time (%d samples)", len(r.byTime)), r.byTime, true)
	line(fmt.Sprintf("History.At a random version (%d samples)", len(r.byVersion)), r.byVersion, true)
	line("  of which History.Start (list, load, verify, decode)", r.startOnly, false)
	line(fmt.Sprintf("HTTP GET one node ?version= a random version (%d samples)", len(r.httpNode)), r.httpNode, true)
	line(fmt.Sprintf("History.At a kept snapshot's version, nothing to fold (%d)", len(r.atSnapshot)), r.atSnapshot, false)
	total := 0
	for _, n := range r.folded {
		total += n
	}
	fmt.Fprintf(out, "   events folded after the snapshot, per random version travelled to: mean %.0f, max %d\n",
		float64(total)/float64(len(r.folded)), slices.Max(r.folded))
}

// -------------------------------------------------------------- 3. rebuild

type rebuildResult struct {
	events      int
	versions    int           // transactions, one message each
	fold, raw   time.Duration // medians
	ratioMedian float64       // median of the rounds' raw/fold
}

func (b *historyBench) rebuild(ctx context.Context, id string) (rebuildResult, error) {
	o := b.o
	res := rebuildResult{events: o.travelEvents, versions: travelVersions(o)}
	var folds, raws []time.Duration
	var ratios []float64
	for r := range o.rounds {
		fmt.Fprintf(b.progress, "rebuild round %d/%d...\n", r+1, o.rounds)
		var dFold, dRaw time.Duration
		steps := []func() error{
			func() error {
				start := time.Now()
				g := graph.New(id)
				fr, err := replay.Fold(ctx, b.log, g, 0, nil, nil)
				dFold = time.Since(start)
				if err != nil {
					return err
				}
				if g.Version() != uint64(res.versions) || fr.Rejected != 0 || fr.Corrupt != 0 {
					return fmt.Errorf("rebuilt %s to version %d (want %d), %d rejected, %d corrupt", id, g.Version(), res.versions, fr.Rejected, fr.Corrupt)
				}
				return nil
			},
			func() error {
				start := time.Now()
				got, err := orderedRead(ctx, b.js, b.log.Config(), id, o.travelEvents)
				dRaw = time.Since(start)
				if err != nil {
					return err
				}
				if got != o.travelEvents {
					return fmt.Errorf("ordered consumer read %d events, want %d", got, o.travelEvents)
				}
				return nil
			},
		}
		if r%2 == 1 {
			slices.Reverse(steps)
		}
		for _, step := range steps {
			if err := step(); err != nil {
				return res, err
			}
		}
		fmt.Fprintf(b.progress, "  fold %s, raw %s\n", ms(dFold), ms(dRaw))
		folds, raws, ratios = append(folds, dFold), append(raws, dRaw), append(ratios, ratio(dRaw, dFold))
	}
	res.fold, res.raw, res.ratioMedian = median(folds), median(raws), medianOf(ratios)
	return res, nil
}

func (r rebuildResult) print(out io.Writer, o historyOptions) {
	fmt.Fprintf(out, "\n3. full rebuild of the time-travel graph (%d events in %d transactions of %d) from the log, no snapshot, vs raw JetStream ordered read of its messages\n",
		r.events, r.versions, o.travelTxSize)
	fmt.Fprintf(out, "   raw JetStream ordered read (decode each)  %10s  %10.0f events/s\n", ms(r.raw), float64(r.events)/r.raw.Seconds())
	fmt.Fprintf(out, "   rebuild: replay.Fold from an empty graph  %10s  %10.0f events/s\n", ms(r.fold), float64(r.events)/r.fold.Seconds())
	fmt.Fprintf(out, "   ratio raw time / fold time                %10.2f  (median of rounds %.2f; target ≥ %.1f) %s\n",
		ratio(r.raw, r.fold), r.ratioMedian, targetRebuildRatio, verdict(ratio(r.raw, r.fold) >= targetRebuildRatio))
}

// ------------------------------------------------------------ 4. snapshots

type snapshotResult struct {
	nodes, edges                 int
	build                        time.Duration
	heapNodes, heapEdges         int64 // live heap taken by the nodes, then by the edges
	size                         int64
	encode, save, load, decode   time.Duration // medians
	canonical                    bool          // decoding and encoding again gave the same bytes
	saveRoundTrip, restoreMedian time.Duration // encode+save, load+decode
}

// snapshotGraphBatch is how many events each of the snapshot graph's
// transactions holds.
const snapshotGraphBatch = 1000

func (b *historyBench) snapshot(ctx context.Context) (snapshotResult, error) {
	o := b.o
	const id = "snapshot-edges"
	res := snapshotResult{edges: o.snapshotEdges, nodes: max(o.snapshotEdges/4, 2)}
	fmt.Fprintf(b.progress, "building a graph of %d nodes and %d edges in memory...\n", res.nodes, res.edges)

	g := graph.New(id)
	apply := func(count int, event func(i int) *messages.Event) error {
		for from := 0; from < count; from += snapshotGraphBatch {
			tx := &messages.Transaction{GraphId: id, Version: g.Version() + 1, Sequence: g.Version() + 1}
			n := min(snapshotGraphBatch, count-from)
			for i := range n {
				ev := event(from + i)
				ev.GraphId, ev.Version, ev.Index, ev.Count = id, tx.Version, uint32(i), uint32(n)
				tx.Events = append(tx.Events, ev)
			}
			if err := g.Apply(tx); err != nil {
				return err
			}
		}
		return nil
	}
	node := func(i int) string { return "v" + strconv.Itoa(i) }
	heap := func() int64 {
		runtime.GC()
		var stats runtime.MemStats
		runtime.ReadMemStats(&stats)
		return int64(stats.HeapAlloc)
	}

	h0 := heap()
	start := time.Now()
	if err := apply(res.nodes, func(i int) *messages.Event {
		return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: node(i), NodeType: "vertex", Properties: numberProps("rank", float64(i)),
		}}}
	}); err != nil {
		return res, err
	}
	buildNodes := time.Since(start)
	h1 := heap()
	start = time.Now()
	if err := apply(res.edges, func(i int) *messages.Event {
		// A fixed pseudo-random target: edges spread over the graph, as
		// real ones do, rather than in a chain.
		dst := int((uint64(i) * 2654435761) % uint64(res.nodes))
		return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId: "x" + strconv.Itoa(i), SourceId: node(i % res.nodes), TargetId: node(dst), EdgeType: "link",
			Properties: numberProps("weight", float64(i%100)/10),
		}}}
	}); err != nil {
		return res, err
	}
	res.build = buildNodes + time.Since(start)
	h2 := heap()
	res.heapNodes, res.heapEdges = h1-h0, h2-h1
	if g.EdgeCount() != res.edges || g.NodeCount() != res.nodes {
		return res, fmt.Errorf("built %d nodes and %d edges, want %d and %d", g.NodeCount(), g.EdgeCount(), res.nodes, res.edges)
	}

	var encodes, saves, loads, decodes, saveTrips, restores []time.Duration
	for r := range o.rounds {
		fmt.Fprintf(b.progress, "snapshot round %d/%d...\n", r+1, o.rounds)
		start := time.Now()
		data, err := g.Encode()
		if err != nil {
			return res, err
		}
		dEncode := time.Since(start)
		start = time.Now()
		info, err := b.snaps.Save(ctx, store.SnapshotInfo{GraphID: id, Version: g.Version(), Sequence: g.Sequence(), RecordedAt: time.Now()}, data)
		dSave := time.Since(start)
		if err != nil {
			return res, err
		}
		start = time.Now()
		loaded, err := b.snaps.Load(ctx, info)
		dLoad := time.Since(start)
		if err != nil {
			return res, err
		}
		start = time.Now()
		back, err := graph.Decode(loaded)
		dDecode := time.Since(start)
		if err != nil {
			return res, err
		}
		if back.EdgeCount() != res.edges || back.Version() != g.Version() {
			return res, fmt.Errorf("restored %d edges at version %d, want %d at %d", back.EdgeCount(), back.Version(), res.edges, g.Version())
		}
		if r == 0 {
			again, err := back.Encode()
			if err != nil {
				return res, err
			}
			res.canonical = bytes.Equal(again, data)
		}
		res.size = info.Size
		// Save does not write an object that is already stored intact, so
		// the next round would time nothing.
		if err := b.snaps.Delete(ctx, info); err != nil {
			return res, err
		}
		fmt.Fprintf(b.progress, "  encode %s, save %s, load %s, decode %s\n", ms(dEncode), ms(dSave), ms(dLoad), ms(dDecode))
		encodes, saves, loads, decodes = append(encodes, dEncode), append(saves, dSave), append(loads, dLoad), append(decodes, dDecode)
		saveTrips, restores = append(saveTrips, dEncode+dSave), append(restores, dLoad+dDecode)
	}
	res.encode, res.save, res.load, res.decode = median(encodes), median(saves), median(loads), median(decodes)
	res.saveRoundTrip, res.restoreMedian = median(saveTrips), median(restores)
	runtime.KeepAlive(g)
	return res, nil
}

func (r snapshotResult) print(out io.Writer) {
	fmt.Fprintf(out, "\n4. snapshot of one graph of %d edges and %d nodes (target size %d edges; no time target)\n", r.edges, r.nodes, targetSnapshotEdges)
	fmt.Fprintf(out, "   built in memory with graph.Apply in %s\n", r.build.Round(time.Millisecond))
	fmt.Fprintf(out, "   live heap: %.1f bytes per edge (edges alone), %.1f bytes per node; %.1f bytes per edge counting the nodes\n",
		float64(r.heapEdges)/float64(r.edges), float64(r.heapNodes)/float64(r.nodes), float64(r.heapEdges+r.heapNodes)/float64(r.edges))
	fmt.Fprintf(out, "   size: %d bytes (%.1f bytes per edge); decode then encode gives the same bytes: %t\n",
		r.size, float64(r.size)/float64(r.edges), r.canonical)
	fmt.Fprintf(out, "   encode (graph.Encode)                            %10s\n", ms(r.encode))
	fmt.Fprintf(out, "   save (SnapshotStore.Save: CID, object, index)    %10s  %7.1f MB/s\n", ms(r.save), mbps(r.size, r.save))
	fmt.Fprintf(out, "   load + verify CID (SnapshotStore.Load)           %10s  %7.1f MB/s\n", ms(r.load), mbps(r.size, r.load))
	fmt.Fprintf(out, "   decode (graph.Decode, verifying the state)       %10s\n", ms(r.decode))
	fmt.Fprintf(out, "   snapshot = encode + save                         %10s\n", ms(r.saveRoundTrip))
	fmt.Fprintf(out, "   restore = load + decode                          %10s\n", ms(r.restoreMedian))
}

// ---------------------------------------------------------------- summary

func printSummary(out io.Writer, o historyOptions, a activationResult, t travelResult, r rebuildResult, s snapshotResult, e elementResult) {
	fmt.Fprintf(out, "\nsummary (sizes: %d graphs × %d events; time travel %d events in transactions of %d; snapshot %d edges)\n",
		o.graphs, o.eventsPerGraph, o.travelEvents, o.travelTxSize, o.snapshotEdges)
	row := func(name, measured, target, v string) {
		fmt.Fprintln(out, strings.TrimRight(fmt.Sprintf("  %-52s %12s %12s  %s", name, measured, target, v), " "))
	}
	row("figure", "measured", "target", "")
	naive := percentile(a.naive, 0.5)
	for _, c := range []struct {
		name string
		ds   []time.Duration
	}{{"no snapshot", a.grainCold}, {"from snapshot", a.grainWarm}} {
		p50, p99 := percentile(c.ds, 0.5), percentile(c.ds, 0.99)
		row("1. activation p50, "+c.name, ms(p50), "≤ "+ms(targetActivationP50), verdict(p50 <= targetActivationP50))
		row("1. activation p99, "+c.name, ms(p99), "≤ "+ms(targetActivationP99), verdict(p99 <= targetActivationP99))
		x := ratio(naive, p50)
		row("1. naive consumer p50 / activation p50, "+c.name, fmt.Sprintf("%.1f×", x), fmt.Sprintf("≥ %.0f×", targetSpeedup), verdict(x >= targetSpeedup))
	}
	for _, c := range []struct {
		name string
		ds   []time.Duration
	}{{"random time", t.byTime}, {"random version", t.byVersion}, {"HTTP one node, random version", t.httpNode}} {
		p99 := percentile(c.ds, 0.99)
		row("2. time travel p99, "+c.name, ms(p99), "≤ "+ms(targetTravelP99), verdict(p99 <= targetTravelP99))
	}
	x := ratio(r.raw, r.fold)
	row("3. rebuild: raw read time / fold time", fmt.Sprintf("%.2f", x), fmt.Sprintf("≥ %.1f", targetRebuildRatio), verdict(x >= targetRebuildRatio))
	row("4. snapshot size", fmt.Sprintf("%.1f MB", float64(s.size)/1e6), "", "")
	row("4. snapshot encode + save", ms(s.saveRoundTrip), "", "")
	row("4. snapshot load + decode", ms(s.restoreMedian), "", "")
	row("4. live heap per edge (edges alone)", fmt.Sprintf("%.0f B", float64(s.heapEdges)/float64(s.edges)), "", "")
	p99 := percentile(e.http, 0.99)
	row(fmt.Sprintf("5. element history p99 (%d changes, %d transactions)", e.touches, e.txs), ms(p99), "≤ "+ms(targetElementP99), verdict(p99 <= targetElementP99))
}

// ---------------------------------------------------------------- helpers

// oneEventTx is the stamped transaction of the single stamped event ev.
func oneEventTx(ev *messages.Event) *messages.Transaction {
	return &messages.Transaction{GraphId: ev.GetGraphId(), TransactionId: ev.GetTransactionId(), Version: ev.GetVersion(),
		Events: []*messages.Event{ev}}
}

// publish writes count stamped transactions, tx(i) for i in order, each
// as one log message (store.EncodeEntry) with async publish on its
// graph's subject, and returns how long until the last was acked. It
// checks that the stream took them all.
//
// prev(i) is the index of the previous transaction of transaction i's
// graph (negative: none). With --headers each message states, as Append
// does, the last sequence of its graph's subject: nothing else writes to
// the stream meanwhile and one connection keeps the order, so transaction
// i lands at the stream's last sequence before the first publish plus
// i+1. A wrong guess fails the publish, and the count check below.
func (b *historyBench) publish(ctx context.Context, label string, count int, tx func(i int) *messages.Transaction, prev func(i int) int) (time.Duration, error) {
	// The bench's log has one partition.
	stream, err := b.js.Stream(ctx, natsjs.StreamName(b.log.Config().Stream, 0))
	if err != nil {
		return 0, err
	}
	before, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	failedBefore := b.pubFailed.Load()
	fmt.Fprintf(b.progress, "publishing %s...\n", label)
	start := time.Now()
	events := 0
	for i := range count {
		t := tx(i)
		events += len(t.GetEvents())
		subject := natsjs.Subject(t.GetGraphId(), b.log.Config().Partitions)
		data, err := store.EncodeEntry(t)
		if err != nil {
			return 0, err
		}
		m := &nats.Msg{Subject: subject, Data: data}
		if b.o.headers {
			expected := uint64(0)
			if p := prev(i); p >= 0 {
				expected = before.State.LastSeq + uint64(p) + 1
			}
			m.Header = nats.Header{}
			m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expected, 10))
		}
		if _, err := b.js.PublishMsgAsync(m, jetstream.WithStallWait(time.Minute)); err != nil {
			return 0, err
		}
		if (i+1)%(count/10+1) == 0 {
			fmt.Fprintf(b.progress, "  published %3d%% (%.0f events/s)\n", 100*(i+1)/count, float64(events)/time.Since(start).Seconds())
		}
	}
	select {
	case <-b.js.PublishAsyncComplete():
	case <-time.After(10 * time.Minute):
		return 0, errors.New("publish acks did not arrive within 10 minutes")
	}
	elapsed := time.Since(start)
	if failed := b.pubFailed.Load() - failedBefore; failed > 0 {
		return 0, fmt.Errorf("%d of %d publishes failed", failed, count)
	}
	after, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	if got := after.State.Msgs - before.State.Msgs; got != uint64(count) {
		return 0, fmt.Errorf("the stream took %d messages, want %d", got, count)
	}
	fmt.Fprintf(b.progress, "  %d events in %d messages in %s (%.0f events/s)\n", events, count, elapsed.Round(time.Millisecond), float64(events)/elapsed.Seconds())
	return elapsed, nil
}

// percentile is the nearest-rank percentile p (0 < p ≤ 1) of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ratio(a, b time.Duration) float64 { return a.Seconds() / b.Seconds() }

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mbps(size int64, d time.Duration) float64 { return float64(size) / 1e6 / d.Seconds() }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
