package memory

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Log is an in-memory event log. Create it with New.
type Log struct {
	now func() time.Time

	mu          sync.RWMutex
	seq         uint64               // last sequence assigned, over all graphs
	graphs      map[string][]*stored // per graph, in sequence order
	ids         map[string]uint64    // message IDs (graph/transaction) stored, and where
	deadLetters []DeadLetter
	maxBytes    int
}

// stored is one message as the log keeps it: the encoded entry
// (store.EncodeEntry, like a stream message) and where and when it landed.
type stored struct {
	seq  uint64
	at   time.Time
	data []byte
}

// DeadLetter is a message given to Log.DeadLetter.
type DeadLetter struct {
	Subject  string
	Data     []byte
	Reason   string
	Sequence uint64
}

var (
	_ store.EventLog    = (*Log)(nil)
	_ store.GraphLister = (*Log)(nil)
)

// DefaultMaxTransactionBytes bounds a transaction's encoding, as the
// JetStream log's default does.
const DefaultMaxTransactionBytes = 1_000_000

// SetMaxTransactionBytes changes the size limit of a transaction's
// encoding; call it before the log is used.
func (l *Log) SetMaxTransactionBytes(n int) { l.maxBytes = n }

// New returns an empty log whose recorded times come from now (time.Now if
// nil).
func New(now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{now: now, graphs: make(map[string][]*stored), ids: make(map[string]uint64), maxBytes: DefaultMaxTransactionBytes}
}

// Append stores tx as its graph's next transaction after expected; see
// store.Appender. The check is the stream's: expected.Sequence must be the
// sequence of the graph's newest message (0: none). Like the stream, it
// remembers transaction IDs and answers a resend with store.ErrDuplicate;
// its window never closes.
func (l *Log) Append(ctx context.Context, tx *messages.Transaction, expected store.Head) (store.Head, error) {
	if err := ctx.Err(); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	if err := store.Stamp(tx, expected); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	return l.store(expected, tx)
}

// AppendGroup stores txs in one message; see store.Appender.
func (l *Log) AppendGroup(ctx context.Context, txs []*messages.Transaction, expected store.Head) (store.Head, error) {
	if err := ctx.Err(); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	if err := store.StampGroup(txs, expected); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	return l.store(expected, txs...)
}

// store keeps stamped txs as one message after expected.
func (l *Log) store(expected store.Head, txs ...*messages.Transaction) (store.Head, error) {
	graphID, first := txs[0].GraphId, txs[0].TransactionId
	data, err := store.EncodeEntry(txs...)
	if err != nil {
		return store.Head{}, fmt.Errorf("memory: append graph %s: encode: %w", graphID, err)
	}
	if len(data) > l.maxBytes {
		return store.Head{}, fmt.Errorf("memory: append graph %s: %w: %d bytes, the limit is %d", graphID, store.ErrTooLarge, len(data), l.maxBytes)
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	msgID := graphID + "/" + first
	if seq, ok := l.ids[msgID]; ok && first != "" {
		return store.Head{}, fmt.Errorf("memory: append graph %s: %w: transaction %q is at sequence %d", graphID, store.ErrDuplicate, first, seq)
	}
	msgs := l.graphs[graphID]
	var last uint64
	if len(msgs) > 0 {
		last = msgs[len(msgs)-1].seq
	}
	if last != expected.Sequence {
		return store.Head{}, fmt.Errorf("memory: append graph %s: %w (last sequence is %d, expected %d); reload the graph's head and decide again",
			graphID, store.ErrConflict, last, expected.Sequence)
	}
	l.seq++
	l.graphs[graphID] = append(msgs, &stored{seq: l.seq, at: l.now(), data: data})
	if first != "" {
		l.ids[msgID] = l.seq
	}
	for _, tx := range txs {
		store.Committed(tx, l.seq)
	}
	return store.Head{Version: txs[len(txs)-1].Version, Sequence: l.seq}, nil
}

// WriteRaw stores each of data as one message of graph graphID, as
// written, with no checks and no stamping, and returns the last sequence.
// It stands for writes past Append (a raw publish on the stream), so tests
// can store malformed entries and undecodable bytes.
func (l *Log) WriteRaw(graphID string, data ...[]byte) uint64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.now()
	for _, d := range data {
		l.seq++
		l.graphs[graphID] = append(l.graphs[graphID], &stored{seq: l.seq, at: at, data: slices.Clone(d)})
	}
	return l.seq
}

// Head returns the graph's head; see store.Reader.
func (l *Log) Head(ctx context.Context, graphID string) (store.Head, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return store.Head{}, fmt.Errorf("memory: head: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return store.Head{}, fmt.Errorf("memory: head graph %s: %w", graphID, err)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	msgs := l.graphs[graphID]
	if len(msgs) == 0 {
		return store.Head{}, nil
	}
	txs, err := l.decode(graphID, msgs[len(msgs)-1])
	if err != nil {
		return store.Head{}, fmt.Errorf("memory: head graph %s: %w", graphID, err)
	}
	return store.Head{Version: txs[len(txs)-1].Version, Sequence: msgs[len(msgs)-1].seq}, nil
}

// Read yields the graph's transactions after afterSequence; see
// store.Reader. It reads the messages stored when it starts.
func (l *Log) Read(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		if err := graph.ValidateGraphID(graphID); err != nil {
			yield(nil, fmt.Errorf("memory: read: %w", err))
			return
		}
		l.mu.RLock()
		msgs := l.graphs[graphID]
		l.mu.RUnlock()
		// msgs is append-only: the slice taken is stable without the lock.
		start, _ := slices.BinarySearchFunc(msgs, afterSequence+1, func(s *stored, seq uint64) int {
			return cmpUint(s.seq, seq)
		})
		for _, s := range msgs[start:] {
			if err := ctx.Err(); err != nil {
				yield(nil, fmt.Errorf("memory: read graph %s: %w", graphID, err))
				return
			}
			txs, err := l.decode(graphID, s)
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			for _, tx := range txs {
				if !yield(tx, nil) {
					return
				}
			}
		}
	}
}

// ListGraphs returns up to limit IDs of graphs that start with prefix and
// are greater than after, sorted; limit 0 or less means all.
func (l *Log) ListGraphs(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: list graphs: %w", err)
	}
	l.mu.RLock()
	ids := make([]string, 0, len(l.graphs))
	for id, events := range l.graphs {
		if id > after && strings.HasPrefix(id, prefix) && len(events) > 0 {
			ids = append(ids, id)
		}
	}
	l.mu.RUnlock()
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}

// DeadLetter records a message that could not be processed, as
// natsjs.Log.DeadLetter keeps it in the dead-letter stream.
func (l *Log) DeadLetter(ctx context.Context, subject string, data []byte, reason string, origSeq uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memory: dead letter: %w", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deadLetters = append(l.deadLetters, DeadLetter{Subject: subject, Data: slices.Clone(data), Reason: reason, Sequence: origSeq})
	return nil
}

// DeadLetters returns the dead letters recorded so far.
func (l *Log) DeadLetters() []DeadLetter {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return slices.Clone(l.deadLetters)
}

// decode rebuilds a stored message's transactions with their sequence
// and recorded time.
func (l *Log) decode(graphID string, s *stored) ([]*messages.Transaction, error) {
	return store.DecodeEntry(graphID, "memory."+graphID, s.seq, s.at, s.data)
}

func cmpUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
