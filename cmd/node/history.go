package main

import (
	"context"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// history serves the API's reads of the past with replay.History: replays
// beside the live grains, on the node that received the request.
type history struct {
	h          *replay.History
	algorithms replay.Bounds
	// follower serves replays that follow a graph past its head; nil
	// answers them unavailable.
	follower store.Follower
}

var _ api.History = history{}

func point(m api.Moment) replay.Point { return replay.Point{Version: m.Version, Time: m.Time} }

func (h history) Query(ctx context.Context, graphID string, m api.Moment, q *messages.Query) (*messages.QueryReply, error) {
	g, err := h.h.At(ctx, graphID, point(m))
	if err != nil {
		return nil, err
	}
	return replay.Answer(ctx, g, q, h.algorithms)
}

func (h history) Diff(ctx context.Context, graphID string, from, to api.Moment) (*messages.GraphDiff, uint64, uint64, error) {
	a, err := h.h.At(ctx, graphID, point(from))
	if err != nil {
		return nil, 0, 0, err
	}
	b, err := h.h.At(ctx, graphID, point(to))
	if err != nil {
		return nil, 0, 0, err
	}
	return graph.Diff(a, b), a.Version(), b.Version(), nil
}

func (h history) Replay(ctx context.Context, graphID string, from, to api.Moment, every api.Every, emit func(*messages.Frame) error) error {
	return h.h.Replay(ctx, graphID, point(from), point(to), replay.FrameEvery{Events: every.Events, Interval: every.Interval}, emit)
}

var _ api.ReplayFollower = history{}

func (h history) FollowReplay(ctx context.Context, graphID string, from api.Moment, emit func(*messages.Frame) error) error {
	return h.h.Follow(ctx, h.follower, graphID, point(from), emit)
}

var _ api.Forker = history{}

// StateAt is the graph at m, as readers see it, and the CID of its
// canonical encoding there: anyone who rebuilds the graph at that version
// gets the same bytes.
func (h history) StateAt(ctx context.Context, graphID string, m api.Moment) (*messages.GraphState, string, error) {
	g, err := h.h.At(ctx, graphID, point(m))
	if err != nil {
		return nil, "", err
	}
	data, err := g.Encode()
	if err != nil {
		return nil, "", err
	}
	cid, err := store.CIDOf(data)
	if err != nil {
		return nil, "", err
	}
	return replay.StateView(g), cid, nil
}

var _ api.Temporal = history{}

func (h history) EarliestArrival(ctx context.Context, graphID, source string, from, to api.Moment) ([]replay.Arrival, uint64, error) {
	return h.h.EarliestArrival(ctx, graphID, source, point(from), point(to))
}

var _ api.SeriesReader = history{}

func (h history) Series(ctx context.Context, graphID string, from, to api.Moment, every api.Every, metric, node string) ([]replay.SeriesPoint, error) {
	return h.h.Series(ctx, graphID, point(from), point(to), replay.FrameEvery{Events: every.Events, Interval: every.Interval}, replay.SeriesMetrics[metric](node))
}
