package replay

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Point names a moment of a graph's history: a version, or a recorded time
// (the time JetStream stored the events). The zero Point is the present.
type Point struct {
	Version uint64
	Time    time.Time
}

// IsPresent reports whether p names no particular moment.
func (p Point) IsPresent() bool { return p.Version == 0 && p.Time.IsZero() }

func (p Point) String() string {
	switch {
	case p.Version != 0:
		return fmt.Sprintf("version %d", p.Version)
	case !p.Time.IsZero():
		return p.Time.Format(time.RFC3339Nano)
	}
	return "now"
}

// after reports whether tx lies beyond p.
func (p Point) after(tx *messages.Transaction) bool {
	switch {
	case p.Version != 0:
		return tx.GetVersion() > p.Version
	case !p.Time.IsZero():
		return tx.GetRecordedAt().AsTime().After(p.Time)
	}
	return false
}

// Counters count what replays meet; *metrics.Metrics is one.
type Counters interface {
	// SnapshotFailed counts a snapshot that did not load or verify.
	SnapshotFailed()
}

// History answers questions about a graph's past with read-only replays
// beside the live grain, never on it: each starts from the nearest earlier
// snapshot that verifies and folds only the graph's events after it. It is
// safe for concurrent use.
type History struct {
	Log store.Reader
	// Snapshots may be nil: replays then start from the beginning.
	Snapshots store.SnapshotStore
	Logger    *slog.Logger
	// Counters, if set, count what replays meet (metrics.Metrics).
	Counters Counters

	index indexCache
}

// indexCacheTTL is how long History reuses a graph's list of snapshots.
// A list that is a little old is still right: it may miss the newest
// snapshots (a replay then folds a few more events) or name pruned ones
// (their load fails, the list is dropped and an older snapshot is used).
const indexCacheTTL = 2 * time.Second

// indexCacheSize bounds the graphs whose lists are kept.
const indexCacheSize = 4096

// indexCache keeps recent snapshot lists, because listing a graph's index
// costs more than loading a snapshot once a graph has many of them.
type indexCache struct {
	mu sync.Mutex
	m  map[string]cachedIndex
}

type cachedIndex struct {
	listed time.Time
	snaps  []store.SnapshotInfo
}

func (c *indexCache) get(graphID string) ([]store.SnapshotInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[graphID]
	if !ok || time.Since(e.listed) > indexCacheTTL {
		return nil, false
	}
	return e.snaps, true
}

func (c *indexCache) put(graphID string, snaps []store.SnapshotInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= indexCacheSize {
		c.m = make(map[string]cachedIndex)
	}
	c.m[graphID] = cachedIndex{listed: time.Now(), snaps: snaps}
}

func (c *indexCache) drop(graphID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, graphID)
}

// list returns graphID's snapshots, from the cache when it is fresh.
func (h *History) list(ctx context.Context, graphID string) ([]store.SnapshotInfo, error) {
	if snaps, ok := h.index.get(graphID); ok {
		return snaps, nil
	}
	snaps, err := h.Snapshots.List(ctx, graphID)
	if err == nil {
		h.index.put(graphID, snaps)
	}
	return snaps, err
}

// At rebuilds graphID as it was at p. A point before the graph's first
// event, or a version it never reached, is graph.ErrNotFound; a time after
// its last event gives its latest state.
func (h *History) At(ctx context.Context, graphID string, p Point) (*graph.Graph, error) {
	g, _, err := h.at(ctx, graphID, p)
	return g, err
}

// at is At that also tells the recorded time of the state's last
// transaction.
func (h *History) at(ctx context.Context, graphID string, p Point) (*graph.Graph, time.Time, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, time.Time{}, err
	}
	g, from, err := h.Start(ctx, graphID, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	last := from.RecordedAt
	stop := func(tx *messages.Transaction) bool {
		if p.after(tx) {
			return true
		}
		last = tx.GetRecordedAt().AsTime()
		return false
	}
	// A snapshot of the very version asked for needs nothing from the log.
	if p.Version == 0 || g.Version() != p.Version {
		if _, err := FoldThroughGaps(ctx, h.Log, g, 0, stop, h.report(graphID), nil); err != nil {
			return nil, time.Time{}, err
		}
	}
	g, err = found(g, graphID, p)
	return g, last, err
}

