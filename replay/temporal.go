package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Arrival is when a node first became reachable from the source of an
// earliest-arrival search: the version and recorded time of the state in
// which it was, and the edge (and the node at its other end) it was
// reached by; both empty for the source.
type Arrival struct {
	Node    string
	Version uint64
	At      time.Time
	Edge    string
	From    string
}

// EarliestArrival finds, for every node, when it first became reachable
// from source by a time-respecting path within [from, to] (docs/
// ARCHITECTURE.md, "Time-respecting algorithms"): a path whose edges are
// followed in order, each at a moment it exists, from when a transaction
// added it until one removed it, at or after the moment the path reached
// its source. Following an edge takes no time, so a node reached in a
// state reaches, in that same state, everything its edges lead to. The
// states are the graph's between transactions: an edge added and removed
// by one transaction is never usable.
//
// It costs one replay of the window: the state at from (time travel),
// then every transaction up to to, each looking only at the edges it
// added whose source is reached and at what newly reached nodes lead to.
// The source is reached from the first state in the window that has it.
// Arrivals are in the order the nodes were reached.
func (h *History) EarliestArrival(ctx context.Context, graphID, source string, from, to Point) ([]Arrival, uint64, error) {
	if err := graph.ValidateElementID("source node", source); err != nil {
		return nil, 0, err
	}
	g, last, txs, err := h.window(ctx, graphID, from, to)
	if err != nil {
		return nil, 0, err
	}
	s := &search{g: g, reached: map[string]int{}}
	s.tryStart(source, last)
	for tx, err := range txs {
		if err != nil {
			return nil, 0, err
		}
		if err := ApplyCommitted(g, tx); err != nil && errors.Is(err, graph.ErrOutOfOrder) {
			break // a gap in the log itself: the window ends before it
		}
		at := tx.GetRecordedAt().AsTime()
		s.tryStart(source, at)
		if len(s.arrivals) == 0 {
			continue
		}
		var seeds []int
		for _, ev := range tx.GetEvents() {
			a, ok := ev.GetPayload().(*messages.Event_EdgeAdded)
			if !ok {
				continue
			}
			e, exists := g.Edge(a.EdgeAdded.GetEdgeId())
			if !exists {
				continue
			}
			if _, srcReached := s.reached[e.GetSource()]; !srcReached {
				continue
			}
			if _, dstReached := s.reached[e.GetTarget()]; !dstReached {
				seeds = append(seeds, s.reach(e.GetTarget(), e.GetId(), e.GetSource(), at))
			}
		}
		if err := s.spread(ctx, seeds, at); err != nil {
			return nil, 0, err
		}
	}
	if len(s.arrivals) == 0 && g.Version() == 0 {
		return nil, 0, fmt.Errorf("%w: graph %s has no events in the window", graph.ErrNotFound, graphID)
	}
	return s.arrivals, g.Version(), nil
}

// search is an earliest-arrival search's state.
type search struct {
	g        *graph.Graph
	reached  map[string]int // node → index in arrivals
	arrivals []Arrival
}

// tryStart reaches the source, if not yet and it exists now.
func (s *search) tryStart(source string, at time.Time) {
	if len(s.arrivals) > 0 {
		return
	}
	if _, ok := s.g.Node(source); !ok {
		return
	}
	// A background context does not end: spread cannot fail.
	_ = s.spread(context.Background(), []int{s.reach(source, "", "", at)}, at)
}

func (s *search) reach(node, edge, from string, at time.Time) int {
	s.reached[node] = len(s.arrivals)
	s.arrivals = append(s.arrivals, Arrival{Node: node, Version: s.g.Version(), At: at, Edge: edge, From: from})
	return len(s.arrivals) - 1
}

// spread reaches, in the current state, everything the newly reached
// arrivals lead to, breadth first, edges by ID.
func (s *search) spread(ctx context.Context, queue []int, at time.Time) error {
	for step := 0; len(queue) > 0; step++ {
		if step%4096 == 0 && ctx.Err() != nil {
			return context.Cause(ctx)
		}
		node := s.arrivals[queue[0]].Node
		queue = queue[1:]
		out, err := s.g.Neighbors(node, messages.Direction_DIRECTION_OUT)
		if err != nil {
			continue
		}
		for _, n := range out {
			next := n.GetNode().GetId()
			if _, ok := s.reached[next]; !ok {
				queue = append(queue, s.reach(next, n.GetEdge().GetId(), node, at))
			}
		}
	}
	return nil
}

// PathTo is the time-respecting path the arrivals give from their source
// to node, as the arrivals along it; nil when node was not reached.
func PathTo(arrivals []Arrival, node string) []Arrival {
	index := make(map[string]int, len(arrivals))
	for i, a := range arrivals {
		index[a.Node] = i
	}
	i, ok := index[node]
	if !ok {
		return nil
	}
	var path []Arrival
	for {
		a := arrivals[i]
		path = append(path, a)
		if a.From == "" {
			break
		}
		i = index[a.From]
	}
	for l, r := 0, len(path)-1; l < r; l, r = l+1, r-1 {
		path[l], path[r] = path[r], path[l]
	}
	return path
}
