package natsjs_test

import (
	"errors"
	"testing"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store/natsjs"
)

func TestSubject(t *testing.T) {
	tests := []struct {
		ev   *messages.Event
		want string
	}{
		{&messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{}}}, "event.store.g-1.NodeAdded"},
		{&messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{}}}, "event.store.g-1.NodeUpdated"},
		{&messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{}}}, "event.store.g-1.NodeRemoved"},
		{&messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{}}}, "event.store.g-1.EdgeAdded"},
		{&messages.Event{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{}}}, "event.store.g-1.EdgeUpdated"},
		{&messages.Event{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{}}}, "event.store.g-1.EdgeRemoved"},
	}
	for _, tt := range tests {
		got, err := natsjs.Subject("g-1", tt.ev)
		if err != nil || got != tt.want {
			t.Errorf("Subject = %q, %v; want %q", got, err, tt.want)
		}
		id, err := natsjs.GraphIDFromSubject(got)
		if err != nil || id != "g-1" {
			t.Errorf("GraphIDFromSubject(%q) = %q, %v; want g-1", got, id, err)
		}
	}
	if _, err := natsjs.Subject("g", &messages.Event{}); !errors.Is(err, graph.ErrInvalidTransaction) {
		t.Errorf("Subject of an event without payload: err = %v, want graph.ErrInvalidTransaction", err)
	}
	if _, err := natsjs.Subject("g.x", tests[0].ev); !errors.Is(err, graph.ErrInvalidID) {
		t.Errorf("Subject of graph g.x: err = %v, want graph.ErrInvalidID", err)
	}
	if got := natsjs.GraphFilter("g1"); got != "event.store.g1.>" {
		t.Errorf("GraphFilter(g1) = %q", got)
	}
}

func TestGraphIDFromSubjectRejects(t *testing.T) {
	for _, s := range []string{"", "event.store.g", "event.store.g.", "event.store..NodeAdded", "event.store.g.a.b",
		"other.store.g.NodeAdded", "event.store.*.NodeAdded", "event.store.>", "deadletter.event.store.g.NodeAdded"} {
		if id, err := natsjs.GraphIDFromSubject(s); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("GraphIDFromSubject(%q) = %q, %v; want graph.ErrInvalidID", s, id, err)
		}
	}
}

func FuzzGraphIDFromSubject(f *testing.F) {
	for _, s := range []string{"event.store.g.NodeAdded", "event.store.g1.>", "event.store..x", "x"} {
		f.Add(s)
	}
	ev := nodeAdded("n")
	f.Fuzz(func(t *testing.T, s string) {
		id, err := natsjs.GraphIDFromSubject(s)
		if err != nil {
			return
		}
		if graph.ValidateGraphID(id) != nil {
			t.Fatalf("GraphIDFromSubject(%q) accepted invalid graph ID %q", s, id)
		}
		subject, err := natsjs.Subject(id, ev)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := natsjs.GraphIDFromSubject(subject); err != nil || back != id {
			t.Fatalf("round trip of %q through %q gave %q, %v", id, subject, back, err)
		}
	})
}

func TestDeadLetterSubject(t *testing.T) {
	for in, want := range map[string]string{
		"event.store.g.NodeAdded": "deadletter.event.store.g.NodeAdded",
		"a":                       "deadletter.a",
		"":                        "deadletter._invalid",
		"a..b":                    "deadletter._invalid",
		"a.*":                     "deadletter._invalid",
		"a.>":                     "deadletter._invalid",
		"a b":                     "deadletter._invalid",
	} {
		if got := natsjs.DeadLetterSubject(in); got != want {
			t.Errorf("DeadLetterSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
