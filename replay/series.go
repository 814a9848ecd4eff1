package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// MaxSeriesPoints bounds the points of one series.
const MaxSeriesPoints = 10_000

// Point of a series: the metric's value on the state at Version,
// recorded at At.
type SeriesPoint struct {
	Version uint64
	At      time.Time
	Value   any
}

// Series computes metric on the states of graphID from from to to (docs/
// ARCHITECTURE.md, "Metrics over time"): the state at from, then one
// point per step of every (every Events events, or every Interval of
// recorded time, as replays cut frames), and the state at to. It is one
// forward replay: each point costs the metric on the state of the moment,
// plus the fold of what changed since the last. More than MaxSeriesPoints
// points is graph.ErrLimit, before they are all computed.
func (h *History) Series(ctx context.Context, graphID string, from, to Point, every FrameEvery, metric func(context.Context, *graph.Graph) (any, error)) ([]SeriesPoint, error) {
	if (every.Events <= 0) == (every.Interval <= 0) {
		return nil, fmt.Errorf("%w: give either a number of events or an interval per step, not both", graph.ErrInvalidArgument)
	}
	g, last, txs, err := h.window(ctx, graphID, from, to)
	if err != nil {
		return nil, err
	}
	var points []SeriesPoint
	add := func(at time.Time) error {
		if len(points) > 0 && points[len(points)-1].Version == g.Version() {
			return nil
		}
		if len(points) == MaxSeriesPoints {
			return fmt.Errorf("%w: the series has more than %d points; ask for a shorter window or longer steps", graph.ErrLimit, MaxSeriesPoints)
		}
		v, err := metric(ctx, g)
		if err != nil {
			return err
		}
		points = append(points, SeriesPoint{Version: g.Version(), At: at, Value: v})
		return nil
	}
	if g.Version() > 0 {
		if err := add(last); err != nil {
			return nil, err
		}
	}
	events := 0
	var stepEnd time.Time
	for tx, err := range txs {
		if err != nil {
			return nil, err
		}
		at := tx.GetRecordedAt().AsTime()
		if every.Interval > 0 {
			if stepEnd.IsZero() {
				stepEnd = at.Truncate(every.Interval).Add(every.Interval)
			}
			if !at.Before(stepEnd) {
				// The state before tx is the state at the step's end.
				if err := add(stepEnd); err != nil {
					return nil, err
				}
				stepEnd = at.Truncate(every.Interval).Add(every.Interval)
			}
		}
		if err := ApplyCommitted(g, tx); err != nil && errors.Is(err, graph.ErrOutOfOrder) {
			break
		}
		last = at
		events += len(tx.GetEvents())
		if every.Events > 0 && events >= every.Events {
			events = 0
			if err := add(at); err != nil {
				return nil, err
			}
		}
	}
	if g.Version() == 0 {
		return nil, fmt.Errorf("%w: graph %s has no events in the window", graph.ErrNotFound, graphID)
	}
	if err := add(last); err != nil {
		return nil, err
	}
	return points, nil
}

// SeriesMetrics are the metrics a series computes, by name: each takes
// the node parameter (degree, pagerank) or none.
var SeriesMetrics = map[string]func(node string) func(context.Context, *graph.Graph) (any, error){
	"nodes": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) { return g.NodeCount(), nil }
	},
	"edges": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) { return g.EdgeCount(), nil }
	},
	"nodes_by_type": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) { return g.CountByType(false), nil }
	},
	"edges_by_type": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) { return g.CountByType(true), nil }
	},
	"density": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) {
			n := float64(g.NodeCount())
			if n < 2 {
				return 0.0, nil
			}
			return float64(g.EdgeCount()) / (n * (n - 1)), nil
		}
	},
	"components": func(string) func(context.Context, *graph.Graph) (any, error) {
		return func(ctx context.Context, g *graph.Graph) (any, error) {
			cs, err := g.Components(ctx, messages.ComponentKind_COMPONENT_KIND_WEAK)
			if err != nil {
				return nil, err
			}
			return len(cs.GetComponents()), nil
		}
	},
	"degree": func(node string) func(context.Context, *graph.Graph) (any, error) {
		return func(_ context.Context, g *graph.Graph) (any, error) {
			out, in, ok := g.Degree(node)
			if !ok {
				return nil, nil // the node does not exist then
			}
			return out + in, nil
		}
	},
	"pagerank": func(node string) func(context.Context, *graph.Graph) (any, error) {
		return func(ctx context.Context, g *graph.Graph) (any, error) {
			if _, ok := g.Node(node); !ok {
				return nil, nil
			}
			res, err := g.RunAlgorithm(ctx, "pagerank", nil)
			if err != nil {
				return nil, err
			}
			for _, s := range res.(*graph.PageRankResult).Scores {
				if s.Node == node {
					return s.Score, nil
				}
			}
			return nil, nil
		}
	},
}
