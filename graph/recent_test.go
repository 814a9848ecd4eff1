package graph

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/messages"
)

func mustFromState(t testing.TB, s *messages.GraphState) *Graph {
	t.Helper()
	g, err := FromState(s)
	if err != nil {
		t.Fatalf("FromState: %v", err)
	}
	return g
}

func committedMsg(c Committed) *messages.CommittedTransaction {
	return &messages.CommittedTransaction{TransactionId: c.TransactionID, Version: c.Version, Sequence: c.Sequence, Events: c.Events, Digest: c.Digest}
}

// txWith is the committed transaction id at the graph's next version, its
// envelope filled in as the log fills it.
func txWith(g *Graph, id string, events ...*messages.Event) *messages.Transaction {
	tx := commit(g, &messages.Transaction{GraphId: g.ID(), TransactionId: id, Events: events})
	for _, ev := range events {
		ev.TransactionId = id
	}
	return tx
}

func addNode(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
}

// digestEvents are events of every kind, with properties, for the digest
// tests; each call builds them anew.
func digestEvents(t *testing.T) []*messages.Event {
	t.Helper()
	props := mustStruct(t, map[string]any{"w": 1.5, "tags": []any{"x", nil, true}, "o": map[string]any{"k": "v"}})
	set := mustStruct(t, map[string]any{"w": 2, "n": nil})
	return []*messages.Event{
		{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "a", NodeType: "person", Properties: props}}},
		{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "b"}}},
		{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", EdgeType: "knows", Properties: props}}},
		{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: "a", Set: set, Unset: []string{"tags", "o"}}}},
		{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: "e", Set: set, Unset: []string{"o"}}}},
		{Payload: &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: "e"}}},
		{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: "b"}}},
	}
}

// The digest is what the client sent, not how the edge stamped it: a
// resend gets new event IDs and times, and then the log's envelope.
func TestDigestIgnoresEnvelope(t *testing.T) {
	want := Digest(digestEvents(t))
	if len(want) != DigestSize {
		t.Fatalf("Digest is %d bytes, want %d", len(want), DigestSize)
	}
	resent := digestEvents(t)
	for i, ev := range resent {
		ev.EventId = fmt.Sprint("ev-", i)
		ev.GraphId = "g"
		ev.Version = 7
		ev.Index = uint32(i)
		ev.Count = uint32(len(resent))
		ev.TransactionId = "t"
		ev.RecordedAt = timestamppb.Now()
		ev.OccurredAt = &timestamppb.Timestamp{Seconds: int64(i)}
		ev.Metadata = &messages.Metadata{CorrelationId: "c"}
		ev.Sequence = 99
	}
	if got := Digest(resent); !bytes.Equal(got, want) {
		t.Errorf("Digest depends on the envelope: %x, want %x", got, want)
	}
	// Through the wire and back, properties in another map order.
	for range 5 {
		b, err := proto.Marshal(&messages.Transaction{Events: resent})
		if err != nil {
			t.Fatal(err)
		}
		var back messages.Transaction
		if err := proto.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if got := Digest(back.Events); !bytes.Equal(got, want) {
			t.Fatalf("Digest after a round trip: %x, want %x", got, want)
		}
	}
	// The same content as the graph sees it: -0 is 0, an empty Struct is
	// none, a number is a number however it was written.
	same := [][2]*messages.Event{
		{nodeWith(t, "a", map[string]any{"w": 0.0}), nodeWith(t, "a", map[string]any{"w": math.Copysign(0, -1)})},
		{nodeWith(t, "a", map[string]any{}), addNode("a")},
		{nodeWith(t, "a", map[string]any{"w": 1}), nodeWith(t, "a", map[string]any{"w": 1.0})},
		{{Payload: &messages.Event_NodeRemoved{}}, {Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{}}}},
	}
	for i, p := range same {
		if a, b := Digest(p[:1]), Digest(p[1:]); !bytes.Equal(a, b) {
			t.Errorf("case %d: %v and %v digest differently", i, p[0], p[1])
		}
	}
}

