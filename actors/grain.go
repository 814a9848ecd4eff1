package actors

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/asynkron/protoactor-go/cluster"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// GrainKind is the cluster kind of graph grains.
const GrainKind = "graph"

// maxAppendAttempts bounds how often a submit without expected_version
// catches up and retries after losing a race for the log.
const maxAppendAttempts = 3

// GrainConfig is what every graph grain of a member shares.
type GrainConfig struct {
	Log     store.EventLog
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// IdleTimeout passivates a grain that received nothing for so long;
	// zero keeps grains active until the member stops. With a Registry,
	// its RunIdleSweeps does it, which the member runs.
	IdleTimeout time.Duration
	// IOTimeout bounds each call to the log. An activation's read of its
	// log is bounded by progress instead: it fails only when IOTimeout
	// passes without a transaction read, so a long history still
	// activates.
	IOTimeout time.Duration
	// Activations, if set, bounds the grains of the member that read
	// their log to activate at once; the others wait for a slot.
	Activations Slots
	// Snapshots stores snapshots; nil: grains always fold from the start
	// of their log and take none.
	Snapshots store.SnapshotStore
	// Snapshot says when grains take snapshots.
	Snapshot SnapshotPolicy
	// MaxActive, if positive, is how many grains the member keeps active
	// at most: past it the least recently used passivate. It sizes the
	// Registry the member makes when Registry is nil.
	MaxActive int
	// Registry, if set, learns of every grain activated, used and
	// stopped, and keeps the member within its limit of active graphs.
	Registry *Registry
	// Marks, if set, learns how far each live grain has read its log, for
	// the ingress of the same member.
	Marks *ReadMarks
	// Algorithms bound the algorithms queries run on the grain's state.
	Algorithms replay.Bounds
	// Directory, if set, tells an activating grain whether its graph has
	// transactions: a graph it surely does not list (a new one) has no
	// snapshot to look up.
	Directory interface {
		Known(graphID string) (listed, loaded bool)
	}
}

// NewGrainProps returns the props of the graph kind.
func NewGrainProps(cfg GrainConfig) *actor.Props {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.IOTimeout <= 0 {
		cfg.IOTimeout = 10 * time.Second
	}
	shared := &cfg
	return actor.PropsFromProducer(func() actor.Actor { return &grain{cfg: shared} },
		actor.WithDispatcher(grainDispatcher), actor.WithMailbox(answeringMailbox()))
}

// grainDispatcher runs the mailboxes of every grain of the process.
var grainDispatcher = newWarmDispatcher(300)

// grain owns one graph's state, a cache of the log. It decides with graph,
// appends with store and applies only what the log accepted. Two
// activations of one graph may exist for a moment (placement during
// topology changes); optimistic concurrency on append keeps their histories
// one.
type grain struct {
	cfg  *GrainConfig // shared by every grain of the member
	id   string
	self *actor.PID
	g    *graph.Graph
	// logSeq is the stream sequence of the last message of this graph the
	// grain has read: g.Sequence(), or later if undecodable messages
	// followed. Reads resume after it and appends expect it.
	logSeq uint64
	// failed holds why activation failed; the grain then answers every
	// request with it and stops, so the next request activates afresh.
	failed error
	snap   snapshotState
	// lru is the grain's place in the member's Registry.
	lru *lruEntry
	// queue holds submits waiting for their group commit (groupcommit.go);
	// flushScheduled: a flush message is in the mailbox behind them.
	queue          []queuedSubmit
	flushScheduled bool
}

