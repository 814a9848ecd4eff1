package replay_test

import (
	"context"
	"errors"
	"iter"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
)

// logFollower follows an in-memory log as store.Follower says: what it
// holds after a sequence, then what is appended, read again as it grows,
// until ctx ends.
type logFollower struct{ log *memory.Log }

func (f logFollower) Follow(ctx context.Context, graphID string, after uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		for {
			for tx, err := range f.log.Read(ctx, graphID, after) {
				if err != nil {
					yield(nil, err)
					return
				}
				after = tx.GetSequence()
				if !yield(tx, nil) {
					return
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Millisecond):
			}
		}
	}
}

func event(e any) *messages.Event {
	switch p := e.(type) {
	case *messages.NodeAdded:
		return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: p}}
	case *messages.NodeUpdated:
		return &messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: p}}
	case *messages.NodeRemoved:
		return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: p}}
	case *messages.EdgeAdded:
		return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: p}}
	case *messages.EdgeRemoved:
		return &messages.Event{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: p}}
	}
	panic("no such event")
}

// A replay that follows sends the keyframe at from, then one frame per
// transaction, those in the log and those appended while it follows, each
// with the changes graph.Diff finds between the states before and after
// it; it ends without an error when its context does.
func TestFollow(t *testing.T) {
	log := hourly()
	h := &replay.History{Log: log}
	var head store.Head
	add := func(events ...any) {
		t.Helper()
		tx := &messages.Transaction{GraphId: "g"}
		for _, e := range events {
			tx.Events = append(tx.Events, event(e))
		}
		var err error
		if head, err = log.Append(context.Background(), tx, head); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	set := func(k string, v any) *structpb.Struct {
		s, err := structpb.NewStruct(map[string]any{k: v})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	add(&messages.NodeAdded{NodeId: "a"}, &messages.NodeAdded{NodeId: "b"}, &messages.EdgeAdded{EdgeId: "ab", SourceId: "a", TargetId: "b"})
	add(&messages.NodeUpdated{NodeId: "a", Set: set("x", 1)})
	add(&messages.NodeAdded{NodeId: "c"}, &messages.EdgeAdded{EdgeId: "bc", SourceId: "b", TargetId: "c"})

	ctx, cancel := context.WithCancel(context.Background())
	frames := make(chan *messages.Frame, 16)
	done := make(chan error, 1)
	go func() {
		done <- h.Follow(ctx, logFollower{log}, "g", replay.Point{Version: 2}, func(f *messages.Frame) error {
			frames <- f
			return nil
		})
	}()
	next := func() *messages.Frame {
		t.Helper()
		select {
		case f := <-frames:
			return f
		case <-time.After(5 * time.Second):
			t.Fatal("no frame within 5s")
		}
		return nil
	}
	at := func(v uint64) *graph.Graph {
		t.Helper()
		g, err := h.At(context.Background(), "g", replay.Point{Version: v})
		if err != nil {
			t.Fatal(err)
		}
		return g
	}
	if k := next(); k.GetVersion() != 2 || !proto.Equal(k.GetState(), replay.StateView(at(2))) {
		t.Fatalf("keyframe %v; want the state at version 2", k)
	}
	check := func(v uint64) {
		t.Helper()
		f := next()
		if f.GetVersion() != v || f.GetState() != nil || len(f.GetEvents()) == 0 {
			t.Fatalf("frame %v; want the frame of version %d", f, v)
		}
		if want := graph.Diff(at(v-1), at(v)); !proto.Equal(f.GetChanges(), want) {
			t.Fatalf("version %d changed %v; the diff of its states is %v", v, f.GetChanges(), want)
		}
	}
	check(3)
	add(&messages.NodeRemoved{NodeId: "b"})
	check(4)
	add(&messages.NodeUpdated{NodeId: "a", Unset: []string{"x"}}, &messages.NodeAdded{NodeId: "b"}, &messages.EdgeAdded{EdgeId: "ab", SourceId: "b", TargetId: "a"})
	check(5)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("a follow whose context ended returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the follow did not end within 5s of its context")
	}

	if err := h.Follow(context.Background(), nil, "g", replay.Point{}, func(*messages.Frame) error { return nil }); !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("a follow without a follower: %v, want ErrUnavailable", err)
	}
}