func nodeWith(t *testing.T, id string, props map[string]any) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, Properties: mustStruct(t, props)}}}
}

// Different content, different digests, including contents whose fields
// run together and properties that are not valid.
func TestDigestDistinguishes(t *testing.T) {
	str := func(m map[string]any) *structpb.Struct { return mustStruct(t, m) }
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
	nan := &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(math.NaN())}}
	inf := &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(math.Inf(1))}}
	badString := func(s string) *structpb.Struct {
		return &structpb.Struct{Fields: map[string]*structpb.Value{"s": structpb.NewStringValue(s)}}
	}
	noKind := &structpb.Struct{Fields: map[string]*structpb.Value{"w": {}}}
	lists := map[string][]*messages.Event{
		"none":                 nil,
		"nil event":            {nil},
		"no payload":           {{}},
		"two nil events":       {nil, nil},
		"node a":               {ev(&messages.NodeAdded{NodeId: "a"})},
		"node b":               {ev(&messages.NodeAdded{NodeId: "b"})},
		"node a twice":         {ev(&messages.NodeAdded{NodeId: "a"}), ev(&messages.NodeAdded{NodeId: "a"})},
		"node ab":              {ev(&messages.NodeAdded{NodeId: "ab"})},
		"node a type b":        {ev(&messages.NodeAdded{NodeId: "a", NodeType: "b"})},
		"node a w=1":           {ev(&messages.NodeAdded{NodeId: "a", Properties: str(map[string]any{"w": 1})})},
		"node a w=2":           {ev(&messages.NodeAdded{NodeId: "a", Properties: str(map[string]any{"w": 2})})},
		"node a w='1'":         {ev(&messages.NodeAdded{NodeId: "a", Properties: str(map[string]any{"w": "1"})})},
		"node a v=1":           {ev(&messages.NodeAdded{NodeId: "a", Properties: str(map[string]any{"v": 1})})},
		"node a w=null":        {ev(&messages.NodeAdded{NodeId: "a", Properties: str(map[string]any{"w": nil})})},
		"node a w=NaN":         {ev(&messages.NodeAdded{NodeId: "a", Properties: nan})},
		"node a w=Inf":         {ev(&messages.NodeAdded{NodeId: "a", Properties: inf})},
		"node a w no kind":     {ev(&messages.NodeAdded{NodeId: "a", Properties: noKind})},
		"node a bad string x":  {ev(&messages.NodeAdded{NodeId: "a", Properties: badString("x\xff")})},
		"node a bad string y":  {ev(&messages.NodeAdded{NodeId: "a", Properties: badString("y\xff")})},
		"node a, b":            {ev(&messages.NodeAdded{NodeId: "a"}), ev(&messages.NodeAdded{NodeId: "b"})},
		"node b, a":            {ev(&messages.NodeAdded{NodeId: "b"}), ev(&messages.NodeAdded{NodeId: "a"})},
		"node a removed":       {ev(&messages.NodeRemoved{NodeId: "a"})},
		"edge a removed":       {ev(&messages.EdgeRemoved{EdgeId: "a"})},
		"node a updated":       {ev(&messages.NodeUpdated{NodeId: "a"})},
		"node a set w=1":       {ev(&messages.NodeUpdated{NodeId: "a", Set: str(map[string]any{"w": 1})})},
		"node a set w=NaN":     {ev(&messages.NodeUpdated{NodeId: "a", Set: nan})},
		"node a unset w":       {ev(&messages.NodeUpdated{NodeId: "a", Unset: []string{"w"}})},
		"node a unset empty":   {ev(&messages.NodeUpdated{NodeId: "a", Unset: []string{""}})},
		"node a unset w, v":    {ev(&messages.NodeUpdated{NodeId: "a", Unset: []string{"w", "v"}})},
		"node a unset v, w":    {ev(&messages.NodeUpdated{NodeId: "a", Unset: []string{"v", "w"}})},
		"node a unset wv":      {ev(&messages.NodeUpdated{NodeId: "a", Unset: []string{"wv"}})},
		"edge a updated":       {ev(&messages.EdgeUpdated{EdgeId: "a"})},
		"edge a set w=1":       {ev(&messages.EdgeUpdated{EdgeId: "a", Set: str(map[string]any{"w": 1})})},
		"edge a unset w":       {ev(&messages.EdgeUpdated{EdgeId: "a", Unset: []string{"w"}})},
		"edge e a→b":           {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b"})},
		"edge e b→a":           {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "b", TargetId: "a"})},
		"edge e a→b type t":    {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", EdgeType: "t"})},
		"edge e ab→":           {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "ab"})},
		"edge e a→b w=1":       {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: str(map[string]any{"w": 1})})},
		"edge e a→b nested":    {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: str(map[string]any{"w": []any{1.0}})})},
		"edge e a→b nested 2":  {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: str(map[string]any{"w": map[string]any{"1": 1.0}})})},
		"edge e a→b bad 1":     {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: nan})},
		"edge e a→b bad deep":  {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: deepStruct(MaxPropertyDepth + 1)})},
		"edge e a→b deepest":   {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", Properties: deepStruct(MaxPropertyDepth - 1)})},
		"edge e a→b b":         {ev(&messages.EdgeAdded{EdgeId: "e", SourceId: "a", TargetId: "b", EdgeType: "b"})},
		"node a, nil":          {ev(&messages.NodeAdded{NodeId: "a"}), nil},
		"node a, no payload":   {ev(&messages.NodeAdded{NodeId: "a"}), {}},
		"node a type \\xff":    {ev(&messages.NodeAdded{NodeId: "a", NodeType: "\xff"})},
		"node \\xff":           {ev(&messages.NodeAdded{NodeId: "\xff"})},
		"node a set bad deep":  {ev(&messages.NodeUpdated{NodeId: "a", Set: deepStruct(MaxPropertyDepth + 3)})},
		"node a set null kind": {ev(&messages.NodeUpdated{NodeId: "a", Set: noKind})},
	}
	seen := map[string]string{}
	for name, events := range lists {
		d := Digest(events)
		if len(d) != DigestSize {
			t.Fatalf("%s: Digest is %d bytes", name, len(d))
		}
		if other, ok := seen[string(d)]; ok {
			t.Errorf("%q and %q have the same digest", name, other)
		}
		seen[string(d)] = name
		if !bytes.Equal(Digest(events), d) {
			t.Errorf("%s: Digest is not deterministic", name)
		}
	}
}

