package graph

import (
	"fmt"
	"math"
	"unicode/utf8"

	"github.com/graphlog/graphlog/messages"
)

// MaxTypeLen bounds a node or edge type name, in bytes.
const MaxTypeLen = 256

// Check validates a proposed, uncommitted transaction's events against the
// current state without changing anything. Envelope fields that are only
// set on commit (version, index, count) are ignored; a graph_id, when set,
// must be this graph's. The first event that fails decides the error: an
// *EventError wrapping ErrInvalidTransaction or ErrInvalidID (malformed
// whatever the state) or ErrRejected (refused by the graph's rules). An
// empty list is ErrInvalidTransaction.
func (g *Graph) Check(events []*messages.Event) error {
	_, err := g.validate(events, nil)
	return err
}

// Apply folds one committed transaction; see the package documentation for
// the contract, step by step.
func (g *Graph) Apply(tx *messages.Transaction) error {
	if tx == nil {
		return fmt.Errorf("%w: transaction is nil", ErrInvalidTransaction)
	}
	if tx.GraphId != "" && tx.GraphId != g.id {
		// Not a rejection: the transaction belongs to another graph's
		// history and must not take a version of this one.
		return fmt.Errorf("%w: transaction is for graph %q, this is graph %q; route transactions by graph ID",
			ErrInvalidTransaction, tx.GraphId, g.id)
	}
	if g.version == math.MaxUint64 {
		return fmt.Errorf("%w: graph %q is at the last possible version %d", ErrOutOfOrder, g.id, g.version)
	}
	if next := g.version + 1; tx.Version != next {
		hint := "fetch the missing versions from the log first"
		if tx.Version < next {
			hint = "it is already applied; skip it"
		}
		return fmt.Errorf("%w: transaction has version %d but graph %q is at version %d and needs %d next; %s",
			ErrOutOfOrder, tx.Version, g.id, g.version, next, hint)
	}
	prep, err := g.validate(tx.Events, tx)
	var origin *lineage
	if err == nil {
		origin, err = lineageOf(tx)
	}
	g.version, g.sequence = tx.Version, tx.Sequence
	if err != nil {
		g.remember(tx, nil)
		return &RejectedError{Version: tx.Version, Err: err}
	}
	if origin != nil {
		g.origin = origin
	}
	g.remember(tx, prep)
	for i, ev := range tx.Events {
		g.fold(ev, prep[i])
	}
	return nil
}

// prepared is what validation computed for one event, kept so the fold
// does not compute it again.
type prepared struct {
	props string  // NodeAdded, EdgeAdded: canonical properties
	set   []entry // NodeUpdated, EdgeUpdated: canonical entries to set
}

// validate checks events in order against the state as of each event;
// committed (non-nil) adds the envelope checks of a committed transaction.
func (g *Graph) validate(events []*messages.Event, committed *messages.Transaction) ([]prepared, error) {
	prep, _, err := g.validateOn(nil, events, committed)
	return prep, err
}

// validateOn is validate against the state that parent's transactions
// (nil: none) leave, and returns the simulation of events on top of it.
func (g *Graph) validateOn(parent *simulation, events []*messages.Event, committed *messages.Transaction) ([]prepared, *simulation, error) {
	if len(events) == 0 {
		return nil, nil, malformedf("transaction has no events; send at least one")
	}
	sim := &simulation{g: g, parent: parent}
	prep := make([]prepared, len(events))
	for i, ev := range events {
		if ev == nil {
			return nil, nil, &EventError{Index: i, Err: malformedf("event is nil")}
		}
		err := g.checkEnvelope(i, len(events), ev, committed)
		if err == nil {
			prep[i], err = sim.step(ev)
		}
		if err != nil {
			return nil, nil, &EventError{Index: i, Type: EventType(ev), ID: elementID(ev), Err: err}
		}
	}
	return prep, sim, nil
}