func (a *grain) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *cluster.ClusterInit:
		a.activate(ctx, m.Identity.GetIdentity())
	case *messages.Submit:
		if a.unavailable(ctx) {
			return
		}
		a.cfg.Registry.touch(a.lru)
		a.enqueue(ctx, m.GetTransaction())
	case flushSubmits:
		a.flush(ctx)
		a.markRead(ctx)
		a.maybeSnapshot(ctx)
	case *messages.Deliver:
		if a.unavailable(ctx) {
			return
		}
		a.cfg.Registry.touch(a.lru)
		ctx.Respond(a.deliver(m.GetTransaction()))
		a.markRead(ctx)
		a.maybeSnapshot(ctx)
	case *messages.Query:
		if a.unavailable(ctx) {
			return
		}
		a.cfg.Registry.touch(a.lru)
		ctx.Respond(a.query(ctx, m))
		if a.g.Version() == 0 && len(a.queue) == 0 {
			// A read of a graph that has no events: nothing to keep,
			// so the grain leaves at once instead of holding memory
			// until its idle timeout (docs/ARCHITECTURE.md, "Every
			// request is bounded").
			ctx.Stop(ctx.Self())
		}
	case *messages.TakeSnapshot:
		if a.unavailable(ctx) {
			return
		}
		a.flush(ctx)
		ctx.Respond(a.takeSnapshot())
	case snapshotSaved:
		a.snapshotSaved(m)
	case *messages.Passivate:
		a.flush(ctx)
		a.passivate(0)
		ctx.Respond(&messages.PassivateReply{})
		ctx.Stop(ctx.Self())
	case *actor.ReceiveTimeout: // only without a Registry
		a.debugLog("passivating idle graph")
		a.flush(ctx)
		a.passivate(a.cfg.Snapshot.PassivationEvents)
		ctx.Stop(ctx.Self())
	case evict:
		if m.idle {
			a.debugLog("passivating idle graph")
		} else {
			a.debugLog("passivating the least recently used graph: the member is at its limit of active graphs")
		}
		if a.failed == nil && a.g != nil {
			a.flush(ctx)
			a.passivate(a.cfg.Snapshot.PassivationEvents)
		}
		ctx.Stop(ctx.Self())
	case *actor.Stopping:
		// Stopped from outside (the graph moved to another member): what
		// is queued is committed and answered, not dropped.
		if a.failed == nil && a.g != nil {
			a.flush(ctx)
		}
	case *actor.Stopped:
		a.cfg.Registry.remove(a.lru)
		a.cfg.Marks.drop(a.id, ctx.Self())
		if a.g != nil && a.failed == nil {
			a.cfg.Metrics.Passivated()
		}
	}
}

// passivate snapshots what changed since the last snapshot, if at least
// minEvents did (and any change for 0), so the next activation reads only
// what comes after.
func (a *grain) passivate(minEvents int) {
	if a.failed != nil || a.g == nil || a.cfg.Snapshots == nil || a.g.Version() <= a.snap.lastSaved {
		return
	}
	if a.snap.unsaved < minEvents {
		return
	}
	if _, err := a.snapshotNow(); err != nil {
		a.logger().Warn("no snapshot on passivation", slog.Any(keyError, err))
	}
}

func (a *grain) activate(ctx actor.Context, id string) {
	start := time.Now()
	a.id, a.self = id, ctx.Self()
	if a.cfg.IdleTimeout > 0 && a.cfg.Registry == nil {
		// A member's Registry sweeps idle grains; a grain without one
		// keeps a timer of its own.
		ctx.SetReceiveTimeout(a.cfg.IdleTimeout)
	}
	if err := graph.ValidateGraphID(id); err != nil {
		a.failed = err
		return
	}
	a.lru = a.cfg.Registry.add(ctx, ctx.Self())
	release := a.cfg.Activations.take()
	defer release()
	ioctx, progress, cancel := a.readContext(start)
	defer cancel()
	// The newest snapshot that verifies, then only the events after it.
	h := replay.History{Log: a.cfg.Log, Snapshots: a.cfg.Snapshots, Logger: a.cfg.Logger, Counters: a.cfg.Metrics}
	if a.cfg.Directory != nil {
		if listed, loaded := a.cfg.Directory.Known(id); loaded && !listed {
			h.Snapshots = nil // a new graph: no snapshot to look up
		}
	}
	g, from, err := h.Start(ioctx, id, replay.Point{})
	if err != nil {
		a.failed = fmt.Errorf("activating graph %s: loading its snapshot: %w", id, err)
		a.logger().Error("activation failed", slog.Any(keyError, err))
		return
	}
	a.g = g
	a.snap = snapshotState{taken: start, lastSaved: g.Version(), events: from.Events,
		timed: timedUpTo{seq: from.Sequence, at: from.RecordedAt}}
	progress(0)
	res, err := a.foldLog(ioctx, progress)
	a.cfg.Metrics.ActivationRead(res.Events)
	if err != nil {
		a.failed = fmt.Errorf("activating graph %s: reading its log: %w", id, err)
		a.logger().Error("activation failed", slog.Any(keyError, err))
		return
	}
	a.changed(res.Events)
	a.markRead(ctx)
	a.cfg.Metrics.Activated(time.Since(start))
	if took := time.Since(start); took > slowActivation {
		a.logger().Warn("slow activation", slog.Uint64(keyVersion, a.g.Version()), slog.Int(keyEvents, res.Events), slog.Duration(keyDuration, took))
	}
	a.debugLog("activated", slog.Uint64(keyVersion, a.g.Version()), slog.Uint64("snapshot_version", a.snap.lastSaved),
		slog.Int(keyEvents, res.Events), slog.Int("rejected", res.Rejected), slog.Duration(keyDuration, time.Since(start)))
}

