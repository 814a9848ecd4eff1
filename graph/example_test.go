package graph_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

func nodeAdded(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
}

func edgeAdded(id, src, dst string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: id, SourceId: src, TargetId: dst}}}
}

// committed stamps events the way the log does: the transaction's version,
// each event's position and the transaction's size.
func committed(graphID string, version, sequence uint64, events ...*messages.Event) *messages.Transaction {
	for i, ev := range events {
		ev.GraphId, ev.Version, ev.Index, ev.Count = graphID, version, uint32(i), uint32(len(events))
	}
	return &messages.Transaction{GraphId: graphID, Version: version, Sequence: sequence, Events: events}
}

func ExampleGraph_Apply() {
	g := graph.New("social")

	// Before appending, the writer checks the proposed events.
	proposed := []*messages.Event{nodeAdded("ann"), nodeAdded("bob"), edgeAdded("f1", "ann", "bob")}
	fmt.Println("check:", g.Check(proposed))

	// Once the log has them, they are applied as a committed transaction.
	fmt.Println("apply:", g.Apply(committed("social", 1, 3, proposed...)))

	// A stored transaction that breaks the rules is rejected as a whole and
	// still takes its version.
	err := g.Apply(committed("social", 2, 5, nodeAdded("cy"), edgeAdded("f2", "cy", "dan")))
	var rej *graph.RejectedError
	fmt.Println(errors.As(err, &rej), errors.Is(err, graph.ErrRejected), g.Version(), g.NodeCount())
	fmt.Println(rej.Err)

	// A version already applied is refused and changes nothing.
	err = g.Apply(committed("social", 2, 5, nodeAdded("cy")))
	fmt.Println(errors.Is(err, graph.ErrOutOfOrder), g.Version())

	p, _ := g.ShortestPath(context.Background(), "ann", "bob", "")
	fmt.Println(p.GetNodes(), p.GetEdges(), p.GetCost())
	// Output:
	// check: <nil>
	// apply: <nil>
	// true true 2 2
	// event 1 (EdgeAdded f2): target node "dan" does not exist; add it first, in this or an earlier transaction
	// true 2
	// [ann bob] [f1] 1
}
