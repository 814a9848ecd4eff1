package replay_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
)

func addNode(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "thing"}}}
}

// hourly returns a log whose recorded times are an hour apart.
func hourly() *memory.Log {
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	return memory.New(func() time.Time { at = at.Add(time.Hour); return at })
}

// appendTxs appends one transaction per entry of sizes, with that many
// new nodes each.
func appendTxs(t *testing.T, log *memory.Log, graphID string, sizes ...int) {
	t.Helper()
	var head store.Head
	n := 0
	for _, size := range sizes {
		tx := &messages.Transaction{GraphId: graphID}
		for range size {
			n++
			tx.Events = append(tx.Events, addNode(fmt.Sprintf("n%d", n)))
		}
		var err error
		if head, err = log.Append(context.Background(), tx, head); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
}

// replayWithin runs a replay and fails the test if it does not end within
// a few seconds (the goroutine of one that spins is left behind).
func replayWithin(t *testing.T, h *replay.History, graphID string, every replay.FrameEvery) []*messages.Frame {
	t.Helper()
	type result struct {
		frames []*messages.Frame
		err    error
	}
	done := make(chan result, 1)
	go func() {
		var frames []*messages.Frame
		err := h.Replay(context.Background(), graphID, replay.Point{}, replay.Point{}, every, func(f *messages.Frame) error {
			frames = append(frames, f)
			return nil
		})
		done <- result{frames, err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatalf("replay: %v", r.err)
		}
		return r.frames
	case <-time.After(10 * time.Second):
		t.Fatal("the replay did not end within 10s")
	}
	return nil
}

// Steps of a nanosecond over transactions an hour apart: one frame per
// transaction, at once, not a turn per empty step.
func TestReplayTinyIntervalOverLongGaps(t *testing.T) {
	log := hourly()
	appendTxs(t, log, "g", 1, 1, 1)
	frames := replayWithin(t, &replay.History{Log: log}, "g", replay.FrameEvery{Interval: time.Nanosecond})
	if len(frames) != 4 {
		t.Fatalf("%d frames, want a keyframe and 3", len(frames))
	}
	for i, f := range frames[1:] {
		if f.GetVersion() != uint64(i+1) || len(f.GetEvents()) != 1 {
			t.Errorf("frame %d: version %d with %d events, want version %d with 1", i+1, f.GetVersion(), len(f.GetEvents()), i+1)
		}
	}
}

// A step of interval that holds more events than a frame may is cut into
// frames of whole transactions, each within the bound, except a single
// transaction larger than it, which is a frame alone.
func TestReplayCutsStepsAtMaxEvents(t *testing.T) {
	log := hourly()
	appendTxs(t, log, "g", 1, 1, 1, 5, 1, 2)
	frames := replayWithin(t, &replay.History{Log: log}, "g", replay.FrameEvery{Interval: 1000 * time.Hour, MaxEvents: 3})
	var got [][2]int // version, events
	for _, f := range frames[1:] {
		got = append(got, [2]int{int(f.GetVersion()), len(f.GetEvents())})
	}
	want := [][2]int{{3, 3}, {4, 5}, {6, 3}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("frames (version, events) %v, want %v", got, want)
	}
}
