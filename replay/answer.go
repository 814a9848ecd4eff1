package replay

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Bounds limit the algorithms a query runs (docs/ARCHITECTURE.md, "Every
// request is bounded"). A zero field takes its default.
type Bounds struct {
	// Elements is the most nodes plus edges a graph may have for an
	// algorithm to run on it (--max-algorithm-elements); a larger graph
	// is refused with graph.ErrLimit before any work.
	Elements int
	// Timeout is how long one algorithm may run (--algorithm-timeout);
	// past it the algorithm stops and answers graph.ErrLimit.
	Timeout time.Duration
}

// Defaults of Bounds.
const (
	DefaultMaxAlgorithmElements = 2_000_000
	DefaultAlgorithmTimeout     = 10 * time.Second
)

func (b Bounds) withDefaults() Bounds {
	if b.Elements <= 0 {
		b.Elements = DefaultMaxAlgorithmElements
	}
	if b.Timeout <= 0 {
		b.Timeout = DefaultAlgorithmTimeout
	}
	return b
}

// algorithm runs run on g within b: it refuses a graph larger than
// b.Elements and stops run at b.Timeout or when ctx ends.
func (b Bounds) algorithm(ctx context.Context, g *graph.Graph, name string, run func(context.Context) error) error {
	b = b.withDefaults()
	if n := g.NodeCount() + g.EdgeCount(); n > b.Elements {
		return fmt.Errorf("%w: graph %s has %d nodes and edges; %s runs on at most %d on this node (--max-algorithm-elements)",
			graph.ErrLimit, g.ID(), n, name, b.Elements)
	}
	ctx, cancel := context.WithTimeoutCause(ctx, b.Timeout, fmt.Errorf("%w: %s on graph %s ran longer than %s, its limit on this node (--algorithm-timeout)",
		graph.ErrLimit, name, g.ID(), b.Timeout))
	defer cancel()
	return run(ctx)
}

// Answer runs a query on g, its algorithms within b. It is shared by the
// live grain and by replays of the past, so a question about an old
// version gets the same kind of answer as one about the current state.
func Answer(ctx context.Context, g *graph.Graph, m *messages.Query, b Bounds) (*messages.QueryReply, error) {
	if g.Version() == 0 {
		return nil, fmt.Errorf("%w: graph %s has no events", graph.ErrNotFound, g.ID())
	}
	reply := &messages.QueryReply{Version: g.Version(), Sequence: g.Sequence()}
	var err error
	switch q := m.GetQuery().(type) {
	case *messages.Query_Graph:
		reply.Result = &messages.QueryReply_Graph{Graph: StateView(g)}
	case *messages.Query_Node:
		n, ok := g.Node(q.Node.GetNodeId())
		if !ok {
			return nil, fmt.Errorf("%w: graph %s has no node %q", graph.ErrNotFound, g.ID(), q.Node.GetNodeId())
		}
		reply.Result = &messages.QueryReply_Node{Node: n}
	case *messages.Query_Edge:
		e, ok := g.Edge(q.Edge.GetEdgeId())
		if !ok {
			return nil, fmt.Errorf("%w: graph %s has no edge %q", graph.ErrNotFound, g.ID(), q.Edge.GetEdgeId())
		}
		reply.Result = &messages.QueryReply_Edge{Edge: e}
	case *messages.Query_Neighbors:
		ns, err := g.Neighbors(q.Neighbors.GetNodeId(), q.Neighbors.GetDirection())
		if err != nil {
			return nil, err
		}
		reply.Result = &messages.QueryReply_Neighbors{Neighbors: &messages.Neighbors{Neighbors: ns}}
	case *messages.Query_ShortestPath:
		err = b.algorithm(ctx, g, "shortest-path", func(ctx context.Context) error {
			p, err := g.ShortestPath(ctx, q.ShortestPath.GetFrom(), q.ShortestPath.GetTo(), q.ShortestPath.GetWeight())
			reply.Result = &messages.QueryReply_Path{Path: p}
			return err
		})
	case *messages.Query_Components:
		err = b.algorithm(ctx, g, "components", func(ctx context.Context) error {
			cs, err := g.Components(ctx, q.Components.GetKind())
			reply.Result = &messages.QueryReply_Components{Components: cs}
			return err
		})
	case *messages.Query_TopologicalOrder:
		err = b.algorithm(ctx, g, "topological-order", func(ctx context.Context) error {
			o, err := g.TopologicalOrder(ctx)
			reply.Result = &messages.QueryReply_Order{Order: o}
			return err
		})
	case *messages.Query_Algorithm:
		name := q.Algorithm.GetName()
		err = b.algorithm(ctx, g, name, func(ctx context.Context) error {
			res, err := g.RunAlgorithm(ctx, name, q.Algorithm.GetParams())
			if err != nil {
				return err
			}
			out, err := json.Marshal(res)
			if err != nil {
				return fmt.Errorf("encoding the answer of %s: %w", name, err)
			}
			reply.Result = &messages.QueryReply_Algorithm{Algorithm: &messages.AlgorithmResult{Name: name, Json: out}}
			return nil
		})
	case *messages.Query_History:
		h, err := historyPage(g, q.History)
		if err != nil {
			return nil, err
		}
		reply.Result = &messages.QueryReply_History{History: h}
	case *messages.Query_WhatIf:
		// It needs the graph's grain: the latest state, the remembered
		// transactions, the queued submits.
		return nil, fmt.Errorf("%w: a what-if is asked of a graph's latest state, not of a past one", graph.ErrInvalidArgument)
	default:
		return nil, fmt.Errorf("%w: unknown query %T", graph.ErrInvalidTransaction, m.GetQuery())
	}
	if err != nil {
		return nil, err
	}
	return reply, nil
}

// StateView is g's state as readers see it: nodes and edges, without the
// remembered transaction IDs that snapshots carry for resends (up to
// graph.RememberedTransactions of them) and the elements' trails, which no
// reader of the state asked for.
func StateView(g *graph.Graph) *messages.GraphState {
	s := g.State()
	s.Recent, s.Trails = nil, nil
	return s
}
