package graph

import (
	"bytes"
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// fuzzSeed is the small graph FuzzApply starts from, at version 3: nodes
// a, b, c; edges a→b (twice), b→c and a self-loop on c; some properties;
// transactions t1 and t3 remembered.
func fuzzSeed(t testing.TB) *Graph {
	t.Helper()
	w, _ := structpb.NewStruct(map[string]any{"w": 2, "tags": []any{"x"}})
	g, err := FromState(&messages.GraphState{
		GraphId: "g", Version: 3, Sequence: 10, Format: StateFormat,
		Recent: []*messages.CommittedTransaction{
			{TransactionId: "t1", Version: 1, Sequence: 4, Events: 4, Digest: bytes.Repeat([]byte{1}, DigestSize)},
			{TransactionId: "t3", Version: 3, Sequence: 10, Events: 6},
		},
		Nodes: []*messages.Node{{Id: "a", Type: "person", Properties: w}, {Id: "b"}, {Id: "c"}},
		Edges: []*messages.Edge{
			{Id: "ab1", Source: "a", Target: "b", Properties: w}, {Id: "ab2", Source: "a", Target: "b"},
			{Id: "bc", Source: "b", Target: "c", Type: "knows"}, {Id: "cc", Source: "c", Target: "c"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// refFrom loads a graph's state into the reference fold.
func refFrom(g *Graph) *ref {
	r := newRef(g.ID())
	s := g.State()
	r.version, r.sequence, r.recent = s.Version, s.Sequence, s.Recent
	for _, n := range s.Nodes {
		r.nodes[n.Id] = n
	}
	for _, e := range s.Edges {
		r.edges[e.Id] = e
	}
	return r
}

// FuzzApply decodes a transaction and applies it to a small seeded graph.
// The first byte is a mode. Bit 2 clear: the rest is a protobuf
// Transaction. Bit 2 set: the rest is a compact program of events (see
// programEvents), which lets the fuzzer explore the graph rules instead of
// the protobuf decoder. Bit 0 sets the version to the next one and bit 1
// fills every event's envelope, so that the fuzzer gets past them.
// Apply must never panic, must agree with the reference fold, and must
// leave the state unchanged on error (but for version, sequence and the
// remembered transactions on a rejection).
func FuzzApply(f *testing.F) {
	add := func(mode byte, tx *messages.Transaction) {
		b, err := proto.Marshal(tx)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte{mode}, b...))
	}
	ev := func(p any) *messages.Event {
		e := &messages.Event{}
		switch p := p.(type) {
		case *messages.NodeAdded:
			e.Payload = &messages.Event_NodeAdded{NodeAdded: p}
		case *messages.NodeUpdated:
			e.Payload = &messages.Event_NodeUpdated{NodeUpdated: p}
		case *messages.NodeRemoved:
			e.Payload = &messages.Event_NodeRemoved{NodeRemoved: p}
		case *messages.EdgeAdded:
			e.Payload = &messages.Event_EdgeAdded{EdgeAdded: p}
		case *messages.EdgeUpdated:
			e.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: p}
		case *messages.EdgeRemoved:
			e.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: p}
		}
		return e
	}
	props, _ := structpb.NewStruct(map[string]any{"w": 1.5, "n": nil, "o": map[string]any{"l": []any{true}}})
	add(3, &messages.Transaction{Events: []*messages.Event{ev(&messages.NodeAdded{NodeId: "d", Properties: props}), ev(&messages.EdgeAdded{EdgeId: "cd", SourceId: "c", TargetId: "d"})}})
	add(3, &messages.Transaction{Events: []*messages.Event{ev(&messages.NodeRemoved{NodeId: "b"}), ev(&messages.EdgeUpdated{EdgeId: "bc"})}})
	add(3, &messages.Transaction{Events: []*messages.Event{ev(&messages.NodeRemoved{NodeId: "c"}), ev(&messages.NodeAdded{NodeId: "c"}), ev(&messages.EdgeAdded{EdgeId: "cc", SourceId: "c", TargetId: "c"})}})
	add(3, &messages.Transaction{Events: []*messages.Event{ev(&messages.NodeUpdated{NodeId: "a", Set: props, Unset: []string{"w", "tags"}}), ev(&messages.EdgeRemoved{EdgeId: "ab1"})}})
	add(1, &messages.Transaction{GraphId: "g", Events: []*messages.Event{ev(&messages.NodeAdded{NodeId: "d"})}})
	add(0, &messages.Transaction{Version: 4, Events: []*messages.Event{{GraphId: "g", Version: 4, Count: 1, Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "d"}}}}})
	add(0, &messages.Transaction{Version: 3})
	add(2, &messages.Transaction{Version: 9})
	add(1, &messages.Transaction{TransactionId: "t1", Events: []*messages.Event{ev(&messages.NodeAdded{NodeId: "a"})}})
	add(3, &messages.Transaction{TransactionId: "t9", Events: []*messages.Event{ev(&messages.NodeRemoved{NodeId: "a"})}})
	f.Add([]byte{7, 0, 3, 0, 0, 3, 0, 3, 3, 2, 2, 0, 0, 0, 2, 0, 0, 3, 1, 3, 2})
	f.Add([]byte{7, 2, 2, 0, 0, 0, 2, 0, 0, 3, 2, 2, 2, 4, 2, 0, 0, 5, 2, 0, 0})

	seed := fuzzSeed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		mode, data := data[0], data[1:]
		tx := new(messages.Transaction)
		if mode&4 != 0 {
			tx.Events = programEvents(data)
		} else if err := proto.Unmarshal(data, tx); err != nil {
			return
		}
		g := seed.Clone()
		r := refFrom(g)
		if mode&1 != 0 {
			tx.Version = g.Version() + 1
		}
		if mode&2 != 0 {
			for i, ev := range tx.Events {
				ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), tx.Version, uint32(i), uint32(len(tx.Events))
			}
		}
		before := mustEncode(t, g)
		checkErr := g.Check(tx.Events)
		if !bytes.Equal(mustEncode(t, g), before) {
			t.Fatal("Check changed the state")
		}

		err := g.Apply(tx)
		want := r.apply(tx)
		if !sameOutcome(err, want.sentinel, want.index) {
			t.Fatalf("Apply = %v, reference wants %v at event %d", err, want.sentinel, want.index)
		}
		var rej *RejectedError
		switch {
		case err == nil:
			if checkErr != nil {
				t.Fatalf("Apply succeeded but Check said %v", checkErr)
			}
		case errors.As(err, &rej):
			if !want.rejected || rej.Version != tx.Version || g.Version() != tx.Version || g.Sequence() != tx.Sequence {
				t.Fatalf("rejection %v: version %d sequence %d, tx %d %d", err, g.Version(), g.Sequence(), tx.Version, tx.Sequence)
			}
			if !bytes.Equal(mustEncode(t, g), mustEncode(t, mustFromState(t, r.state()))) {
				t.Fatalf("rejected transaction: state differs from the reference:\n got %v\nwant %v", g.State(), r.state())
			}
			g.version, g.sequence, g.recent = seed.version, seed.sequence, seed.recent.clone()
			if !bytes.Equal(mustEncode(t, g), before) {
				t.Fatalf("rejected transaction changed the state: %v", err)
			}
			return
		default:
			if want.rejected || !bytes.Equal(mustEncode(t, g), before) {
				t.Fatalf("failed apply %v changed the state", err)
			}
			return
		}
		// Applied: the same state as the reference, consistent indexes,
		// and an encoding that round-trips.
		if !bytes.Equal(mustEncode(t, g), mustEncode(t, mustFromState(t, r.state()))) {
			t.Fatalf("state differs from the reference:\n got %v\nwant %v", g.State(), r.state())
		}
		checkIncidence(t, "after apply", g)
		assertRoundTrip(t, "after apply", g)
	})
}

