package actors

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// SnapshotPolicy says when a grain stores a snapshot of its graph. Any
// change is snapshotted when asked (TakeSnapshot) and when the member
// stops; a grain passivated because it was idle or the member is at its
// limit of active graphs snapshots when PassivationEvents changed.
type SnapshotPolicy struct {
	// Every snapshots after this many events since the last snapshot;
	// 0: never for that reason.
	Every int
	// EveryPerElement makes a graph of n nodes and edges wait for at
	// least EveryPerElement*n events as well. A snapshot costs time in
	// proportion to the graph's size, and the grain encodes it between
	// messages: without this, a large graph written in big transactions
	// would spend most of its time encoding snapshots. The events an
	// activation replays stay bounded by max(Every, EveryPerElement*n).
	EveryPerElement float64
	// Interval snapshots a graph that changed this long after its last
	// snapshot (or activation); 0: never for that reason.
	Interval time.Duration
	// Retention prunes a graph's snapshots after each one stored.
	Retention store.Retention
	// PassivationEvents is how many events since its last snapshot make
	// an idle or evicted grain snapshot as it leaves; 0: any change.
	// Fewer events are read again from the log in about one batched
	// read, which costs less than storing a snapshot and later looking it
	// up and loading it.
	PassivationEvents int
}

// every is how many events a graph waits for between snapshots, when
// Every is set.
func (p SnapshotPolicy) every(g *graph.Graph) int {
	return max(p.Every, int(p.EveryPerElement*float64(g.NodeCount()+g.EdgeCount())))
}

// snapshotSaved reports a snapshot stored in the background.
type snapshotSaved struct {
	info store.SnapshotInfo
	err  error
}

// snapshotState is what a grain tracks of its snapshots.
type snapshotState struct {
	taken     time.Time // when the last one was taken (or the grain activated)
	unsaved   int       // events applied since
	inFlight  bool      // a background save is running
	lastSaved uint64    // version of the newest snapshot stored
	// events counts the events of the graph's history the grain holds
	// (store.SnapshotInfo.Events): retention spaces snapshots by it.
	events uint64
	// timed is how far the grain knows its history's latest recorded
	// time: its own appends are not told their times, so a snapshot
	// reads them from the log (latestRecorded).
	timed timedUpTo
}

// timedUpTo is the latest recorded time (at) of a graph's transactions up
// to stream sequence seq.
type timedUpTo struct {
	seq uint64
	at  time.Time
}

// add takes in a transaction read from the log.
func (t *timedUpTo) add(seq uint64, at time.Time) {
	t.seq = max(t.seq, seq)
	if at.After(t.at) {
		t.at = at
	}
}

func (a *grain) changed(events int) {
	a.snap.unsaved += events
	a.snap.events += uint64(events)
}

// maybeSnapshot starts a background snapshot if the policy says one is due.
// The state is encoded here, on the grain's goroutine (it owns the state);
// storing and pruning run beside it, so the grain keeps serving.
func (a *grain) maybeSnapshot(ctx actor.Context) {
	p := a.cfg.Snapshot
	if a.cfg.Snapshots == nil || a.snap.inFlight || a.snap.unsaved == 0 || a.g.Version() == 0 {
		return
	}
	due := (p.Every > 0 && a.snap.unsaved >= p.every(a.g)) || (p.Interval > 0 && time.Since(a.snap.taken) >= p.Interval)
	if !due {
		return
	}
	start := time.Now()
	data, err := a.g.Encode()
	if err != nil {
		a.snapshotFailed(err)
		return
	}
	info := store.SnapshotInfo{GraphID: a.id, Version: a.g.Version(), Sequence: a.g.Sequence(), Events: a.snap.events}
	a.snap.inFlight, a.snap.taken, a.snap.unsaved = true, start, 0
	root, self, timed := ctx.ActorSystem().Root, ctx.Self(), a.snap.timed
	go func() {
		ioctx, cancel := a.ioContext()
		defer cancel()
		saved, err := a.store(ioctx, info, timed, data, start)
		root.Send(self, snapshotSaved{info: saved, err: err})
	}()
}

// snapshotNow stores a snapshot of the current state before answering: on
// request, on passivation.
func (a *grain) snapshotNow() (store.SnapshotInfo, error) {
	if a.cfg.Snapshots == nil {
		return store.SnapshotInfo{}, fmt.Errorf("%w: this member keeps no snapshots", store.ErrUnavailable)
	}
	if a.g.Version() == 0 {
		return store.SnapshotInfo{}, fmt.Errorf("%w: graph %s has no events to snapshot", graph.ErrNotFound, a.id)
	}
	start := time.Now()
	data, err := a.g.Encode()
	if err != nil {
		return store.SnapshotInfo{}, err
	}
	ioctx, cancel := a.ioContext()
	defer cancel()
	info, err := a.store(ioctx, store.SnapshotInfo{GraphID: a.id, Version: a.g.Version(), Sequence: a.g.Sequence(), Events: a.snap.events}, a.snap.timed, data, start)
	if err != nil {
		a.snapshotFailed(err)
		return store.SnapshotInfo{}, err
	}
	a.snap.timed.add(info.Sequence, info.RecordedAt)
	a.snap.taken, a.snap.unsaved, a.snap.lastSaved = start, 0, max(a.snap.lastSaved, info.Version)
	return info, nil
}

