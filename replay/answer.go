package replay

import (
	"fmt"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Answer runs a query on g. It is shared by the live grain and by replays
// of the past, so a question about an old version gets the same kind of
// answer as one about the current state.
func Answer(g *graph.Graph, m *messages.Query) (*messages.QueryReply, error) {
	if g.Version() == 0 {
		return nil, fmt.Errorf("%w: graph %s has no events", graph.ErrNotFound, g.ID())
	}
	reply := &messages.QueryReply{Version: g.Version(), Sequence: g.Sequence()}
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
		p, err := g.ShortestPath(q.ShortestPath.GetFrom(), q.ShortestPath.GetTo(), q.ShortestPath.GetWeight())
		if err != nil {
			return nil, err
		}
		reply.Result = &messages.QueryReply_Path{Path: p}
	case *messages.Query_Components:
		cs, err := g.Components(q.Components.GetKind())
		if err != nil {
			return nil, err
		}
		reply.Result = &messages.QueryReply_Components{Components: cs}
	case *messages.Query_TopologicalOrder:
		o, err := g.TopologicalOrder()
		if err != nil {
			return nil, err
		}
		reply.Result = &messages.QueryReply_Order{Order: o}
	default:
		return nil, fmt.Errorf("%w: unknown query %T", graph.ErrInvalidTransaction, m.GetQuery())
	}
	return reply, nil
}

// StateView is g's state as readers see it: nodes and edges, without the
// remembered transaction IDs that snapshots carry for resends (up to
// graph.RememberedTransactions of them, which no reader asked for).
func StateView(g *graph.Graph) *messages.GraphState {
	s := g.State()
	s.Recent = nil
	return s
}