// deepStruct nests depth levels of {"k": …} around a number.
func deepStruct(depth int) *structpb.Struct {
	v := structpb.NewNumberValue(1)
	for range depth {
		v = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"k": v}})
	}
	return v.GetStructValue()
}

// Digests are kept in snapshots and compared across versions of the
// program: the hashed input must not change by accident.
func TestDigestStable(t *testing.T) {
	events := digestEvents(t)
	events = append(events, nil, &messages.Event{}, nodeWith(t, "x", map[string]any{}),
		&messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "y",
			Properties: &structpb.Struct{Fields: map[string]*structpb.Value{"w": structpb.NewNumberValue(math.Inf(-1)), "x": {}}}}}})
	const want = "ea9142d8abc27fedefa19479a203389b"
	if got := hex.EncodeToString(Digest(events)); got != want {
		t.Errorf("Digest = %s, want %s; if the digest's input changed on purpose, change digestVersion: digests in snapshots would no longer match resends", got, want)
	}
	if got := hex.EncodeToString(Digest(nil)); got == "" {
		t.Error("no digest of no events")
	}
}

// Nothing a caller can build panics Digest or makes it loop: nil events,
// nil payload messages, a Struct that contains itself.
func TestDigestOddInputs(t *testing.T) {
	loop := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	loop.Fields["self"] = structpb.NewStructValue(loop)
	list := &structpb.ListValue{}
	list.Values = []*structpb.Value{structpb.NewListValue(list)}
	inputs := [][]*messages.Event{
		nil,
		{nil},
		{{Payload: &messages.Event_NodeAdded{}}, {Payload: &messages.Event_NodeUpdated{}}, {Payload: &messages.Event_NodeRemoved{}}},
		{{Payload: &messages.Event_EdgeAdded{}}, {Payload: &messages.Event_EdgeUpdated{}}, {Payload: &messages.Event_EdgeRemoved{}}},
		{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "a", Properties: loop}}}},
		{{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: "e", Set: &structpb.Struct{Fields: map[string]*structpb.Value{"l": structpb.NewListValue(list), "n": nil}}}}}},
	}
	for i, events := range inputs {
		if d := Digest(events); len(d) != DigestSize {
			t.Errorf("input %d: Digest is %d bytes", i, len(d))
		}
	}
}

