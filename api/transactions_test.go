package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

func mustStruct(t testing.TB, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDecodeEveryEventType(t *testing.T) {
	body := `{
	  "expected_version": 7,
	  "transaction_id": "tx-1",
	  "metadata": {"correlation_id": "corr", "causation_id": "cause", "author": "ann"},
	  "events": [
	    {"type": "NodeAdded", "node_id": "a", "node_type": "person", "properties": {"name": "Ann", "age": 42}, "occurred_at": "2025-01-02T03:04:05.123456789Z"},
	    {"type": "EdgeAdded", "edge_id": "e1", "source_id": "a", "target_id": "b", "edge_type": "knows", "properties": {"since": 2020}, "occurred_at": "2025-01-02T04:04:05+01:00"},
	    {"type": "NodeUpdated", "node_id": "a", "set": {"age": 43}, "unset": ["name"]},
	    {"type": "EdgeUpdated", "edge_id": "e1", "set": {"w": 1.5}, "unset": ["since", "x"]},
	    {"type": "EdgeRemoved", "edge_id": "e1"},
	    {"type": "NodeRemoved", "node_id": "a"}
	  ]
	}`
	tx, err := DecodeTransaction("g1", []byte(body), 10)
	if err != nil {
		t.Fatalf("DecodeTransaction: %v", err)
	}
	seen := map[string]bool{}
	for i, ev := range tx.Events {
		if ev.EventId == "" || seen[ev.EventId] {
			t.Errorf("event %d has a missing or repeated ID %q", i, ev.EventId)
		}
		seen[ev.EventId] = true
		ev.EventId = ""
	}
	md := func() *messages.Metadata {
		return &messages.Metadata{CorrelationId: "corr", CausationId: "cause", Author: "ann"}
	}
	occurred := time.Date(2025, 1, 2, 3, 4, 5, 123456789, time.UTC)
	ev := func(i int, ts *timestamppb.Timestamp, p func(*messages.Event)) *messages.Event {
		e := &messages.Event{GraphId: "g1", TransactionId: "tx-1", Index: uint32(i), Count: 6, Metadata: md(), OccurredAt: ts}
		p(e)
		return e
	}
	want := &messages.Transaction{
		TransactionId:   "tx-1",
		GraphId:         "g1",
		ExpectedVersion: proto.Uint64(7),
		Events: []*messages.Event{
			ev(0, timestamppb.New(occurred), func(e *messages.Event) {
				e.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "a", NodeType: "person",
					Properties: mustStruct(t, map[string]any{"name": "Ann", "age": 42})}}
			}),
			ev(1, timestamppb.New(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)), func(e *messages.Event) {
				e.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: "e1", SourceId: "a", TargetId: "b",
					EdgeType: "knows", Properties: mustStruct(t, map[string]any{"since": 2020})}}
			}),
			ev(2, nil, func(e *messages.Event) {
				e.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: "a",
					Set: mustStruct(t, map[string]any{"age": 43}), Unset: []string{"name"}}}
			}),
			ev(3, nil, func(e *messages.Event) {
				e.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: "e1",
					Set: mustStruct(t, map[string]any{"w": 1.5}), Unset: []string{"since", "x"}}}
			}),
			ev(4, nil, func(e *messages.Event) {
				e.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: "e1"}}
			}),
			ev(5, nil, func(e *messages.Event) {
				e.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "a"}}
			}),
		},
	}
	if !proto.Equal(tx, want) {
		t.Errorf("decoded\n%v\nwant\n%v", tx, want)
	}
	// The events do not share metadata: changing one leaves the others.
	tx.Events[0].Metadata.Author = "changed"
	if tx.Events[1].Metadata.Author != "ann" {
		t.Error("events share one Metadata")
	}
}

