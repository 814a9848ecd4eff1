package main

import (
	"fmt"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/graph"
)

// element is one node or edge read from an import source.
type element struct {
	edge           bool
	id, typ        string
	source, target string // edges only
	props          map[string]any
	pos            position
}

// source reads the elements of an import input in order. next returns
// io.EOF at the end, and an *inputError for malformed input.
type source interface {
	next() (element, error)
}

// nodeState is what the planner knows of a node ID.
type nodeState uint8

const (
	nodeUnknown  nodeState = iota
	nodeExisting           // in the graph before the import
	nodeDeclared           // declared by the input
	nodeImplicit           // created by the import because an edge named it
)

// defaultMaxPending bounds the edges held back waiting for their nodes'
// declarations.
const defaultMaxPending = 100_000

// planner turns elements into the events that create them, in an order
// the graph accepts: a node's NodeAdded before any EdgeAdded that needs it.
// It is pure (no I/O, no clock); the import loop feeds it and cuts its
// queue into transactions.
//
// With an input that declares its nodes (json, graphml), an edge naming a
// node not declared yet waits, up to maxPending edges, for the
// declaration, so the node gets its type and properties; at the end (or
// when too many wait) the missing nodes are created bare. A node declared
// after it was created bare gets its properties with NodeUpdated; its type
// cannot change, which is reported through warn.
type planner struct {
	name       string // the input's name, for errors
	declares   bool
	maxPending int
	warn       func(string)

	nodes   map[string]nodeState
	pending []element
	queue   []apitypes.EventData
	sizes   []int // eventSize of each event of queue
	head    int
	bytes   int // the sizes of the events ready
}

func newPlanner(name string, declares bool, existing []string, warn func(string)) *planner {
	p := &planner{name: name, declares: declares, maxPending: defaultMaxPending, warn: warn,
		nodes: make(map[string]nodeState, len(existing))}
	for _, id := range existing {
		p.nodes[id] = nodeExisting
	}
	return p
}

func (p *planner) fail(pos position, format string, args ...any) error {
	return &inputError{Name: p.name, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// add plans one element.
func (p *planner) add(el element) error {
	if el.edge {
		return p.addEdge(el)
	}
	return p.addNode(el)
}

func (p *planner) addNode(el element) error {
	if err := graph.ValidateElementID("node", el.id); err != nil {
		return p.fail(el.pos, "%v", err)
	}
	if len(el.typ) > graph.MaxTypeLen {
		return p.fail(el.pos, "node %q: the type is %d bytes long, the limit is %d", el.id, len(el.typ), graph.MaxTypeLen)
	}
	switch p.nodes[el.id] {
	case nodeDeclared:
		return p.fail(el.pos, "node %q is declared twice", el.id)
	case nodeExisting:
		return p.fail(el.pos, "node %q already exists in the graph; import into a new graph, or leave the node out", el.id)
	case nodeImplicit:
		p.nodes[el.id] = nodeDeclared
		if len(el.props) > 0 {
			p.push(apitypes.EventData{Type: apitypes.EventNodeUpdated, NodeID: el.id, Set: el.props})
		}
		if el.typ != "" && p.warn != nil {
			p.warn(fmt.Sprintf("%s: %s: node %q was created without a type for an edge that came first; its type %q was not applied",
				p.name, el.pos, el.id, el.typ))
		}
		return nil
	}
	p.nodes[el.id] = nodeDeclared
	p.push(apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: el.id, NodeType: el.typ, Properties: el.props})
	return nil
}

func (p *planner) addEdge(el element) error {
	for _, c := range []struct{ what, id string }{{"edge", el.id}, {"source node", el.source}, {"target node", el.target}} {
		if err := graph.ValidateElementID(c.what, c.id); err != nil {
			return p.fail(el.pos, "%v", err)
		}
	}
	if len(el.typ) > graph.MaxTypeLen {
		return p.fail(el.pos, "edge %q: the type is %d bytes long, the limit is %d", el.id, len(el.typ), graph.MaxTypeLen)
	}
	if p.declares && (p.nodes[el.source] == nodeUnknown || p.nodes[el.target] == nodeUnknown) {
		p.pending = append(p.pending, el)
		if len(p.pending) >= p.maxPending {
			p.release()
		}
		return nil
	}
	p.emitEdge(el)
	return nil
}

// emitEdge queues an edge, creating its endpoints first if need be.
func (p *planner) emitEdge(el element) {
	for _, id := range []string{el.source, el.target} {
		if p.nodes[id] == nodeUnknown {
			p.nodes[id] = nodeImplicit
			p.push(apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: id})
		}
	}
	p.push(apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: el.id, SourceID: el.source, TargetID: el.target,
		EdgeType: el.typ, Properties: el.props})
}

// release queues the edges that waited, creating the nodes still missing.
func (p *planner) release() {
	for _, el := range p.pending {
		p.emitEdge(el)
	}
	clear(p.pending)
	p.pending = p.pending[:0]
}

// finish ends the input: every waiting edge is queued.
func (p *planner) finish() { p.release() }

func (p *planner) push(ev apitypes.EventData) {
	size := eventSize(&ev)
	p.queue = append(p.queue, ev)
	p.sizes = append(p.sizes, size)
	p.bytes += size
}

// ready is how many events are queued.
func (p *planner) ready() int { return len(p.queue) - p.head }

// readyBytes bounds the encoded size of the events queued (eventSize).
func (p *planner) readyBytes() int { return p.bytes }

// take removes and returns the first queued events: as many as fit in
// maxBytes of eventSize, at most n, and at least one when any is queued
// (an event larger than maxBytes goes alone), with their eventSizes.
func (p *planner) take(n, maxBytes int) ([]apitypes.EventData, []int) {
	n = min(n, p.ready())
	size := 0
	for i := 0; i < n; i++ {
		s := p.sizes[p.head+i]
		if i > 0 && size+s > maxBytes {
			n = i
			break
		}
		size += s
	}
	out := make([]apitypes.EventData, n)
	copy(out, p.queue[p.head:p.head+n])
	sizes := make([]int, n)
	copy(sizes, p.sizes[p.head:p.head+n])
	clear(p.queue[p.head : p.head+n])
	p.head += n
	p.bytes -= size
	switch {
	case p.head == len(p.queue):
		p.queue, p.sizes, p.head = p.queue[:0], p.sizes[:0], 0
	case p.head > 4096 && p.head > len(p.queue)/2:
		p.queue = append(p.queue[:0], p.queue[p.head:]...)
		p.sizes = append(p.sizes[:0], p.sizes[p.head:]...)
		p.head = 0
	}
	return out, sizes
}