func (g *Graph) checkEnvelope(i, count int, ev *messages.Event, committed *messages.Transaction) error {
	if committed == nil {
		if ev.GraphId != "" && ev.GraphId != g.id {
			return malformedf("event is for graph %q, this is graph %q; leave graph_id empty or set it to this graph", ev.GraphId, g.id)
		}
		return nil
	}
	switch {
	case ev.GraphId != g.id:
		return malformedf("event has graph_id %q, the transaction is for graph %q", ev.GraphId, g.id)
	case ev.Version != committed.Version:
		return malformedf("event has version %d, its transaction has version %d", ev.Version, committed.Version)
	case int64(ev.Index) != int64(i):
		return malformedf("event has index %d at position %d", ev.Index, i)
	case int64(ev.Count) != int64(count):
		return malformedf("event has count %d, its transaction has %d events", ev.Count, count)
	}
	return nil
}

// simulation replays a transaction's effect on existence only, as an
// overlay over the real state: it records the nodes and edges the
// transaction touches and never copies the graph.
//
// Removing a node removes its edges, without walking them: each node has a
// generation, bumped when it is removed, and an edge exists only while its
// endpoints keep the generation they had when it was added (0 for edges of
// the state). So a node removed and added again in one transaction has lost
// its old edges, as it will in the fold.
//
// A simulation with a parent (the simulation of an earlier transaction
// not yet committed, see PrepareAfter) takes the parent's result as its
// state: what exists there exists here with generation 0, exactly as if
// the parent had been committed, so a transaction is judged and worded the
// same whether it is prepared alone or after others.
type simulation struct {
	g      *Graph
	parent *simulation
	nodes  map[string]nodeMark // nil until the first node is touched
	edges  map[string]edgeMark
}

type nodeMark struct {
	alive bool
	gen   uint32
}

type edgeMark struct {
	alive          bool
	src, dst       string
	srcGen, dstGen uint32
}

func (s *simulation) node(id string) nodeMark {
	if m, ok := s.nodes[id]; ok {
		return m
	}
	if s.parent != nil {
		return nodeMark{alive: s.parent.node(id).alive}
	}
	_, ok := s.g.nodes.get(id)
	return nodeMark{alive: ok}
}

// base reports whether edge id exists in the state this simulation starts
// from (the graph's, or the parent's result), and its endpoints.
func (s *simulation) base(id string) (exists bool, src, dst string) {
	if s.parent != nil {
		if ok, _ := s.parent.edge(id); !ok {
			return false, "", ""
		}
		src, dst = s.parent.endpoints(id)
		return true, src, dst
	}
	e, ok := s.g.edges.get(id)
	if !ok {
		return false, "", ""
	}
	return true, e.src.id, e.dst.id
}

// endpoints are the source and target of an edge that exists in the
// simulated state.
func (s *simulation) endpoints(id string) (src, dst string) {
	if m, ok := s.edges[id]; ok {
		return m.src, m.dst
	}
	_, src, dst = s.base(id)
	return src, dst
}

func (s *simulation) setNode(id string, m nodeMark) {
	if s.nodes == nil {
		s.nodes = make(map[string]nodeMark)
	}
	s.nodes[id] = m
}

func (s *simulation) setEdge(id string, m edgeMark) {
	if s.edges == nil {
		s.edges = make(map[string]edgeMark)
	}
	s.edges[id] = m
}

// edge reports whether edge id exists as of the current event; when it
// does not because an endpoint was removed earlier in the transaction,
// removedWith names that endpoint.
func (s *simulation) edge(id string) (exists bool, removedWith string) {
	if m, ok := s.edges[id]; ok {
		switch {
		case !m.alive:
			return false, ""
		case s.node(m.src).gen != m.srcGen:
			return false, m.src
		case s.node(m.dst).gen != m.dstGen:
			return false, m.dst
		}
		return true, ""
	}
	ok, src, dst := s.base(id)
	switch {
	case !ok:
		return false, ""
	case s.node(src).gen != 0:
		return false, src
	case s.node(dst).gen != 0:
		return false, dst
	}
	return true, ""
}

