package graph

import (
	"cmp"
	"encoding/binary"
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/graphlog/graphlog/messages"
)

// Element history (docs/ARCHITECTURE.md, "Element history"). The fold
// keeps, for every node and edge the graph ever had, its trail: the
// version and stream sequence of each transaction that added, changed or
// removed it. A reader asks a trail for the transactions to read from the
// log instead of reading the graph's whole history.
//
// A trail is a byte string of uvarint pairs (version, sequence), oldest
// first, versions ascending, sequences not descending (transactions of
// one group commit share a message): about 8 bytes per touch, and the
// form snapshots carry too. The last pair can be read from the end (the
// last byte of a uvarint is the only one below 0x80), so a transaction
// that touches an element twice adds it once without reading the rest.

// Touch is one transaction in an element's trail.
type Touch struct {
	Version, Sequence uint64
}

// trail is an element's history; see above.
type trail []byte

// add records that the transaction at version v, sequence s touched the
// element, unless it already did.
func (t *trail) add(v, s uint64) {
	if last, ok := t.last(); ok && last.Version == v {
		return
	}
	*t = binary.AppendUvarint(binary.AppendUvarint(*t, v), s)
}

// last returns the newest touch, read from the end.
func (t trail) last() (Touch, bool) {
	if len(t) == 0 {
		return Touch{}, false
	}
	// The sequence's uvarint ends at the last byte; it starts after the
	// byte before it that is below 0x80, which ends the version's.
	i := len(t) - 2
	for i >= 0 && t[i] >= 0x80 {
		i--
	}
	j := i - 1
	for j >= 0 && t[j] >= 0x80 {
		j--
	}
	v, _ := binary.Uvarint(t[j+1:])
	s, _ := binary.Uvarint(t[i+1:])
	return Touch{Version: v, Sequence: s}, true
}

// touches decodes the trail. ok is false when it is not well formed for
// a graph at version upTo: pairs of minimal uvarints, versions from 1
// ascending up to upTo, sequences not descending.
func (t trail) touches(upTo uint64) (out []Touch, ok bool) {
	var prev Touch
	for b := []byte(t); len(b) > 0; {
		v, n := binary.Uvarint(b)
		if n <= 0 || n != uvarintLen(v) {
			return nil, false
		}
		b = b[n:]
		s, n := binary.Uvarint(b)
		if n <= 0 || n != uvarintLen(s) {
			return nil, false
		}
		b = b[n:]
		if v <= prev.Version || v > upTo || s < prev.Sequence {
			return nil, false
		}
		prev = Touch{Version: v, Sequence: s}
		out = append(out, prev)
	}
	return out, true
}

func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// gone holds the trails of removed elements, by ID, until an element of
// the same ID is added again and carries it on. Nil until something is
// removed.
type gone struct {
	nodes, edges map[string]trail
}

// bury keeps a removed element's trail.
func (g *Graph) bury(edge bool, id string, t trail) {
	if g.gone == nil {
		g.gone = &gone{nodes: map[string]trail{}, edges: map[string]trail{}}
	}
	if edge {
		g.gone.edges[id] = t
	} else {
		g.gone.nodes[id] = t
	}
}

// exhume returns the trail of a removed element whose ID is being added
// again, and forgets it there. Its capacity is clipped: a clone of the
// graph may share its bytes, and each must append to a copy of its own.
func (g *Graph) exhume(edge bool, id string) trail {
	if g.gone == nil {
		return nil
	}
	m := g.gone.nodes
	if edge {
		m = g.gone.edges
	}
	t, ok := m[id]
	if !ok {
		return nil
	}
	delete(m, id)
	return slices.Clip(t)
}

// History returns the trail of the node (edge false) or edge with the
// given ID, present or removed: the transactions that added, changed or
// removed it, oldest first. Nil when the graph never had it.
func (g *Graph) History(edge bool, id string) []Touch {
	var t trail
	switch {
	case !edge:
		if n, ok := g.nodes.get(id); ok {
			t = n.trail
		} else if g.gone != nil {
			t = g.gone.nodes[id]
		}
	default:
		if e, ok := g.edges.get(id); ok {
			t = e.trail
		} else if g.gone != nil {
			t = g.gone.edges[id]
		}
	}
	out, _ := t.touches(g.version)
	return out
}

