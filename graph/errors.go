package graph

import (
	"errors"
	"fmt"
)

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
	// ErrSnapshotFormat: encoded state is of another format than
	// StateFormat, such as every snapshot written before the graph
	// remembered its transactions. Errors that wrap it wrap ErrCorrupt
	// too, so callers fall back on another snapshot or the log as for
	// a corrupt one.
	ErrSnapshotFormat = errors.New("unsupported snapshot format")
	// ErrInvalidArgument: a query argument is out of range (an unknown
	// direction or component kind). It says nothing of the graph's state.
	ErrInvalidArgument = errors.New("invalid argument")
	// ErrLimit: a request would pass one of the node's configured limits
	// (frames of a replay, the size of an answer, the graphs an algorithm
	// accepts). The error names the limit and its flag.
	ErrLimit = errors.New("limit exceeded")
)

// RejectedError is what Apply returns for a committed transaction that fails
// validation. The transaction still counts: the graph's version is Version
// afterwards, with nothing else changed, so versions stay without gaps and
// every replay of the log rejects it the same way.
type RejectedError struct {
	// Version is the version the rejected transaction carried, now the
	// graph's version.
	Version uint64
	// Err says why; it wraps ErrRejected, ErrInvalidTransaction or
	// ErrInvalidID, usually through an *EventError.
	Err error
}

func (e *RejectedError) Error() string {
	return fmt.Sprintf("transaction version %d rejected as a whole (its version counts, nothing else changed): %v", e.Version, e.Err)
}

func (e *RejectedError) Unwrap() error { return e.Err }

// EventError locates a validation failure in a transaction, so a client can
// point at the event to fix. Its text reads like
// `event 2 (EdgeAdded e1): source node "x" does not exist; …`.
type EventError struct {
	// Index is the event's position in the transaction, from 0.
	Index int
	// Type is the payload's name ("NodeAdded" …), empty when it has none.
	Type string
	// ID is the node or edge the event names, empty when it is not a
	// valid ID (then Err says so).
	ID string
	// Err wraps ErrRejected, ErrInvalidTransaction or ErrInvalidID.
	Err error
}

func (e *EventError) Error() string {
	switch {
	case e.Type == "":
		return fmt.Sprintf("event %d: %v", e.Index, e.Err)
	case e.ID == "":
		return fmt.Sprintf("event %d (%s): %v", e.Index, e.Type, e.Err)
	default:
		return fmt.Sprintf("event %d (%s %s): %v", e.Index, e.Type, e.ID, e.Err)
	}
}

func (e *EventError) Unwrap() error { return e.Err }

// ruleError carries a sentinel for errors.Is without repeating the
// sentinel's text, so messages read as one sentence about the event.
type ruleError struct {
	sentinel error
	msg      string
}

func (e *ruleError) Error() string { return e.msg }
func (e *ruleError) Unwrap() error { return e.sentinel }

// rejectf reports a transaction the graph's rules refuse.
func rejectf(format string, args ...any) error {
	return &ruleError{sentinel: ErrRejected, msg: fmt.Sprintf(format, args...)}
}

// malformedf reports a transaction that is wrong whatever the state.
func malformedf(format string, args ...any) error {
	return &ruleError{sentinel: ErrInvalidTransaction, msg: fmt.Sprintf(format, args...)}
}
