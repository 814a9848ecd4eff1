package graph

import (
	"maps"
	"slices"
)

// Graph is one graph's state at one version. Not safe for concurrent use;
// methods that only read (queries, algorithms, Check, Encode, Clone) never
// write to it, so they may run together as long as nothing applies.
type Graph struct {
	id       string
	version  uint64
	sequence uint64
	nodes    idTable[*node]
	edges    idTable[*edge]
	// types interns node and edge type names: graphs reuse a handful of
	// types across millions of elements, every decoded event carries its
	// own copy of the string, and a pointer to a shared header is half the
	// size of a header. The strings are never written through the
	// pointers, so clones share them.
	types map[string]*string
	// recent remembers the latest transactions (recent.go), so that a
	// transaction ID is applied at most once (docs/ARCHITECTURE.md,
	// "Retries are safe forever"). It is
	// part of the state, in every snapshot, because the grain that answers
	// a resend may be one activated from a snapshot since.
	recent recent
	// gone keeps the trails of removed elements (trail.go); nil until an
	// element is removed.
	gone *gone
	// origin is where a fork started (lineage.go); nil for other graphs.
	origin *lineage
}

// node and edge are the compact in-memory form of messages.Node and
// messages.Edge; an edge fits in 88 bytes (64 without its trail).
// Properties are kept as their canonical encoding (see props.go), in a
// string: a Struct message costs several hundred bytes per element even
// with one key, its encoding tens, and strings are immutable, so clones
// share them.
type node struct {
	id    string
	typ   *string // nil when empty; see Graph.types
	props string
	// out and in hold the incident edges in no particular order; each edge
	// knows its own position (outPos, inPos), so unlinking one is O(1).
	// A self-loop is in both lists of its node.
	out []*edge
	in  []*edge
	// trail is the node's history (trail.go).
	trail trail
}

type edge struct {
	id  string
	typ *string
	// src and dst point at the endpoint nodes instead of naming them: an
	// edge never outlives its endpoints (removing a node removes its
	// edges), and a pointer is half a string header.
	src    *node
	dst    *node
	props  string
	outPos uint32 // index in src.out
	inPos  uint32 // index in dst.in
	trail  trail  // the edge's history (trail.go)
}

// maxInternedTypes bounds the intern table, which never shrinks; past it
// each element gets its own copy of a new type name.
const maxInternedTypes = 1024

// New returns an empty graph (version 0). It does not validate graphID,
// which the caller has done at its entry point (ValidateGraphID); a graph
// with an invalid ID cannot be decoded again.
func New(graphID string) *Graph {
	return &Graph{id: graphID, types: make(map[string]*string)}
}

// ID returns the graph's ID.
func (g *Graph) ID() string { return g.id }

// Version returns the number of committed transactions folded, rejected ones
// included (0 = none).
func (g *Graph) Version() uint64 { return g.version }

// Sequence returns the stream sequence of the last transaction applied.
func (g *Graph) Sequence() uint64 { return g.sequence }

// NodeCount returns the number of nodes.
func (g *Graph) NodeCount() int { return g.nodes.len() }

// EdgeCount returns the number of edges.
func (g *Graph) EdgeCount() int { return g.edges.len() }

// Clone returns an independent deep copy, for read-only replays beside the
// live state. Property encodings are shared because nothing modifies them.
func (g *Graph) Clone() *Graph {
	c := &Graph{id: g.id, version: g.version, sequence: g.sequence, types: maps.Clone(g.types), recent: g.recent.clone(), gone: g.gone.clone(), origin: g.origin}
	c.nodes = g.nodes.cloneWith(func(n *node) *node {
		return &node{
			id:    n.id,
			typ:   n.typ,
			props: n.props,
			out:   make([]*edge, len(n.out)),
			in:    make([]*edge, len(n.in)),
			// Clipped: each graph appends to a copy of its own.
			trail: slices.Clip(n.trail),
		}
	})
	// Positions are copied as they are, so each copied edge goes to the
	// same slot of its endpoints' lists and no list needs rebuilding.
	c.edges = g.edges.cloneWith(func(e *edge) *edge {
		src, _ := c.nodes.get(e.src.id)
		dst, _ := c.nodes.get(e.dst.id)
		ce := &edge{
			id:     e.id,
			typ:    e.typ,
			src:    src,
			dst:    dst,
			props:  e.props,
			outPos: e.outPos,
			inPos:  e.inPos,
			trail:  slices.Clip(e.trail),
		}
		src.out[ce.outPos] = ce
		dst.in[ce.inPos] = ce
		return ce
	})
	return c
}

func (g *Graph) intern(typ string) *string {
	if typ == "" {
		return nil
	}
	if p, ok := g.types[typ]; ok {
		return p
	}
	p := &typ
	if len(g.types) < maxInternedTypes {
		g.types[typ] = p
	}
	return p
}

// typeName reads an interned type name.
func typeName(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// The mutators below assume validation has passed: they never fail.

func (g *Graph) addNode(id, typ, props string) *node {
	n := &node{id: id, typ: g.intern(typ), props: props}
	g.nodes.put(n)
	return n
}

func (g *Graph) addEdge(id, typ string, src, dst *node, props string) *edge {
	e := &edge{
		id:     id,
		typ:    g.intern(typ),
		src:    src,
		dst:    dst,
		props:  props,
		outPos: uint32(len(src.out)),
		inPos:  uint32(len(dst.in)),
	}
	src.out = append(src.out, e)
	dst.in = append(dst.in, e)
	g.edges.put(e)
	return e
}

// removeNode removes n and every edge incident to it, and keeps their
// trails, each touched by the transaction being folded.
func (g *Graph) removeNode(n *node) {
	// Unlinking the last edge moves nothing, and a self-loop leaves both
	// lists at once.
	for len(n.out) > 0 {
		g.removeEdge(n.out[len(n.out)-1])
	}
	for len(n.in) > 0 {
		g.removeEdge(n.in[len(n.in)-1])
	}
	n.trail.add(g.version, g.sequence)
	g.bury(false, n.id, n.trail)
	g.nodes.del(n.id)
}

func (g *Graph) removeEdge(e *edge) {
	s := e.src
	last := len(s.out) - 1
	moved := s.out[last]
	s.out[e.outPos] = moved
	moved.outPos = e.outPos
	s.out[last] = nil
	s.out = shrink(s.out[:last])

	d := e.dst
	last = len(d.in) - 1
	moved = d.in[last]
	d.in[e.inPos] = moved
	moved.inPos = e.inPos
	d.in[last] = nil
	d.in = shrink(d.in[:last])

	e.trail.add(g.version, g.sequence)
	g.bury(true, e.id, e.trail)
	g.edges.del(e.id)
}

// shrink gives memory back when a node loses most of its edges, so a hub
// that once had a million edges does not keep their slots. Order is kept,
// so the positions stored in the edges stay right.
func shrink(l []*edge) []*edge {
	if cap(l) <= 16 || len(l) > cap(l)/4 {
		return l
	}
	if len(l) == 0 {
		return nil
	}
	return append(make([]*edge, 0, 2*len(l)), l...)
}