// cloneGone copies the removed elements' trails, clipped so that the
// clone and the original each append to copies of their own.
func (g *gone) clone() *gone {
	if g == nil {
		return nil
	}
	clip := func(m map[string]trail) map[string]trail {
		c := maps.Clone(m)
		for id, t := range c {
			c[id] = slices.Clip(t)
		}
		return c
	}
	return &gone{nodes: clip(g.nodes), edges: clip(g.edges)}
}

// elementTrail is one trail as a snapshot lists it.
type elementTrail struct {
	edge  bool
	id    string
	trail trail
}

// trails lists every non-empty trail, present and removed: nodes by ID,
// then edges by ID, the order Encode writes them in.
func (g *Graph) trails(nodes []*node, edges []*edge) []elementTrail {
	var out []elementTrail
	collect := func(edge bool, live []elementTrail, removed map[string]trail) {
		start := len(out)
		for _, t := range live {
			if len(t.trail) > 0 {
				out = append(out, t)
			}
		}
		for id, t := range removed {
			if len(t) > 0 {
				out = append(out, elementTrail{edge: edge, id: id, trail: t})
			}
		}
		slices.SortFunc(out[start:], func(a, b elementTrail) int { return cmp.Compare(a.id, b.id) })
	}
	var removedNodes, removedEdges map[string]trail
	if g.gone != nil {
		removedNodes, removedEdges = g.gone.nodes, g.gone.edges
	}
	live := make([]elementTrail, 0, len(nodes))
	for _, n := range nodes {
		live = append(live, elementTrail{id: n.id, trail: n.trail})
	}
	collect(false, live, removedNodes)
	live = live[:0]
	for _, e := range edges {
		live = append(live, elementTrail{edge: true, id: e.id, trail: e.trail})
	}
	collect(true, live, removedEdges)
	return out
}

// trailsFromState attaches the trails of a state to g, whose elements
// are in place, verifying them as FromState verifies the rest.
func (g *Graph) trailsFromState(s *messages.GraphState) error {
	for i, et := range s.GetTrails() {
		if et == nil {
			return fmt.Errorf("%w: trail %d is nil", ErrCorrupt, i)
		}
		kind := "node"
		if et.Edge {
			kind = "edge"
		}
		if err := ValidateElementID(kind, et.Id); err != nil {
			return fmt.Errorf("%w: trail %d: %w", ErrCorrupt, i, err)
		}
		if i > 0 {
			p := s.Trails[i-1]
			if p.Edge && !et.Edge || p.Edge == et.Edge && p.Id >= et.Id {
				return fmt.Errorf("%w: trail %d (%s %q) is out of order: node trails by ID, then edge trails by ID, each once", ErrCorrupt, i, kind, et.Id)
			}
		}
		t := trail(et.Touches)
		if touches, ok := t.touches(s.Version); !ok || len(touches) == 0 {
			return fmt.Errorf("%w: trail of %s %q is not pairs of versions (ascending, up to the state's %d) and sequences (not descending)", ErrCorrupt, kind, et.Id, s.Version)
		}
		g.attach(et.Edge, et.Id, slices.Clone(t))
	}
	return nil
}

// attach gives element id its trail: the live element's, or a removed
// one's. Each element's trail is attached once: a state lists them in
// order, each once, which its reader checks first.
func (g *Graph) attach(edge bool, id string, t trail) {
	if edge {
		if e, ok := g.edges.get(id); ok {
			e.trail = t
			return
		}
	} else if n, ok := g.nodes.get(id); ok {
		n.trail = t
		return
	}
	g.bury(edge, id, t)
}

func (t elementTrail) message() *messages.ElementTrail {
	return &messages.ElementTrail{Edge: t.edge, Id: t.id, Touches: t.trail}
}

func (t elementTrail) size() int {
	n := sizeString(trailID, t.id)
	if len(t.trail) > 0 {
		n += protowire.SizeTag(trailTouches) + protowire.SizeBytes(len(t.trail))
	}
	if t.edge {
		n += sizeVarint(trailEdge, 1)
	}
	return n
}
