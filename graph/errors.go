package graph

import "errors"

// Sentinel errors. Every error this package returns wraps one of them, so
// callers decide with errors.Is and never by message text.
var (
	// ErrInvalidID: a graph, node or edge ID is malformed.
	ErrInvalidID = errors.New("invalid ID")
	// ErrInvalidTransaction: a transaction is malformed (empty, unknown or
	// missing payload, envelope fields that disagree). It says nothing of
	// the graph's state.
	ErrInvalidTransaction = errors.New("invalid transaction")
	// ErrRejected: the graph's rules refuse the transaction (a duplicate ID,
	// a missing endpoint, an update of a missing element). Nothing changed.
	ErrRejected = errors.New("rejected by graph rules")
	// ErrOutOfOrder: a committed transaction does not carry the next
	// version. The caller skips duplicates and repairs gaps.
	ErrOutOfOrder = errors.New("transaction out of order")
	// ErrNotFound: a queried node, edge or path does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCycle: the graph has a cycle, so it has no topological order.
	ErrCycle = errors.New("graph has a cycle")
	// ErrInvalidWeight: an edge's weight property is missing, not a
	// number, or negative.
	ErrInvalidWeight = errors.New("invalid weight")
	// ErrCorrupt: encoded state could not be decoded or is inconsistent.
	ErrCorrupt = errors.New("corrupt encoded state")
)
