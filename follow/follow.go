package follow

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Position is a point in the log to follow from: after the transaction of
// version Version in the message at stream sequence Sequence. The zero
// Position is the beginning. Version 0 with a Sequence is after the whole
// message at Sequence; a Version without a Sequence (by graph only) is
// after that version of the graph.
type Position struct {
	Sequence uint64 `json:"sequence"`
	Version  uint64 `json:"version"`
}

// Transaction is one committed transaction of a graph.
type Transaction struct {
	Graph      string
	Version    uint64
	Sequence   uint64
	RecordedAt time.Time
	ID         string
	Events     []*messages.Event
	// Raw is the transaction as the log decoded it, events stamped, for
	// the pure core (graph.Graph.Apply) or a re-encoding.
	Raw *messages.Transaction
}

// Position is where to follow from to get the transactions after t.
func (t Transaction) Position() Position {
	return Position{Sequence: t.Sequence, Version: t.Version}
}

func transaction(tx *messages.Transaction) Transaction {
	return Transaction{
		Graph:      tx.GetGraphId(),
		Version:    tx.GetVersion(),
		Sequence:   tx.GetSequence(),
		RecordedAt: tx.GetRecordedAt().AsTime(),
		ID:         tx.GetTransactionId(),
		Events:     tx.GetEvents(),
		Raw:        tx,
	}
}

// GraphLog is what following one graph needs of the log
// (*natsjs.Log has it).
type GraphLog interface {
	store.Follower
	// Locate returns the sequence of the message holding the graph's
	// transaction of version; store.ErrNotFound if it has not reached it.
	Locate(ctx context.Context, graphID string, version uint64) (uint64, error)
}

// PartitionLog is what following a partition needs of the log
// (*natsjs.Log has it).
type PartitionLog interface {
	// FollowPartition yields the transactions of every graph of partition
	// p stored after afterSequence, then new ones, until ctx ends.
	FollowPartition(ctx context.Context, p int, afterSequence uint64) iter.Seq2[*messages.Transaction, error]
}

// Graph yields graph graphID's committed transactions after from, in
// version order, then each as it is committed, until ctx ends (the
// sequence then ends without an error) or the log fails (a last error).
// An undecodable message of the graph is an error wrapping
// store.ErrCorrupt, after which it goes on.
func Graph(ctx context.Context, log GraphLog, graphID string, from Position) iter.Seq2[Transaction, error] {
	return func(yield func(Transaction, error) bool) {
		after := from.Sequence
		if from.Version > 0 {
			// Read the message of from.Version again: it may hold later
			// versions (a group commit).
			start := from.Sequence
			if start == 0 {
				var err error
				if start, err = log.Locate(ctx, graphID, from.Version); err != nil {
					if ctx.Err() == nil {
						yield(Transaction{}, err)
					}
					return
				}
			}
			after = start - 1
		}
		last := from.Version
		for tx, err := range log.Follow(ctx, graphID, after) {
			if err != nil {
				if !yield(Transaction{}, err) {
					return
				}
				continue
			}
			if tx.GetVersion() <= last {
				continue
			}
			last = tx.GetVersion()
			if !yield(transaction(tx), nil) {
				return
			}
		}
	}
}

// Partition yields the committed transactions of every graph of
// partition p after from, in the stream's order, then each as it is
// committed, until ctx ends (without an error) or the log fails (a last
// error). A message no graph can read is an error wrapping
// store.ErrCorrupt, after which it goes on.
func Partition(ctx context.Context, log PartitionLog, p int, from Position) iter.Seq2[Transaction, error] {
	return func(yield func(Transaction, error) bool) {
		if from.Version > 0 && from.Sequence == 0 {
			yield(Transaction{}, fmt.Errorf("follow: partition %d: a partition resumes from a sequence, and the position names only version %d (of which graph?)", p, from.Version))
			return
		}
		after := from.Sequence
		if from.Version > 0 {
			after = from.Sequence - 1
		}
		for tx, err := range log.FollowPartition(ctx, p, after) {
			if err != nil {
				if !yield(Transaction{}, err) {
					return
				}
				continue
			}
			if from.Version > 0 && tx.GetSequence() == from.Sequence && tx.GetVersion() <= from.Version {
				continue // handled before the resume, in the same message
			}
			if !yield(transaction(tx), nil) {
				return
			}
		}
	}
}

// Each calls fn with every transaction of seq (Graph or Partition) in
// order until the sequence ends or fn returns an error, which Each
// returns. A message no graph can read (store.ErrCorrupt) is skipped, as
// the graphs' folds skip it; any other error of the log is returned.
// It returns nil when the sequence ends with its context.
func Each(seq iter.Seq2[Transaction, error], fn func(Transaction) error) error {
	for tx, err := range seq {
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) {
				continue
			}
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
	}
	return nil
}