// unavailable answers for a grain whose activation failed, and stops it.
func (a *grain) unavailable(ctx actor.Context) bool {
	if a.failed == nil {
		return false
	}
	e := replay.ErrorToReply(a.failed)
	switch ctx.Message().(type) {
	case *messages.Submit:
		ctx.Respond(&messages.SubmitReply{Error: e})
	case *messages.Deliver:
		ctx.Respond(&messages.DeliverReply{Error: e})
	case *messages.Query:
		ctx.Respond(&messages.QueryReply{Error: e})
	}
	ctx.Stop(ctx.Self())
	return true
}

func (a *grain) ioContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), a.cfg.IOTimeout)
}

// Reads of the log that take long.
const (
	// slowActivation: an activation that takes longer is logged.
	slowActivation = time.Second
	// readReport is how often a long read of the log logs how far it is.
	readReport = 5 * time.Second
)

// readContext is the context of a read of the graph's log (activation,
// catch-up): it ends when IOTimeout passes without progress, which the
// read reports with the events of each transaction it reads, so a long
// history is read whole however long it takes. A long read logs how far
// it is every readReport.
func (a *grain) readContext(start time.Time) (ctx context.Context, progress func(events int), cancel context.CancelFunc) {
	ctx, cancelCause := context.WithCancelCause(context.Background())
	stalled := time.AfterFunc(a.cfg.IOTimeout, func() {
		cancelCause(fmt.Errorf("%w: no progress reading the log for %s", context.DeadlineExceeded, a.cfg.IOTimeout))
	})
	var read int
	lastReport := start
	progress = func(events int) {
		stalled.Reset(a.cfg.IOTimeout)
		read += events
		if now := time.Now(); now.Sub(lastReport) >= readReport {
			lastReport = now
			a.logger().Info("still reading the graph's log", slog.Int(keyEvents, read), slog.Duration(keyDuration, now.Sub(start)))
		}
	}
	return ctx, progress, func() { stalled.Stop(); cancelCause(nil) }
}

// Slots bounds how many run at once; the nil Slots bounds nothing.
type Slots chan struct{}

// NewSlots returns Slots for n at once.
func NewSlots(n int) Slots { return make(Slots, n) }

// take waits for a slot and returns the function that gives it back.
func (s Slots) take() (release func()) {
	if s == nil {
		return func() {}
	}
	s <- struct{}{}
	return func() { <-s }
}

func (a *grain) reportIssue(tx *messages.Transaction, err error) {
	var rejected *graph.RejectedError
	switch {
	case errors.As(err, &rejected):
		a.cfg.Metrics.Rejected("log")
		a.logger().Warn("stored transaction rejected by graph rules; it keeps its version and changes nothing",
			slog.String(keyTransaction, tx.GetTransactionId()), slog.Uint64(keyVersion, tx.GetVersion()), slog.Any(keyError, err))
	case tx == nil:
		a.logger().Error("undecodable event in the log skipped", slog.Any(keyError, err))
	default:
		a.logger().Error("stored transaction skipped", slog.String(keyTransaction, tx.GetTransactionId()),
			slog.Uint64(keyVersion, tx.GetVersion()), slog.Any(keyError, err))
	}
}

