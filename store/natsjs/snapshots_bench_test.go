package natsjs_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// The default finishes in about a second; the size that matters for
// activation is -snap.edges=1000000.
var benchSnapEdges = flag.Int("snap.edges", 20_000, "edges of the graph BenchmarkSnapshot saves and loads")

// benchGraph builds a graph of edges edges over edges/10 nodes, each edge
// with a type and one property, applied in transactions of 1000 events as
// the grain would.
func benchGraph(b *testing.B, edges int) *graph.Graph {
	b.Helper()
	const txSize = 1000
	g := graph.New("bench")
	nodes := max(edges/10, 2)
	apply := func(events []*messages.Event) {
		tx := &messages.Transaction{GraphId: g.ID(), Events: events, Version: g.Version() + 1, Sequence: g.Sequence() + uint64(len(events))}
		for i, ev := range events {
			ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), tx.Version, uint32(i), uint32(len(events))
		}
		if err := g.Apply(tx); err != nil {
			b.Fatal(err)
		}
	}
	var events []*messages.Event
	flush := func(force bool) {
		if len(events) == txSize || force && len(events) > 0 {
			apply(events)
			events = nil
		}
	}
	for n := range nodes {
		events = append(events, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: fmt.Sprintf("n%d", n), NodeType: "person"}}})
		flush(false)
	}
	flush(true)
	for e := range edges {
		events = append(events, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId:     fmt.Sprintf("e%d", e),
			SourceId:   fmt.Sprintf("n%d", e%nodes),
			TargetId:   fmt.Sprintf("n%d", (e*7919+1)%nodes),
			EdgeType:   "knows",
			Properties: &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(float64(e % 17))}},
		}}})
		flush(false)
	}
	flush(true)
	return g
}

// BenchmarkSnapshot times the four steps of a snapshot's life on a real
// server with file storage: encode (graph.Encode), save (CID, Object
// Store upload, index entry), load (download and CID verification) and
// decode (graph.Decode). Each round deletes the snapshot afterwards, so
// every save uploads.
func BenchmarkSnapshot(b *testing.B) {
	ctx := context.Background()
	s, _ := openSnapshots(b)
	built := time.Now()
	g := benchGraph(b, *benchSnapEdges)
	b.Logf("built a graph of %d edges at version %d in %v", *benchSnapEdges, g.Version(), time.Since(built).Round(time.Millisecond))

	var encode, save, load, decode time.Duration
	var size int
	rounds := 0
	for b.Loop() {
		start := time.Now()
		data, err := g.Encode()
		if err != nil {
			b.Fatal(err)
		}
		encoded := time.Now()
		info, err := s.Save(ctx, store.SnapshotInfo{GraphID: g.ID(), Version: g.Version(), Sequence: g.Sequence()}, data)
		if err != nil {
			b.Fatal(err)
		}
		saved := time.Now()
		loaded, err := s.Load(ctx, info)
		if err != nil {
			b.Fatal(err)
		}
		got := time.Now()
		back, err := graph.Decode(loaded)
		if err != nil {
			b.Fatal(err)
		}
		decoded := time.Now()

		encode += encoded.Sub(start)
		save += saved.Sub(encoded)
		load += got.Sub(saved)
		decode += decoded.Sub(got)
		size = len(data)
		rounds++

		b.StopTimer()
		if back.Version() != g.Version() {
			b.Fatalf("decoded version %d, saved %d", back.Version(), g.Version())
		}
		if err := s.Delete(ctx, info); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(rounds) }
	mbps := func(d time.Duration) float64 { return float64(size) * float64(rounds) / 1e6 / d.Seconds() }
	b.ReportMetric(float64(size), "bytes")
	b.ReportMetric(ms(encode), "encode-ms")
	b.ReportMetric(ms(save), "save-ms")
	b.ReportMetric(ms(load), "load+verify-ms")
	b.ReportMetric(ms(decode), "decode-ms")
	b.ReportMetric(mbps(save), "save-MB/s")
	b.ReportMetric(mbps(load), "load-MB/s")
}

// BenchmarkSnapshotList lists one graph's 10 snapshots in an index that
// holds 10 snapshots of each of 1000 graphs: the first read of an
// activation.
func BenchmarkSnapshotList(b *testing.B) {
	ctx := context.Background()
	s, _ := openSnapshots(b)
	for g := range 1000 {
		for v := range 10 {
			id := fmt.Sprintf("g%d", g)
			if _, err := s.Save(ctx, store.SnapshotInfo{GraphID: id, Version: uint64(v + 1)}, fmt.Appendf(nil, "%s@%d", id, v)); err != nil {
				b.Fatal(err)
			}
		}
	}
	for b.Loop() {
		snaps, err := s.List(ctx, "g500")
		if err != nil {
			b.Fatal(err)
		}
		if len(snaps) != 10 {
			b.Fatalf("listed %d snapshots, want 10", len(snaps))
		}
	}
}
