package memory

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

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
	deadLetters []DeadLetter
}

// stored is one event as the log keeps it: the encoded event (without
// sequence and recorded time, like a stream message) and where and when it
// landed.
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

// New returns an empty log whose recorded times come from now (time.Now if
// nil).
func New(now func() time.Time) *Log {
	if now == nil {
		now = time.Now
	}
	return &Log{now: now, graphs: make(map[string][]*stored)}
}

// Append stores tx as its graph's next transaction after expected; see
// store.Appender. The check is the stream's: expected.Sequence must be the
// sequence of the graph's newest event (0: none).
func (l *Log) Append(ctx context.Context, tx *messages.Transaction, expected store.Head) (store.Head, error) {
	if err := ctx.Err(); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	if err := store.Stamp(tx, expected, store.MaxEventsPerTransaction); err != nil {
		return store.Head{}, fmt.Errorf("memory: append: %w", err)
	}
	encoded := make([][]byte, len(tx.Events))
	for i, ev := range tx.Events {
		data, err := proto.Marshal(ev)
		if err != nil {
			return store.Head{}, fmt.Errorf("memory: append graph %s: encode event %d: %w", tx.GraphId, i, err)
		}
		encoded[i] = data
	}

	l.mu.Lock()
	defer l.mu.Unlock()
	events := l.graphs[tx.GraphId]
	var last uint64
	if len(events) > 0 {
		last = events[len(events)-1].seq
	}
	if last != expected.Sequence {
		return store.Head{}, fmt.Errorf("memory: append graph %s: %w (last sequence is %d, expected %d); reload the graph's head and decide again",
			tx.GraphId, store.ErrConflict, last, expected.Sequence)
	}
	at := l.now()
	for _, data := range encoded {
		l.seq++
		events = append(events, &stored{seq: l.seq, at: at, data: data})
	}
	l.graphs[tx.GraphId] = events
	store.Committed(tx, l.seq)
	return store.Head{Version: tx.Version, Sequence: l.seq}, nil
}

// WriteRaw stores each of data as one message of graph graphID, as
// written, with no checks and no stamping, and returns the last sequence.
// It stands for writes past Append (a raw publish on the stream), so tests
// can store malformed transactions and undecodable bytes.
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
	events := l.graphs[graphID]
	if len(events) == 0 {
		return store.Head{}, nil
	}
	ev, err := l.decode(graphID, events[len(events)-1])
	if err != nil {
		return store.Head{}, fmt.Errorf("memory: head graph %s: %w", graphID, err)
	}
	return store.Head{Version: ev.Version, Sequence: ev.Sequence}, nil
}

// Read yields the graph's transactions after afterSequence; see
// store.Reader. It reads the events stored when it starts.
func (l *Log) Read(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		if err := graph.ValidateGraphID(graphID); err != nil {
			yield(nil, fmt.Errorf("memory: read: %w", err))
			return
		}
		l.mu.RLock()
		events := l.graphs[graphID]
		l.mu.RUnlock()
		// events is append-only: the slice taken is stable without the lock.
		start, _ := slices.BinarySearchFunc(events, afterSequence+1, func(s *stored, seq uint64) int {
			return cmpUint(s.seq, seq)
		})
		asm := store.NewAssembler(graphID)
		for _, s := range events[start:] {
			if err := ctx.Err(); err != nil {
				yield(nil, fmt.Errorf("memory: read graph %s: %w", graphID, err))
				return
			}
			ev, err := l.decode(graphID, s)
			if err != nil {
				if !yield(nil, err) {
					return
				}
				continue
			}
			ended, completed := asm.Add(ev)
			if ended != nil && !yield(ended, nil) {
				return
			}
			if completed != nil && !yield(completed, nil) {
				return
			}
		}
		if tx := asm.Flush(); tx != nil {
			yield(tx, nil)
		}
	}
}

// ListGraphs returns up to limit graph IDs greater than after, sorted;
// limit 0 or less means all.
func (l *Log) ListGraphs(ctx context.Context, after string, limit int) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memory: list graphs: %w", err)
	}
	l.mu.RLock()
	ids := make([]string, 0, len(l.graphs))
	for id, events := range l.graphs {
		if id > after && len(events) > 0 {
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

// decode rebuilds a stored event with its sequence and recorded time.
func (l *Log) decode(graphID string, s *stored) (*messages.Event, error) {
	ev := &messages.Event{}
	if err := proto.Unmarshal(s.data, ev); err != nil {
		return nil, &store.CorruptError{GraphID: graphID, Subject: "memory." + graphID, Sequence: s.seq, Err: err}
	}
	ev.Sequence = s.seq
	ev.RecordedAt = timestamppb.New(s.at)
	return ev, nil
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
