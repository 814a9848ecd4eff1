package graph

import (
	"fmt"
	"runtime"
	"sync"
	"testing"

	"google.golang.org/protobuf/types/known/structpb"
)

// benchGraph builds a graph of edges edges over a tenth as many nodes,
// shaped like BenchmarkMemoryPerEdge's "weighted" graph: nodes with a type
// and a name property, edges with a type and a weight. It is built
// through the internal mutators, not Apply: only its state matters, and
// the elements lie in memory in the order they were added, not by ID.
func benchGraph(b *testing.B, edges int) *Graph {
	b.Helper()
	nodes := max(edges/10, 1)
	g := New("bench")
	g.version, g.sequence = 12345, 6789012
	for n := range nodes {
		props, err := canonicalProps(&structpb.Struct{Fields: map[string]*structpb.Value{
			"name": structpb.NewStringValue(fmt.Sprintf("person %d", n))}})
		if err != nil {
			b.Fatal(err)
		}
		g.addNode(fmt.Sprintf("n%d", n), "person", props)
	}
	for e := range edges {
		props, err := canonicalProps(weight(float64(e % 100)))
		if err != nil {
			b.Fatal(err)
		}
		src, _ := g.nodes.get(fmt.Sprintf("n%d", e%nodes))
		dst, _ := g.nodes.get(fmt.Sprintf("n%d", (e*7919+13)%nodes))
		g.addEdge(fmt.Sprintf("e%d", e), "knows", src, dst, props)
	}
	return g
}

// benchEncodings caches the encoding of benchGraph by size, so that
// BenchmarkDecode's heap holds nothing but the bytes and what it decodes.
var benchEncodings sync.Map

func benchEncoding(b *testing.B, edges int) []byte {
	b.Helper()
	if enc, ok := benchEncodings.Load(edges); ok {
		return enc.([]byte)
	}
	enc, err := benchGraph(b, edges).Encode()
	if err != nil {
		b.Fatal(err)
	}
	benchEncodings.Store(edges, enc)
	return enc
}

// BenchmarkEncode and BenchmarkDecode measure snapshots of a graph of
// -graph.edges edges (try 1000000); MB/s counts encoded bytes. "fresh"
// encodes the graph as built, with elements scattered in memory as in a
// live graph; "decoded" encodes it as Decode leaves it.
func BenchmarkEncode(b *testing.B) {
	built := benchGraph(b, *benchEdges)
	decoded, err := Decode(benchEncoding(b, *benchEdges))
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		g    *Graph
	}{{"fresh", built}, {"decoded", decoded}} {
		b.Run(c.name, func(b *testing.B) {
			enc, err := c.g.Encode()
			if err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := c.g.Encode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode also reports the live heap of one decoded graph per
// edge (nodes included), to compare with BenchmarkMemoryPerEdge.
func BenchmarkDecode(b *testing.B) {
	enc := benchEncoding(b, *benchEdges)
	runtime.GC()
	b.SetBytes(int64(len(enc)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	before := liveHeap()
	g, err := Decode(enc)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(liveHeap()-before)/float64(g.EdgeCount()), "live-B/edge")
	runtime.KeepAlive(g)
}
