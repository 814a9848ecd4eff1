package graph

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// ref is a deliberately naive fold: plain maps of messages, a deep copy of
// the whole state per transaction, every rule written out the obvious way.
// Graph must agree with it after every transaction of random histories.
type ref struct {
	id       string
	version  uint64
	sequence uint64
	nodes    map[string]*messages.Node
	edges    map[string]*messages.Edge
	// recent lists the remembered transactions, oldest first, each found
	// by a scan.
	recent []*messages.CommittedTransaction
	// trails lists, by "node "+ID or "edge "+ID, the transactions that
	// touched each element ever, oldest first; now is the one folded.
	trails map[string][]Touch
	now    Touch
	// forked is the lineage of the first transaction, if it had one.
	forked *messages.Lineage
}

func newRef(id string) *ref {
	return &ref{id: id, nodes: map[string]*messages.Node{}, edges: map[string]*messages.Edge{}, trails: map[string][]Touch{}}
}

// touch records that the transaction being folded touched an element.
func (r *ref) touch(kind, id string) {
	key := kind + " " + id
	if l := r.trails[key]; len(l) == 0 || l[len(l)-1] != r.now {
		r.trails[key] = append(l, r.now)
	}
}

func (r *ref) copy() *ref {
	c := newRef(r.id)
	c.version, c.sequence = r.version, r.sequence
	c.recent = slices.Clone(r.recent)
	c.now, c.forked = r.now, r.forked
	for k, l := range r.trails {
		c.trails[k] = slices.Clone(l)
	}
	for k, n := range r.nodes {
		c.nodes[k] = proto.Clone(n).(*messages.Node)
	}
	for k, e := range r.edges {
		c.edges[k] = proto.Clone(e).(*messages.Edge)
	}
	return c
}

// refOutcome is what the reference expects of Apply: err nil, or the
// sentinel the error wraps, whether it is a rejection (version kept), and
// the index of the failing event (-1: none).
type refOutcome struct {
	sentinel error
	rejected bool
	index    int
}

