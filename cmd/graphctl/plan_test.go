package main

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

func node(id, typ string, props map[string]any) element {
	return element{id: id, typ: typ, props: props, pos: position{Line: 1}}
}

func edge(id, source, target string) element {
	return element{edge: true, id: id, source: source, target: target, pos: position{Line: 1}}
}

func nodeAdded(id, typ string, props map[string]any) apitypes.EventData {
	return apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: id, NodeType: typ, Properties: props}
}

func edgeAdded(id, source, target string) apitypes.EventData {
	return apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: id, SourceID: source, TargetID: target}
}

func TestPlanner(t *testing.T) {
	tests := []struct {
		name       string
		declares   bool
		existing   []string
		maxPending int
		in         []element
		want       []apitypes.EventData
		warnings   int
	}{
		{
			name: "edge list: nodes created on first sight, before their edge",
			in:   []element{edge("e1", "a", "b"), edge("e2", "b", "c"), edge("e3", "c", "c")},
			want: []apitypes.EventData{nodeAdded("a", "", nil), nodeAdded("b", "", nil), edgeAdded("e1", "a", "b"),
				nodeAdded("c", "", nil), edgeAdded("e2", "b", "c"), edgeAdded("e3", "c", "c")},
		},
		{
			name:     "existing nodes are reused",
			existing: []string{"a"},
			in:       []element{edge("e1", "a", "b")},
			want:     []apitypes.EventData{nodeAdded("b", "", nil), edgeAdded("e1", "a", "b")},
		},
		{
			name:     "declared nodes, then edges",
			declares: true,
			in:       []element{node("a", "person", map[string]any{"n": 1.0}), node("b", "", nil), edge("e1", "a", "b")},
			want:     []apitypes.EventData{nodeAdded("a", "person", map[string]any{"n": 1.0}), nodeAdded("b", "", nil), edgeAdded("e1", "a", "b")},
		},
		{
			name:     "an edge before its nodes waits for their declarations",
			declares: true,
			in:       []element{edge("e1", "a", "b"), node("a", "person", nil), node("b", "thing", nil), edge("e2", "b", "a")},
			want: []apitypes.EventData{nodeAdded("a", "person", nil), nodeAdded("b", "thing", nil), edgeAdded("e2", "b", "a"),
				edgeAdded("e1", "a", "b")},
		},
		{
			name:     "nodes never declared are created bare at the end",
			declares: true,
			in:       []element{edge("e1", "a", "z"), node("a", "", nil)},
			want:     []apitypes.EventData{nodeAdded("a", "", nil), nodeAdded("z", "", nil), edgeAdded("e1", "a", "z")},
		},
		{
			name:       "too many waiting: created bare, declared later with NodeUpdated",
			declares:   true,
			maxPending: 1,
			in:         []element{edge("e1", "a", "b"), node("a", "person", map[string]any{"n": 1.0}), node("b", "", nil)},
			want: []apitypes.EventData{nodeAdded("a", "", nil), nodeAdded("b", "", nil), edgeAdded("e1", "a", "b"),
				{Type: apitypes.EventNodeUpdated, NodeID: "a", Set: map[string]any{"n": 1.0}}},
			warnings: 1, // a's type could not be applied
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			warnings := 0
			p := newPlanner("in", tt.declares, tt.existing, func(string) { warnings++ })
			if tt.maxPending > 0 {
				p.maxPending = tt.maxPending
			}
			for _, el := range tt.in {
				if err := p.add(el); err != nil {
					t.Fatal(err)
				}
			}
			p.finish()
			got, _ := p.take(1000, math.MaxInt)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if warnings != tt.warnings {
				t.Errorf("%d warnings, want %d", warnings, tt.warnings)
			}
			if p.ready() != 0 {
				t.Errorf("%d events left", p.ready())
			}
		})
	}
}

func TestPlannerErrors(t *testing.T) {
	long := strings.Repeat("x", 257)
	tests := []struct {
		name     string
		existing []string
		in       []element
		want     string
	}{
		{"node declared twice", nil, []element{node("a", "", nil), node("a", "", nil)}, `in: line 1: node "a" is declared twice`},
		{"node in the graph already", []string{"a"}, []element{node("a", "", nil)}, `in: line 1: node "a" already exists in the graph`},
		{"empty node ID", nil, []element{node("", "", nil)}, "in: line 1: invalid ID: node ID is empty"},
		{"long edge ID", nil, []element{edge(long, "a", "b")}, "in: line 1: invalid ID: edge ID is 257 bytes long, the limit is 256"},
		{"empty target", nil, []element{edge("e", "a", "")}, "in: line 1: invalid ID: target node ID is empty"},
		{"bad UTF-8", nil, []element{edge("e", "a\xff", "b")}, "not valid UTF-8"},
		{"long type", nil, []element{node("a", long, nil)}, `in: line 1: node "a": the type is 257 bytes long, the limit is 256`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPlanner("in", true, tt.existing, nil)
			var err error
			for _, el := range tt.in {
				if err = p.add(el); err != nil {
					break
				}
			}
			var ie *inputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want an *inputError with %q", err, tt.want)
			}
		})
	}
}

// take cuts the queue into batches in order, whatever their sizes.
func TestPlannerTake(t *testing.T) {
	p := newPlanner("in", false, nil, nil)
	var want []string
	for i := range 10_000 {
		id := "n" + strings.Repeat("x", i%7) + string(rune('a'+i%26))
		if err := p.add(edge("e"+id+string(rune(i)), "s", "t")); err != nil {
			t.Fatal(err)
		}
		want = append(want, "e"+id+string(rune(i)))
	}
	var got []string
	for n := 1; p.ready() > 0; n = n%997 + 1 {
		evs, _ := p.take(n, math.MaxInt)
		for _, ev := range evs {
			if ev.Type == apitypes.EventEdgeAdded {
				got = append(got, ev.EdgeID)
			}
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edges out of order: %d of %d", len(got), len(want))
	}
}
