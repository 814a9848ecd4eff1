package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// framesHistory replays a graph of frames transactions, one frame each,
// and fails with err (if set) after failAfter frames.
type framesHistory struct {
	frames    int
	failAfter int
	err       error
	every     Every // the last replay's
}

func (h *framesHistory) Query(context.Context, string, Moment, *messages.Query) (*messages.QueryReply, error) {
	return nil, fmt.Errorf("not used")
}

func (h *framesHistory) Diff(context.Context, string, Moment, Moment) (*messages.GraphDiff, uint64, uint64, error) {
	return nil, 0, 0, fmt.Errorf("not used")
}

func (h *framesHistory) Replay(ctx context.Context, graphID string, from, to Moment, every Every, emit func(*messages.Frame) error) error {
	h.every = every
	if err := emit(&messages.Frame{State: &messages.GraphState{}, Version: from.Version}); err != nil {
		return err
	}
	for v := from.Version + 1; v <= uint64(h.frames); v++ {
		if h.err != nil && int(v-from.Version) > h.failAfter {
			return h.err
		}
		if err := emit(&messages.Frame{Version: v, Changes: &messages.GraphDiff{}}); err != nil {
			return err
		}
	}
	return nil
}

// replayLines reads an NDJSON replay answer.
func replayLines(t *testing.T, body []byte) []Frame {
	t.Helper()
	var out []Frame
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		var f Frame
		if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		out = append(out, f)
	}
	return out
}

// A replay longer than the frame limit sends the limit's frames and ends
// with a line that names the limit and where to go on; going on from
// there gives the rest, and a complete replay has no such line.
func TestReplayFrameLimitEndsWithAnErrorLine(t *testing.T) {
	h := &framesHistory{frames: 25}
	ts := newTestServer(t, func(o *Options) { o.History = h; o.Limits.ReplayFrames = 10 })

	r := ts.do(t, "GET", "/v1/graphs/g/replay?every=1", "")
	if r.status != 200 {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
	lines := replayLines(t, r.body)
	if len(lines) != 12 { // keyframe, 10 frames, the error line
		t.Fatalf("%d lines, want 12: %s", len(lines), r.body)
	}
	last := lines[len(lines)-1]
	if last.Code != CodeLimitExceeded || last.NextFrom != 10 || !bytes.Contains([]byte(last.Error), []byte("--max-replay-frames")) {
		t.Fatalf("last line %+v, want limit_exceeded naming --max-replay-frames with next_from 10", last)
	}
	for _, f := range lines[:len(lines)-1] {
		if f.Error != "" || f.Code != "" {
			t.Fatalf("a frame before the end carries an error: %+v", f)
		}
	}

	// Going on: from=10 gives 10 more frames and the line again, then
	// from=20 the last 5, and ends clean.
	r = ts.do(t, "GET", "/v1/graphs/g/replay?every=1&from=10", "")
	lines = replayLines(t, r.body)
	if r.status != 200 || len(lines) != 12 || lines[len(lines)-1].Code != CodeLimitExceeded || lines[len(lines)-1].NextFrom != 20 {
		t.Fatalf("second part: status %d, %d lines, last %+v", r.status, len(lines), lines[len(lines)-1])
	}
	r = ts.do(t, "GET", "/v1/graphs/g/replay?every=1&from=20", "")
	lines = replayLines(t, r.body)
	if len(lines) != 6 || lines[len(lines)-1].Error != "" || lines[len(lines)-1].Version != 25 {
		t.Fatalf("last part: %d lines, last %+v; want the keyframe and 5 frames, up to 25, without an error line", len(lines), lines[len(lines)-1])
	}
}

// A replay the request's time or the log cuts short says so in its last
// line, with where to go on; it never ends like a complete one.
func TestReplayCutShortEndsWithAnErrorLine(t *testing.T) {
	for _, tt := range []struct {
		err  error
		code string
	}{
		{context.DeadlineExceeded, CodeUnavailable},
		{fmt.Errorf("read: %w", store.ErrUnavailable), CodeUnavailable},
	} {
		h := &framesHistory{frames: 10, failAfter: 4, err: tt.err}
		ts := newTestServer(t, func(o *Options) { o.History = h })
		r := ts.do(t, "GET", "/v1/graphs/g/replay?every=1", "")
		lines := replayLines(t, r.body)
		if r.status != 200 || len(lines) != 6 {
			t.Fatalf("%v: status %d, %d lines, want 200 with keyframe, 4 frames and the error line", tt.err, r.status, len(lines))
		}
		if last := lines[5]; last.Code != tt.code || last.NextFrom != 4 || last.Error == "" {
			t.Errorf("%v: last line %+v, want code %s, next_from 4 and a message", tt.err, last, tt.code)
		}
	}
}

// Frames are bounded in events: every above the limit is refused before
// anything is read, and interval steps are cut at it.
func TestReplayFrameEventsLimit(t *testing.T) {
	h := &framesHistory{frames: 1}
	ts := newTestServer(t, func(o *Options) { o.History = h; o.Limits.FrameEvents = 50 })
	r := ts.do(t, "GET", "/v1/graphs/g/replay?every=51", "")
	wantError(t, r, 422, CodeLimitExceeded, "--max-frame-events")
	if r := ts.do(t, "GET", "/v1/graphs/g/replay?every=50", ""); r.status != 200 {
		t.Fatalf("every=50: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "GET", "/v1/graphs/g/replay?interval=1h", ""); r.status != 200 || h.every.MaxEvents != 50 {
		t.Fatalf("interval=1h: %d %s; MaxEvents passed %d, want 50", r.status, r.body, h.every.MaxEvents)
	}
}

// The earliest time a client can write is a time of the past like any
// other, never the present: a read as of it asks History (here absent, so
// 503), and a replay or diff up to it does not run to now.
func TestYearOneIsThePast(t *testing.T) {
	ts := newTestServer(t)
	seed(ts)
	for _, at := range []string{"0001-01-01T00:00:00Z", "0001-01-01T01:00:00%2B01:00"} {
		r := ts.do(t, "GET", "/v1/graphs/g?as_of="+at, "")
		if r.status != 503 {
			t.Errorf("as_of=%s: %d %s; want it read from history (503 here), not the present", at, r.status, r.body)
		}
	}
	m, err := parseMoment("to", "0001-01-01T00:00:00Z")
	if err != nil || m.isZero() {
		t.Fatalf("parseMoment of year one: %+v, %v; want a moment of the past", m, err)
	}
}