// Hints that finish a "does not exist" message, by what the event wanted.
const (
	hintEndpoint = "; add it first, in this or an earlier transaction"
	hintNode     = "; add it with NodeAdded first"
	hintEdge     = "; add it with EdgeAdded first"
	hintRemove   = ", so it cannot be removed"
)

func (s *simulation) missingNode(role, id, hint string) error {
	if s.node(id).gen > 0 {
		return rejectf("%s %q was removed earlier in this transaction", role, id)
	}
	return rejectf("%s %q does not exist%s", role, id, hint)
}

func (s *simulation) missingEdge(id, removedWith, hint string) error {
	if removedWith != "" {
		return rejectf("edge %q does not exist: removing node %q earlier in this transaction removed it", id, removedWith)
	}
	if m, ok := s.edges[id]; ok && !m.alive {
		return rejectf("edge %q was removed earlier in this transaction", id)
	}
	return rejectf("edge %q does not exist%s", id, hint)
}

// step validates one event against the simulated state and records its
// effect.
func (s *simulation) step(ev *messages.Event) (prepared, error) {
	switch p := ev.Payload.(type) {
	case *messages.Event_NodeAdded:
		a := p.NodeAdded
		id := a.GetNodeId()
		if err := ValidateElementID("node", id); err != nil {
			return prepared{}, err
		}
		if err := validType("node", a.GetNodeType()); err != nil {
			return prepared{}, err
		}
		props, err := canonicalProps(a.GetProperties())
		if err != nil {
			return prepared{}, malformedf("%v", err)
		}
		m := s.node(id)
		if m.alive {
			return prepared{}, rejectf("node %q already exists; choose a new ID, or change it with NodeUpdated", id)
		}
		s.setNode(id, nodeMark{alive: true, gen: m.gen})
		return prepared{props: props}, nil

	case *messages.Event_NodeUpdated:
		u := p.NodeUpdated
		id := u.GetNodeId()
		if err := ValidateElementID("node", id); err != nil {
			return prepared{}, err
		}
		set, err := structEntries(u.GetSet())
		if err != nil {
			return prepared{}, malformedf("set: %v", err)
		}
		if !s.node(id).alive {
			return prepared{}, s.missingNode("node", id, hintNode)
		}
		return prepared{set: set}, nil

	case *messages.Event_NodeRemoved:
		id := p.NodeRemoved.GetNodeId()
		if err := ValidateElementID("node", id); err != nil {
			return prepared{}, err
		}
		m := s.node(id)
		if !m.alive {
			return prepared{}, s.missingNode("node", id, hintRemove)
		}
		s.setNode(id, nodeMark{alive: false, gen: m.gen + 1})
		return prepared{}, nil

	case *messages.Event_EdgeAdded:
		a := p.EdgeAdded
		id := a.GetEdgeId()
		if err := ValidateElementID("edge", id); err != nil {
			return prepared{}, err
		}
		src, dst := a.GetSourceId(), a.GetTargetId()
		if err := ValidateElementID("source node", src); err != nil {
			return prepared{}, err
		}
		if err := ValidateElementID("target node", dst); err != nil {
			return prepared{}, err
		}
		if err := validType("edge", a.GetEdgeType()); err != nil {
			return prepared{}, err
		}
		props, err := canonicalProps(a.GetProperties())
		if err != nil {
			return prepared{}, malformedf("%v", err)
		}
		if ok, _ := s.edge(id); ok {
			return prepared{}, rejectf("edge %q already exists; choose a new ID, or change it with EdgeUpdated", id)
		}
		sm, dm := s.node(src), s.node(dst)
		if !sm.alive {
			return prepared{}, s.missingNode("source node", src, hintEndpoint)
		}
		if !dm.alive {
			return prepared{}, s.missingNode("target node", dst, hintEndpoint)
		}
		s.setEdge(id, edgeMark{alive: true, src: src, dst: dst, srcGen: sm.gen, dstGen: dm.gen})
		return prepared{props: props}, nil

	case *messages.Event_EdgeUpdated:
		u := p.EdgeUpdated
		id := u.GetEdgeId()
		if err := ValidateElementID("edge", id); err != nil {
			return prepared{}, err
		}
		set, err := structEntries(u.GetSet())
		if err != nil {
			return prepared{}, malformedf("set: %v", err)
		}
		if ok, removedWith := s.edge(id); !ok {
			return prepared{}, s.missingEdge(id, removedWith, hintEdge)
		}
		return prepared{set: set}, nil

	case *messages.Event_EdgeRemoved:
		id := p.EdgeRemoved.GetEdgeId()
		if err := ValidateElementID("edge", id); err != nil {
			return prepared{}, err
		}
		if ok, removedWith := s.edge(id); !ok {
			return prepared{}, s.missingEdge(id, removedWith, hintRemove)
		}
		s.setEdge(id, edgeMark{})
		return prepared{}, nil

	case nil:
		return prepared{}, malformedf("event has no payload (or one this version does not know); set one of node_added, node_updated, node_removed, edge_added, edge_updated, edge_removed")
	default:
		return prepared{}, malformedf("event has an unknown payload %T", p)
	}
}