// catchUp applies what the log has beyond the grain's state.
func (a *grain) catchUp() error {
	_, err := a.catchUpWith()
	return err
}

func (a *grain) catchUpWith() (replay.FoldResult, error) {
	ioctx, progress, cancel := a.readContext(time.Now())
	defer cancel()
	res, err := a.foldLog(ioctx, progress)
	a.changed(res.Events)
	return res, err
}

// foldLog applies what the log holds after the grain's head, and moves the
// head (logSeq) to the last message read. It reads again when a read
// shows a gap (see replay.FoldThroughGaps): taking a stale read's gap as the head
// would let the next append state the log's last sequence with a version
// the log already holds, a fork.
// foldLog brings the graph up to date with its log; progress, if set, is
// told the events of each transaction read.
func (a *grain) foldLog(ctx context.Context, progress func(events int)) (replay.FoldResult, error) {
	read := func(tx *messages.Transaction) bool {
		a.snap.timed.add(tx.GetSequence(), tx.GetRecordedAt().AsTime())
		if progress != nil {
			progress(len(tx.GetEvents()))
		}
		return false
	}
	res, err := replay.FoldThroughGaps(ctx, a.cfg.Log, a.g, a.logSeq, read, a.reportIssue, func(attempt int) {
		a.logger().Warn("the log read shows a gap in the graph's versions; reading it again",
			slog.Uint64(keyVersion, a.g.Version()), slog.Int("attempt", attempt))
	})
	a.logSeq = max(a.logSeq, a.g.Sequence(), res.LastSequence)
	if err != nil && ctx.Err() != nil {
		err = context.Cause(ctx) // "no progress for …", a deadline
	}
	return res, err
}

// debug reports whether the grain logs debug lines: the attributes of a
// committed transaction's line cost more than its append's bookkeeping.
func (a *grain) debug() bool { return a.cfg.Logger.Enabled(context.Background(), slog.LevelDebug) }

// logger is the member's logger with the graph's ID. A grain keeps no
// logger of its own: that would cost every active graph a handler clone,
// and most never log.
func (a *grain) logger() *slog.Logger { return a.cfg.Logger.With(slog.String(keyGraph, a.id)) }

// debugLog logs a debug line, if debug lines are on.
func (a *grain) debugLog(msg string, args ...any) {
	if a.debug() {
		a.logger().Debug(msg, args...)
	}
}

// markRead tells the member's ingress how far the grain has read its log.
func (a *grain) markRead(ctx actor.Context) {
	if a.g != nil && a.failed == nil {
		a.cfg.Marks.set(a.id, a.self, a.head().Sequence)
	}
}

func (a *grain) head() store.Head {
	return store.Head{Version: a.g.Version(), Sequence: max(a.logSeq, a.g.Sequence())}
}

// submit commits one transaction alone, with the catch-ups and retries
// that judge it on the log's state; start is when it arrived.
func (a *grain) submit(tx *messages.Transaction, start time.Time) *messages.SubmitReply {
	if c, ok := a.g.Remembered(tx.GetTransactionId()); ok {
		return resubmitted(tx, c)
	}
	head, err := a.append(tx)
	if errors.Is(err, errCommitted) {
		c, _ := a.g.Remembered(tx.GetTransactionId())
		return resubmitted(tx, c)
	}
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			a.cfg.Metrics.Conflict()
		} else if errors.Is(err, graph.ErrRejected) {
			a.cfg.Metrics.Rejected("submit")
		}
		a.debugLog("submit refused", txAttrs(tx, slog.Any(keyError, err))...)
		return &messages.SubmitReply{Error: replay.ErrorToReply(err)}
	}
	a.changed(len(tx.GetEvents()))
	if a.debug() {
		a.debugLog("transaction committed", txAttrs(tx, slog.Uint64(keyVersion, head.Version), slog.Int(keyEvents, len(tx.GetEvents())))...)
	}
	a.cfg.Metrics.Appended(len(tx.GetEvents()))
	a.cfg.Metrics.Applied()
	a.cfg.Metrics.ObserveSubmit(time.Since(start))
	return &messages.SubmitReply{Version: head.Version, Sequence: head.Sequence, Events: uint32(len(tx.GetEvents()))}
}

