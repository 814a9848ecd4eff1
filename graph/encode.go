package graph

import (
	"fmt"
	"slices"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

// Field numbers of messages.GraphState, messages.Node and messages.Edge.
const (
	stateGraphID  protowire.Number = 1
	stateVersion  protowire.Number = 2
	stateSequence protowire.Number = 3
	stateNodes    protowire.Number = 5
	stateEdges    protowire.Number = 6
	stateFormat   protowire.Number = 7
	stateRecent   protowire.Number = 8
	stateTrails   protowire.Number = 9
	stateForked   protowire.Number = 10

	nodeID    protowire.Number = 1
	nodeType  protowire.Number = 2
	nodeProps protowire.Number = 3

	edgeID     protowire.Number = 1
	edgeSource protowire.Number = 2
	edgeTarget protowire.Number = 3
	edgeType   protowire.Number = 4
	edgeProps  protowire.Number = 5

	// messages.CommittedTransaction
	committedID       protowire.Number = 1
	committedVersion  protowire.Number = 2
	committedSequence protowire.Number = 3
	committedEvents   protowire.Number = 4
	committedDigest   protowire.Number = 5

	// messages.ElementTrail
	trailEdge    protowire.Number = 1
	trailID      protowire.Number = 2
	trailTouches protowire.Number = 3

	// messages.Lineage
	lineageGraph   protowire.Number = 1
	lineageVersion protowire.Number = 2
	lineageCID     protowire.Number = 3
	lineageTrans   protowire.Number = 4
)

// StateFormat is the format of the states Encode writes, in their format
// field; Decode and FromState read no other. Format 2 added the remembered
// transactions: a state without them would let a graph activated from it
// apply a resent transaction again (docs/ARCHITECTURE.md, "Retries are safe
// forever"), so an older
// snapshot is refused, and the graph is read from an older snapshot or the
// log. (Format 1, never written down, is every state before the field.)
// Format 3 added the elements' trails (docs/ARCHITECTURE.md, "Element
// history"): a graph activated from a snapshot without them would answer
// an element's history from the snapshot on only.
const StateFormat = 3

// Encode returns the canonical encoding of the state: the protobuf wire form
// of State(), fields in number order, zero values left out, nodes and edges
// sorted by ID, properties in their canonical form (see props.go), then the
// format and the remembered transactions, oldest first. Equal states give
// equal bytes, so snapshots are content-addressed: whatever history built
// the nodes and edges, and for the remembered transactions, which are
// history, whatever snapshots and activations it went through. The bytes are what protobuf-go's deterministic
// marshal of State() gives (the tests hold both to it), but written here
// from the stored encodings, both because that library's deterministic
// output may change between its versions and because a snapshot should not
// decode and re-encode every property of every element.
func (g *Graph) Encode() ([]byte, error) {
	nodes, edges := g.sortedNodes(), g.sortedEdges()
	// One pass over the elements, not one to size the buffer and one to
	// fill it: on a large graph each pass is a cache miss or more per
	// element. The buffer is sized from a sample instead, a little over.
	head := 0
	if g.id != "" {
		head += protowire.SizeTag(stateGraphID) + protowire.SizeBytes(len(g.id))
	}
	if g.version != 0 {
		head += protowire.SizeTag(stateVersion) + protowire.SizeVarint(g.version)
	}
	if g.sequence != 0 {
		head += protowire.SizeTag(stateSequence) + protowire.SizeVarint(g.sequence)
	}
	recent := g.recent.all()
	trails := g.trails(nodes, edges)
	tail := protowire.SizeTag(stateFormat) + protowire.SizeVarint(StateFormat)
	for _, c := range recent {
		tail += protowire.SizeTag(stateRecent) + protowire.SizeBytes(c.size())
	}
	for _, t := range trails {
		tail += protowire.SizeTag(stateTrails) + protowire.SizeBytes(t.size())
	}
	if g.origin != nil {
		tail += protowire.SizeTag(stateForked) + protowire.SizeBytes(g.origin.size())
	}
	b := make([]byte, 0, head+estimateSize(nodes, (*node).size)+estimateSize(edges, (*edge).size)+tail)
	if g.id != "" {
		b = protowire.AppendTag(b, stateGraphID, protowire.BytesType)
		b = protowire.AppendString(b, g.id)
	}
	if g.version != 0 {
		b = protowire.AppendTag(b, stateVersion, protowire.VarintType)
		b = protowire.AppendVarint(b, g.version)
	}
	if g.sequence != 0 {
		b = protowire.AppendTag(b, stateSequence, protowire.VarintType)
		b = protowire.AppendVarint(b, g.sequence)
	}
	for _, n := range nodes {
		size := n.size()
		b = protowire.AppendTag(b, stateNodes, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		b = appendString(b, nodeID, n.id)
		b = appendString(b, nodeType, typeName(n.typ))
		b = appendString(b, nodeProps, n.props)
		if len(b)-start != size {
			return nil, sizeBug("node", n.id, len(b)-start, size)
		}
	}
	for _, e := range edges {
		size := e.size()
		b = protowire.AppendTag(b, stateEdges, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		b = appendString(b, edgeID, e.id)
		b = appendString(b, edgeSource, e.src.id)
		b = appendString(b, edgeTarget, e.dst.id)
		b = appendString(b, edgeType, typeName(e.typ))
		b = appendString(b, edgeProps, e.props)
		if len(b)-start != size {
			return nil, sizeBug("edge", e.id, len(b)-start, size)
		}
	}
	b = appendVarint(b, stateFormat, StateFormat)
	for _, c := range recent {
		size := c.size()
		b = protowire.AppendTag(b, stateRecent, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		b = appendString(b, committedID, c.id)
		b = appendVarint(b, committedVersion, c.version)
		b = appendVarint(b, committedSequence, c.sequence)
		b = appendVarint(b, committedEvents, uint64(c.events))
		b = appendString(b, committedDigest, c.digest)
		if len(b)-start != size {
			return nil, sizeBug("remembered transaction", c.id, len(b)-start, size)
		}
	}
	for _, t := range trails {
		size := t.size()
		b = protowire.AppendTag(b, stateTrails, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		if t.edge {
			b = appendVarint(b, trailEdge, 1)
		}
		b = appendString(b, trailID, t.id)
		if len(t.trail) > 0 {
			b = protowire.AppendTag(b, trailTouches, protowire.BytesType)
			b = protowire.AppendBytes(b, t.trail)
		}
		if len(b)-start != size {
			return nil, sizeBug("trail", t.id, len(b)-start, size)
		}
	}
	if l := g.origin; l != nil {
		size := l.size()
		b = protowire.AppendTag(b, stateForked, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(size))
		start := len(b)
		b = appendString(b, lineageGraph, l.graphID)
		b = appendVarint(b, lineageVersion, l.version)
		b = appendString(b, lineageCID, l.cid)
		b = appendVarint(b, lineageTrans, l.transactions)
		if len(b)-start != size {
			return nil, sizeBug("lineage", l.graphID, len(b)-start, size)
		}
	}
	return b, nil
}

// sizeBug reports an element whose size and appends disagree: a bug here,
// and the bytes would be unreadable, so Encode refuses to hand them out.
func sizeBug(kind, id string, wrote, size int) error {
	return fmt.Errorf("graph: encoded %s %q in %d bytes, computed %d; this is a bug in package graph", kind, id, wrote, size)
}

// estimateSize guesses the encoded size of the elements' fields from up to
// 64 of them spread over the list, a little over, so that Encode's buffer
// rarely grows and wastes little. It counts every element as the median
// of the sample, and the sample's larger elements once each on top: one
// huge property must not make it reserve room for a million of them.
func estimateSize[T any](elems []T, size func(T) int) int {
	if len(elems) == 0 {
		return 0
	}
	var sample [64]int
	step := max(len(elems)/len(sample), 1)
	n := 0
	for i := 0; i < len(elems) && n < len(sample); i += step {
		sample[n] = 1 + protowire.SizeBytes(size(elems[i])) // every field number here is below 16
		n++
	}
	s := sample[:n]
	slices.Sort(s)
	median := s[n/2]
	est := len(elems) * median
	for _, x := range s[n/2:] {
		est += x - median
	}
	return est + est/16
}

func (n *node) size() int {
	return sizeString(nodeID, n.id) + sizeString(nodeType, typeName(n.typ)) + sizeString(nodeProps, n.props)
}

func (e *edge) size() int {
	return sizeString(edgeID, e.id) + sizeString(edgeSource, e.src.id) + sizeString(edgeTarget, e.dst.id) +
		sizeString(edgeType, typeName(e.typ)) + sizeString(edgeProps, e.props)
}

func (c *committed) size() int {
	return sizeString(committedID, c.id) + sizeVarint(committedVersion, c.version) +
		sizeVarint(committedSequence, c.sequence) + sizeVarint(committedEvents, uint64(c.events)) +
		sizeString(committedDigest, c.digest)
}

// proto3 leaves out empty strings, empty messages and zero numbers;
// properties are empty exactly when their canonical encoding is.

func sizeVarint(num protowire.Number, v uint64) int {
	if v == 0 {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeVarint(v)
}

func appendVarint(b []byte, num protowire.Number, v uint64) []byte {
	if v == 0 {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.VarintType)
	return protowire.AppendVarint(b, v)
}

func sizeString(num protowire.Number, s string) int {
	if s == "" {
		return 0
	}
	return protowire.SizeTag(num) + protowire.SizeBytes(len(s))
}

func appendString(b []byte, num protowire.Number, s string) []byte {
	if s == "" {
		return b
	}
	b = protowire.AppendTag(b, num, protowire.BytesType)
	return protowire.AppendString(b, s)
}

// Decode rebuilds a graph from an encoding (Encode's, or any protobuf
// encoding of a GraphState) and verifies it like FromState. Errors wrap
// ErrCorrupt; a state of another format than StateFormat also wraps
// ErrSnapshotFormat.
//
// Encode's own bytes take a fast way (decodeCanonical, in decode.go) that
// builds the graph straight from them; anything else, or anything wrong,
// goes the general way: proto.Unmarshal, then FromState, which decides
// and explains what is wrong. A state of another format is refused before
// that, from its format field alone: unmarshalling a large old snapshot
// only to refuse it would cost seconds of an activation.
func Decode(b []byte) (*Graph, error) {
	if g, ok := decodeCanonical(b); ok {
		return g, nil
	}
	if f, ok := scanFormat(b); ok && f != StateFormat {
		return nil, formatError(f)
	}
	return decodeGeneral(b)
}

// scanFormat reads the format field of an encoded GraphState without
// decoding anything else, as proto.Unmarshal would read it: the last
// occurrence wins, and one of another wire type is an unknown field. ok is
// false when b is not well-formed protobuf; the general way explains.
func scanFormat(b []byte) (format uint32, ok bool) {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0, false
		}
		b = b[n:]
		if num == stateFormat && typ == protowire.VarintType {
			v, n := protowire.ConsumeVarint(b)
			if n < 0 {
				return 0, false
			}
			format, b = uint32(v), b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return 0, false
		}
		b = b[n:]
	}
	return format, true
}

// formatError refuses a state of another format.
func formatError(f uint32) error {
	what := fmt.Sprintf("format %d", f)
	switch f {
	case 0:
		what = "no format: it was written before format 2"
	case 2:
		what = "format 2, written before the elements' histories were kept"
	}
	return fmt.Errorf("%w: %w: the state has %s, this version reads format %d only; use another snapshot or read the graph from the log",
		ErrCorrupt, ErrSnapshotFormat, what, StateFormat)
}

func decodeGeneral(b []byte) (*Graph, error) {
	s := new(messages.GraphState)
	if err := proto.Unmarshal(b, s); err != nil {
		return nil, fmt.Errorf("%w: not a GraphState: %v", ErrCorrupt, err)
	}
	return FromState(s)
}

// FromState rebuilds a graph from a GraphState, verifying it: format
// StateFormat (else the error wraps ErrSnapshotFormat too), a valid graph
// ID, valid node and edge IDs sorted and unique, edge endpoints that exist,
// valid types and properties, remembered transactions with valid and
// unique IDs, in ascending versions up to the state's, with digests of
// DigestSize bytes or none. Of more than RememberedTransactions, the
// newest are kept. UpdatedAt is ignored (the graph keeps no time). Errors
// wrap ErrCorrupt: state that fails these checks was not written by this
// package, and the caller should fall back to an older snapshot or to the
// log.
func FromState(s *messages.GraphState) (*Graph, error) {
	if s == nil {
		return nil, fmt.Errorf("%w: state is nil", ErrCorrupt)
	}
	if s.Format != StateFormat {
		return nil, formatError(s.Format)
	}
	if err := ValidateGraphID(s.GraphId); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	g := New(s.GraphId)
	g.version, g.sequence = s.Version, s.Sequence
	g.nodes.reserve(len(s.Nodes))
	g.edges.reserve(len(s.Edges))
	for i, n := range s.Nodes {
		if n == nil {
			return nil, fmt.Errorf("%w: node %d is nil", ErrCorrupt, i)
		}
		if err := ValidateElementID("node", n.Id); err != nil {
			return nil, fmt.Errorf("%w: node %d: %w", ErrCorrupt, i, err)
		}
		if i > 0 && n.Id <= s.Nodes[i-1].Id {
			return nil, fmt.Errorf("%w: node %d %q does not sort after node %q: nodes must be unique and sorted by ID", ErrCorrupt, i, n.Id, s.Nodes[i-1].Id)
		}
		if err := validType("node", n.Type); err != nil {
			return nil, fmt.Errorf("%w: node %q: %v", ErrCorrupt, n.Id, err)
		}
		props, err := canonicalProps(n.Properties)
		if err != nil {
			return nil, fmt.Errorf("%w: node %q: %v", ErrCorrupt, n.Id, err)
		}
		g.addNode(n.Id, n.Type, props)
	}
	for i, e := range s.Edges {
		if e == nil {
			return nil, fmt.Errorf("%w: edge %d is nil", ErrCorrupt, i)
		}
		if err := ValidateElementID("edge", e.Id); err != nil {
			return nil, fmt.Errorf("%w: edge %d: %w", ErrCorrupt, i, err)
		}
		if i > 0 && e.Id <= s.Edges[i-1].Id {
			return nil, fmt.Errorf("%w: edge %d %q does not sort after edge %q: edges must be unique and sorted by ID", ErrCorrupt, i, e.Id, s.Edges[i-1].Id)
		}
		src, ok := g.nodes.get(e.Source)
		if !ok {
			return nil, fmt.Errorf("%w: edge %q: source node %q does not exist", ErrCorrupt, e.Id, e.Source)
		}
		dst, ok := g.nodes.get(e.Target)
		if !ok {
			return nil, fmt.Errorf("%w: edge %q: target node %q does not exist", ErrCorrupt, e.Id, e.Target)
		}
		if err := validType("edge", e.Type); err != nil {
			return nil, fmt.Errorf("%w: edge %q: %v", ErrCorrupt, e.Id, err)
		}
		props, err := canonicalProps(e.Properties)
		if err != nil {
			return nil, fmt.Errorf("%w: edge %q: %v", ErrCorrupt, e.Id, err)
		}
		g.addEdge(e.Id, e.Type, src, dst, props)
	}
	if err := g.recentFromState(s); err != nil {
		return nil, err
	}
	if err := g.trailsFromState(s); err != nil {
		return nil, err
	}
	origin, err := lineageFromState(s)
	if err != nil {
		return nil, err
	}
	g.origin = origin
	return g, nil
}

func (g *Graph) recentFromState(s *messages.GraphState) error {
	seen := make(map[string]bool, len(s.Recent))
	var prev uint64
	for i, c := range s.Recent {
		if c == nil {
			return fmt.Errorf("%w: remembered transaction %d is nil", ErrCorrupt, i)
		}
		if !rememberable(c.TransactionId) {
			return fmt.Errorf("%w: remembered transaction %d: %w", ErrCorrupt, i, ValidateElementID("transaction", c.TransactionId))
		}
		switch {
		case seen[c.TransactionId]:
			return fmt.Errorf("%w: transaction %q is remembered twice", ErrCorrupt, c.TransactionId)
		case c.Version == 0:
			return fmt.Errorf("%w: remembered transaction %q has no version", ErrCorrupt, c.TransactionId)
		case c.Version <= prev:
			return fmt.Errorf("%w: remembered transaction %q has version %d, not above the one before it (%d): they must be in ascending versions",
				ErrCorrupt, c.TransactionId, c.Version, prev)
		case c.Version > s.Version:
			return fmt.Errorf("%w: remembered transaction %q has version %d, beyond the state's %d", ErrCorrupt, c.TransactionId, c.Version, s.Version)
		case len(c.Digest) != 0 && len(c.Digest) != DigestSize:
			return fmt.Errorf("%w: remembered transaction %q has a digest of %d bytes, not %d", ErrCorrupt, c.TransactionId, len(c.Digest), DigestSize)
		}
		seen[c.TransactionId] = true
		prev = c.Version
	}
	keep := s.Recent[max(0, len(s.Recent)-RememberedTransactions):]
	if len(keep) > 0 {
		g.recent.ring = make([]committed, 0, len(keep))
	}
	for _, c := range keep {
		g.recent.add(committed{id: c.TransactionId, version: c.Version, sequence: c.Sequence, events: c.Events, digest: string(c.Digest)})
	}
	return nil
}