func (r *ref) apply(tx *messages.Transaction) refOutcome {
	if tx.GraphId != "" && tx.GraphId != r.id {
		return refOutcome{sentinel: ErrInvalidTransaction, index: -1}
	}
	if tx.Version != r.version+1 {
		return refOutcome{sentinel: ErrOutOfOrder, index: -1}
	}
	next := r.copy()
	next.now = Touch{Version: tx.Version, Sequence: tx.Sequence}
	sentinel, index := next.run(tx.Events, tx)
	if f := tx.ForkedFrom; sentinel == nil && f != nil {
		// Only a first transaction may be a fork, naming a graph, a
		// version and a CID, and a count of transactions other than 1.
		graphOK := len(f.GraphId) >= 1 && len(f.GraphId) <= 128 &&
			strings.Trim(f.GraphId, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
		if tx.Version != 1 || !graphOK || f.Version == 0 || f.Cid == "" || len(f.Cid) > 128 || f.Transactions == 1 {
			sentinel, index = ErrInvalidTransaction, -1
		}
	}
	r.version, r.sequence = tx.Version, tx.Sequence
	r.remember(tx)
	if sentinel != nil {
		return refOutcome{sentinel: sentinel, rejected: true, index: index}
	}
	r.nodes, r.edges, r.trails = next.nodes, next.edges, next.trails
	if tx.ForkedFrom != nil {
		r.forked = tx.ForkedFrom
	}
	return refOutcome{index: -1}
}

// remember is the reference's memory of transactions: the first one with
// each valid ID, the latest RememberedTransactions of them.
func (r *ref) remember(tx *messages.Transaction) {
	if !refID(tx.TransactionId) || r.remembered(tx.TransactionId) != nil {
		return
	}
	r.recent = append(r.recent, &messages.CommittedTransaction{
		TransactionId: tx.TransactionId, Version: tx.Version, Sequence: tx.Sequence,
		Events: uint32(len(tx.Events)), Digest: Digest(tx.Events),
	})
	if len(r.recent) > RememberedTransactions {
		r.recent = r.recent[1:]
	}
}

func (r *ref) remembered(id string) *messages.CommittedTransaction {
	for _, c := range r.recent {
		if c.TransactionId == id {
			return c
		}
	}
	return nil
}

// check is Check's reference: run on a copy, thrown away.
func (r *ref) check(events []*messages.Event) (error, int) {
	return r.copy().run(events, nil)
}

// run applies events to r, returning the sentinel and index of the first
// failing event.
func (r *ref) run(events []*messages.Event, tx *messages.Transaction) (error, int) {
	if len(events) == 0 {
		return ErrInvalidTransaction, -1
	}
	for i, ev := range events {
		if ev == nil {
			return ErrInvalidTransaction, i
		}
		if tx != nil {
			if ev.GraphId != r.id || ev.Version != tx.Version || int(ev.Index) != i || int(ev.Count) != len(events) {
				return ErrInvalidTransaction, i
			}
		} else if ev.GraphId != "" && ev.GraphId != r.id {
			return ErrInvalidTransaction, i
		}
		if err := r.event(ev); err != nil {
			return err, i
		}
	}
	return nil, -1
}

func refID(id string) bool {
	return id != "" && len(id) <= MaxElementIDLen && utf8.ValidString(id)
}

func refType(t string) bool { return len(t) <= MaxTypeLen && utf8.ValidString(t) }

func refValue(v *structpb.Value, depth int) bool {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue, *structpb.Value_BoolValue:
		return true
	case *structpb.Value_NumberValue:
		return !math.IsNaN(k.NumberValue) && !math.IsInf(k.NumberValue, 0)
	case *structpb.Value_StringValue:
		return utf8.ValidString(k.StringValue)
	case *structpb.Value_StructValue:
		return depth < MaxPropertyDepth && refStruct(k.StructValue, depth+1)
	case *structpb.Value_ListValue:
		if depth >= MaxPropertyDepth {
			return false
		}
		for _, item := range k.ListValue.GetValues() {
			if !refValue(item, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

func refStruct(s *structpb.Struct, depth int) bool {
	for k, v := range s.GetFields() {
		if !utf8.ValidString(k) || !refValue(v, depth) {
			return false
		}
	}
	return true
}

// refProps normalises properties the way the state shows them: nil when
// empty, otherwise a copy.
func refProps(s *structpb.Struct) *structpb.Struct {
	if len(s.GetFields()) == 0 {
		return nil
	}
	return proto.Clone(s).(*structpb.Struct)
}

func refUpdate(props, set *structpb.Struct, unset []string) *structpb.Struct {
	m := map[string]*structpb.Value{}
	for k, v := range props.GetFields() {
		m[k] = v
	}
	for k, v := range set.GetFields() {
		m[k] = proto.Clone(v).(*structpb.Value)
	}
	for _, k := range unset {
		delete(m, k)
	}
	return refProps(&structpb.Struct{Fields: m})
}

func (r *ref) event(ev *messages.Event) error {
	switch p := ev.Payload.(type) {
	case *messages.Event_NodeAdded:
		a := p.NodeAdded
		switch {
		case !refID(a.GetNodeId()):
			return ErrInvalidID
		case !refType(a.GetNodeType()) || !refStruct(a.GetProperties(), 1):
			return ErrInvalidTransaction
		case r.nodes[a.GetNodeId()] != nil:
			return ErrRejected
		}
		r.nodes[a.GetNodeId()] = &messages.Node{Id: a.GetNodeId(), Type: a.GetNodeType(), Properties: refProps(a.GetProperties())}
		r.touch("node", a.GetNodeId())
	case *messages.Event_NodeUpdated:
		u := p.NodeUpdated
		switch {
		case !refID(u.GetNodeId()):
			return ErrInvalidID
		case !refStruct(u.GetSet(), 1):
			return ErrInvalidTransaction
		case r.nodes[u.GetNodeId()] == nil:
			return ErrRejected
		}
		n := r.nodes[u.GetNodeId()]
		n.Properties = refUpdate(n.Properties, u.GetSet(), u.GetUnset())
		r.touch("node", u.GetNodeId())
	case *messages.Event_NodeRemoved:
		id := p.NodeRemoved.GetNodeId()
		switch {
		case !refID(id):
			return ErrInvalidID
		case r.nodes[id] == nil:
			return ErrRejected
		}
		delete(r.nodes, id)
		r.touch("node", id)
		for k, e := range r.edges {
			if e.Source == id || e.Target == id {
				delete(r.edges, k)
				r.touch("edge", k)
			}
		}
	case *messages.Event_EdgeAdded:
		a := p.EdgeAdded
		switch {
		case !refID(a.GetEdgeId()) || !refID(a.GetSourceId()) || !refID(a.GetTargetId()):
			return ErrInvalidID
		case !refType(a.GetEdgeType()) || !refStruct(a.GetProperties(), 1):
			return ErrInvalidTransaction
		case r.edges[a.GetEdgeId()] != nil, r.nodes[a.GetSourceId()] == nil, r.nodes[a.GetTargetId()] == nil:
			return ErrRejected
		}
		r.edges[a.GetEdgeId()] = &messages.Edge{Id: a.GetEdgeId(), Source: a.GetSourceId(), Target: a.GetTargetId(),
			Type: a.GetEdgeType(), Properties: refProps(a.GetProperties())}
		r.touch("edge", a.GetEdgeId())
	case *messages.Event_EdgeUpdated:
		u := p.EdgeUpdated
		switch {
		case !refID(u.GetEdgeId()):
			return ErrInvalidID
		case !refStruct(u.GetSet(), 1):
			return ErrInvalidTransaction
		case r.edges[u.GetEdgeId()] == nil:
			return ErrRejected
		}
		e := r.edges[u.GetEdgeId()]
		e.Properties = refUpdate(e.Properties, u.GetSet(), u.GetUnset())
		r.touch("edge", u.GetEdgeId())
	case *messages.Event_EdgeRemoved:
		id := p.EdgeRemoved.GetEdgeId()
		switch {
		case !refID(id):
			return ErrInvalidID
		case r.edges[id] == nil:
			return ErrRejected
		}
		delete(r.edges, id)
		r.touch("edge", id)
	default:
		return ErrInvalidTransaction
	}
	return nil
}

func (r *ref) state() *messages.GraphState {
	s := &messages.GraphState{GraphId: r.id, Version: r.version, Sequence: r.sequence, Format: StateFormat, Recent: r.recent, ForkedFrom: r.forked}
	for _, n := range r.nodes {
		s.Nodes = append(s.Nodes, n)
	}
	for _, e := range r.edges {
		s.Edges = append(s.Edges, e)
	}
	slices.SortFunc(s.Nodes, func(a, b *messages.Node) int { return strings.Compare(a.Id, b.Id) })
	slices.SortFunc(s.Edges, func(a, b *messages.Edge) int { return strings.Compare(a.Id, b.Id) })
	keys := slices.Collect(maps.Keys(r.trails))
	slices.SortFunc(keys, func(a, b string) int { // node trails, then edge trails, each by ID
		ka, ia, _ := strings.Cut(a, " ")
		kb, ib, _ := strings.Cut(b, " ")
		return cmp.Or(-strings.Compare(ka, kb), strings.Compare(ia, ib))
	})
	for _, key := range keys {
		kind, id, _ := strings.Cut(key, " ")
		var b []byte
		for _, t := range r.trails[key] {
			b = binary.AppendUvarint(binary.AppendUvarint(b, t.Version), t.Sequence)
		}
		s.Trails = append(s.Trails, &messages.ElementTrail{Edge: kind == "edge", Id: id, Touches: b})
	}
	return s
}

// gen makes random histories over small ID pools. Most events are meant
// to be valid against the state as of the event (the generator tracks it
// in a scratch reference), the rest pick IDs blindly, so adds collide,
// endpoints go missing and removals cascade; with bad > 0 malformed
// parts and out-of-order transactions are mixed in.
type gen struct {
	r       *rand.Rand
	graphID string
	nodes   int // size of the node ID pool
	edges   int
	bad     float64 // chance of a malformed part
	scratch *ref    // the state as of the event being generated
	txs     int     // transactions made, for their IDs
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// existing picks an ID among keys, or a blind one when there are none or
// the dice say so.
func (g *gen) pick(keys []string, blind func() string) string {
	if len(keys) == 0 || g.chance(0.05) {
		return blind()
	}
	slices.Sort(keys)
	return keys[g.r.Intn(len(keys))]
}

func (g *gen) blindNode() string {
	if g.chance(g.bad / 4) {
		return []string{"", "\xff", strings.Repeat("n", MaxElementIDLen+1)}[g.r.Intn(3)]
	}
	return fmt.Sprintf("n%d", g.r.Intn(g.nodes))
}

func (g *gen) blindEdge() string {
	if g.chance(g.bad / 4) {
		return ""
	}
	return fmt.Sprintf("e%d", g.r.Intn(g.edges))
}

func (g *gen) existingNode() string {
	var keys []string
	for k := range g.scratch.nodes {
		keys = append(keys, k)
	}
	return g.pick(keys, g.blindNode)
}

func (g *gen) existingEdge() string {
	var keys []string
	for k := range g.scratch.edges {
		keys = append(keys, k)
	}
	return g.pick(keys, g.blindEdge)
}

// fresh picks an unused ID from the pool when there is one.
func (g *gen) fresh(blind func() string, used func(string) bool) string {
	for range 4 {
		if id := blind(); !used(id) || g.chance(0.1) {
			return id
		}
	}
	return blind()
}

func (g *gen) typ() string {
	if g.chance(g.bad / 4) {
		return "\xfe"
	}
	return []string{"", "", "person", "knows"}[g.r.Intn(4)]
}

func (g *gen) value(depth int) *structpb.Value {
	switch n := g.r.Intn(10); {
	case n == 0:
		return structpb.NewNullValue()
	case n == 1:
		return structpb.NewBoolValue(g.r.Intn(2) == 0)
	case n == 2:
		return structpb.NewStringValue([]string{"", "x", "ünï", strings.Repeat("long", 40)}[g.r.Intn(4)])
	case n == 3 && depth < 3:
		return structpb.NewStructValue(g.props(depth + 1))
	case n == 4 && depth < 3:
		l := &structpb.ListValue{}
		for range g.r.Intn(3) {
			l.Values = append(l.Values, g.value(depth+1))
		}
		return structpb.NewListValue(l)
	case n == 5 && g.chance(g.bad):
		return []*structpb.Value{structpb.NewNumberValue(math.NaN()), structpb.NewNumberValue(math.Inf(-1)), {}}[g.r.Intn(3)]
	case n == 6:
		return structpb.NewNumberValue(float64(g.r.Intn(21)-5) / 4)
	default:
		return structpb.NewNumberValue(float64(g.r.Intn(10)))
	}
}

func (g *gen) props(depth int) *structpb.Struct {
	switch g.r.Intn(4) {
	case 0:
		return nil
	case 1:
		return &structpb.Struct{}
	}
	s := &structpb.Struct{Fields: map[string]*structpb.Value{}}
	for range 1 + g.r.Intn(3) {
		s.Fields[[]string{"a", "b", "w", "", "ключ"}[g.r.Intn(5)]] = g.value(depth)
	}
	return s
}

func (g *gen) unset() []string {
	var keys []string
	for range g.r.Intn(3) {
		keys = append(keys, []string{"a", "b", "w", "zz"}[g.r.Intn(4)])
	}
	return keys
}

func (g *gen) event() *messages.Event {
	ev := &messages.Event{}
	usedNode := func(id string) bool { return g.scratch.nodes[id] != nil }
	usedEdge := func(id string) bool { return g.scratch.edges[id] != nil }
	switch n := g.r.Intn(100); {
	case n < 25:
		ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: g.fresh(g.blindNode, usedNode), NodeType: g.typ(), Properties: g.props(1)}}
	case n < 33:
		ev.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: g.existingNode(), Set: g.props(1), Unset: g.unset()}}
	case n < 40:
		ev.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: g.existingNode()}}
	case n < 78:
		ev.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: g.fresh(g.blindEdge, usedEdge),
			SourceId: g.existingNode(), TargetId: g.existingNode(), EdgeType: g.typ(), Properties: g.props(1)}}
	case n < 88:
		ev.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: g.existingEdge(), Set: g.props(1), Unset: g.unset()}}
	case n < 98:
		ev.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{EdgeId: g.existingEdge()}}
	default:
		if g.chance(g.bad * 5) {
			return ev // no payload
		}
		ev.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: g.existingNode()}}
	}
	_ = g.scratch.event(ev)
	return ev
}

