package graph

import (
	"flag"
	"fmt"
	"runtime"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

var benchEdges = flag.Int("graph.edges", 100_000, "edges in the graphs of BenchmarkMemoryPerEdge, BenchmarkEncode and BenchmarkDecode (try 1000000)")

// commit fills in a transaction's envelope for the graph's next version.
func commit(g *Graph, tx *messages.Transaction) *messages.Transaction {
	tx.Version = g.Version() + 1
	tx.Sequence = g.Sequence() + uint64(len(tx.Events))
	for i, ev := range tx.Events {
		ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), tx.Version, uint32(i), uint32(len(tx.Events))
	}
	return tx
}

func weight(w float64) *structpb.Struct {
	return &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(w)}}
}

// addTx adds nodes n<first>… and edges between them and earlier nodes, in
// one transaction of size events, half nodes and half edges.
func addTx(first, size int, props bool) *messages.Transaction {
	tx := &messages.Transaction{}
	for i := range size / 2 {
		n := first + i
		a := &messages.NodeAdded{NodeId: fmt.Sprintf("n%d", n)}
		e := &messages.EdgeAdded{EdgeId: fmt.Sprintf("e%d", n), SourceId: fmt.Sprintf("n%d", n), TargetId: fmt.Sprintf("n%d", (n*7919)%(n+1)), EdgeType: "knows"}
		if props {
			a.NodeType = "person"
			e.Properties = weight(float64(n % 17))
		}
		tx.Events = append(tx.Events,
			&messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: a}},
			&messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: e}})
	}
	return tx
}

// BenchmarkApply applies transactions of 100 events: "add" grows the graph
// (50 nodes and 50 edges with a weight each), "update" changes the weight
// of 100 existing edges, "check" only validates an "add" transaction.
func BenchmarkApply(b *testing.B) {
	const size, batch = 100, 200 // the graph restarts every batch transactions
	b.Run("add", func(b *testing.B) {
		txs := make([]*messages.Transaction, batch)
		for i := range txs {
			txs[i] = addTx(i*size/2, size, true)
		}
		g := New("bench")
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if i%batch == 0 && i > 0 {
				b.StopTimer()
				g = New("bench")
				b.StartTimer()
			}
			if err := g.Apply(commit(g, txs[i%batch])); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("update", func(b *testing.B) {
		g := New("bench")
		for i := range batch {
			if err := g.Apply(commit(g, addTx(i*size/2, size, true))); err != nil {
				b.Fatal(err)
			}
		}
		txs := make([]*messages.Transaction, batch)
		for i := range txs {
			tx := &messages.Transaction{}
			for j := range size {
				u := &messages.EdgeUpdated{EdgeId: fmt.Sprintf("e%d", (i*size+j)%(batch*size/2)), Set: weight(float64(j)), Unset: []string{"old"}}
				tx.Events = append(tx.Events, &messages.Event{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: u}})
			}
			txs[i] = tx
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := g.Apply(commit(g, txs[i%batch])); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*size)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("check", func(b *testing.B) {
		g := New("bench")
		for i := range batch {
			if err := g.Apply(commit(g, addTx(i*size/2, size, true))); err != nil {
				b.Fatal(err)
			}
		}
		tx := addTx(batch*size/2, size, true)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := g.Check(tx.Events); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkMemoryPerEdge builds a graph of -graph.edges edges over a tenth
// as many nodes, through Apply as in production, and reports the live heap
// per edge (nodes excluded) and per node. "bare" edges have no type and no
// properties; "weighted" ones a type and a one-key weight property.
func BenchmarkMemoryPerEdge(b *testing.B) {
	for _, props := range []bool{false, true} {
		name := "bare"
		if props {
			name = "weighted"
		}
		b.Run(name, func(b *testing.B) {
			edges := *benchEdges
			nodes := max(edges/10, 1)
			var perEdge, perNode float64
			for range b.N {
				before := liveHeap()
				g := New("bench")
				for first := 0; first < nodes; first += 1000 {
					tx := &messages.Transaction{}
					for n := first; n < min(first+1000, nodes); n++ {
						a := &messages.NodeAdded{NodeId: fmt.Sprintf("n%d", n)}
						tx.Events = append(tx.Events, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: a}})
					}
					if err := g.Apply(commit(g, tx)); err != nil {
						b.Fatal(err)
					}
				}
				withNodes := liveHeap()
				for first := 0; first < edges; first += 1000 {
					tx := &messages.Transaction{}
					for e := first; e < min(first+1000, edges); e++ {
						a := &messages.EdgeAdded{EdgeId: fmt.Sprintf("e%d", e),
							SourceId: fmt.Sprintf("n%d", e%nodes), TargetId: fmt.Sprintf("n%d", (e*7919+13)%nodes)}
						if props {
							a.EdgeType = "knows"
							a.Properties = weight(float64(e % 100))
						}
						tx.Events = append(tx.Events, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: a}})
					}
					if err := g.Apply(commit(g, tx)); err != nil {
						b.Fatal(err)
					}
				}
				withEdges := liveHeap()
				if g.EdgeCount() != edges {
					b.Fatalf("%d edges, want %d", g.EdgeCount(), edges)
				}
				perNode = float64(withNodes-before) / float64(nodes)
				perEdge = float64(withEdges-withNodes) / float64(edges)
				runtime.KeepAlive(g)
			}
			b.ReportMetric(perEdge, "bytes/edge")
			b.ReportMetric(perNode, "bytes/node")
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