// programEvents reads 4 bytes per event: the payload kind, then an ID, a
// source and a target picked from small pools (so they collide), and a
// byte choosing properties. Byte values past the pools give invalid IDs.
func programEvents(b []byte) []*messages.Event {
	nodeID := func(x byte) string {
		if x >= 250 {
			return ""
		}
		return string(rune('a' + x%6))
	}
	edgeID := func(x byte) string {
		if x >= 250 {
			return ""
		}
		return []string{"ab1", "ab2", "bc", "cc", "e0", "e1", "e2", "e3"}[x%8]
	}
	props := func(z byte) *structpb.Struct {
		var m map[string]any
		switch z % 5 {
		case 0:
			return nil
		case 1:
			m = map[string]any{}
		case 2:
			m = map[string]any{"w": float64(z)}
		case 3:
			m = map[string]any{"w": "s", "tags": nil}
		case 4:
			m = map[string]any{"k": map[string]any{"n": []any{nil, true}}}
		}
		s, _ := structpb.NewStruct(m)
		return s
	}
	unset := func(z byte) []string {
		if z&8 != 0 {
			return []string{"w", "nope"}
		}
		return nil
	}
	var events []*messages.Event
	for ; len(b) >= 4; b = b[4:] {
		op, x, y, z := b[0], b[1], b[2], b[3]
		ev := &messages.Event{}
		switch op % 7 {
		case 0:
			ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: nodeID(x), NodeType: nodeID(y), Properties: props(z)}}
		case 1:
			ev.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: nodeID(x), Set: props(z), Unset: unset(z)}}
		case 2:
			ev.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: nodeID(x)}}
		case 3:
			ev.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: edgeID(x), SourceId: nodeID(y), TargetId: nodeID(z), Properties: props(z)}}
		case 4:
			ev.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: edgeID(x), Set: props(z), Unset: unset(z)}}
		case 5:
			ev.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: edgeID(x)}}
		}
		events = append(events, ev)
	}
	return events
}

