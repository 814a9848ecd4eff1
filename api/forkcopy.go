package api

import (
	"fmt"
	"strconv"

	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// forkRoom is what a fork leaves, of the log's bound on a transaction's
// encoding, for what is not its events: the transaction's IDs, its
// lineage and the entry around it.
const forkRoom = 4 << 10

// forkCopy is the transactions that add state, the source's state at a
// version, to the new graph into (docs/ARCHITECTURE.md, "Forks"): its
// nodes, then its edges, as few transactions as hold them within
// maxEvents events and maxBytes bytes each (0: no bound). The first has
// the fork's transaction ID and names the source in forked_from (with the
// count of transactions when more than one); transaction i after it has
// the ID txID-i. Each expects the version before it, the first 0, so a
// fork never lands on a graph that exists, and resending the same fork
// (the same txID) goes on where it stopped: what was committed is
// answered as committed.
func forkCopy(into, txID string, state *messages.GraphState, from *messages.Lineage, md *messages.Metadata, maxEvents, maxBytes int) ([]*messages.Transaction, error) {
	var evs []*messages.Event
	for _, n := range state.GetNodes() {
		evs = append(evs, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: n.GetId(), NodeType: n.GetType(), Properties: n.GetProperties()}}})
	}
	for _, e := range state.GetEdges() {
		evs = append(evs, &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId: e.GetId(), SourceId: e.GetSource(), TargetId: e.GetTarget(), EdgeType: e.GetType(), Properties: e.GetProperties()}}})
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("%w: graph %s at version %d has no nodes: a fork of it would have no events",
			graph.ErrInvalidTransaction, from.GetGraphId(), from.GetVersion())
	}
	// Each event is measured stamped, with the longest transaction ID
	// and index it can get, so a transaction cut by these sizes fits.
	longest := txID + "-" + strconv.Itoa(len(evs))
	budget := maxBytes - forkRoom
	var cuts []int // where each transaction after the first starts
	size, count := 0, 0
	for i, ev := range evs {
		ev.EventId, ev.GraphId, ev.TransactionId, ev.Metadata = nuid.Next(), into, longest, md
		ev.Index, ev.Count = uint32(len(evs)), uint32(len(evs))
		n := proto.Size(ev) + 8
		if maxBytes > 0 && n > budget {
			return nil, fmt.Errorf("%w: %s of graph %s encodes to %d bytes; a transaction holds at most %d (--max-transaction-bytes), so it cannot be forked",
				store.ErrTooLarge, elementName(ev), from.GetGraphId(), n, maxBytes)
		}
		if count > 0 && (maxEvents > 0 && count == maxEvents || maxBytes > 0 && size+n > budget) {
			cuts = append(cuts, i)
			size, count = 0, 0
		}
		size += n
		count++
	}
	cuts = append(cuts, len(evs))
	txs := make([]*messages.Transaction, len(cuts))
	if len(txs) > 1 {
		from = proto.CloneOf(from)
		from.Transactions = uint64(len(txs))
		if err := checkTransactionID(longest); err != nil {
			return nil, fmt.Errorf("%w: a fork of %d transactions names them transaction_id-2 … -%d; give a shorter transaction_id", err, len(txs), len(txs))
		}
	}
	start := 0
	for i, end := range cuts {
		id := txID
		if i > 0 {
			id = txID + "-" + strconv.Itoa(i+1)
		}
		expected := uint64(i)
		tx := &messages.Transaction{GraphId: into, TransactionId: id, ExpectedVersion: &expected, Events: evs[start:end]}
		if i == 0 {
			tx.ForkedFrom = from
		}
		for j, ev := range tx.Events {
			ev.TransactionId, ev.Index, ev.Count = id, uint32(j), uint32(len(tx.Events))
		}
		txs[i], start = tx, end
	}
	return txs, nil
}

// elementName names an event's node or edge in an error.
func elementName(ev *messages.Event) string {
	if n := ev.GetNodeAdded(); n != nil {
		return fmt.Sprintf("node %q", n.GetNodeId())
	}
	return fmt.Sprintf("edge %q", ev.GetEdgeAdded().GetEdgeId())
}
