package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
)

// BenchmarkAlgorithmOverhead times algorithms of the library through the
// node (GET .../algorithms/{name}: the grain's state, the request, the
// answer's JSON) beside the same algorithm on the same state in process
// (graph.RunAlgorithm alone): the ratio is what the grain and HTTP add.
// PageRank runs on a graph of 20,000 nodes and 100,000 edges; betweenness,
// whose work is nodes × edges, on 1,000 nodes and 5,000 edges, and on
// 10,000 nodes (its bound) and 100,000 edges, which takes tens of seconds
// a run:
//
//	go test -run '^$' -bench AlgorithmOverhead -benchtime 5x ./cmd/node
//	go test -run '^$' -bench 'AlgorithmOverhead/betweenness-100000' -benchtime 1x -timeout 30m ./cmd/node
func BenchmarkAlgorithmOverhead(b *testing.B) {
	for _, tc := range []struct {
		algorithm    string
		nodes, edges int
	}{{"pagerank", 20_000, 100_000}, {"betweenness", 1_000, 5_000}, {"betweenness", 10_000, 100_000}} {
		b.Run(fmt.Sprintf("%s-%d-edges", tc.algorithm, tc.edges), func(b *testing.B) {
			cfg := testConfig(b.TempDir())
			cfg.Graphs.AlgorithmTimeout = 10 * time.Minute
			cfg.HTTP.RequestTimeout = 10 * time.Minute
			cfg.Graphs.MaxAlgorithmElements = config.Default().Graphs.MaxAlgorithmElements
			_, base := startNode(b, cfg)
			c := newClient(b, base)
			c.http.Timeout = 10 * time.Minute
			version := bigGraph(b, c, "alg", tc.nodes, tc.edges)
			local := stateOf(b, c, "alg", version)
			path := "/v1/graphs/alg/algorithms/" + tc.algorithm
			if st, e, err := c.do("GET", path, nil, nil); err != nil || st != http.StatusOK { // warm the grain
				b.Fatalf("%s: %d %+v %v", path, st, e, err)
			}
			var viaNode, alone time.Duration
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				if st, e, err := c.do("GET", path, nil, nil); err != nil || st != http.StatusOK {
					b.Fatalf("%s: %d %+v %v", path, st, e, err)
				}
				viaNode += time.Since(start)
				start = time.Now()
				if _, err := local.RunAlgorithm(context.Background(), tc.algorithm, nil); err != nil {
					b.Fatal(err)
				}
				alone += time.Since(start)
			}
			b.ReportMetric(float64(viaNode.Milliseconds())/float64(b.N), "ms/node")
			b.ReportMetric(float64(alone.Milliseconds())/float64(b.N), "ms/library")
			b.ReportMetric(viaNode.Seconds()/alone.Seconds(), "node/library")
		})
	}
}

// BenchmarkSeries times a series over a history of 100,000 one-event
// transactions (100 points, counts of edges and components), against a
// rebuild of the graph at its last version from the log (GET ?version=):
// the series is one replay of the same history, plus its points.
//
//	go test -run '^$' -bench Series -benchtime 3x ./cmd/node
func BenchmarkSeries(b *testing.B) {
	const txs, writers = 100_000, 16
	_, base := startNode(b, testConfig(b.TempDir()))
	c := newClient(b, base)
	c.mustSubmit("hist", events(addNode("n0")))
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := w; i < txs-1; i += writers {
				ev := addNode(fmt.Sprintf("n%d", i+1))
				if i%2 == 1 {
					ev = addEdge(fmt.Sprintf("e%d", i), "n0", "n0")
				}
				c.mustSubmit("hist", events(ev))
			}
		})
	}
	wg.Wait()
	_, g := c.graph("hist")
	for _, metric := range []string{"edges", "components"} {
		b.Run(metric, func(b *testing.B) {
			var series, rebuild time.Duration
			for range b.N {
				start := time.Now()
				var s api.Series
				if st, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/hist/series?metric=%s&every=%d", metric, txs/100), nil, &s); err != nil || st != 200 || len(s.Points) < 100 {
					b.Fatalf("series: %d %+v %v (%d points)", st, e, err, len(s.Points))
				}
				series += time.Since(start)
				start = time.Now()
				if st, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/hist?version=%d", g.Version), nil, nil); err != nil || st != 200 {
					b.Fatalf("rebuild: %d %+v %v", st, e, err)
				}
				rebuild += time.Since(start)
			}
			b.ReportMetric(float64(series.Milliseconds())/float64(b.N), "ms/series")
			b.ReportMetric(float64(rebuild.Milliseconds())/float64(b.N), "ms/rebuild")
			b.ReportMetric(series.Seconds()/rebuild.Seconds(), "series/rebuild")
		})
	}
}