// tx makes the next transaction for the accepted state.
func (g *gen) tx(accepted *ref) *messages.Transaction {
	g.scratch = accepted.copy()
	n := 1 + g.r.Intn(6)
	if g.chance(g.bad / 4) {
		n = 0
	}
	v := accepted.version
	tx := &messages.Transaction{GraphId: g.graphID, Version: v + 1, Sequence: accepted.sequence + uint64(n) + uint64(g.r.Intn(3))}
	switch {
	case g.chance(g.bad / 2):
		tx.Version = v // duplicate
	case g.chance(g.bad / 2):
		tx.Version = v + 2 // gap
	case g.chance(g.bad / 4):
		tx.GraphId = "other"
	case g.r.Intn(2) == 0:
		tx.GraphId = "" // readers may leave it empty
	}
	for i := range n {
		ev := g.event()
		ev.GraphId, ev.Version, ev.Index, ev.Count = g.graphID, tx.Version, uint32(i), uint32(n)
		if g.chance(g.bad / 4) {
			switch g.r.Intn(5) {
			case 0:
				ev.Version++
			case 1:
				ev.Index++
			case 2:
				ev.Count++
			case 3:
				ev.GraphId = "other"
			case 4:
				ev = nil
			}
		}
		tx.Events = append(tx.Events, ev)
	}
	// Mostly a new transaction ID, sometimes none, sometimes one used
	// before (a resend, or a client reusing it for other events), and
	// with bad > 0 sometimes one that cannot be remembered.
	g.txs++
	switch n := g.r.Intn(20); {
	case n == 0:
	case n == 1:
		tx.TransactionId = fmt.Sprint("t", g.r.Intn(g.txs))
	case n == 2 && g.chance(g.bad*4):
		tx.TransactionId = []string{"\xff", strings.Repeat("t", MaxElementIDLen+1)}[g.r.Intn(2)]
	default:
		tx.TransactionId = fmt.Sprint("t", g.txs)
	}
	return tx
}

