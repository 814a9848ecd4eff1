package main

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/store"
)

// logSize is the size a transaction of events has in the log: what the
// server makes of the JSON the import sends (api.DecodeTransaction), as
// the log encodes it (store.EncodeEntry), at the largest version.
func logSize(t *testing.T, graphID, txID, correlation string, events []apitypes.EventData) int {
	t.Helper()
	expected := uint64(7)
	body, err := json.Marshal(apitypes.TransactionRequest{ExpectedVersion: &expected, TransactionID: txID,
		Metadata: &apitypes.Metadata{CorrelationID: correlation}, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := api.DecodeTransaction(graphID, body, 0)
	if err != nil {
		t.Fatal(err)
	}
	tx.Version = math.MaxUint64
	data, err := store.EncodeEntry(tx)
	if err != nil {
		t.Fatal(err)
	}
	return len(data)
}

// eventSize and txOverhead bound what the log stores, and not by much for
// the events an import builds.
func TestEventSizeBound(t *testing.T) {
	kb := strings.Repeat("x", 1000)
	wide := map[string]any{}
	for i := range 10 {
		wide["column"+strconv.Itoa(i)] = strings.Repeat(strconv.Itoa(i), 100)
	}
	numbers := map[string]any{}
	for i := range 50 {
		numbers["n"+strconv.Itoa(i)] = float64(i)
	}
	tests := []struct {
		name  string
		ev    apitypes.EventData
		slack float64 // the bound is at most this times the real size
	}{
		{"bare node", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n1"}, 1.5},
		{"typed node", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "node-12345", NodeType: "person",
			Properties: map[string]any{"name": "Ada", "age": 36.0, "ok": true, "none": nil}}, 1.2},
		{"csv edge", apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: "e100001", SourceID: "n123", TargetID: "n4567", EdgeType: "knows",
			Properties: map[string]any{"weight": 1234.56}}, 1.2},
		{"wide edge", apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: "e2", SourceID: "a", TargetID: "b", Properties: wide}, 1.05},
		{"small numbers", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n", Properties: numbers}, 1.05},
		{"long string", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n", Properties: map[string]any{"s": kb}}, 1.05},
		{"nested", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n", Properties: map[string]any{
			"list": []any{1.0, "two", []any{true, nil}, map[string]any{"x": 3.0}}, "obj": map[string]any{"a": map[string]any{"b": "c"}}}}, 1.2},
		{"update", apitypes.EventData{Type: apitypes.EventNodeUpdated, NodeID: "n", Set: map[string]any{"k": "v"}, Unset: []string{"old", "older"}}, 1.3},
		{"edge update", apitypes.EventData{Type: apitypes.EventEdgeUpdated, EdgeID: "e", Set: map[string]any{"w": 2.0}}, 1.3},
		{"removal", apitypes.EventData{Type: apitypes.EventEdgeRemoved, EdgeID: "e"}, 1.5},
		{"occurred at", apitypes.EventData{Type: apitypes.EventNodeRemoved, NodeID: "n", OccurredAt: "2025-01-02T15:04:05.123456789Z"}, 1.6},
		{"not UTF-8", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n", NodeType: "t\xff\xfe",
			Properties: map[string]any{"k\xff": "v\xc3"}}, 1.4},
		{"escapes", apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n", Properties: map[string]any{"q": "\"<&>\"\n\t\u2028"}}, 1.3},
	}
	const graphID, txID = "a-graph-of-some-length", "import-ABCDEFGHIJKLMNOP-123456.1.2.1"
	prefix := newImportID()
	if len(prefix) > maxCorrelationLen {
		t.Fatalf("import ID %q is longer than %d bytes", prefix, maxCorrelationLen)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, n := range []int{1, 3, 200} {
				events := make([]apitypes.EventData, n)
				bound := txOverhead(graphID, prefix)
				for i := range events {
					events[i] = tt.ev
					bound += eventSize(&events[i])
				}
				real := logSize(t, graphID, txID, prefix, events)
				if bound < real {
					t.Fatalf("%d events: bound %d < real size %d", n, bound, real)
				}
				if n == 200 {
					t.Logf("200 events: bound %d, real %d (%.2f)", bound, real, float64(bound)/float64(real))
				}
				if n == 200 && float64(bound) > tt.slack*float64(real) {
					t.Errorf("%d events: bound %d is more than %.2f times the real size %d", n, bound, tt.slack, real)
				}
			}
		})
	}
}

