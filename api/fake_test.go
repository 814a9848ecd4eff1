package api

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
)

// fakeGraphs is a test-only stand-in for the cluster client: it appends to a
// real in-memory log (store/memory) and answers queries by folding that
// log with a deliberately naive fold. It returns errors that wrap the
// sentinels, as the cluster client does. Algorithms are not folded: tests
// set algo to answer them.
type fakeGraphs struct {
	log *memory.Log

	mu        sync.Mutex
	submitted []*messages.Transaction // as received, before the log stamps them
	// algo answers shortest-path, components and topological-order.
	algo func(graphID string, q *messages.Query) (*messages.QueryReply, error)
	// fail, when set, is returned by every call.
	fail error
}

var _ Graphs = (*fakeGraphs)(nil)

func newFakeGraphs() *fakeGraphs { return &fakeGraphs{log: memory.New(nil)} }

type fakeState struct {
	nodes map[string]*messages.Node
	edges map[string]*messages.Edge
}

func (f *fakeGraphs) fold(ctx context.Context, graphID string) (*fakeState, store.Head, error) {
	st := &fakeState{nodes: map[string]*messages.Node{}, edges: map[string]*messages.Edge{}}
	var head store.Head
	for tx, err := range f.log.Read(ctx, graphID, 0) {
		if err != nil {
			return nil, head, err
		}
		if err := st.apply(tx); err != nil {
			return nil, head, err
		}
		head = store.Head{Version: tx.Version, Sequence: tx.Sequence}
	}
	return st, head, nil
}

func merge(dst **structpb.Struct, set *structpb.Struct, unset []string) {
	if *dst == nil {
		*dst = &structpb.Struct{Fields: map[string]*structpb.Value{}}
	}
	for k, v := range set.GetFields() {
		(*dst).Fields[k] = v
	}
	for _, k := range unset {
		delete((*dst).Fields, k)
	}
}

func (st *fakeState) apply(tx *messages.Transaction) error {
	for _, ev := range tx.Events {
		switch p := ev.Payload.(type) {
		case *messages.Event_NodeAdded:
			if st.nodes[p.NodeAdded.NodeId] != nil {
				return fmt.Errorf("%w: node %q exists", graph.ErrRejected, p.NodeAdded.NodeId)
			}
			st.nodes[p.NodeAdded.NodeId] = &messages.Node{Id: p.NodeAdded.NodeId, Type: p.NodeAdded.NodeType, Properties: p.NodeAdded.Properties}
		case *messages.Event_NodeUpdated:
			n := st.nodes[p.NodeUpdated.NodeId]
			if n == nil {
				return fmt.Errorf("%w: node %q does not exist", graph.ErrRejected, p.NodeUpdated.NodeId)
			}
			merge(&n.Properties, p.NodeUpdated.Set, p.NodeUpdated.Unset)
		case *messages.Event_NodeRemoved:
			if st.nodes[p.NodeRemoved.NodeId] == nil {
				return fmt.Errorf("%w: node %q does not exist", graph.ErrRejected, p.NodeRemoved.NodeId)
			}
			delete(st.nodes, p.NodeRemoved.NodeId)
			for id, e := range st.edges {
				if e.Source == p.NodeRemoved.NodeId || e.Target == p.NodeRemoved.NodeId {
					delete(st.edges, id)
				}
			}
		case *messages.Event_EdgeAdded:
			a := p.EdgeAdded
			if st.edges[a.EdgeId] != nil || st.nodes[a.SourceId] == nil || st.nodes[a.TargetId] == nil {
				return fmt.Errorf("%w: edge %q exists or an endpoint is missing", graph.ErrRejected, a.EdgeId)
			}
			st.edges[a.EdgeId] = &messages.Edge{Id: a.EdgeId, Source: a.SourceId, Target: a.TargetId, Type: a.EdgeType, Properties: a.Properties}
		case *messages.Event_EdgeUpdated:
			e := st.edges[p.EdgeUpdated.EdgeId]
			if e == nil {
				return fmt.Errorf("%w: edge %q does not exist", graph.ErrRejected, p.EdgeUpdated.EdgeId)
			}
			merge(&e.Properties, p.EdgeUpdated.Set, p.EdgeUpdated.Unset)
		case *messages.Event_EdgeRemoved:
			if st.edges[p.EdgeRemoved.EdgeId] == nil {
				return fmt.Errorf("%w: edge %q does not exist", graph.ErrRejected, p.EdgeRemoved.EdgeId)
			}
			delete(st.edges, p.EdgeRemoved.EdgeId)
		default:
			return fmt.Errorf("%w: no payload", graph.ErrInvalidTransaction)
		}
	}
	return nil
}

