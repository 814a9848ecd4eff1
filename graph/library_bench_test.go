package graph

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/graph/community"
	"gonum.org/v1/gonum/graph/network"
	"gonum.org/v1/gonum/graph/simple"
)

// libraryBenchGraph is a random graph of n nodes and m edges (no
// self-loops), each edge's "w" a whole number from 1 to 10, and the same
// graph built as gonum's simple.DirectedGraph, for gonum alone.
func libraryBenchGraph(b *testing.B, n, m int) (*Graph, *simple.DirectedGraph) {
	b.Helper()
	r := rand.New(rand.NewPCG(uint64(n), uint64(m)))
	l := randomL(r, n, m, false, ints(r, 1, 10))
	sg := simple.NewDirectedGraph()
	idx := l.index()
	for i := range l.nodes {
		sg.AddNode(simple.Node(i))
	}
	for _, e := range l.edges {
		sg.SetEdge(simple.Edge{F: simple.Node(idx[e.src]), T: simple.Node(idx[e.dst])})
	}
	return l.build(b), sg
}

// BenchmarkLibrary measures algorithms through RunAlgorithm (building the
// index, then the computation over the adapters) beside the same gonum
// computation on a prebuilt gonum graph alone; their ratio is what the
// index and the adapters cost. PageRank is ours, not gonum's (see
// pageRank), so its pair compares two implementations of one iteration.
//
//	go test -run '^$' -bench Library -benchtime 3x ./graph
func BenchmarkLibrary(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, g *Graph, name string, params map[string]string) {
		for b.Loop() {
			if _, err := g.RunAlgorithm(ctx, name, params); err != nil {
				b.Fatal(err)
			}
		}
	}
	const pagerankNodes, pagerankEdges = 20_000, 100_000
	b.Run(fmt.Sprintf("pagerank/%d_edges/library", pagerankEdges), func(b *testing.B) {
		g, _ := libraryBenchGraph(b, pagerankNodes, pagerankEdges)
		run(b, g, "pagerank", nil)
	})
	b.Run(fmt.Sprintf("pagerank/%d_edges/gonum", pagerankEdges), func(b *testing.B) {
		_, sg := libraryBenchGraph(b, pagerankNodes, pagerankEdges)
		for b.Loop() {
			network.PageRankSparse(sg, 0.85, 1e-6)
		}
	})
	// Brandes is O(nodes × edges): 20,000 nodes take minutes.
	for _, size := range [][2]int{{1000, 5000}, {4000, 20_000}} {
		n, m := size[0], size[1]
		b.Run(fmt.Sprintf("betweenness/%d_edges/library", m), func(b *testing.B) {
			g, _ := libraryBenchGraph(b, n, m)
			run(b, g, "betweenness", nil)
		})
		b.Run(fmt.Sprintf("betweenness/%d_edges/gonum", m), func(b *testing.B) {
			_, sg := libraryBenchGraph(b, n, m)
			for b.Loop() {
				network.Betweenness(sg)
			}
		})
		b.Run(fmt.Sprintf("betweenness/%d_edges/library_weighted", m), func(b *testing.B) {
			g, _ := libraryBenchGraph(b, n, m)
			run(b, g, "betweenness", map[string]string{"weight": "w"})
		})
		b.Run(fmt.Sprintf("closeness/%d_edges/library", m), func(b *testing.B) {
			g, _ := libraryBenchGraph(b, n, m)
			run(b, g, "closeness", nil)
		})
	}
	// Louvain cannot be interrupted past reading the graph: these sizes
	// choose its bound.
	for _, size := range [][2]int{{2000, 10_000}, {5000, 25_000}} {
		n, m := size[0], size[1]
		b.Run(fmt.Sprintf("louvain/%d_edges/library", m), func(b *testing.B) {
			g, _ := libraryBenchGraph(b, n, m)
			run(b, g, "louvain", nil)
		})
		b.Run(fmt.Sprintf("louvain/%d_edges/gonum", m), func(b *testing.B) {
			_, sg := libraryBenchGraph(b, n, m)
			for b.Loop() {
				community.Modularize(simpleUndirected(sg), 1, rand.NewPCG(1, 0))
			}
		})
	}
}

// simpleUndirected is sg with edge direction ignored.
func simpleUndirected(sg *simple.DirectedGraph) *simple.UndirectedGraph {
	u := simple.NewUndirectedGraph()
	nodes := sg.Nodes()
	for nodes.Next() {
		u.AddNode(nodes.Node())
	}
	edges := sg.Edges()
	for edges.Next() {
		u.SetEdge(edges.Edge())
	}
	return u
}
