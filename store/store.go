package store

import (
	"context"
	"errors"
	"iter"

	"github.com/graphlog/graphlog/messages"
)

// Head is where a graph's history ends: the version of its last committed
// transaction and the stream sequence of that transaction's last event.
// The zero Head is a graph with no events.
type Head struct {
	Version  uint64
	Sequence uint64
}

// Appender appends transactions to the log.
type Appender interface {
	// Append stores tx atomically as the graph's next transaction, after
	// expected. It stamps every event with the graph ID, the new version
	// (expected.Version+1), its index and the transaction's size, and
	// publishes them as one atomic batch that states expected.Sequence as
	// the last sequence of the graph's subjects. It returns the new head.
	//
	// Stamping is done in place (see Stamp), because the caller applies
	// the stamped events next: on success tx and its events also carry
	// the new version and their stream sequences (not the recorded time,
	// which the ack does not report). On failure the stamps mean nothing;
	// the next Append stamps again. So tx must not be shared with a
	// concurrent call.
	//
	// If another writer appended first, nothing is stored and the error
	// wraps ErrConflict: reload the head and decide again. If the error
	// wraps ErrUnavailable the outcome is unknown (the append may have
	// landed); retrying with the same expected head is safe, since it
	// either lands once or reports ErrConflict.
	Append(ctx context.Context, tx *messages.Transaction, expected Head) (Head, error)
}

// Reader reads one graph's history.
type Reader interface {
	// Head returns the graph's head; the zero Head if it has no events.
	Head(ctx context.Context, graphID string) (Head, error)
	// Read yields the graph's committed transactions whose events come
	// after stream sequence afterSequence (0: from the start), in order,
	// each whole, with version, sequence and recorded time filled in. It
	// reads only that graph's messages (batched direct get; a long run
	// that is dense in the stream may be read with a filtered consumer),
	// never a scan of the whole stream. An event that cannot be decoded yields an error that
	// wraps ErrCorrupt, and reading goes on after it; any other error ends
	// the sequence. afterSequence should end a transaction (a Head's or a
	// Transaction's Sequence); otherwise the first transaction yielded is
	// the rest of a cut one. Stored events that do not form a whole
	// transaction (written past Append) are yielded as written, grouped
	// by Assembler, for graph.Apply to reject.
	Read(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error]
}

// Follower follows one graph's history as it is written.
type Follower interface {
	// Follow yields the graph's committed transactions after stream
	// sequence afterSequence as Read does, then goes on yielding new ones
	// as they are committed, until ctx ends (it then ends without an
	// error) or an error other than an undecodable event ends it.
	Follow(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error]
}

// EventLog is the log of every graph's events.
type EventLog interface {
	Appender
	Reader
}

// GraphLister lists the graphs that have events.
type GraphLister interface {
	// ListGraphs returns up to limit graph IDs greater than after, sorted;
	// limit 0 or less means no limit. Page by passing the last ID
	// returned as after.
	ListGraphs(ctx context.Context, after string, limit int) ([]string, error)
}

// Sentinel errors. Errors from this package and its implementations wrap
// them; backend errors are translated at the edge, never matched by text.
var (
	// ErrConflict: the expected head is not the graph's head (another
	// writer won the race, or expected_version is stale).
	ErrConflict = errors.New("conflict: the graph changed since the expected version")
	// ErrNotFound: the graph or message does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupt: stored bytes could not be decoded.
	ErrCorrupt = errors.New("corrupt stored data")
	// ErrTooLarge: the transaction exceeds what one atomic batch may hold.
	ErrTooLarge = errors.New("transaction too large")
	// ErrUnavailable: the log could not be reached or did not answer in
	// time. The operation may be retried.
	ErrUnavailable = errors.New("event log unavailable")
)