func TestDecodeStampsWhatIsMissing(t *testing.T) {
	body := `{"events": [{"type": "NodeAdded", "node_id": "a"}, {"type": "NodeAdded", "node_id": "b"}]}`
	tx1, err := DecodeTransaction("g", []byte(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	tx2, err := DecodeTransaction("g", []byte(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tx1.TransactionId == "" || tx1.TransactionId == tx2.TransactionId {
		t.Errorf("transaction IDs %q and %q: want distinct, non-empty", tx1.TransactionId, tx2.TransactionId)
	}
	if tx1.ExpectedVersion != nil {
		t.Errorf("expected_version = %d, want unset", tx1.GetExpectedVersion())
	}
	for _, ev := range tx1.Events {
		if ev.TransactionId != tx1.TransactionId || ev.Metadata != nil || ev.OccurredAt != nil {
			t.Errorf("event %v: want the transaction's ID, no metadata, no time", ev)
		}
	}
	if tx1.Events[0].EventId == tx1.Events[1].EventId {
		t.Error("two events share an ID")
	}
	// expected_version 0 is a statement ("the graph is new"), not absence.
	tx, err := DecodeTransaction("g", []byte(`{"expected_version": 0, "events": [{"type": "NodeRemoved", "node_id": "a"}]}`), 0)
	if err != nil {
		t.Fatal(err)
	}
	if tx.ExpectedVersion == nil || *tx.ExpectedVersion != 0 {
		t.Errorf("expected_version = %v, want set to 0", tx.ExpectedVersion)
	}
}

// TestPropertiesRoundTrip: JSON properties → event → protobuf bytes (as the
// log stores them) → event → JSON come back equal.
func TestPropertiesRoundTrip(t *testing.T) {
	props := `{
	  "string": "héllo \u2603 \"quoted\"",
	  "empty": "",
	  "int": 42, "negative": -7, "float": 3.25, "exp": 1e21, "zero": 0, "big": 9007199254740992,
	  "true": true, "false": false, "null": null,
	  "list": [1, "two", false, null, {"k": [[]]}, []],
	  "nested": {"a": {"b": {"c": [1, {"d": null}]}}, "empty": {}},
	  "": "empty key"
	}`
	body := fmt.Sprintf(`{"events": [
		{"type": "NodeAdded", "node_id": "n", "properties": %s},
		{"type": "EdgeUpdated", "edge_id": "e", "set": %s}]}`, props, props)
	tx, err := DecodeTransaction("g", []byte(body), 0)
	if err != nil {
		t.Fatal(err)
	}
	var want any
	if err := json.Unmarshal([]byte(props), &want); err != nil {
		t.Fatal(err)
	}
	for i, ev := range tx.Events {
		data, err := proto.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		var back messages.Event
		if err := proto.Unmarshal(data, &back); err != nil {
			t.Fatal(err)
		}
		d := EventJSON(&back).EventData
		got := d.Properties
		if i == 1 {
			got = d.Set
		}
		encoded, err := json.Marshal(got)
		if err != nil {
			t.Fatal(err)
		}
		var gotAny any
		if err := json.Unmarshal(encoded, &gotAny); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(gotAny, want) {
			t.Errorf("event %d: properties came back as\n%s\nwant\n%s", i, encoded, props)
		}
	}
}

// TestEventDataRoundTrip: a request built with the exported types decodes
// and lists back as the same EventData.
func TestEventDataRoundTrip(t *testing.T) {
	events := []EventData{
		{Type: EventNodeAdded, NodeID: "a", NodeType: "person", Properties: map[string]any{"name": "Ann"}, OccurredAt: "2025-01-02T03:04:05.5Z"},
		{Type: EventNodeAdded, NodeID: "b"},
		{Type: EventEdgeAdded, EdgeID: "e1", SourceID: "a", TargetID: "b", EdgeType: "knows", Properties: map[string]any{"w": 2.0}},
		{Type: EventNodeUpdated, NodeID: "a", Set: map[string]any{"x": true}, Unset: []string{"name"}},
		{Type: EventEdgeUpdated, EdgeID: "e1", Unset: []string{"w"}},
		{Type: EventEdgeRemoved, EdgeID: "e1"},
		{Type: EventNodeRemoved, NodeID: "b"},
	}
	v := uint64(3)
	body, err := json.Marshal(TransactionRequest{ExpectedVersion: &v, Metadata: &Metadata{Author: "me"}, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := DecodeTransaction("g", body, 0)
	if err != nil {
		t.Fatalf("DecodeTransaction(%s): %v", body, err)
	}
	for i, ev := range tx.Events {
		got := EventJSON(ev)
		if !reflect.DeepEqual(got.EventData, events[i]) {
			t.Errorf("event %d: got %+v, want %+v", i, got.EventData, events[i])
		}
		if got.Metadata == nil || got.Metadata.Author != "me" || got.Index != uint32(i) || got.Count != uint32(len(events)) {
			t.Errorf("event %d envelope: %+v", i, got)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	long := strings.Repeat("x", graph.MaxElementIDLen+1)
	deep := strings.Repeat(`{"a":`, MaxPropertyDepth+1) + "1" + strings.Repeat("}", MaxPropertyDepth+1)
	okDeep := strings.Repeat(`{"a":`, MaxPropertyDepth) + "1" + strings.Repeat("}", MaxPropertyDepth)
	node := func(extra string) string {
		return `{"events": [{"type": "NodeAdded", "node_id": "a"` + extra + `}]}`
	}
	tests := []struct {
		name  string
		graph string
		body  string
		want  error  // sentinel
		msg   string // substring of the message
	}{
		{"bad graph ID", "a.b", node(""), graph.ErrInvalidID, "graph ID"},
		{"empty graph ID", "", node(""), graph.ErrInvalidID, "graph ID is empty"},
		{"empty body", "g", ``, graph.ErrInvalidTransaction, "request body is empty"},
		{"malformed JSON", "g", `{"events": [`, graph.ErrInvalidTransaction, "not valid JSON"},
		{"trailing data", "g", node("") + `{}`, graph.ErrInvalidTransaction, "not valid JSON"},
		{"not an object", "g", `[1]`, graph.ErrInvalidTransaction, "must be a JSON object (it is a list)"},
		{"null body", "g", `null`, graph.ErrInvalidTransaction, "it is null"},
		{"unknown top field", "g", `{"events": [], "colour": 1}`, graph.ErrInvalidTransaction, `unknown field "colour"`},
		{"top field wrong case", "g", `{"Events": [{"type": "NodeAdded", "node_id": "a"}]}`, graph.ErrInvalidTransaction, `unknown field "Events"`},
		{"no events", "g", `{}`, graph.ErrInvalidTransaction, "no events"},
		{"null events", "g", `{"events": null}`, graph.ErrInvalidTransaction, "no events"},
		{"empty events", "g", `{"events": []}`, graph.ErrInvalidTransaction, "no events"},
		{"events not a list", "g", `{"events": {"type": "NodeAdded"}}`, graph.ErrInvalidTransaction, "events must be a list"},
		{"event not an object", "g", `{"events": [5]}`, graph.ErrInvalidTransaction, "events[0] must be a JSON object (it is the number 5)"},
		{"event null", "g", `{"events": [null]}`, graph.ErrInvalidTransaction, "events[0] must be a JSON object (it is null)"},
		{"missing type", "g", `{"events": [{"node_id": "a"}]}`, graph.ErrInvalidTransaction, `events[0] has no "type"`},
		{"unknown type", "g", `{"events": [{"type": "NodeDeleted", "node_id": "a"}]}`, graph.ErrInvalidTransaction, `unknown type "NodeDeleted"; use one of NodeAdded`},
		{"type wrong case", "g", `{"events": [{"type": "nodeadded", "node_id": "a"}]}`, graph.ErrInvalidTransaction, `unknown type "nodeadded"`},
		{"type not a string", "g", `{"events": [{"type": 1}]}`, graph.ErrInvalidTransaction, "events[0].type must be a string"},
		{"foreign field", "g", node(`, "set": {"x": 1}`), graph.ErrInvalidTransaction, `field "set" does not belong to NodeAdded`},
		{"foreign field on removal", "g", `{"events": [{"type": "NodeRemoved", "node_id": "a", "properties": {}}]}`, graph.ErrInvalidTransaction, `field "properties" does not belong to NodeRemoved`},
		{"edge field on node", "g", node(`, "edge_id": "e"`), graph.ErrInvalidTransaction, `field "edge_id" does not belong to NodeAdded`},
		{"unknown event field", "g", node(`, "colour": "red"`), graph.ErrInvalidTransaction, `field "colour" does not belong`},
		{"event field wrong case", "g", node(`, "Node_ID": "b"`), graph.ErrInvalidTransaction, `field "Node_ID" does not belong`},
		{"client event ID", "g", node(`, "event_id": "x"`), graph.ErrInvalidTransaction, `field "event_id" does not belong`},
		{"missing node ID", "g", `{"events": [{"type": "NodeAdded"}]}`, graph.ErrInvalidID, "events[0].node_id: invalid ID: node ID is empty"},
		{"long node ID", "g", `{"events": [{"type": "NodeRemoved", "node_id": "` + long + `"}]}`, graph.ErrInvalidID, "limit is 256"},
		{"node ID not a string", "g", `{"events": [{"type": "NodeRemoved", "node_id": 5}]}`, graph.ErrInvalidTransaction, "events[0].node_id must be a string (it is the number 5)"},
		{"missing edge source", "g", `{"events": [{"type": "EdgeAdded", "edge_id": "e", "target_id": "b"}]}`, graph.ErrInvalidID, "events[0].source_id: invalid ID: source node ID is empty"},
		{"missing edge target", "g", `{"events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a"}]}`, graph.ErrInvalidID, "target node ID is empty"},
		{"missing edge ID", "g", `{"events": [{"type": "EdgeRemoved"}]}`, graph.ErrInvalidID, "edge ID is empty"},
		{"second event bad", "g", `{"events": [{"type": "NodeAdded", "node_id": "a"}, {"type": "EdgeUpdated"}]}`, graph.ErrInvalidID, "events[1].edge_id"},
		{"properties a list", "g", node(`, "properties": [1, 2]`), graph.ErrInvalidTransaction, "events[0].properties must be a JSON object of properties (it is a list)"},
		{"properties a string", "g", node(`, "properties": "x"`), graph.ErrInvalidTransaction, "(it is a string)"},
		{"properties a number", "g", node(`, "properties": 1`), graph.ErrInvalidTransaction, "(it is the number 1)"},
		{"set a boolean", "g", `{"events": [{"type": "NodeUpdated", "node_id": "a", "set": true}]}`, graph.ErrInvalidTransaction, "events[0].set must be a JSON object"},
		{"properties too deep", "g", node(`, "properties": ` + deep), graph.ErrInvalidTransaction, "nests deeper than 64"},
		{"number out of range", "g", node(`, "properties": {"x": 1e400}`), graph.ErrInvalidTransaction, "events[0].properties"},
		{"unset not a list", "g", `{"events": [{"type": "NodeUpdated", "node_id": "a", "unset": "x"}]}`, graph.ErrInvalidTransaction, "events[0].unset must be a list of strings"},
		{"unset of numbers", "g", `{"events": [{"type": "NodeUpdated", "node_id": "a", "unset": [1]}]}`, graph.ErrInvalidTransaction, "events[0].unset must be a list of strings"},
		{"long node type", "g", node(`, "node_type": "` + long + `"`), graph.ErrInvalidTransaction, "events[0].node_type: node type is 257 bytes long"},
		{"long edge type", "g", `{"events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a", "target_id": "b", "edge_type": "` + long + `"}]}`, graph.ErrInvalidTransaction, "edge type is 257 bytes"},
		{"bad occurred_at", "g", node(`, "occurred_at": "yesterday"`), graph.ErrInvalidTransaction, `events[0].occurred_at is "yesterday", not an RFC 3339 time`},
		{"occurred_at no zone", "g", node(`, "occurred_at": "2025-01-02T03:04:05"`), graph.ErrInvalidTransaction, "not an RFC 3339 time"},
		{"occurred_at number", "g", node(`, "occurred_at": 1700000000`), graph.ErrInvalidTransaction, "events[0].occurred_at must be a string"},
		{"occurred_at before year 1", "g", node(`, "occurred_at": "0001-01-01T00:00:00+01:00"`), graph.ErrInvalidTransaction, "outside the years"},
		{"expected_version negative", "g", `{"expected_version": -1, "events": []}`, graph.ErrInvalidTransaction, "expected_version must be a whole number"},
		{"expected_version fraction", "g", `{"expected_version": 1.5, "events": []}`, graph.ErrInvalidTransaction, "expected_version must be a whole number"},
		{"expected_version string", "g", `{"expected_version": "1", "events": []}`, graph.ErrInvalidTransaction, "(it is a string)"},
		{"transaction_id number", "g", `{"transaction_id": 1, "events": []}`, graph.ErrInvalidTransaction, "transaction_id must be a string"},
		{"transaction_id too long", "g", `{"transaction_id": "` + long + `", "events": [{"type": "NodeRemoved", "node_id": "a"}]}`, graph.ErrInvalidID, "transaction_id"},
		{"transaction_id control", "g", `{"transaction_id": "a\nb", "events": [{"type": "NodeRemoved", "node_id": "a"}]}`, graph.ErrInvalidID, "control character"},
		{"metadata not an object", "g", `{"metadata": "x", "events": []}`, graph.ErrInvalidTransaction, "metadata must be a JSON object"},
		{"metadata unknown field", "g", `{"metadata": {"user": "x"}, "events": []}`, graph.ErrInvalidTransaction, `metadata has unknown field "user"`},
		{"metadata not a string", "g", `{"metadata": {"author": 1}, "events": []}`, graph.ErrInvalidTransaction, "metadata.author must be a string"},
		{"metadata too long", "g", `{"metadata": {"author": "` + strings.Repeat("a", MaxMetadataLen+1) + `"}, "events": []}`, graph.ErrInvalidTransaction, "metadata.author is 1025 bytes"},
		{"huge unknown field", "g", node(`, "` + strings.Repeat("k", 100000) + `": 1`), graph.ErrInvalidTransaction, "kkkk…"},
		{"huge number", "g", `{"expected_version": ` + strings.Repeat("9", 100000) + `, "events": []}`, graph.ErrInvalidTransaction, "99…"},
		{"too many events", "g", `{"events": [` + strings.Repeat(`{"type": "NodeRemoved", "node_id": "a"},`, 3) + `{"type": "NodeRemoved", "node_id": "a"}]}`, store.ErrTooLarge, "4 events, the limit is 3"},
		// Controls: the limits themselves are accepted.
		{"at the depth limit", "g", node(`, "properties": ` + okDeep), nil, ""},
		{"at the event limit", "g", `{"events": [` + strings.Repeat(`{"type": "NodeRemoved", "node_id": "a"},`, 2) + `{"type": "NodeRemoved", "node_id": "a"}]}`, nil, ""},
		{"unset the empty key", "g", `{"events": [{"type": "NodeUpdated", "node_id": "a", "unset": [""]}]}`, nil, ""},
		{"nulls are absent", "g", `{"expected_version": null, "transaction_id": null, "metadata": null, "events": [{"type": "NodeAdded", "node_id": "a", "node_type": null, "properties": null, "occurred_at": null}]}`, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tx, err := DecodeTransaction(tt.graph, []byte(tt.body), 3)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("DecodeTransaction: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("DecodeTransaction accepted it: %v", tx)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q does not wrap %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q does not contain %q", err, tt.msg)
			}
			if len(err.Error()) > 600 {
				t.Errorf("error is %d bytes long; client input must be clipped", len(err.Error()))
			}
		})
	}
}

// checkDecoded states what every accepted transaction satisfies.
func checkDecoded(t *testing.T, graphID string, tx *messages.Transaction, maxEvents int) {
	t.Helper()
	if err := graph.ValidateGraphID(tx.GraphId); err != nil || tx.GraphId != graphID {
		t.Fatalf("graph ID %q (asked %q): %v", tx.GraphId, graphID, err)
	}
	if tx.TransactionId == "" || !utf8.ValidString(tx.TransactionId) {
		t.Fatalf("bad transaction ID %q", tx.TransactionId)
	}
	n := len(tx.Events)
	if n == 0 || n > maxEvents {
		t.Fatalf("%d events (limit %d)", n, maxEvents)
	}
	for i, ev := range tx.Events {
		if ev.EventId == "" || ev.GraphId != graphID || ev.TransactionId != tx.TransactionId ||
			ev.Index != uint32(i) || ev.Count != uint32(n) {
			t.Fatalf("event %d envelope: %v", i, ev)
		}
		if ts := ev.OccurredAt; ts != nil {
			if err := ts.CheckValid(); err != nil {
				t.Fatalf("event %d occurred_at: %v", i, err)
			}
		}
		ids := map[string]string{}
		switch p := ev.Payload.(type) {
		case *messages.Event_NodeAdded:
			ids["node"] = p.NodeAdded.NodeId
		case *messages.Event_NodeUpdated:
			ids["node"] = p.NodeUpdated.NodeId
		case *messages.Event_NodeRemoved:
			ids["node"] = p.NodeRemoved.NodeId
		case *messages.Event_EdgeAdded:
			ids["edge"], ids["source"], ids["target"] = p.EdgeAdded.EdgeId, p.EdgeAdded.SourceId, p.EdgeAdded.TargetId
		case *messages.Event_EdgeUpdated:
			ids["edge"] = p.EdgeUpdated.EdgeId
		case *messages.Event_EdgeRemoved:
			ids["edge"] = p.EdgeRemoved.EdgeId
		default:
			t.Fatalf("event %d has no payload", i)
		}
		for kind, id := range ids {
			if err := graph.ValidateElementID(kind, id); err != nil {
				t.Fatalf("event %d: %v", i, err)
			}
		}
	}
	// The graph's own shape rules agree: against an empty graph an
	// accepted transaction may be refused by the rules (an update of a
	// missing node), never as malformed.
	if err := graph.New(graphID).Check(tx.Events); err != nil &&
		(errors.Is(err, graph.ErrInvalidTransaction) || errors.Is(err, graph.ErrInvalidID)) {
		t.Fatalf("accepted transaction is malformed to the graph: %v", err)
	}
	// What the log stores must decode again: valid UTF-8 everywhere and
	// nesting within protobuf's recursion limit.
	data, err := proto.Marshal(tx)
	if err != nil {
		t.Fatalf("accepted transaction does not encode: %v", err)
	}
	var back messages.Transaction
	if err := proto.Unmarshal(data, &back); err != nil {
		t.Fatalf("accepted transaction does not decode: %v", err)
	}
	if !proto.Equal(&back, tx) {
		t.Fatal("accepted transaction changes through the log's encoding")
	}
	for _, ev := range tx.Events {
		if _, err := json.Marshal(EventJSON(ev)); err != nil {
			t.Fatalf("accepted event cannot be listed: %v", err)
		}
	}
}

func FuzzDecodeTransaction(f *testing.F) {
	seeds := []string{
		`{"events": [{"type": "NodeAdded", "node_id": "a", "node_type": "t", "properties": {"x": [1, {"y": null}]}}]}`,
		`{"expected_version": 3, "transaction_id": "t", "metadata": {"author": "a"}, "events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a", "target_id": "b", "occurred_at": "2025-01-01T00:00:00Z"}]}`,
		`{"events": [{"type": "NodeUpdated", "node_id": "a", "set": {"k": "v"}, "unset": ["j"]}, {"type": "EdgeUpdated", "edge_id": "e", "unset": ["z"]}]}`,
		`{"events": [{"type": "NodeRemoved", "node_id": "\u00e9"}, {"type": "EdgeRemoved", "edge_id": "e"}]}`,
		`{"events": [{"type": "NodeAdded", "node_id": "\xff"}]}`,
		`{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"\xff": "\xfe"}}]}`,
		`{"events": [{"type": "NodeAdded", "node_id": "a", "Node_Id": "b"}]}`,
		`{"events": [{"type": "NodeAdded", "node_id": "a", "occurred_at": "9999-12-31T23:59:59-01:00"}]}`,
		`{"events": []}`, `[]`, `null`, `{`, ``, `{"events": [null]}`,
	}
	for _, s := range seeds {
		f.Add("g", []byte(s))
	}
	f.Add("bad.graph", []byte(seeds[0]))
	const maxEvents = 5
	f.Fuzz(func(t *testing.T, graphID string, body []byte) {
		tx, err := DecodeTransaction(graphID, body, maxEvents)
		if err != nil {
			if tx != nil {
				t.Fatal("an error and a transaction")
			}
			// Every refusal is the client's fault, so it is a 4xx.
			if status, _ := classify(err); status != 400 && status != 413 {
				t.Fatalf("refusal %q maps to %d", err, status)
			}
			return
		}
		checkDecoded(t, graphID, tx, maxEvents)
	})
}

// The API's event type names are the schema's (graph.EventTypes), every
// one of them decodes, and its JSON form names it back.
func TestEventTypesFollowTheSchema(t *testing.T) {
	names := []string{EventNodeAdded, EventNodeUpdated, EventNodeRemoved, EventEdgeAdded, EventEdgeUpdated, EventEdgeRemoved}
	if !slices.Equal(names, graph.EventTypes) {
		t.Fatalf("the API's event types %v differ from the schema's %v", names, graph.EventTypes)
	}
	for _, typ := range graph.EventTypes {
		if _, ok := eventFields[typ]; !ok {
			t.Errorf("no fields for %s", typ)
		}
	}
}