func found(g *graph.Graph, graphID string, p Point) (*graph.Graph, error) {
	switch {
	case g.Version() == 0 && p.IsPresent():
		return nil, fmt.Errorf("%w: graph %s has no events", graph.ErrNotFound, graphID)
	case g.Version() == 0:
		return nil, fmt.Errorf("%w: graph %s has no events at or before %s", graph.ErrNotFound, graphID, p)
	case p.Version != 0 && g.Version() < p.Version:
		return nil, fmt.Errorf("%w: graph %s has no version %d; its latest is %d", graph.ErrNotFound, graphID, p.Version, g.Version())
	}
	return g, nil
}

// Start returns the state to fold from to reach p (the zero Point: the
// present), and the snapshot it was loaded from (the zero SnapshotInfo for
// an empty graph): the newest snapshot at or before p that loads and
// verifies, or an empty graph. A snapshot that fails is counted and
// logged, and the next older one is tried.
func (h *History) Start(ctx context.Context, graphID string, p Point) (*graph.Graph, store.SnapshotInfo, error) {
	if h.Snapshots == nil {
		return graph.New(graphID), store.SnapshotInfo{}, nil
	}
	snaps, err := h.list(ctx, graphID)
	if err != nil && !errors.Is(err, store.ErrCorrupt) {
		// Snapshots only bound reads; the log alone still answers.
		h.logger().Warn("snapshot index unreadable; replaying from the log", slog.String(keyGraph, graphID), slog.Any(keyError, err))
		return graph.New(graphID), store.SnapshotInfo{}, nil
	}
	for i := len(snaps) - 1; i >= 0; i-- {
		s := snaps[i]
		if (p.Version != 0 && s.Version > p.Version) || (!p.Time.IsZero() && s.RecordedAt.After(p.Time)) {
			continue
		}
		g, err := LoadSnapshot(ctx, h.Snapshots, s)
		if err == nil {
			return g, s, nil
		}
		if ctx.Err() != nil {
			return nil, store.SnapshotInfo{}, err
		}
		h.index.drop(graphID)
		if errors.Is(err, store.ErrNotFound) {
			continue // pruned since it was listed
		}
		if errors.Is(err, graph.ErrSnapshotFormat) {
			// Written by an earlier version: not damaged, only not ours
			// to read. The next snapshot taken replaces it.
			h.logger().Debug("snapshot of another format skipped", slog.String(keyGraph, graphID),
				slog.String(keyCID, s.CID), slog.Uint64(keyVersion, s.Version))
			continue
		}
		if h.Counters != nil {
			h.Counters.SnapshotFailed()
		}
		h.logger().Warn("snapshot not used; trying an older one", slog.String(keyGraph, graphID),
			slog.String(keyCID, s.CID), slog.Uint64(keyVersion, s.Version), slog.Any(keyError, err))
	}
	return graph.New(graphID), store.SnapshotInfo{}, nil
}

// LoadSnapshot loads, verifies and decodes one snapshot, and checks that
// it holds what its index entry says.
func LoadSnapshot(ctx context.Context, snaps store.SnapshotStore, s store.SnapshotInfo) (*graph.Graph, error) {
	data, err := snaps.Load(ctx, s)
	if err != nil {
		return nil, err
	}
	g, err := graph.Decode(data)
	if err != nil {
		return nil, fmt.Errorf("%w: snapshot %s: %w", store.ErrCorrupt, s.CID, err)
	}
	if g.ID() != s.GraphID || g.Version() != s.Version || g.Sequence() != s.Sequence {
		return nil, fmt.Errorf("%w: snapshot %s holds graph %s at version %d (sequence %d), its index entry says %s at %d (%d)",
			store.ErrCorrupt, s.CID, g.ID(), g.Version(), g.Sequence(), s.GraphID, s.Version, s.Sequence)
	}
	return g, nil
}

func (h *History) logger() *slog.Logger {
	if h.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return h.Logger
}

func (h *History) report(graphID string) func(*messages.Transaction, error) {
	return func(tx *messages.Transaction, err error) {
		h.logger().Debug("replay skipped a stored transaction", slog.String(keyGraph, graphID),
			slog.Uint64(keyVersion, tx.GetVersion()), slog.Any(keyError, err))
	}
}

// FrameEvery cuts a replay into frames: one per Events events, or one per
// Interval of recorded time (one of the two). MaxEvents, if set, bounds the
// events of one frame: a step of Interval that holds more is cut into
// frames of at most MaxEvents (whole transactions: a single transaction
// larger than that is a frame of its own), so a frame's memory does not
// grow with the history it covers.
type FrameEvery struct {
	Events    int
	Interval  time.Duration
	MaxEvents int
}