func validType(kind, typ string) error {
	switch {
	case len(typ) > MaxTypeLen:
		return malformedf("%s type is %d bytes long, the limit is %d", kind, len(typ), MaxTypeLen)
	case !utf8.ValidString(typ):
		return malformedf("%s type %q is not valid UTF-8", kind, typ)
	}
	return nil
}

// fold applies one validated event. It cannot fail: validation has
// simulated exactly these steps.
func (g *Graph) fold(ev *messages.Event, p prepared) {
	switch pl := ev.Payload.(type) {
	case *messages.Event_NodeAdded:
		id := pl.NodeAdded.GetNodeId()
		n := g.addNode(id, pl.NodeAdded.GetNodeType(), p.props)
		n.trail = g.exhume(false, id)
		n.trail.add(g.version, g.sequence)
	case *messages.Event_NodeUpdated:
		n, _ := g.nodes.get(pl.NodeUpdated.GetNodeId())
		n.props = mergeProps(n.props, p.set, pl.NodeUpdated.GetUnset())
		n.trail.add(g.version, g.sequence)
	case *messages.Event_NodeRemoved:
		n, _ := g.nodes.get(pl.NodeRemoved.GetNodeId())
		g.removeNode(n)
	case *messages.Event_EdgeAdded:
		a := pl.EdgeAdded
		src, _ := g.nodes.get(a.GetSourceId())
		dst, _ := g.nodes.get(a.GetTargetId())
		e := g.addEdge(a.GetEdgeId(), a.GetEdgeType(), src, dst, p.props)
		e.trail = g.exhume(true, e.id)
		e.trail.add(g.version, g.sequence)
	case *messages.Event_EdgeUpdated:
		e, _ := g.edges.get(pl.EdgeUpdated.GetEdgeId())
		e.props = mergeProps(e.props, p.set, pl.EdgeUpdated.GetUnset())
		e.trail.add(g.version, g.sequence)
	case *messages.Event_EdgeRemoved:
		e, _ := g.edges.get(pl.EdgeRemoved.GetEdgeId())
		g.removeEdge(e)
	}
}

// elementID is the ID an event names, when it is a valid one (an invalid
// one is described by the error instead).
func elementID(ev *messages.Event) string {
	var kind, id string
	switch p := ev.Payload.(type) {
	case *messages.Event_NodeAdded:
		kind, id = "node", p.NodeAdded.GetNodeId()
	case *messages.Event_NodeUpdated:
		kind, id = "node", p.NodeUpdated.GetNodeId()
	case *messages.Event_NodeRemoved:
		kind, id = "node", p.NodeRemoved.GetNodeId()
	case *messages.Event_EdgeAdded:
		kind, id = "edge", p.EdgeAdded.GetEdgeId()
	case *messages.Event_EdgeUpdated:
		kind, id = "edge", p.EdgeUpdated.GetEdgeId()
	case *messages.Event_EdgeRemoved:
		kind, id = "edge", p.EdgeRemoved.GetEdgeId()
	}
	if ValidateElementID(kind, id) != nil {
		return ""
	}
	return id
}
