package replay_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
)

// Algorithms run within their bounds: a graph past the element bound is
// refused before any work, one that runs past the timeout stops, each
// with an error naming the flag; within both they answer.
func TestAnswerBoundsAlgorithms(t *testing.T) {
	log := hourly()
	appendTxs(t, log, "g", 10) // ten nodes, no edges
	g, err := (&replay.History{Log: log}).At(t.Context(), "g", replay.Point{})
	if err != nil {
		t.Fatal(err)
	}
	queries := map[string]*messages.Query{
		"shortest-path":     {Query: &messages.Query_ShortestPath{ShortestPath: &messages.GetShortestPath{From: "n1", To: "n2", Weight: "w"}}},
		"components":        {Query: &messages.Query_Components{Components: &messages.GetComponents{Kind: messages.ComponentKind_COMPONENT_KIND_WEAK}}},
		"topological-order": {Query: &messages.Query_TopologicalOrder{TopologicalOrder: &messages.GetTopologicalOrder{}}},
	}
	for name, q := range queries {
		t.Run(name, func(t *testing.T) {
			_, err := replay.Answer(t.Context(), g, q, replay.Bounds{Elements: 9})
			if !errors.Is(err, graph.ErrLimit) || !strings.Contains(err.Error(), "--max-algorithm-elements") || !strings.Contains(err.Error(), name) {
				t.Errorf("10 elements, bound 9: %v, want limit_exceeded naming %s and --max-algorithm-elements", err, name)
			}
			_, err = replay.Answer(t.Context(), g, q, replay.Bounds{Timeout: time.Nanosecond})
			if !errors.Is(err, graph.ErrLimit) || !strings.Contains(err.Error(), "--algorithm-timeout") {
				t.Errorf("timeout 1ns: %v, want limit_exceeded naming --algorithm-timeout", err)
			}
			ctx, cancel := context.WithCancel(t.Context())
			cancel()
			_, err = replay.Answer(ctx, g, q, replay.Bounds{})
			if !errors.Is(err, context.Canceled) || errors.Is(err, graph.ErrLimit) {
				t.Errorf("request gone: %v, want context.Canceled", err)
			}
			r, err := replay.Answer(t.Context(), g, q, replay.Bounds{Elements: 10})
			if name == "shortest-path" {
				// No edges: within the bounds the answer is "no path".
				if !errors.Is(err, graph.ErrNotFound) {
					t.Errorf("within bounds: %v, want not found (no path)", err)
				}
				return
			}
			if err != nil || r.GetResult() == nil {
				t.Errorf("within bounds: %v, %v", r, err)
			}
		})
	}
}