// history makes a random history of n transactions, in the order they
// would be delivered, malformed and out-of-order ones included.
func (g *gen) history(n int) []*messages.Transaction {
	var txs []*messages.Transaction
	accepted := newRef(g.graphID)
	for range n {
		tx := g.tx(accepted)
		txs = append(txs, tx)
		accepted.apply(tx)
	}
	return txs
}

func TestAgainstReference(t *testing.T) {
	for seed := int64(1); seed <= 40; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g", nodes: 3 + int(seed%8), edges: 4 + int(seed%12), bad: []float64{0, 0.05, 0.2}[seed%3]}
			txs := gn.history(150)
			g, r := New("g"), newRef("g")
			applied, rejected, other := 0, 0, 0
			for i, tx := range txs {
				what := fmt.Sprintf("tx %d (version %d)", i, tx.Version)
				// Check must agree with the reference too (envelope aside).
				if tx.Version == g.Version()+1 {
					cerr := g.Check(tx.Events)
					wantSentinel, wantIndex := r.check(tx.Events)
					if !sameOutcome(cerr, wantSentinel, wantIndex) {
						t.Fatalf("%s: Check = %v, reference wants %v at event %d", what, cerr, wantSentinel, wantIndex)
					}
				}
				err := g.Apply(tx)
				want := r.apply(tx)
				var rej *RejectedError
				if gotRejected := errors.As(err, &rej); gotRejected != want.rejected {
					t.Fatalf("%s: Apply = %v, reference rejected=%v (%v)", what, err, want.rejected, want.sentinel)
				}
				if !sameOutcome(err, want.sentinel, want.index) {
					t.Fatalf("%s: Apply = %v, reference wants %v at event %d", what, err, want.sentinel, want.index)
				}
				switch {
				case err == nil:
					applied++
				case rej != nil:
					rejected++
				default:
					other++
				}
				if !proto.Equal(g.State(), r.state()) {
					t.Fatalf("%s: state differs from the reference\n got %v\nwant %v", what, g.State(), r.state())
				}
				if c, ok := g.Remembered(tx.TransactionId); ok != (r.remembered(tx.TransactionId) != nil) ||
					ok && !proto.Equal(committedMsg(c), r.remembered(tx.TransactionId)) {
					t.Fatalf("%s: Remembered(%q) = %+v %v, reference %v", what, tx.TransactionId, c, ok, r.remembered(tx.TransactionId))
				}
				// Equal states give equal bytes, whatever history built them:
				// the reference state loaded directly has no history at all.
				fromRef, err := FromState(r.state())
				if err != nil {
					t.Fatalf("%s: FromState(reference): %v", what, err)
				}
				if !bytes.Equal(mustEncode(t, g), mustEncode(t, fromRef)) {
					t.Fatalf("%s: Encode differs from the reference's", what)
				}
				assertRoundTrip(t, what, g)
				checkIncidence(t, what, g)
			}
			t.Logf("%d applied, %d rejected, %d refused; final %d nodes %d edges", applied, rejected, other, g.NodeCount(), g.EdgeCount())
			if applied == 0 || gn.bad > 0 && rejected == 0 {
				t.Fatalf("weak history: %d applied, %d rejected", applied, rejected)
			}
		})
	}
}

