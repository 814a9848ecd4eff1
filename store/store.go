package store

import (
	"context"
	"errors"
	"iter"

	"github.com/graphlog/graphlog/messages"
)

// Head is where a graph's history ends: the version of its last committed
// transaction and the stream sequence of the message that holds it.
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
	// stores the transaction as one message (EncodeEntry) on the graph's
	// subject, stating expected.Sequence as the last sequence of that
	// subject. It returns the new head.
	//
	// Stamping is done in place (see Stamp), because the caller applies
	// the stamped events next: on success tx and its events also carry
	// the new version and the message's stream sequence (not the recorded
	// time, which the ack does not report). On failure the stamps mean
	// nothing; the next Append stamps again. So tx must not be shared with
	// a concurrent call.
	//
	// If another writer appended first, nothing is stored and the error
	// wraps ErrConflict: reload the head and decide again. (A replicated
	// stream may also refuse an expectation it cannot judge yet, while it
	// applies the graph's previous message; the head is then unchanged,
	// and deciding again succeeds.) If the log
	// already holds a message with tx's graph and transaction ID (a resend
	// within the log's duplicate window), nothing is stored and the error
	// wraps ErrDuplicate: read the log to learn what it got. A transaction
	// whose encoding is over the log's size limit wraps ErrTooLarge, and
	// nothing is sent. If the error wraps ErrUnavailable the outcome is
	// unknown (the append may have landed); retrying with the same
	// expected head is safe, since it either lands once or reports
	// ErrConflict or ErrDuplicate.
	Append(ctx context.Context, tx *messages.Transaction, expected Head) (Head, error)
	// AppendGroup is Append of several transactions of one graph in one
	// message (group commit): they take consecutive versions after
	// expected, in order, and land together or not at all; the message
	// ID is the first transaction's. Each is stamped as Append stamps it,
	// and each transaction's expected_version, if set, must be the
	// version it comes after.
	AppendGroup(ctx context.Context, txs []*messages.Transaction, expected Head) (Head, error)
}

// Reader reads one graph's history.
type Reader interface {
	// Head returns the graph's head; the zero Head if it has no events.
	Head(ctx context.Context, graphID string) (Head, error)
	// Read yields the graph's committed transactions stored after stream
	// sequence afterSequence (0: from the start), in order, each whole,
	// with version, sequence and recorded time filled in (DecodeEntry). It
	// reads only that graph's messages (batched direct get; a long run
	// that is dense in the stream may be read with a filtered consumer),
	// never a scan of the whole stream. A message that cannot be decoded
	// yields an error that wraps ErrCorrupt (a *CorruptError), and reading
	// goes on after it; any other error ends the sequence.
	Read(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error]
}

// SequenceReader reads a graph's log messages at given stream sequences,
// as an element's trail names them (graph.Graph.History), without reading
// the rest of the graph's history.
type SequenceReader interface {
	// ReadAt returns, in the order of seqs, the committed transactions of
	// each message. A sequence that holds no message of the graph is
	// ErrNotFound.
	ReadAt(ctx context.Context, graphID string, seqs []uint64) ([][]*messages.Transaction, error)
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
	// ListGraphs returns up to limit IDs of graphs that start with prefix
	// and are greater than after, sorted; limit 0 or less means no limit.
	// Page by passing the last ID returned as after.
	ListGraphs(ctx context.Context, prefix, after string, limit int) ([]string, error)
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
	// ErrTooLarge: the transaction's encoding exceeds what one message of
	// the log may hold.
	ErrTooLarge = errors.New("transaction too large")
	// ErrDuplicate: the log holds a message with this graph and
	// transaction ID already (a resend within its duplicate window).
	ErrDuplicate = errors.New("the log holds this transaction ID already")
	// ErrDuplicateTransactionID: the transaction ID was committed before
	// with other events; a resend must carry the same events, a new
	// transaction a new ID.
	ErrDuplicateTransactionID = errors.New("transaction ID used before for other events")
	// ErrUnavailable: the log could not be reached or did not answer in
	// time. The operation may be retried.
	ErrUnavailable = errors.New("event log unavailable")
	// ErrStorageFull: the log's storage limit is reached (the servers'
	// JetStream limit, or their disks): nothing was stored. Writes work
	// again once space returns.
	ErrStorageFull = errors.New("event log storage full")
)