// FuzzDecode: arbitrary bytes never panic Decode; what decodes re-encodes
// stably and keeps its indexes consistent. Decode agrees with the general
// way (proto.Unmarshal, then FromState) on what it accepts and what it
// builds, and its fast way accepts only bytes that Encode writes.
func FuzzDecode(f *testing.F) {
	seed := fuzzSeed(f)
	// A fork with removed elements: a lineage, and trails of elements
	// present and gone.
	fork := New("f")
	first := txWith(fork, "f1", addNode("a"), addNode("b"))
	first.ForkedFrom = &messages.Lineage{GraphId: "g", Version: 3, Cid: "bafkreiseed", Transactions: 2}
	if err := fork.Apply(first); err != nil {
		f.Fatal(err)
	}
	if err := fork.Apply(txWith(fork, "f2", &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "b"}}})); err != nil {
		f.Fatal(err)
	}
	for _, g := range []*Graph{New("g"), seed, fork} {
		b, err := g.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	unsorted, _ := proto.Marshal(&messages.GraphState{GraphId: "g", Format: StateFormat, Nodes: []*messages.Node{{Id: "b"}, {Id: "a"}}})
	f.Add(unsorted)
	f.Add([]byte{0x0a, 0x01, 'g', 0x2a, 0x03, 0x0a, 0x01, 'a', 0x32, 0x0b, 0x0a, 0x01, 'e', 0x12, 0x01, 'a', 0x1a, 0x01, 'a', 0x2a, 0x00, 0x38, 0x02})
	f.Add([]byte{0x0a, 0x01, 'g', 0x10, 0x02, 0x38, 0x02, 0x42, 0x05, 0x0a, 0x01, 't', 0x10, 0x02, 0x42, 0x05, 0x0a, 0x01, 's', 0x10, 0x01})
	f.Add([]byte{0x0a, 0x01, 'g', 0x38, 0x01}) // another format
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := Decode(data)
		ref, refErr := decodeGeneral(data)
		if (err == nil) != (refErr == nil) {
			t.Fatalf("Decode error %v, general way %v", err, refErr)
		}
		if fast, ok := decodeCanonical(data); ok && !bytes.Equal(mustEncode(t, fast), data) {
			t.Fatalf("the fast way accepts bytes that Encode does not write:\n%x\n%x", data, mustEncode(t, fast))
		}
		if err == nil && !bytes.Equal(mustEncode(t, g), mustEncode(t, ref)) {
			t.Fatalf("Decode and the general way build different graphs")
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode error %v does not wrap ErrCorrupt", err)
			}
			if f, ok := scanFormat(data); ok && f != StateFormat && !errors.Is(err, ErrSnapshotFormat) {
				t.Fatalf("Decode error %v of a state of format %d does not wrap ErrSnapshotFormat", err, f)
			}
			return
		}
		checkIncidence(t, "decoded", g)
		assertRoundTrip(t, "decoded", g)
		e1 := mustEncode(t, g)
		g2, err := Decode(e1)
		if err != nil {
			t.Fatalf("Decode(Encode(Decode(b))): %v", err)
		}
		if e2 := mustEncode(t, g2); !bytes.Equal(e1, e2) {
			t.Fatalf("encoding is not stable:\n%x\n%x", e1, e2)
		}
		if !proto.Equal(g.State(), g2.State()) {
			t.Fatal("state changed through Encode/Decode")
		}
	})
}