// sameOutcome reports whether err is what the reference expects: nil, or
// wrapping the sentinel, with the failing event's index.
func sameOutcome(err, sentinel error, index int) bool {
	if sentinel == nil || err == nil {
		return sentinel == nil && err == nil
	}
	if !errors.Is(err, sentinel) {
		return false
	}
	var ee *EventError
	if errors.As(err, &ee) {
		return ee.Index == index
	}
	return index == -1
}

// checkIncidence verifies the indexes against each other: every element is
// found by its ID, every edge sits in its source's out list and its
// target's in list at the positions it records, and nothing else is there.
func checkIncidence(t testing.TB, what string, g *Graph) {
	t.Helper()
	edgeAt := func(id string) *edge { e, _ := g.edges.get(id); return e }
	nodeAt := func(id string) *node { n, _ := g.nodes.get(id); return n }
	outs, ins, nodes, edges := 0, 0, 0, 0
	for n := range g.nodes.all() {
		nodes++
		if nodeAt(n.id) != n {
			t.Fatalf("%s: node %q is not found by its ID", what, n.id)
		}
		for i, e := range n.out {
			if e.src != n || int(e.outPos) != i || edgeAt(e.id) != e {
				t.Fatalf("%s: node %q out[%d] is edge %q with outPos %d", what, n.id, i, e.id, e.outPos)
			}
		}
		for i, e := range n.in {
			if e.dst != n || int(e.inPos) != i || edgeAt(e.id) != e {
				t.Fatalf("%s: node %q in[%d] is edge %q with inPos %d", what, n.id, i, e.id, e.inPos)
			}
		}
		outs += len(n.out)
		ins += len(n.in)
	}
	for e := range g.edges.all() {
		edges++
		if edgeAt(e.id) != e || nodeAt(e.src.id) != e.src || nodeAt(e.dst.id) != e.dst {
			t.Fatalf("%s: edge %q is not found by its ID or points at a node not in the graph", what, e.id)
		}
	}
	if nodes != g.NodeCount() || edges != g.EdgeCount() || outs != edges || ins != edges {
		t.Fatalf("%s: %d/%d nodes, %d/%d edges, but %d in out lists and %d in in lists",
			what, nodes, g.NodeCount(), edges, g.EdgeCount(), outs, ins)
	}
}