func TestRemembered(t *testing.T) {
	g := New("g")
	first := txWith(g, "t1", addNode("a"), addNode("b"))
	first.Sequence = 40
	if err := g.Apply(first); err != nil {
		t.Fatal(err)
	}
	want := Committed{TransactionID: "t1", Version: 1, Sequence: 40, Events: 2, Digest: Digest([]*messages.Event{addNode("a"), addNode("b")})}
	check := func(what, id string, want Committed, ok bool) {
		t.Helper()
		got, found := g.Remembered(id)
		if found != ok || ok && !proto.Equal(committedMsg(got), committedMsg(want)) {
			t.Errorf("%s: Remembered(%q) = %+v %v, want %+v %v", what, id, got, found, want, ok)
		}
	}
	check("applied", "t1", want, true)
	check("never sent", "t2", Committed{}, false)
	check("no ID", "", Committed{}, false)

	// The same ID again, as a resend that reached the log twice or as
	// other events: the first is what is remembered.
	if err := g.Apply(txWith(g, "t1", addNode("c"))); err != nil {
		t.Fatal(err)
	}
	check("after the ID's reuse", "t1", want, true)

	// A rejected transaction used its ID at its version.
	rejected := txWith(g, "t2", addNode("a"))
	var rej *RejectedError
	if err := g.Apply(rejected); !errors.As(err, &rej) {
		t.Fatalf("Apply = %v, want a rejection", err)
	}
	check("rejected", "t2", Committed{TransactionID: "t2", Version: 3, Sequence: rejected.Sequence, Events: 1, Digest: Digest(rejected.Events)}, true)
	empty := txWith(g, "t3")
	if err := g.Apply(empty); !errors.As(err, &rej) {
		t.Fatalf("Apply = %v, want a rejection", err)
	}
	check("rejected, no events", "t3", Committed{TransactionID: "t3", Version: 4, Sequence: empty.Sequence, Digest: Digest(nil)}, true)

	// Refused transactions take no version and use no ID.
	stale := txWith(g, "t4", addNode("d"))
	stale.Version = 2
	if err := g.Apply(stale); !errors.Is(err, ErrOutOfOrder) {
		t.Fatalf("Apply = %v, want ErrOutOfOrder", err)
	}
	foreign := txWith(g, "t5", addNode("d"))
	foreign.GraphId = "other"
	if err := g.Apply(foreign); !errors.Is(err, ErrInvalidTransaction) {
		t.Fatalf("Apply = %v, want ErrInvalidTransaction", err)
	}
	check("out of order", "t4", Committed{}, false)
	check("for another graph", "t5", Committed{}, false)

	// IDs the API would not take are not remembered: none of them can be
	// written in a snapshot.
	for _, id := range []string{"\xff", string(bytes.Repeat([]byte("t"), MaxElementIDLen+1))} {
		if err := g.Apply(txWith(g, id, addNode("x"+fmt.Sprint(len(id))))); err != nil {
			t.Fatal(err)
		}
		check("invalid ID", id, Committed{}, false)
	}
	if n := len(g.State().Recent); n != 3 {
		t.Errorf("%d transactions remembered, want 3", n)
	}

	// Commit, Apply's fast way, remembers the same.
	p := New("g")
	events := []*messages.Event{addNode("a"), nodeWith(t, "b", map[string]any{"w": 1})}
	plan, err := p.Prepare(events)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Commit(plan, txWith(p, "tp", events...)); err != nil {
		t.Fatal(err)
	}
	if c, ok := p.Remembered("tp"); !ok || c.Version != 1 || c.Events != 2 || !bytes.Equal(c.Digest, Digest(events)) {
		t.Errorf("after Commit: Remembered = %+v %v", c, ok)
	}

	// What Remembered returns is the caller's.
	c, _ := p.Remembered("tp")
	c.Digest[0] ^= 0xff
	if c2, _ := p.Remembered("tp"); !bytes.Equal(c2.Digest, Digest(events)) {
		t.Error("changing Remembered's digest changed the graph's")
	}
}

