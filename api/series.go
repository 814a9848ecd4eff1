package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/replay"
)

// SeriesReader computes a metric over a window of a graph's history. The
// node's History implements it.
type SeriesReader interface {
	Series(ctx context.Context, graphID string, from, to Moment, every Every, metric string, node string) ([]replay.SeriesPoint, error)
}

// series handles GET .../series?metric=M[&node=N]&every=K|interval=D
// [&from=X][&to=Y] (docs/ARCHITECTURE.md, "Metrics over time").
func (s *server) series(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	metric := q.Get("metric")
	if _, ok := replay.SeriesMetrics[metric]; !ok {
		names := make([]string, 0, len(replay.SeriesMetrics))
		for n := range replay.SeriesMetrics {
			names = append(names, n)
		}
		slices.Sort(names)
		return fmt.Errorf("%w: metric is %q; use one of %s", ErrInvalidRequest, clip(metric), strings.Join(names, ", "))
	}
	node := q.Get("node")
	needsNode := metric == "degree" || metric == "pagerank"
	switch {
	case needsNode:
		if err := graph.ValidateElementID("node", node); err != nil {
			return fmt.Errorf("query parameter node (metric %s is of one node): %w", metric, err)
		}
	case node != "":
		return fmt.Errorf("%w: metric %s is of the whole graph; leave node out", ErrInvalidRequest, metric)
	}
	from, to, err := windowParams(q)
	if err != nil {
		return err
	}
	every, err := everyParams(q, "step")
	if err != nil {
		return err
	}
	sr, ok := s.opts.History.(SeriesReader)
	if !ok {
		return fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	points, err := sr.Series(r.Context(), graphID, from, to, every, metric, node)
	if err != nil {
		return err
	}
	out := Series{Graph: graphID, Metric: metric, Node: node, Points: make([]SeriesValue, len(points))}
	for i, p := range points {
		at := ""
		if !p.At.IsZero() {
			at = p.At.UTC().Format(time.RFC3339Nano)
		}
		out.Points[i] = SeriesValue{Version: p.Version, At: at, Value: p.Value}
	}
	return writeJSON(w, http.StatusOK, out)
}