// TestSnapshotThenReplay: apply the first k transactions, Encode, Decode,
// apply the rest — the same bytes as applying everything.
func TestSnapshotThenReplay(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g", nodes: 6, edges: 10, bad: 0.1}
		txs := gn.history(80)
		all := New("g")
		for _, tx := range txs {
			_ = all.Apply(tx)
		}
		want := mustEncode(t, all)
		for _, k := range []int{0, 1, len(txs) / 3, len(txs) / 2, len(txs) - 1, len(txs)} {
			g := New("g")
			for _, tx := range txs[:k] {
				_ = g.Apply(tx)
			}
			snap, err := Decode(mustEncode(t, g))
			if err != nil {
				t.Fatalf("seed %d k %d: Decode: %v", seed, k, err)
			}
			for _, tx := range txs[k:] {
				_ = snap.Apply(tx)
			}
			if got := mustEncode(t, snap); !bytes.Equal(got, want) {
				t.Errorf("seed %d: snapshot at %d then replay differs from replaying all", seed, k)
			}
		}
	}
}

// TestCloneIsIndependent: changes to a clone leave the original alone, and
// the other way round.
func TestCloneIsIndependent(t *testing.T) {
	for seed := int64(1); seed <= 12; seed++ {
		gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g", nodes: 6, edges: 10, bad: 0.05}
		txs := gn.history(60)
		g := New("g")
		for _, tx := range txs[:30] {
			_ = g.Apply(tx)
		}
		before := mustEncode(t, g)
		c := g.Clone()
		if !bytes.Equal(mustEncode(t, c), before) {
			t.Fatalf("seed %d: clone differs from the original", seed)
		}
		for _, tx := range txs[30:] {
			_ = c.Apply(tx)
		}
		checkIncidence(t, "clone", c)
		if !bytes.Equal(mustEncode(t, g), before) {
			t.Fatalf("seed %d: applying to the clone changed the original", seed)
		}
		cloneAfter := mustEncode(t, c)
		for _, tx := range txs[30:] {
			_ = g.Apply(tx)
		}
		if !bytes.Equal(mustEncode(t, g), cloneAfter) {
			t.Fatalf("seed %d: original and clone diverged on the same transactions", seed)
		}
		c2 := g.Clone()
		for _, n := range g.sortedNodes() {
			g.removeNode(n)
		}
		if !bytes.Equal(mustEncode(t, c2), cloneAfter) {
			t.Fatalf("seed %d: changing the original changed its clone", seed)
		}
	}
}

