package graph

import (
	"slices"
	"testing"

	"github.com/graphlog/graphlog/messages"
)

// The list read from the schema is the six event types, each with the
// fields the schema gives it, and EventType names every payload.
func TestEventTypesFromTheSchema(t *testing.T) {
	want := []string{"NodeAdded", "NodeUpdated", "NodeRemoved", "EdgeAdded", "EdgeUpdated", "EdgeRemoved"}
	if !slices.Equal(EventTypes, want) {
		t.Fatalf("EventTypes = %v, want %v", EventTypes, want)
	}
	fields, ok := EventFields("EdgeAdded")
	if !ok || !slices.Equal(fields, []string{"edge_id", "source_id", "target_id", "edge_type", "properties"}) {
		t.Errorf("EventFields(EdgeAdded) = %v, %v", fields, ok)
	}
	if _, ok := EventFields("NodeExploded"); ok {
		t.Errorf("EventFields of an unknown type reports ok")
	}
	payloads := []*messages.Event{
		{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{}}},
		{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{}}},
		{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{}}},
		{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{}}},
		{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{}}},
		{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{}}},
	}
	for i, ev := range payloads {
		if got := EventType(ev); got != want[i] {
			t.Errorf("EventType of payload %d = %q, want %q", i, got, want[i])
		}
	}
	if got := EventType(&messages.Event{}); got != "" {
		t.Errorf("EventType without a payload = %q", got)
	}
}
