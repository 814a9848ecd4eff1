package graph

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/messages"
)

func TestFromStateRejectsCorrupt(t *testing.T) {
	valid := func() *messages.GraphState {
		return &messages.GraphState{
			GraphId: "g", Version: 3, Sequence: 9, Format: StateFormat,
			Nodes: []*messages.Node{{Id: "a"}, {Id: "b", Type: "t"}},
			Edges: []*messages.Edge{{Id: "e1", Source: "a", Target: "b"}, {Id: "e2", Source: "b", Target: "b"}},
			Recent: []*messages.CommittedTransaction{
				{TransactionId: "t1", Version: 1, Sequence: 2, Events: 2, Digest: make([]byte, DigestSize)},
				{TransactionId: "t3", Version: 3, Sequence: 9, Events: 1},
			},
		}
	}
	tests := []struct {
		name    string
		mutate  func(s *messages.GraphState)
		mention string
	}{
		{"bad graph ID", func(s *messages.GraphState) { s.GraphId = "a.b" }, `graph ID "a.b"`},
		{"no graph ID", func(s *messages.GraphState) { s.GraphId = "" }, "graph ID is empty"},
		{"nil node", func(s *messages.GraphState) { s.Nodes[1] = nil }, "node 1 is nil"},
		{"empty node ID", func(s *messages.GraphState) { s.Nodes[0].Id = "" }, "node ID is empty"},
		{"unsorted nodes", func(s *messages.GraphState) { s.Nodes[0], s.Nodes[1] = s.Nodes[1], s.Nodes[0] }, "sorted"},
		{"duplicate node", func(s *messages.GraphState) { s.Nodes[1].Id = "a" }, "unique"},
		{"bad node type", func(s *messages.GraphState) { s.Nodes[1].Type = "\xff" }, "not valid UTF-8"},
		{"bad node props", func(s *messages.GraphState) {
			s.Nodes[0].Properties = &structpb.Struct{Fields: map[string]*structpb.Value{"x": structpb.NewNumberValue(math.NaN())}}
		}, "NaN"},
		{"nil edge", func(s *messages.GraphState) { s.Edges[0] = nil }, "edge 0 is nil"},
		{"bad edge ID", func(s *messages.GraphState) { s.Edges[0].Id = strings.Repeat("e", 300) }, "300 bytes"},
		{"unsorted edges", func(s *messages.GraphState) { s.Edges[0].Id = "e3" }, "sorted"},
		{"missing source", func(s *messages.GraphState) { s.Edges[0].Source = "zz" }, `source node "zz"`},
		{"missing target", func(s *messages.GraphState) { s.Edges[1].Target = "" }, `target node ""`},
		{"bad edge props", func(s *messages.GraphState) {
			s.Edges[1].Properties = &structpb.Struct{Fields: map[string]*structpb.Value{"x": {}}}
		}, "has no value"},
		{"no format", func(s *messages.GraphState) { s.Format = 0 }, "written before format 2"},
		{"a later format", func(s *messages.GraphState) { s.Format = 4 }, "format 4"},
		{"nil remembered transaction", func(s *messages.GraphState) { s.Recent[0] = nil }, "remembered transaction 0 is nil"},
		{"no transaction ID", func(s *messages.GraphState) { s.Recent[1].TransactionId = "" }, "transaction ID is empty"},
		{"transaction ID too long", func(s *messages.GraphState) { s.Recent[1].TransactionId = strings.Repeat("t", MaxElementIDLen+1) }, "257 bytes"},
		{"transaction remembered twice", func(s *messages.GraphState) { s.Recent[1].TransactionId = "t1" }, "remembered twice"},
		{"no transaction version", func(s *messages.GraphState) { s.Recent[0].Version = 0 }, "has no version"},
		{"transaction versions not ascending", func(s *messages.GraphState) { s.Recent[1].Version = 1 }, "ascending"},
		{"transaction beyond the state", func(s *messages.GraphState) { s.Recent[1].Version = 4 }, "beyond the state's 3"},
		{"short digest", func(s *messages.GraphState) { s.Recent[0].Digest = []byte{1} }, "digest of 1 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := valid()
			tt.mutate(s)
			_, err := FromState(s)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("FromState = %v, want ErrCorrupt mentioning %q", err, tt.mention)
			}
			if wrong := s.Format != StateFormat; errors.Is(err, ErrSnapshotFormat) != wrong {
				t.Fatalf("FromState = %v; wraps ErrSnapshotFormat: %v, want %v", err, !wrong, wrong)
			}
			// The same through Decode, when the bytes can be marshalled.
			if b, merr := proto.Marshal(s); merr == nil {
				if _, err := Decode(b); !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrSnapshotFormat) != (s.Format != StateFormat) {
					t.Fatalf("Decode = %v, want ErrCorrupt, and ErrSnapshotFormat for another format", err)
				}
			}
		})
	}
	if _, err := FromState(nil); !errors.Is(err, ErrCorrupt) {
		t.Errorf("FromState(nil) = %v, want ErrCorrupt", err)
	}
	for _, b := range [][]byte{{0xff}, {0x2a, 0x05, 0x0a}, []byte("not a snapshot")} {
		if _, err := Decode(b); !errors.Is(err, ErrCorrupt) {
			t.Errorf("Decode(%x) = %v, want ErrCorrupt", b, err)
		}
	}
	g, err := FromState(valid())
	if err != nil {
		t.Fatal(err)
	}
	if g.Version() != 3 || g.Sequence() != 9 || g.NodeCount() != 2 || g.EdgeCount() != 2 {
		t.Errorf("FromState(valid) = version %d sequence %d, %d nodes %d edges", g.Version(), g.Sequence(), g.NodeCount(), g.EdgeCount())
	}
	if c, ok := g.Remembered("t3"); !ok || c.Version != 3 || c.Sequence != 9 || c.Events != 1 || len(c.Digest) != 0 {
		t.Errorf("FromState(valid).Remembered(t3) = %+v %v", c, ok)
	}
	checkIncidence(t, "FromState", g)
	assertRoundTrip(t, "FromState", g)
}

// FromState normalises what a state can say in several ways: empty
// properties, a time stamp, unknown fields. The encoding does not see them.
func TestFromStateNormalises(t *testing.T) {
	plain := &messages.GraphState{GraphId: "g", Version: 1, Format: StateFormat, Nodes: []*messages.Node{{Id: "a"}}}
	noisy := &messages.GraphState{GraphId: "g", Version: 1, Format: StateFormat, UpdatedAt: &timestamppb.Timestamp{Seconds: 1_700_000_000},
		Nodes: []*messages.Node{{Id: "a", Properties: &structpb.Struct{}}}}
	noisy.Nodes[0].ProtoReflect().SetUnknown([]byte{0x98, 0x06, 0x01})
	a, err := FromState(plain)
	if err != nil {
		t.Fatal(err)
	}
	b, err := FromState(noisy)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustEncode(t, a), mustEncode(t, b)) {
		t.Errorf("equal states encode differently")
	}
	if b.State().UpdatedAt != nil {
		t.Errorf("State().UpdatedAt = %v, want nil", b.State().UpdatedAt)
	}
}

func TestEmptyGraphEncodes(t *testing.T) {
	g := New("g")
	assertRoundTrip(t, "empty graph", g)
	if s := g.State(); s.GraphId != "g" || s.Version != 0 || len(s.Nodes)+len(s.Edges)+len(s.Recent) != 0 || s.Format != StateFormat {
		t.Errorf("State() of a new graph = %v", s)
	}
}
