package graph

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/graphlog/graphlog/messages"
)

// Queries build fresh messages from the compact state. The contract still
// lets them share memory with the state, so callers must not modify what
// they return.

// Node returns the node with the given ID.
func (g *Graph) Node(id string) (*messages.Node, bool) {
	n, ok := g.nodes.get(id)
	if !ok {
		return nil, false
	}
	return n.message(), true
}

// Edge returns the edge with the given ID.
func (g *Graph) Edge(id string) (*messages.Edge, bool) {
	e, ok := g.edges.get(id)
	if !ok {
		return nil, false
	}
	return e.message(), true
}

// Neighbors returns the edges of a node in the given direction, each with
// the node at its other end, sorted by edge ID. An edge that leaves the
// node is DIRECTION_OUT, one that arrives DIRECTION_IN; a self-loop is both,
// so for DIRECTION_BOTH it appears once, as DIRECTION_OUT (for
// DIRECTION_IN it appears as DIRECTION_IN, being an edge that arrives).
func (g *Graph) Neighbors(nodeID string, dir messages.Direction) ([]*messages.Neighbor, error) {
	n, ok := g.nodes.get(nodeID)
	if !ok {
		return nil, fmt.Errorf("%w: node %q does not exist in graph %q", ErrNotFound, nodeID, g.id)
	}
	var out, in bool
	switch dir {
	case messages.Direction_DIRECTION_OUT:
		out = true
	case messages.Direction_DIRECTION_IN:
		in = true
	case messages.Direction_DIRECTION_BOTH:
		out, in = true, true
	default:
		return nil, fmt.Errorf("%w: unknown direction %d; use DIRECTION_OUT, DIRECTION_IN or DIRECTION_BOTH", ErrInvalidArgument, dir)
	}
	type hit struct {
		e   *edge
		dir messages.Direction
	}
	var hits []hit
	if out {
		for _, e := range n.out {
			hits = append(hits, hit{e, messages.Direction_DIRECTION_OUT})
		}
	}
	if in {
		for _, e := range n.in {
			if out && e.src == n {
				continue // the self-loop is already listed as OUT
			}
			hits = append(hits, hit{e, messages.Direction_DIRECTION_IN})
		}
	}
	slices.SortFunc(hits, func(a, b hit) int { return cmp.Compare(a.e.id, b.e.id) })
	res := make([]*messages.Neighbor, len(hits))
	for i, h := range hits {
		other := h.e.dst
		if h.dir == messages.Direction_DIRECTION_IN {
			other = h.e.src
		}
		res[i] = &messages.Neighbor{Node: other.message(), Edge: h.e.message(), Direction: h.dir}
	}
	return res, nil
}

// State returns the whole graph: nodes and edges sorted by ID, GraphId,
// Version and Sequence set, Format StateFormat, the remembered transactions
// in Recent, oldest first, the elements' trails in Trails, and UpdatedAt
// nil (the graph keeps no time; the caller stamps it).
func (g *Graph) State() *messages.GraphState {
	nodes, edges := g.sortedNodes(), g.sortedEdges()
	s := &messages.GraphState{
		GraphId:  g.id,
		Version:  g.version,
		Sequence: g.sequence,
		Nodes:    make([]*messages.Node, len(nodes)),
		Edges:    make([]*messages.Edge, len(edges)),
		Format:   StateFormat,
	}
	for i, n := range nodes {
		s.Nodes[i] = n.message()
	}
	for i, e := range edges {
		s.Edges[i] = e.message()
	}
	if g.recent.len() > 0 {
		s.Recent = make([]*messages.CommittedTransaction, 0, g.recent.len())
		for _, c := range g.recent.all() {
			s.Recent = append(s.Recent, c.message())
		}
	}
	for _, t := range g.trails(nodes, edges) {
		s.Trails = append(s.Trails, t.message())
	}
	s.ForkedFrom = g.origin.message()
	return s
}

// sortedNodes and sortedEdges list elements by ID: the order of every
// output that must depend on the state only, not on history or hashing.
func (g *Graph) sortedNodes() []*node { return sortedByID(&g.nodes) }

func (g *Graph) sortedEdges() []*edge { return sortedByID(&g.edges) }

func (n *node) message() *messages.Node {
	return &messages.Node{Id: n.id, Type: typeName(n.typ), Properties: decodeProps(n.props)}
}

func (e *edge) message() *messages.Edge {
	return &messages.Edge{
		Id:         e.id,
		Source:     e.src.id,
		Target:     e.dst.id,
		Type:       typeName(e.typ),
		Properties: decodeProps(e.props),
	}
}

func (c *committed) message() *messages.CommittedTransaction {
	m := &messages.CommittedTransaction{
		TransactionId: c.id,
		Version:       c.version,
		Sequence:      c.sequence,
		Events:        c.events,
	}
	if c.digest != "" {
		m.Digest = []byte(c.digest)
	}
	return m
}

// CountByType counts the nodes (edges false) or edges of each type; the
// untyped under "".
func (g *Graph) CountByType(edges bool) map[string]int {
	out := map[string]int{}
	if edges {
		for e := range g.edges.all() {
			out[typeName(e.typ)]++
		}
		return out
	}
	for n := range g.nodes.all() {
		out[typeName(n.typ)]++
	}
	return out
}

// Degree returns how many edges leave and arrive at a node (a self-loop
// counts in both); ok is false when it does not exist.
func (g *Graph) Degree(id string) (out, in int, ok bool) {
	n, ok := g.nodes.get(id)
	if !ok {
		return 0, 0, false
	}
	return len(n.out), len(n.in), true
}
