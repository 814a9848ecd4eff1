package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Moment names a point of a graph's history: a version, or a recorded time
// (when JetStream stored the events). The zero Moment is the present (for
// a replay's start: the beginning).
type Moment struct {
	Version uint64
	Time    time.Time
}

func (m Moment) isZero() bool { return m.Version == 0 && m.Time.IsZero() }

// Every cuts a replay into frames: one per Events events or one per
// Interval of recorded time. MaxEvents bounds a frame's events: a step of
// Interval with more is cut into several frames.
type Every struct {
	Events    int
	Interval  time.Duration
	MaxEvents int
}

// History answers questions about graphs' pasts: read-only replays beside
// the live grains. Errors wrap the same sentinels as Graphs'.
type History interface {
	// Query answers q on graphID as it was at m (never the zero Moment).
	Query(ctx context.Context, graphID string, m Moment, q *messages.Query) (*messages.QueryReply, error)
	// Diff returns what changed between from and to, and the versions the
	// two moments resolved to.
	Diff(ctx context.Context, graphID string, from, to Moment) (d *messages.GraphDiff, fromVersion, toVersion uint64, err error)
	// Replay emits a keyframe, then one frame per step, from from to to.
	Replay(ctx context.Context, graphID string, from, to Moment, every Every, emit func(*messages.Frame) error) error
}

// SnapshotLister lists a graph's stored snapshots.
type SnapshotLister interface {
	List(ctx context.Context, graphID string) ([]store.SnapshotInfo, error)
}

// parseMoment reads a moment written as a version (a whole number) or an
// RFC 3339 time.
func parseMoment(name, v string) (Moment, error) {
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n == 0 {
			return Moment{}, fmt.Errorf("%w: %s is 0; versions start at 1", ErrInvalidRequest, name)
		}
		return Moment{Version: n}, nil
	}
	t, err := parseTime(v)
	if err != nil {
		return Moment{}, fmt.Errorf("%w: %s is %q; use a version (1, 2, …) or an RFC 3339 time such as 2026-01-02T15:04:05Z",
			ErrInvalidRequest, name, clip(v))
	}
	return Moment{Time: pastTime(t)}, nil
}

// rfc3339 is RFC 3339's date-time (section 5.6) with an upper-case T
// and Z, which time.Parse reads loosely: it takes a one-digit hour, or an
// offset of +24:60, and reads them as something else.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`)

// parseTime reads an RFC 3339 time strictly.
func parseTime(v string) (time.Time, error) {
	if !rfc3339.MatchString(v) {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time", clip(v))
	}
	return time.Parse(time.RFC3339Nano, v)
}

// pastTime keeps a time the client gave from reading as the present: the
// zero time (0001-01-01T00:00:00Z) is what Moment means by "now", so it
// becomes the next instant, which still comes before every event.
func pastTime(t time.Time) time.Time {
	if t.IsZero() {
		return t.Add(time.Nanosecond)
	}
	return t
}

// asOf reads the as_of (a time) and version parameters of a read; the
// zero Moment means the present.
func asOf(r *http.Request) (Moment, error) {
	q := r.URL.Query()
	at, ver := q.Get("as_of"), q.Get("version")
	switch {
	case at != "" && ver != "":
		return Moment{}, fmt.Errorf("%w: give as_of or version, not both", ErrInvalidRequest)
	case at != "":
		t, err := parseTime(at)
		if err != nil {
			return Moment{}, fmt.Errorf("%w: as_of is %q; use an RFC 3339 time such as 2026-01-02T15:04:05Z", ErrInvalidRequest, clip(at))
		}
		return Moment{Time: pastTime(t)}, nil
	case ver != "":
		n, err := strconv.ParseUint(ver, 10, 64)
		if err != nil || n == 0 {
			return Moment{}, fmt.Errorf("%w: version is %q; use a whole number from 1", ErrInvalidRequest, clip(ver))
		}
		return Moment{Version: n}, nil
	}
	return Moment{}, nil
}