func (f *fakeGraphs) Submit(ctx context.Context, tx *messages.Transaction) (*messages.SubmitReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	f.submitted = append(f.submitted, proto.Clone(tx).(*messages.Transaction))
	st, head, err := f.fold(ctx, tx.GraphId)
	if err != nil {
		return nil, err
	}
	if err := st.apply(proto.Clone(tx).(*messages.Transaction)); err != nil {
		return nil, err
	}
	newHead, err := f.log.Append(ctx, tx, head)
	if err != nil {
		return nil, err
	}
	return &messages.SubmitReply{Version: newHead.Version, Sequence: newHead.Sequence, Events: uint32(len(tx.Events))}, nil
}

func (f *fakeGraphs) Query(ctx context.Context, graphID string, q *messages.Query) (*messages.QueryReply, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return nil, f.fail
	}
	st, head, err := f.fold(ctx, graphID)
	if err != nil {
		return nil, err
	}
	reply := &messages.QueryReply{Version: head.Version, Sequence: head.Sequence}
	switch q := q.Query.(type) {
	case *messages.Query_Graph:
		// Unsorted on purpose: the API sorts.
		gs := &messages.GraphState{GraphId: graphID, Version: head.Version, Sequence: head.Sequence}
		for _, n := range st.nodes {
			gs.Nodes = append(gs.Nodes, n)
		}
		for _, e := range st.edges {
			gs.Edges = append(gs.Edges, e)
		}
		reply.Result = &messages.QueryReply_Graph{Graph: gs}
	case *messages.Query_Node:
		n := st.nodes[q.Node.NodeId]
		if n == nil {
			return nil, fmt.Errorf("%w: node %q", graph.ErrNotFound, q.Node.NodeId)
		}
		reply.Result = &messages.QueryReply_Node{Node: n}
	case *messages.Query_Edge:
		e := st.edges[q.Edge.EdgeId]
		if e == nil {
			return nil, fmt.Errorf("%w: edge %q", graph.ErrNotFound, q.Edge.EdgeId)
		}
		reply.Result = &messages.QueryReply_Edge{Edge: e}
	case *messages.Query_Neighbors:
		id := q.Neighbors.NodeId
		if st.nodes[id] == nil {
			return nil, fmt.Errorf("%w: node %q", graph.ErrNotFound, id)
		}
		var ns []*messages.Neighbor
		dir := q.Neighbors.Direction
		for _, e := range st.edges {
			switch {
			case e.Source == id && dir != messages.Direction_DIRECTION_IN:
				ns = append(ns, &messages.Neighbor{Node: st.nodes[e.Target], Edge: e, Direction: messages.Direction_DIRECTION_OUT})
			case e.Target == id && dir != messages.Direction_DIRECTION_OUT:
				ns = append(ns, &messages.Neighbor{Node: st.nodes[e.Source], Edge: e, Direction: messages.Direction_DIRECTION_IN})
			}
		}
		slices.SortFunc(ns, func(a, b *messages.Neighbor) int { return cmp.Compare(a.Edge.Id, b.Edge.Id) })
		reply.Result = &messages.QueryReply_Neighbors{Neighbors: &messages.Neighbors{Neighbors: ns}}
	default:
		if f.algo == nil {
			return nil, fmt.Errorf("fake: no algorithm answer set for %T", q)
		}
		r, err := f.algo(graphID, &messages.Query{Query: q})
		if r != nil && r.Version == 0 {
			r.Version = head.Version
		}
		return r, err
	}
	return reply, nil
}
