package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/graphlog/graphlog/apitypes"
)

// EventsPage asks for one page of a graph's history: the transactions
// after AfterVersion (0: from the first), at most Limit of them (0: the
// server's default, apitypes.DefaultLimit). AfterSequence, the answer's
// NextAfterSequence passed back with its NextAfterVersion, lets the node
// read the log from there instead of from the graph's start.
type EventsPage struct {
	AfterVersion  uint64
	AfterSequence uint64
	Limit         int
}

// Events returns a page of a graph's history, whole transactions, oldest
// first.
func (c *Client) Events(ctx context.Context, graphID string, page EventsPage) (*apitypes.Events, error) {
	q := url.Values{}
	if page.AfterVersion != 0 {
		q.Set("after_version", strconv.FormatUint(page.AfterVersion, 10))
	}
	if page.AfterSequence != 0 {
		q.Set("after_sequence", strconv.FormatUint(page.AfterSequence, 10))
	}
	if page.Limit != 0 {
		q.Set("limit", strconv.Itoa(page.Limit))
	}
	var out apitypes.Events
	return &out, c.getJSON(ctx, GraphPath(graphID, "events"), q, &out)
}

// Diff returns what changed between two moments of a graph (to: the
// present when zero).
func (c *Client) Diff(ctx context.Context, graphID string, from, to Moment) (*apitypes.Diff, error) {
	q := url.Values{}
	from.set(q, "from")
	to.set(q, "to")
	var out apitypes.Diff
	return &out, c.getJSON(ctx, GraphPath(graphID, "diff"), q, &out)
}

// EarliestArrival returns when each node first became reachable from
// source by a time-respecting path within the window from–to (zero
// Moments: the beginning, the present), and with a target (not empty) the
// path to it.
func (c *Client) EarliestArrival(ctx context.Context, graphID, source, target string, from, to Moment) (*apitypes.EarliestArrival, error) {
	q := url.Values{"source": {source}}
	if target != "" {
		q.Set("target", target)
	}
	from.set(q, "from")
	to.set(q, "to")
	var out apitypes.EarliestArrival
	return &out, c.getJSON(ctx, GraphPath(graphID, "temporal", "earliest-arrival"), q, &out)
}

// SeriesQuery asks for a metric over a window of history: Metric (nodes,
// edges, nodes_by_type, edges_by_type, density, components, or a node's
// degree or pagerank), Node for a node's metric, and one point per step
// of Window.
type SeriesQuery struct {
	Metric string
	Node   string
	Window Window
}

// Series returns a metric over a window of a graph's history, one point
// per step.
func (c *Client) Series(ctx context.Context, graphID string, s SeriesQuery) (*apitypes.Series, error) {
	q := url.Values{"metric": {s.Metric}}
	if s.Node != "" {
		q.Set("node", s.Node)
	}
	s.Window.set(q)
	var out apitypes.Series
	return &out, c.getJSON(ctx, GraphPath(graphID, "series"), q, &out)
}

// CompareQuery asks how a read's answer changed between two moments:
// Query names the read ("components", "shortest-path", an algorithm of
// the library …) and Params its parameters as its GET route takes them;
// Before is required, After the present when zero; Answers asks for the
// two answers whole too.
type CompareQuery struct {
	Query   string
	Params  map[string]string
	Before  Moment
	After   Moment
	Answers bool
}

// Compare returns how a read's or an algorithm's answer changed between
// two moments of a graph. The answer's Changes, Before and After are
// json.RawMessages (Decode reads them).
func (c *Client) Compare(ctx context.Context, graphID string, cq CompareQuery) (*apitypes.Comparison, error) {
	q := url.Values{}
	for k, v := range cq.Params {
		q.Set(k, v)
	}
	q.Set("query", cq.Query)
	cq.Before.set(q, "before")
	cq.After.set(q, "after")
	if cq.Answers {
		q.Set("answers", "true")
	}
	out := apitypes.Comparison{Changes: &json.RawMessage{}, Before: &json.RawMessage{}, After: &json.RawMessage{}}
	if err := c.getJSON(ctx, GraphPath(graphID, "compare"), q, &out); err != nil {
		return nil, err
	}
	out.Changes, out.Before, out.After = raw(out.Changes), raw(out.Before), raw(out.After)
	return &out, nil
}

// Fork makes a new graph, req.Into, from a graph's state at a moment
// (req.Version or req.AsOf; neither: the present). The new graph must
// have no events: a fork never lands on a graph that exists
// (ErrConflict).
func (c *Client) Fork(ctx context.Context, graphID string, req apitypes.ForkRequest) (*apitypes.ForkResult, error) {
	var out apitypes.ForkResult
	return &out, c.doJSON(ctx, http.MethodPost, GraphPath(graphID, "fork"), nil, req, &out)
}

// TakeSnapshot makes the graph store a snapshot of its current state.
func (c *Client) TakeSnapshot(ctx context.Context, graphID string) (*apitypes.Snapshot, error) {
	var out apitypes.Snapshot
	return &out, c.doJSON(ctx, http.MethodPost, GraphPath(graphID, "snapshots"), nil, nil, &out)
}

// Snapshots lists the graph's stored snapshots, oldest first.
func (c *Client) Snapshots(ctx context.Context, graphID string) (*apitypes.Snapshots, error) {
	var out apitypes.Snapshots
	return &out, c.getJSON(ctx, GraphPath(graphID, "snapshots"), nil, &out)
}