// txAttrs are the log attributes of a transaction: its ID and the
// correlation ID its events carry (the API's request ID when the client
// sent none), so a grain's lines join the request's.
func txAttrs(tx *messages.Transaction, more ...any) []any {
	attrs := []any{slog.String(keyTransaction, tx.GetTransactionId())}
	if evs := tx.GetEvents(); len(evs) > 0 {
		if c := evs[0].GetMetadata().GetCorrelationId(); c != "" {
			attrs = append(attrs, slog.String(keyCorrelation, c))
		}
	}
	return append(attrs, more...)
}

// errCommitted: the submitted transaction's ID is one the graph committed
// already; the submit is answered as it was the first time.
var errCommitted = errors.New("transaction committed already")

// resubmitted answers a transaction whose ID the graph remembers
// (docs/ARCHITECTURE.md,
// "Retries are safe forever"): with its first answer if it carries the same events, and
// with ErrDuplicateTransactionID if the ID is reused for other events,
// never by applying it again.
func resubmitted(tx *messages.Transaction, c graph.Committed) *messages.SubmitReply {
	if !bytes.Equal(c.Digest, graph.Digest(tx.GetEvents())) {
		err := fmt.Errorf("%w: transaction ID %q was committed at version %d with other events; give a new transaction a new ID",
			store.ErrDuplicateTransactionID, tx.GetTransactionId(), c.Version)
		return &messages.SubmitReply{Error: replay.ErrorToReply(err)}
	}
	return &messages.SubmitReply{Version: c.Version, Sequence: c.Sequence, Events: c.Events}
}

// catchUpFor catches up with the log and reports errCommitted if that
// showed tx committed already (by an earlier attempt whose answer was
// lost).
func (a *grain) catchUpFor(tx *messages.Transaction) error {
	if err := a.catchUp(); err != nil {
		return err
	}
	if _, ok := a.g.Remembered(tx.GetTransactionId()); ok {
		return errCommitted
	}
	return nil
}