// ask answers a read of the present from the graph's grain, and a read of
// the past (as_of or version) from a replay beside it.
func (s *server) ask(r *http.Request, graphID string, q *messages.Query) (*messages.QueryReply, error) {
	m, err := asOf(r)
	if err != nil {
		return nil, err
	}
	if m.isZero() {
		return s.query(r.Context(), graphID, q)
	}
	if s.opts.History == nil {
		return nil, fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	return s.opts.History.Query(r.Context(), graphID, m, q)
}

// DiffJSON is the JSON form of a diff.
func DiffJSON(d *messages.GraphDiff) (NodeChanges, EdgeChanges) {
	nodes := NodeChanges{Added: []Node{}, Removed: []Node{}, Changed: []ElementChange{}}
	edges := EdgeChanges{Added: []Edge{}, Removed: []Edge{}, Changed: []ElementChange{}}
	for _, n := range d.GetNodesAdded() {
		nodes.Added = append(nodes.Added, NodeJSON(n))
	}
	for _, n := range d.GetNodesRemoved() {
		nodes.Removed = append(nodes.Removed, NodeJSON(n))
	}
	for _, c := range d.GetNodesChanged() {
		nodes.Changed = append(nodes.Changed, ElementChange{ID: c.GetId(), Properties: propertyChangesJSON(c.GetProperties())})
	}
	for _, e := range d.GetEdgesAdded() {
		edges.Added = append(edges.Added, EdgeJSON(e))
	}
	for _, e := range d.GetEdgesRemoved() {
		edges.Removed = append(edges.Removed, EdgeJSON(e))
	}
	for _, c := range d.GetEdgesChanged() {
		edges.Changed = append(edges.Changed, ElementChange{ID: c.GetId(), Properties: propertyChangesJSON(c.GetProperties())})
	}
	return nodes, edges
}

// sideJSON is one side of a property change. A null value is written as
// null, not left out: a side left out says the property did not exist, and
// a client that applies the change would remove it.
func sideJSON(v *structpb.Value) any {
	if x := valueJSON(v); x != nil {
		return x
	}
	return json.RawMessage("null")
}

func propertyChangesJSON(cs []*messages.PropertyChange) []PropertyChange {
	out := make([]PropertyChange, 0, len(cs))
	for _, c := range cs {
		pc := PropertyChange{Key: c.GetKey()}
		if c.Before != nil {
			pc.Before = sideJSON(c.Before)
		}
		if c.After != nil {
			pc.After = sideJSON(c.After)
		}
		out = append(out, pc)
	}
	return out
}

func (s *server) diff(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if q.Get("from") == "" {
		return fmt.Errorf("%w: from is missing; give a version or an RFC 3339 time", ErrInvalidRequest)
	}
	from, err := parseMoment("from", q.Get("from"))
	if err != nil {
		return err
	}
	var to Moment
	if v := q.Get("to"); v != "" {
		if to, err = parseMoment("to", v); err != nil {
			return err
		}
	}
	if s.opts.History == nil {
		return fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	d, fromV, toV, err := s.opts.History.Diff(r.Context(), graphID, from, to)
	if err != nil {
		return err
	}
	nodes, edges := DiffJSON(d)
	return writeJSON(w, http.StatusOK, Diff{Graph: graphID, FromVersion: fromV, ToVersion: toV, Nodes: nodes, Edges: edges})
}

// FrameJSON is the JSON form of a replay frame.
func FrameJSON(graphID string, f *messages.Frame) Frame {
	out := Frame{Version: f.GetVersion(), At: timeJSON(f.GetAt())}
	if st := f.GetState(); st != nil {
		g := GraphJSON(st)
		g.Graph = graphID
		out.State = &g
		return out
	}
	out.Events = make([]Event, 0, len(f.GetEvents()))
	for _, ev := range f.GetEvents() {
		out.Events = append(out.Events, EventJSON(ev))
	}
	nodes, edges := DiffJSON(f.GetChanges())
	out.Nodes, out.Edges = &nodes, &edges
	return out
}

func (s *server) replay(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	follow, err := boolParam(r, "follow")
	if err != nil {
		return err
	}
	if follow {
		return s.followReplay(w, r, graphID)
	}
	q := r.URL.Query()
	from, to, err := windowParams(q)
	if err != nil {
		return err
	}
	every, err := everyParams(q, "frame")
	if err != nil {
		return err
	}
	if every.Events > s.limits.FrameEvents {
		return fmt.Errorf("%w: every is %d; a frame holds at most %d events on this node (--max-frame-events); use interval, or a smaller every",
			graph.ErrLimit, every.Events, s.limits.FrameEvents)
	}
	if s.opts.History == nil {
		return fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	every.MaxEvents = s.limits.FrameEvents
	// Frames stream as they are made; an error before the first frame is
	// still answered with a status, one after it ends the stream with a
	// line that says so (Frame).
	var (
		started bool
		frames  int
		last    uint64 // version of the last frame sent
	)
	flusher, _ := w.(http.Flusher)
	enc := json.NewEncoder(w)
	err = s.opts.History.Replay(r.Context(), graphID, from, to, every, func(f *messages.Frame) error {
		if started && frames == s.limits.ReplayFrames {
			return fmt.Errorf("%w: a replay sends at most %d frames on this node (--max-replay-frames); go on with from=%d, or ask for larger steps",
				graph.ErrLimit, s.limits.ReplayFrames, last)
		}
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.WriteHeader(http.StatusOK)
		} else {
			frames++
		}
		if err := enc.Encode(FrameJSON(graphID, f)); err != nil {
			return err
		}
		last = f.GetVersion()
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	})
	if err == nil || !started {
		return err
	}
	status, code := classify(err)
	requestInfoFrom(r.Context()).log.Warn("replay stream ended early", keyGraph, graphID, keyStatus, status, keyCode, code, keyError, err)
	if rec, ok := w.(*recorder); ok {
		rec.err, rec.code = err, code
	}
	// The client may be gone (then this write fails, and nobody minds).
	_ = enc.Encode(Frame{Version: last, NextFrom: last, Code: code,
		Error: errorMessage(err, code, requestInfoFrom(r.Context()).requestID)})
	return nil
}

// SnapshotTaker makes a graph store a snapshot of its current state.
type SnapshotTaker interface {
	Snapshot(ctx context.Context, graphID string) (*messages.SnapshotRef, error)
}

func (s *server) takeSnapshot(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	taker, ok := s.opts.Graphs.(SnapshotTaker)
	if !ok {
		return fmt.Errorf("%w: this node does not take snapshots", errNotServed)
	}
	ref, err := taker.Snapshot(r.Context(), graphID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, Snapshot{CID: ref.GetCid(), Version: ref.GetVersion(), Sequence: ref.GetSequence(),
		RecordedAt: timeJSON(ref.GetRecordedAt()), Size: ref.GetSize()})
}

func (s *server) listSnapshots(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	if s.opts.Snapshots == nil {
		return fmt.Errorf("%w: this node keeps no snapshots", errNotServed)
	}
	infos, err := s.opts.Snapshots.List(r.Context(), graphID)
	if err != nil {
		return err
	}
	out := Snapshots{Graph: graphID, Snapshots: make([]Snapshot, 0, len(infos))}
	for _, i := range infos {
		out.Snapshots = append(out.Snapshots, Snapshot{CID: i.CID, Version: i.Version, Sequence: i.Sequence,
			RecordedAt: i.RecordedAt.UTC().Format(time.RFC3339Nano), Size: i.Size})
	}
	return writeJSON(w, http.StatusOK, out)
}

// windowParams reads the from and to moments of a window of history (a
// version or a time each); absent, the beginning and the present.
func windowParams(q url.Values) (from, to Moment, err error) {
	for _, p := range []struct {
		name string
		m    *Moment
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(p.name); v != "" {
			if *p.m, err = parseMoment(p.name, v); err != nil {
				return Moment{}, Moment{}, err
			}
		}
	}
	return from, to, nil
}

// everyParams reads how a window is cut into steps (each a frame or a
// point): every N events or every interval of recorded time, one of the
// two.
func everyParams(q url.Values, step string) (Every, error) {
	var every Every
	ev, iv := q.Get("every"), q.Get("interval")
	switch {
	case ev != "" && iv != "", ev == "" && iv == "":
		return every, fmt.Errorf("%w: give every (events per %s) or interval (a duration per %s), one of the two", ErrInvalidRequest, step, step)
	case ev != "":
		n, err := strconv.Atoi(ev)
		if err != nil || n < 1 {
			return every, fmt.Errorf("%w: every is %q; use a whole number of events from 1", ErrInvalidRequest, clip(ev))
		}
		every.Events = n
	default:
		d, err := time.ParseDuration(iv)
		if err != nil || d <= 0 {
			return every, fmt.Errorf("%w: interval is %q; use a positive duration such as 1s or 5m", ErrInvalidRequest, clip(iv))
		}
		every.Interval = d
	}
	return every, nil
}
