package store

import (
	"fmt"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// MaxEventsPerTransaction is the most events one transaction may hold: the
// server's default limit on one atomic batch.
const MaxEventsPerTransaction = 1000

// Stamp checks tx for an append after expected and stamps it in place, so
// that every implementation of Appender accepts, refuses and stamps
// transactions alike. Every event gets tx's graph ID and transaction ID, the
// new version (expected.Version+1), its index and the transaction's size;
// its sequence and recorded time are cleared, because the log assigns them.
// tx.Version is set to the new version.
//
// It refuses, storing nothing: an invalid graph ID (graph.ErrInvalidID); no
// events, a missing event or payload, or an event naming another graph
// (graph.ErrInvalidTransaction); more than maxEvents events (ErrTooLarge);
// an expected_version other than expected.Version (ErrConflict).
func Stamp(tx *messages.Transaction, expected Head, maxEvents int) error {
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
	if n > maxEvents {
		return fmt.Errorf("%w: transaction %q for graph %s has %d events, the limit is %d; split it into smaller transactions", ErrTooLarge, tx.GetTransactionId(), tx.GetGraphId(), n, maxEvents)
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

// Committed completes a stamped tx after the log stored it with its last
// event at stream sequence last: events of one transaction occupy
// consecutive sequences, so each event gets its own.
func Committed(tx *messages.Transaction, last uint64) {
	n := uint64(len(tx.Events))
	for i, ev := range tx.Events {
		ev.Sequence = last - n + 1 + uint64(i)
	}
	tx.Sequence = last
}