// store saves one snapshot and prunes the graph's older ones. It touches
// no grain state, so it may run off the grain's goroutine.
func (a *grain) store(ctx context.Context, info store.SnapshotInfo, timed timedUpTo, data []byte, start time.Time) (store.SnapshotInfo, error) {
	at, err := latestRecorded(ctx, a.cfg.Log, a.id, timed, info.Sequence)
	if err != nil {
		return info, fmt.Errorf("snapshot of graph %s at version %d: reading when its transactions were recorded: %w", a.id, info.Version, err)
	}
	info.RecordedAt = at
	saved, err := a.cfg.Snapshots.Save(ctx, info, data)
	if err != nil {
		return saved, err
	}
	a.cfg.Metrics.SnapshotStored(saved.Size, time.Since(start))
	a.debugLog("snapshot stored", slog.String(keyCID, saved.CID), slog.Uint64(keyVersion, saved.Version),
		slog.Int64("bytes", saved.Size), slog.Duration(keyDuration, time.Since(start)))
	if err := prune(ctx, a.cfg.Snapshots, a.id, a.cfg.Snapshot.Retention); err != nil {
		a.logger().Warn("pruning old snapshots failed; they stay until the next snapshot", slog.Any(keyError, err))
	}
	return saved, nil
}

func (a *grain) snapshotSaved(m snapshotSaved) {
	a.snap.inFlight = false
	if m.err != nil {
		a.snapshotFailed(m.err)
		return
	}
	a.snap.lastSaved = max(a.snap.lastSaved, m.info.Version)
	a.snap.timed.add(m.info.Sequence, m.info.RecordedAt)
}

func (a *grain) snapshotFailed(err error) {
	a.cfg.Metrics.SnapshotFailed()
	a.logger().Warn("snapshot not stored; the log still holds everything", slog.Any(keyError, err))
}

// takeSnapshot answers TakeSnapshot.
func (a *grain) takeSnapshot() *messages.TakeSnapshotReply {
	info, err := a.snapshotNow()
	if err != nil {
		return &messages.TakeSnapshotReply{Error: replay.ErrorToReply(err)}
	}
	return &messages.TakeSnapshotReply{Snapshot: SnapshotRef(info)}
}

// SnapshotRef is the message form of a snapshot's info.
func SnapshotRef(info store.SnapshotInfo) *messages.SnapshotRef {
	ref := &messages.SnapshotRef{Cid: info.CID, Version: info.Version, Sequence: info.Sequence, Size: info.Size}
	if !info.RecordedAt.IsZero() {
		ref.RecordedAt = timestamppb.New(info.RecordedAt)
	}
	return ref
}

// latestRecorded is the latest recorded time of graphID's transactions up
// to stream sequence seq, knowing it up to timed: a snapshot's time
// (store.SnapshotInfo.RecordedAt). It is the latest, not the last one's:
// recorded times can go backwards (a stream's leader moved to a server
// whose clock is behind), and an as-of read of a time must never start
// from a snapshot holding a transaction recorded after it
// (docs/ARCHITECTURE.md, "Time travel").
func latestRecorded(ctx context.Context, log store.Reader, graphID string, timed timedUpTo, seq uint64) (time.Time, error) {
	if seq <= timed.seq {
		return timed.at, nil
	}
	// The message at timed.seq may hold the next transactions too (a
	// group commit): read from it.
	for tx, err := range log.Read(ctx, graphID, max(timed.seq, 1)-1) {
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) {
				continue
			}
			return time.Time{}, err
		}
		if tx.GetSequence() > seq {
			break
		}
		timed.add(tx.GetSequence(), tx.GetRecordedAt().AsTime())
	}
	if timed.seq < seq {
		return time.Time{}, fmt.Errorf("%w: the log ends at sequence %d, before the snapshot's %d", store.ErrUnavailable, timed.seq, seq)
	}
	return timed.at, nil
}

// prune deletes the snapshots retention no longer keeps.
func prune(ctx context.Context, snaps store.SnapshotStore, graphID string, r store.Retention) error {
	if r == (store.Retention{}) {
		return nil
	}
	list, err := snaps.List(ctx, graphID)
	if err != nil {
		return err
	}
	for _, s := range r.Prunable(list) {
		if err := snaps.Delete(ctx, s); err != nil {
			return err
		}
	}
	return nil
}