// The memory is bounded: past RememberedTransactions the oldest is
// forgotten first, and everything about it stays canonical.
func TestRememberedCapacity(t *testing.T) {
	g := New("g")
	if cap(g.recent.ring) != 0 {
		t.Fatalf("a new graph reserves %d remembered transactions", cap(g.recent.ring))
	}
	if err := g.Apply(txWith(g, "t1", addNode("n1"))); err != nil {
		t.Fatal(err)
	}
	if c := cap(g.recent.ring); c > 8 {
		t.Errorf("one transaction remembered in %d slots", c)
	}
	const total = RememberedTransactions*2 + 500
	var snaps [][]byte
	for i := 2; i <= total; i++ {
		if err := g.Apply(txWith(g, fmt.Sprint("t", i), addNode(fmt.Sprint("n", i)))); err != nil {
			t.Fatal(err)
		}
		if i%(RememberedTransactions/2) == 0 || i == RememberedTransactions+1 {
			snaps = append(snaps, mustEncode(t, g))
		}
	}
	if len(g.recent.ring) != RememberedTransactions || len(g.recent.byID) != RememberedTransactions {
		t.Fatalf("%d remembered (%d indexed), want %d", len(g.recent.ring), len(g.recent.byID), RememberedTransactions)
	}
	oldest := total - RememberedTransactions + 1
	for _, i := range []int{1, 2, oldest - 1} {
		if _, ok := g.Remembered(fmt.Sprint("t", i)); ok {
			t.Errorf("t%d is still remembered", i)
		}
	}
	for _, i := range []int{oldest, oldest + 1, total - 1, total} {
		if c, ok := g.Remembered(fmt.Sprint("t", i)); !ok || c.Version != uint64(i) {
			t.Errorf("Remembered(t%d) = %+v %v", i, c, ok)
		}
	}
	var ids []string
	for _, c := range g.State().Recent {
		ids = append(ids, c.TransactionId)
	}
	var want []string
	for i := oldest; i <= total; i++ {
		want = append(want, fmt.Sprint("t", i))
	}
	if !slices.Equal(ids, want) {
		t.Errorf("State().Recent lists %v … %v, want %v … %v", ids[:2], ids[len(ids)-2:], want[:2], want[len(want)-2:])
	}
	assertRoundTrip(t, "full", g)

	// Snapshots taken along the way, decoded and folded on, end where the
	// graph ended, down to the bytes.
	want2 := mustEncode(t, g)
	for i, snap := range snaps {
		d, err := Decode(snap)
		if err != nil {
			t.Fatalf("snapshot %d: %v", i, err)
		}
		for v := d.Version() + 1; v <= total; v++ {
			if err := d.Apply(txWith(d, fmt.Sprint("t", v), addNode(fmt.Sprint("n", v)))); err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(mustEncode(t, d), want2) {
			t.Errorf("snapshot %d at version %d, folded on, differs", i, d.Version())
		}
	}

	// A state that remembers more keeps the newest.
	s := g.State()
	s.Version += 10
	for i := range 10 {
		s.Recent = append(s.Recent, &messages.CommittedTransaction{TransactionId: fmt.Sprint("x", i), Version: uint64(total + 1 + i)})
	}
	more := mustFromState(t, s)
	if _, ok := more.Remembered(fmt.Sprint("t", oldest+9)); ok {
		t.Error("FromState kept the oldest of too many")
	}
	if _, ok := more.Remembered(fmt.Sprint("t", oldest+10)); !ok {
		t.Error("FromState dropped more than it had to")
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeCanonical(b); ok {
		t.Error("the fast way accepts more than RememberedTransactions")
	}
	if d, err := Decode(b); err != nil || !bytes.Equal(mustEncode(t, d), mustEncode(t, more)) {
		t.Errorf("Decode of too many: %v", err)
	}
	assertRoundTrip(t, "from too many", more)
}

// A clone remembers on its own.
func TestCloneRemembersApart(t *testing.T) {
	g := New("g")
	for i := range 5 {
		if err := g.Apply(txWith(g, fmt.Sprint("t", i), addNode(fmt.Sprint("n", i)))); err != nil {
			t.Fatal(err)
		}
	}
	c := g.Clone()
	if err := c.Apply(txWith(c, "c", addNode("c"))); err != nil {
		t.Fatal(err)
	}
	if err := g.Apply(txWith(g, "g", addNode("g"))); err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Remembered("c"); ok {
		t.Error("the original remembers the clone's transaction")
	}
	if _, ok := c.Remembered("g"); ok {
		t.Error("the clone remembers the original's transaction")
	}
	if _, ok := c.Remembered("t3"); !ok {
		t.Error("the clone forgot the original's past")
	}
}

// Every snapshot written before format 2 is refused, whichever way it is
// read, so the caller reads the graph from the log instead of forgetting
// the transactions it committed.
func TestOldFormatRefused(t *testing.T) {
	g := fuzzSeed(t)
	if err := g.Apply(txWith(g, "t4", addNode("d"))); err != nil {
		t.Fatal(err)
	}
	old := g.State()
	old.Format, old.Recent, old.Trails = 0, nil, nil
	pb, err := proto.MarshalOptions{Deterministic: true}.Marshal(old)
	if err != nil {
		t.Fatal(err)
	}
	cur := mustEncode(t, g)
	if !bytes.HasPrefix(cur, pb) {
		t.Fatal("the old encoding is not a prefix of the new one; this test's idea of the old format is wrong")
	}
	olds := map[string][]byte{"old Encode": pb, "old, empty": {0x0a, 0x01, 'g'}}
	for name, b := range olds {
		_, err := Decode(b)
		if !errors.Is(err, ErrSnapshotFormat) || !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: Decode = %v, want ErrSnapshotFormat and ErrCorrupt", name, err)
		}
	}
	if _, err := FromState(old); !errors.Is(err, ErrSnapshotFormat) {
		t.Errorf("FromState = %v, want ErrSnapshotFormat", err)
	}
	// Format 2 remembered transactions but kept no trails: refused too,
	// or its graphs would answer their elements' histories from the
	// snapshot on only.
	two := g.State()
	two.Format, two.Trails = 2, nil
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(two)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Decode(b); !errors.Is(err, ErrSnapshotFormat) || !strings.Contains(err.Error(), "format 2") {
		t.Errorf("format 2: Decode = %v, want ErrSnapshotFormat naming format 2", err)
	}
}