// Replay plays graphID's history from from (the beginning if zero) to to
// (the present if zero): it passes emit a keyframe with the state at from, then one frame per step
// with its events and what they changed. Frames hold whole transactions: a
// step of Events events closes with the transaction that reaches the
// count; a step of Interval closes at the first transaction recorded after
// it (steps with no transaction give no frame). Memory is bounded by one
// frame, so long ranges can stream; an error from emit stops the replay
// and is returned.
func (h *History) Replay(ctx context.Context, graphID string, from, to Point, every FrameEvery, emit func(*messages.Frame) error) error {
	if (every.Events <= 0) == (every.Interval <= 0) {
		return fmt.Errorf("%w: give either a number of events or an interval per frame, not both", graph.ErrInvalidArgument)
	}
	g, last, txs, err := h.window(ctx, graphID, from, to)
	if err != nil {
		return err
	}
	p := player{g: g, every: every, emit: emit}
	if err := emit(&messages.Frame{State: StateView(g), Version: g.Version(), At: timestamppb.New(last)}); err != nil {
		return err
	}
	for tx, err := range txs {
		if err != nil {
			return err
		}
		if err := p.play(tx); err != nil {
			return err
		}
	}
	return p.flush(nil)
}

// window starts a walk through graphID's history from from to to: the
// graph as it was at from (empty when from is the zero Point: the
// beginning), the recorded time of its last transaction, and the
// transactions after it up to to, in order, which the caller applies to
// the graph as they come. Undecodable messages are skipped (the live
// grain reports them).
func (h *History) window(ctx context.Context, graphID string, from, to Point) (*graph.Graph, time.Time, iter.Seq2[*messages.Transaction, error], error) {
	g, last := graph.New(graphID), time.Time{}
	if !from.IsPresent() {
		var err error
		if g, last, err = h.at(ctx, graphID, from); err != nil {
			return nil, time.Time{}, nil, err
		}
	} else if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, time.Time{}, nil, err
	}
	txs := func(yield func(*messages.Transaction, error) bool) {
		// The message of the state's last transaction may hold the next
		// ones too (group commit): read from it, and skip what the state
		// has.
		for tx, err := range h.Log.Read(ctx, graphID, max(g.Sequence(), 1)-1) {
			if err != nil {
				if errors.Is(err, store.ErrCorrupt) {
					continue
				}
				yield(nil, err)
				return
			}
			if tx.GetVersion() <= g.Version() {
				continue
			}
			if to.after(tx) || !yield(tx, nil) {
				return
			}
		}
	}
	return g, last, txs, nil
}

// player folds transactions into frames.
type player struct {
	g       *graph.Graph
	every   FrameEvery
	emit    func(*messages.Frame) error
	frame   *messages.Frame
	capture *graph.Capture
	stepEnd time.Time // Interval: when the open step ends
}

func (p *player) play(tx *messages.Transaction) error {
	at := tx.GetRecordedAt().AsTime()
	if p.every.Interval > 0 {
		if p.stepEnd.IsZero() {
			p.stepEnd = at.Truncate(p.every.Interval).Add(p.every.Interval)
		}
		if !at.Before(p.stepEnd) {
			if err := p.flush(timestamppb.New(p.stepEnd)); err != nil {
				return err
			}
			// The first step end after at, in one step: a loop over the
			// empty steps between two transactions would run once per
			// interval (a 1ns interval over an idle hour: 3.6e12 turns).
			p.stepEnd = at.Truncate(p.every.Interval).Add(p.every.Interval)
		}
	}
	if p.frame != nil && p.every.MaxEvents > 0 && len(p.frame.Events)+len(tx.GetEvents()) > p.every.MaxEvents {
		if err := p.flush(nil); err != nil {
			return err
		}
	}
	if p.frame == nil {
		p.frame, p.capture = &messages.Frame{}, graph.NewCapture()
	}
	p.capture.Add(p.g, tx.GetEvents())
	if err := ApplyCommitted(p.g, tx); err != nil && errors.Is(err, graph.ErrOutOfOrder) {
		return nil // a gap in the log itself; the live grain reports it
	}
	p.frame.Events = append(p.frame.Events, tx.GetEvents()...)
	p.frame.At = tx.GetRecordedAt()
	if p.every.Events > 0 && len(p.frame.Events) >= p.every.Events {
		return p.flush(nil)
	}
	return nil
}

// flush emits the open frame, if any; at, when set, overrides its time.
func (p *player) flush(at *timestamppb.Timestamp) error {
	if p.frame == nil {
		return nil
	}
	f := p.frame
	f.Version, f.Changes = p.g.Version(), p.g.ChangesSince(p.capture)
	if at != nil {
		f.At = at
	}
	p.frame, p.capture = nil, nil
	return p.emit(f)
}