// TestHistoryIndependence: the same final state reached through different
// histories encodes to the same bytes, but for what is history in it: the
// remembered transactions and the elements' trails.
func TestHistoryIndependence(t *testing.T) {
	add := func(ev ...*messages.Event) *messages.Transaction { return &messages.Transaction{Events: ev} }
	na := func(id string) *messages.Event {
		return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
	}
	ea := func(id, s, d string, props map[string]any) *messages.Event {
		p, err := structpb.NewStruct(props)
		if err != nil {
			t.Fatal(err)
		}
		return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: id, SourceId: s, TargetId: d, Properties: p}}}
	}
	eu := func(id string, set map[string]any, unset ...string) *messages.Event {
		p, err := structpb.NewStruct(set)
		if err != nil {
			t.Fatal(err)
		}
		return &messages.Event{Payload: &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{EdgeId: id, Set: p, Unset: unset}}}
	}
	nr := func(id string) *messages.Event {
		return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}}
	}
	histories := [][]*messages.Transaction{
		{add(na("a"), na("b"), ea("x", "a", "b", map[string]any{"w": 1, "k": "v"})), add(ea("y", "b", "a", nil))},
		{add(na("b")), add(na("a"), ea("y", "b", "a", nil)), add(ea("x", "a", "b", map[string]any{"k": "v", "w": 2, "z": true})), add(eu("x", map[string]any{"w": 1}, "z"))},
		{add(na("c"), na("a"), ea("tmp", "a", "c", nil)), add(na("b"), ea("y", "b", "a", nil), ea("x", "a", "b", map[string]any{"w": -0.0})), add(nr("c"), eu("x", map[string]any{"k": "v", "w": 1}))},
	}
	var want []byte
	for i, h := range histories {
		g := New("g")
		for v, tx := range h {
			tx.Version = uint64(v + 1)
			for j, ev := range tx.Events {
				ev.GraphId, ev.Version, ev.Index, ev.Count = "g", tx.Version, uint32(j), uint32(len(tx.Events))
			}
			if err := g.Apply(tx); err != nil {
				t.Fatalf("history %d tx %d: %v", i, v, err)
			}
		}
		// Versions differ between histories; compare the graphs at one.
		g.version, g.sequence = 9, 9
		s := g.State()
		s.Recent, s.Trails = nil, nil
		b := mustEncode(t, mustFromState(t, s))
		if i == 0 {
			want = b
		} else if !bytes.Equal(b, want) {
			t.Errorf("history %d encodes differently:\n got %v\nwant from %v", i, g.State(), histories[0])
		}
	}
}

// TestCloneConcurrentUse: a clone may be read on another goroutine while
// the original applies (run with -race).
func TestCloneConcurrentUse(t *testing.T) {
	gn := &gen{r: rand.New(rand.NewSource(3)), graphID: "g", nodes: 8, edges: 12}
	txs := gn.history(80)
	g := New("g")
	for _, tx := range txs[:40] {
		_ = g.Apply(tx)
	}
	c := g.Clone()
	want := mustEncode(t, c)
	done := make(chan []byte)
	go func() {
		for range 20 {
			_ = c.State()
			_, _ = c.Components(t.Context(), messages.ComponentKind_COMPONENT_KIND_STRONG)
			_, _ = c.TopologicalOrder(t.Context())
		}
		b, _ := c.Encode()
		done <- b
	}()
	for _, tx := range txs[40:] {
		_ = g.Apply(tx)
	}
	if got := <-done; !bytes.Equal(got, want) {
		t.Fatal("the clone changed while the original applied")
	}
}
