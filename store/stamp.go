package store

import (
	"fmt"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Stamp checks tx for an append after expected and stamps it in place, so
// that every implementation of Appender accepts, refuses and stamps
// transactions alike. Every event gets tx's graph ID and transaction ID, the
// new version (expected.Version+1), its index and the transaction's size;
// its sequence and recorded time are cleared, because the log assigns them.
// tx.Version is set to the new version.
//
// It refuses, storing nothing: an invalid graph ID (graph.ErrInvalidID); no
// events, a missing event or payload, or an event naming another graph
// (graph.ErrInvalidTransaction); an expected_version other than
// expected.Version (ErrConflict). Size is the log's to judge, on the
// encoded bytes (ErrTooLarge).
func Stamp(tx *messages.Transaction, expected Head) error {
	if tx == nil {
		return fmt.Errorf("%w: transaction is nil", graph.ErrInvalidTransaction)
	}
	if err := graph.ValidateGraphID(tx.GetGraphId()); err != nil {
		return err
	}
	n := len(tx.GetEvents())
	if n == 0 {
		return fmt.Errorf("%w: transaction %q for graph %s has no events; send at least one", graph.ErrInvalidTransaction, tx.GetTransactionId(), tx.GetGraphId())
	}
	if tx.ExpectedVersion != nil && tx.GetExpectedVersion() != expected.Version {
		return fmt.Errorf("%w: transaction %q expects graph %s at version %d, but it is at version %d", ErrConflict, tx.GetTransactionId(), tx.GetGraphId(), tx.GetExpectedVersion(), expected.Version)
	}
	for i, ev := range tx.GetEvents() {
		switch {
		case ev == nil:
			return fmt.Errorf("%w: event %d of transaction %q is nil", graph.ErrInvalidTransaction, i, tx.GetTransactionId())
		case ev.GetPayload() == nil:
			return fmt.Errorf("%w: event %d of transaction %q has no payload; set one of node_added … edge_removed", graph.ErrInvalidTransaction, i, tx.GetTransactionId())
		case ev.GetGraphId() != "" && ev.GetGraphId() != tx.GetGraphId():
			return fmt.Errorf("%w: event %d of transaction %q names graph %q, the transaction is for graph %s", graph.ErrInvalidTransaction, i, tx.GetTransactionId(), ev.GetGraphId(), tx.GetGraphId())
		}
	}

	version := expected.Version + 1
	for i, ev := range tx.Events {
		ev.GraphId = tx.GraphId
		ev.TransactionId = tx.TransactionId
		ev.Version = version
		ev.Index = uint32(i)
		ev.Count = uint32(n)
		ev.Sequence = 0
		ev.RecordedAt = nil
	}
	tx.Version = version
	tx.Sequence = 0
	tx.RecordedAt = nil
	return nil
}

// Committed completes a stamped tx after the log stored it in the message
// at stream sequence seq: the transaction and each of its events get it.
func Committed(tx *messages.Transaction, seq uint64) {
	for _, ev := range tx.Events {
		ev.Sequence = seq
	}
	tx.Sequence = seq
}

// StampGroup stamps txs, transactions of one graph, as consecutive
// versions after expected (see Stamp), refusing an empty group and
// transactions of different graphs (graph.ErrInvalidTransaction) or with
// a repeated transaction ID (ErrDuplicate: a group is stored under its
// first ID, and one ID is one transaction).
func StampGroup(txs []*messages.Transaction, expected Head) error {
	if len(txs) == 0 {
		return fmt.Errorf("%w: a group of no transactions", graph.ErrInvalidTransaction)
	}
	seen := make(map[string]bool, len(txs))
	for i, tx := range txs {
		if i > 0 && tx.GetGraphId() != txs[0].GetGraphId() {
			return fmt.Errorf("%w: transaction %d of a group is for graph %q, the first for %q", graph.ErrInvalidTransaction, i, tx.GetGraphId(), txs[0].GetGraphId())
		}
		if id := tx.GetTransactionId(); id != "" {
			if seen[id] {
				return fmt.Errorf("%w: transaction ID %q twice in one group", ErrDuplicate, id)
			}
			seen[id] = true
		}
		if err := Stamp(tx, Head{Version: expected.Version + uint64(i), Sequence: expected.Sequence}); err != nil {
			return fmt.Errorf("transaction %d of the group: %w", i, err)
		}
	}
	return nil
}
