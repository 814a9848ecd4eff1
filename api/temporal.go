package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/replay"
)

// Temporal runs the time-respecting algorithms over a window of a graph's
// history. The node's History implements it.
type Temporal interface {
	EarliestArrival(ctx context.Context, graphID, source string, from, to Moment) (arrivals []replay.Arrival, toVersion uint64, err error)
}

func arrivalsJSON(as []replay.Arrival) []ArrivalJSON {
	out := make([]ArrivalJSON, len(as))
	for i, a := range as {
		at := ""
		if !a.At.IsZero() {
			at = a.At.UTC().Format(time.RFC3339Nano)
		}
		out[i] = ArrivalJSON{Node: a.Node, Version: a.Version, At: at, Edge: a.Edge, From: a.From}
	}
	return out
}

// earliestArrival handles GET .../temporal/earliest-arrival?source=a
// [&target=b][&from=X][&to=Y] (docs/ARCHITECTURE.md, "Time-respecting
// algorithms"); from and to are versions or times, the whole history by
// default.
func (s *server) earliestArrival(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	source, target := q.Get("source"), q.Get("target")
	if err := graph.ValidateElementID("source node", source); err != nil {
		return fmt.Errorf("query parameter source: %w", err)
	}
	if target != "" {
		if err := graph.ValidateElementID("target node", target); err != nil {
			return fmt.Errorf("query parameter target: %w", err)
		}
	}
	from, to, err := windowParams(q)
	if err != nil {
		return err
	}
	t, ok := s.opts.History.(Temporal)
	if !ok {
		return fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	arrivals, toVersion, err := t.EarliestArrival(r.Context(), graphID, source, from, to)
	if err != nil {
		return err
	}
	out := EarliestArrival{Graph: graphID, Source: source, ToVersion: toVersion, Arrivals: arrivalsJSON(arrivals), Target: target}
	if target != "" {
		out.Path = arrivalsJSON(replay.PathTo(arrivals, target))
	}
	return writeJSON(w, http.StatusOK, out)
}