// take cuts by bytes as well as by events, and never returns nothing.
func TestPlannerTakeBytes(t *testing.T) {
	p := newPlanner("in", false, nil, nil)
	for i := range 100 {
		id := strconv.Itoa(i)
		props := map[string]any{"p": strings.Repeat("v", 10*i)} // growing events
		if err := p.add(element{edge: true, id: "e" + id, source: "a", target: "b", props: props}); err != nil {
			t.Fatal(err)
		}
	}
	total, events := p.readyBytes(), p.ready()
	const budget = 2000
	seen, sum := 0, 0
	for p.ready() > 0 {
		evs, sizes := p.take(50, budget)
		if len(evs) == 0 || len(evs) != len(sizes) || len(evs) > 50 {
			t.Fatalf("take gave %d events, %d sizes", len(evs), len(sizes))
		}
		s := 0
		for i, ev := range evs {
			if sizes[i] != eventSize(&ev) {
				t.Fatalf("size %d of %+v, want %d", sizes[i], ev, eventSize(&ev))
			}
			s += sizes[i]
		}
		if s > budget && len(evs) > 1 {
			t.Errorf("%d events of %d bytes, over the budget %d", len(evs), s, budget)
		}
		// The cut is greedy: the next event would not have fit.
		if p.ready() > 0 && len(evs) < 50 && s+p.sizes[p.head] <= budget {
			t.Errorf("cut at %d bytes, but the next event (%d bytes) fits", s, p.sizes[p.head])
		}
		seen += len(evs)
		sum += s
		if p.readyBytes() != total-sum {
			t.Fatalf("readyBytes %d, want %d", p.readyBytes(), total-sum)
		}
	}
	if seen != events || sum != total || p.readyBytes() != 0 {
		t.Errorf("took %d events of %d bytes, queued were %d of %d; %d bytes left", seen, sum, events, total, p.readyBytes())
	}
	// An event over the budget goes alone.
	p.push(apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "big", Properties: map[string]any{"p": strings.Repeat("v", 5000)}})
	p.push(apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "small"})
	if evs, _ := p.take(50, budget); len(evs) != 1 || evs[0].NodeID != "big" {
		t.Errorf("took %+v, want the big event alone", evs)
	}
}

// A part's halves split its events where their sizes cross half, each
// keeps at least one, and the body of any part is a transaction of its
// events.
func TestTxPartHalves(t *testing.T) {
	var events []apitypes.EventData
	var sizes []int
	for i, n := range []int{10, 10, 10, 10, 500, 10, 10, 2000} {
		ev := apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: "n" + strconv.Itoa(i), Properties: map[string]any{"p": strings.Repeat("v", n)}}
		events, sizes = append(events, ev), append(sizes, eventSize(&ev))
	}
	job, err := encodeJob(3, events, sizes)
	if err != nil {
		t.Fatal(err)
	}
	var check func(p txPart)
	check = func(p txPart) {
		var req apitypes.TransactionRequest
		body := p.body("id-"+p.label, "import-x", 41)
		if err := json.Unmarshal(body, &req); err != nil {
			t.Fatalf("part %s: %v: %s", p.label, err, body)
		}
		if req.TransactionID != "id-"+p.label || req.ExpectedVersion == nil || *req.ExpectedVersion != 41 || len(req.Events) != p.events() ||
			req.Metadata == nil || req.Metadata.CorrelationID != "import-x" {
			t.Fatalf("part %s: %+v", p.label, req)
		}
		for i, ev := range req.Events {
			if ev.NodeID != events[p.lo+i].NodeID {
				t.Fatalf("part %s: event %d is %s, want %s", p.label, i, ev.NodeID, events[p.lo+i].NodeID)
			}
		}
		if p.events() == 1 {
			return
		}
		a, b := p.halves()
		if a.lo != p.lo || a.hi != b.lo || b.hi != p.hi || a.events() < 1 || b.events() < 1 ||
			a.label != p.label+".1" || b.label != p.label+".2" {
			t.Fatalf("halves of %+v: %+v, %+v", p, a, b)
		}
		if a.events() > 1 && a.size()-job.evs[a.hi-1].size >= p.size()/2 {
			t.Errorf("the first half of %s goes past half its size", p.label)
		}
		check(a)
		check(b)
	}
	whole := wholeJob(&job)
	if whole.label != "3" || whole.events() != len(events) || whole.upTo() != job.upTo {
		t.Fatalf("whole job: %+v", whole)
	}
	check(whole)
	// The big last event is a half of its own.
	if _, b := whole.halves(); b.events() != 1 {
		t.Errorf("second half has %d events, want the 2000-byte one alone", b.events())
	}
}
