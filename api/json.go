package api

import (
	"cmp"
	"encoding/json"
	"math"
	"net/http"
	"slices"
	"time"

	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/messages"
)

// The conversions of messages to the JSON shapes of answers (types.go,
// package apitypes).

// NodeJSON converts a node; nil gives the zero Node with empty properties.
func NodeJSON(n *messages.Node) Node {
	return Node{ID: n.GetId(), Type: n.GetType(), Properties: PropertiesJSON(n.GetProperties())}
}

// EdgeJSON converts an edge.
func EdgeJSON(e *messages.Edge) Edge {
	return Edge{ID: e.GetId(), Source: e.GetSource(), Target: e.GetTarget(), Type: e.GetType(),
		Properties: PropertiesJSON(e.GetProperties())}
}

// GraphJSON converts a graph state; nodes and edges are sorted by ID.
func GraphJSON(g *messages.GraphState) Graph {
	out := Graph{
		Graph:    g.GetGraphId(),
		Version:  g.GetVersion(),
		Sequence: g.GetSequence(),
		Nodes:    make([]Node, 0, len(g.GetNodes())),
		Edges:    make([]Edge, 0, len(g.GetEdges())),
	}
	if f := g.GetForkedFrom(); f != nil {
		out.ForkedFrom = LineageJSON(f)
	}
	for _, n := range g.GetNodes() {
		out.Nodes = append(out.Nodes, NodeJSON(n))
	}
	for _, e := range g.GetEdges() {
		out.Edges = append(out.Edges, EdgeJSON(e))
	}
	slices.SortFunc(out.Nodes, func(a, b Node) int { return cmp.Compare(a.ID, b.ID) })
	slices.SortFunc(out.Edges, func(a, b Edge) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// metadataJSON converts an event's metadata; nil when it has none.
func metadataJSON(md *messages.Metadata) *Metadata {
	if md == nil || md.CorrelationId == "" && md.CausationId == "" && md.Author == "" {
		return nil
	}
	return &Metadata{CorrelationID: md.CorrelationId, CausationID: md.CausationId, Author: md.Author}
}

// EventJSON converts a stored event to its listed form. Transaction fields
// the event lacks are not filled in here: the log reader fills version,
// sequence and recorded time on every event.
func EventJSON(ev *messages.Event) Event {
	out := Event{
		EventID:       ev.GetEventId(),
		TransactionID: ev.GetTransactionId(),
		Version:       ev.GetVersion(),
		Index:         ev.GetIndex(),
		Count:         ev.GetCount(),
		Sequence:      ev.GetSequence(),
		RecordedAt:    timeJSON(ev.GetRecordedAt()),
		EventData:     EventData{OccurredAt: timeJSON(ev.GetOccurredAt())},
	}
	out.Metadata = metadataJSON(ev.GetMetadata())
	d := &out.EventData
	switch p := ev.GetPayload().(type) {
	case *messages.Event_NodeAdded:
		d.Type = EventNodeAdded
		d.NodeID, d.NodeType = p.NodeAdded.GetNodeId(), p.NodeAdded.GetNodeType()
		d.Properties = optionalProperties(p.NodeAdded.GetProperties())
	case *messages.Event_NodeUpdated:
		d.Type = EventNodeUpdated
		d.NodeID = p.NodeUpdated.GetNodeId()
		d.Set = optionalProperties(p.NodeUpdated.GetSet())
		d.Unset = p.NodeUpdated.GetUnset()
	case *messages.Event_NodeRemoved:
		d.Type = EventNodeRemoved
		d.NodeID = p.NodeRemoved.GetNodeId()
	case *messages.Event_EdgeAdded:
		d.Type = EventEdgeAdded
		d.EdgeID, d.EdgeType = p.EdgeAdded.GetEdgeId(), p.EdgeAdded.GetEdgeType()
		d.SourceID, d.TargetID = p.EdgeAdded.GetSourceId(), p.EdgeAdded.GetTargetId()
		d.Properties = optionalProperties(p.EdgeAdded.GetProperties())
	case *messages.Event_EdgeUpdated:
		d.Type = EventEdgeUpdated
		d.EdgeID = p.EdgeUpdated.GetEdgeId()
		d.Set = optionalProperties(p.EdgeUpdated.GetSet())
		d.Unset = p.EdgeUpdated.GetUnset()
	case *messages.Event_EdgeRemoved:
		d.Type = EventEdgeRemoved
		d.EdgeID = p.EdgeRemoved.GetEdgeId()
	default:
		d.Type = "Unknown" // written past the API by a newer or broken producer
	}
	return out
}

func timeJSON(ts *timestamppb.Timestamp) string {
	if ts == nil {
		return ""
	}
	return ts.AsTime().UTC().Format(time.RFC3339Nano)
}

// PropertiesJSON converts properties to plain JSON values: never nil. A
// number JSON cannot hold (NaN, ±Inf, possible only in events written past
// the API) becomes the string "NaN", "Infinity" or "-Infinity", as in the
// protobuf JSON mapping.
func PropertiesJSON(s *structpb.Struct) map[string]any {
	out := make(map[string]any, len(s.GetFields()))
	for k, v := range s.GetFields() {
		out[k] = valueJSON(v)
	}
	return out
}

func optionalProperties(s *structpb.Struct) map[string]any {
	if len(s.GetFields()) == 0 {
		return nil
	}
	return PropertiesJSON(s)
}

func valueJSON(v *structpb.Value) any {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NumberValue:
		f := k.NumberValue
		switch {
		case math.IsNaN(f):
			return "NaN"
		case math.IsInf(f, 1):
			return "Infinity"
		case math.IsInf(f, -1):
			return "-Infinity"
		}
		return f
	case *structpb.Value_StringValue:
		return k.StringValue
	case *structpb.Value_BoolValue:
		return k.BoolValue
	case *structpb.Value_StructValue:
		return PropertiesJSON(k.StructValue)
	case *structpb.Value_ListValue:
		vs := k.ListValue.GetValues()
		out := make([]any, len(vs))
		for i, e := range vs {
			out[i] = valueJSON(e)
		}
		return out
	}
	return nil // null, or a Value with no kind
}

func directionJSON(d messages.Direction) string {
	switch d {
	case messages.Direction_DIRECTION_IN:
		return "in"
	case messages.Direction_DIRECTION_BOTH:
		return "both"
	}
	return "out"
}

func nonNil(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}

// writeJSON writes v with status. It marshals first, so a value that cannot
// be encoded becomes a 500, not half a body.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n')) // the client may have left; nothing to do
	return nil
}

// LineageJSON is the JSON form of a fork's lineage.
func LineageJSON(f *messages.Lineage) *Lineage {
	return &Lineage{Graph: f.GetGraphId(), Version: f.GetVersion(), CID: f.GetCid(), Transactions: f.GetTransactions()}
}