// append validates tx against the state, appends it after the grain's head
// and applies it once the log has acked. It returns the new head.
func (a *grain) append(tx *messages.Transaction) (store.Head, error) {
	if err := a.checkShape(tx); err != nil {
		return store.Head{}, err
	}
	judged := false // whether a rejection was judged again on the log's state
	for attempt := 1; ; attempt++ {
		if tx.ExpectedVersion != nil && tx.GetExpectedVersion() != a.g.Version() {
			// The grain may be behind the log (a write through the log
			// path, another activation): only the log can call it a
			// conflict.
			if err := a.catchUpFor(tx); err != nil {
				return store.Head{}, err
			}
			if tx.GetExpectedVersion() != a.g.Version() {
				return store.Head{}, fmt.Errorf("%w: expected version %d, graph %s is at version %d",
					store.ErrConflict, tx.GetExpectedVersion(), a.id, a.g.Version())
			}
		}
		plan, err := a.g.Prepare(tx.GetEvents())
		if errors.Is(err, graph.ErrRejected) && !judged {
			// The rules judged the grain's state, which may be behind the
			// log like above: only the log's state may refuse.
			judged = true
			before := a.g.Version()
			if err := a.catchUpFor(tx); err != nil {
				return store.Head{}, err
			}
			if a.g.Version() != before {
				attempt-- // not an append attempt
				continue
			}
		}
		if err != nil {
			return store.Head{}, err
		}
		ioctx, cancel := a.ioContext()
		a.cfg.Marks.writing(a.id, a.self, true)
		head, err := a.cfg.Log.Append(ioctx, tx, a.head())
		a.cfg.Marks.writing(a.id, a.self, false)
		cancel()
		if errors.Is(err, store.ErrConflict) && attempt < maxAppendAttempts {
			a.cfg.Metrics.Conflict()
			if err := a.catchUpFor(tx); err != nil {
				return store.Head{}, err
			}
			continue
		}
		if errors.Is(err, store.ErrConflict) && tx.ExpectedVersion == nil {
			// The client stated no version, so a conflict is not its to
			// resolve: the graph is changing hands (two activations for a
			// moment) or its reads of the log lag. Nothing was applied.
			a.cfg.Metrics.Conflict()
			return store.Head{}, fmt.Errorf("%w: graph %s: %d appends in a row lost a race for the log (the graph is moving between members, or the log is catching up); nothing was applied; retry",
				store.ErrUnavailable, a.id, maxAppendAttempts)
		}
		if errors.Is(err, store.ErrDuplicate) {
			// The log has this ID (an earlier attempt whose answer was
			// lost): its answer is in the log, not in a new append.
			if err := a.catchUpFor(tx); err != nil {
				return store.Head{}, err
			}
			return store.Head{}, fmt.Errorf("%w: the log holds transaction %q of graph %s, but reading the graph did not find it yet; retry",
				store.ErrUnavailable, tx.GetTransactionId(), a.id)
		}
		if err != nil {
			return store.Head{}, err
		}
		tx.Version, tx.Sequence = head.Version, head.Sequence
		a.logSeq = head.Sequence
		a.cfg.Marks.set(a.id, a.self, head.Sequence)
		if err := a.g.Commit(plan, tx); err != nil {
			// Prepare passed on this very state, so this is a bug; the log
			// stays the truth: rebuild from it rather than serve a guess.
			a.logger().Error("appended transaction did not apply; rebuilding from the log", txAttrs(tx, slog.Any(keyError, err))...)
			a.g, a.logSeq, a.snap.events = graph.New(a.id), 0, 0
			if err := a.catchUp(); err != nil {
				return store.Head{}, err
			}
		}
		return head, nil
	}
}

func (a *grain) checkShape(tx *messages.Transaction) error {
	if tx == nil {
		return fmt.Errorf("%w: no transaction", graph.ErrInvalidTransaction)
	}
	if tx.GetGraphId() != a.id {
		return fmt.Errorf("%w: transaction for graph %q sent to graph %q", graph.ErrInvalidTransaction, tx.GetGraphId(), a.id)
	}
	return graph.CheckForkedFrom(tx)
}

// deliver handles the ingress's notice that the log holds a transaction
// of the graph at stream sequence tx.Sequence. A sequence at or below what
// the grain has read is a duplicate, whatever else the notice says
// (docs/ARCHITECTURE.md, "Versions"); otherwise the grain reads its log
// from where it
// stands, so it applies what it missed in order and whole, gaps repaired.
func (a *grain) deliver(tx *messages.Transaction) *messages.DeliverReply {
	if tx.GetGraphId() != a.id {
		err := fmt.Errorf("%w: transaction for graph %q delivered to graph %q", graph.ErrInvalidTransaction, tx.GetGraphId(), a.id)
		return &messages.DeliverReply{Error: replay.ErrorToReply(err), Version: a.g.Version()}
	}
	seq := tx.GetSequence()
	if seq != 0 && seq <= a.head().Sequence {
		return &messages.DeliverReply{Version: a.g.Version()}
	}
	res, err := a.catchUpWith()
	if err != nil {
		return &messages.DeliverReply{Error: replay.ErrorToReply(err), Version: a.g.Version()}
	}
	if seq > a.head().Sequence {
		// A replica still catching up answered the read: the ingress
		// delivers the notice again later.
		err := fmt.Errorf("%w: graph %s read its log to sequence %d, the delivered transaction is at %d",
			store.ErrUnavailable, a.id, a.head().Sequence, seq)
		return &messages.DeliverReply{Error: replay.ErrorToReply(err), Version: a.g.Version()}
	}
	applied := res.Applied + res.Rejected
	for range applied {
		a.cfg.Metrics.Delivered()
		a.cfg.Metrics.Applied()
	}
	return &messages.DeliverReply{Version: a.g.Version(), Applied: applied > 0, Rejected: res.Rejected > 0}
}
