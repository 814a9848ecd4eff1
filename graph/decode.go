package graph

import (
	"bytes"
	"hash/maphash"
	"math"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/graphlog/graphlog/messages"
)

// Decode has two ways to read a snapshot. The general one (proto.Unmarshal
// into messages, then FromState) takes any protobuf encoding of a
// GraphState, normalises it and names what is wrong, but allocates several
// objects per element and encodes every element's properties again: about
// 4 s for a million edges. decodeCanonical reads the bytes Encode writes,
// and nothing else, straight into the graph's own structures; on anything
// else it gives up and Decode takes the general way, so it never decides
// what is valid on its own.
//
// What it accepts is exactly what Encode could have written for a valid
// graph: the graph ID, version and sequence fields (each left out when
// zero), then every node, then every edge, then the format (StateFormat),
// then at most RememberedTransactions remembered transactions; in each
// element its fields in number order, left out when empty or zero and
// present only when not; every length written in as few bytes as it takes;
// nothing else. Every check of FromState holds: valid IDs, sorted and
// unique, endpoints that exist, valid types, properties valid and
// canonical (isCanonicalProps), remembered transactions valid, so the
// general way would build the same graph from the same bytes, and
// Encode(Decode(b)) is b. The fuzz target holds the two ways to that.

// Tags of the fields Encode writes, one byte each.
const (
	tagStateGraphID  = byte(stateGraphID)<<3 | byte(protowire.BytesType)
	tagStateVersion  = byte(stateVersion)<<3 | byte(protowire.VarintType)
	tagStateSequence = byte(stateSequence)<<3 | byte(protowire.VarintType)
	tagStateNodes    = byte(stateNodes)<<3 | byte(protowire.BytesType)
	tagStateEdges    = byte(stateEdges)<<3 | byte(protowire.BytesType)
	tagStateFormat   = byte(stateFormat)<<3 | byte(protowire.VarintType)
	tagStateRecent   = byte(stateRecent)<<3 | byte(protowire.BytesType)
	tagStateTrails   = byte(stateTrails)<<3 | byte(protowire.BytesType)
	tagStateForked   = byte(stateForked)<<3 | byte(protowire.BytesType)

	tagNodeID    = byte(nodeID)<<3 | byte(protowire.BytesType)
	tagNodeType  = byte(nodeType)<<3 | byte(protowire.BytesType)
	tagNodeProps = byte(nodeProps)<<3 | byte(protowire.BytesType)

	tagEdgeID     = byte(edgeID)<<3 | byte(protowire.BytesType)
	tagEdgeSource = byte(edgeSource)<<3 | byte(protowire.BytesType)
	tagEdgeTarget = byte(edgeTarget)<<3 | byte(protowire.BytesType)
	tagEdgeType   = byte(edgeType)<<3 | byte(protowire.BytesType)
	tagEdgeProps  = byte(edgeProps)<<3 | byte(protowire.BytesType)

	tagCommittedID       = byte(committedID)<<3 | byte(protowire.BytesType)
	tagCommittedVersion  = byte(committedVersion)<<3 | byte(protowire.VarintType)
	tagCommittedSequence = byte(committedSequence)<<3 | byte(protowire.VarintType)
	tagCommittedEvents   = byte(committedEvents)<<3 | byte(protowire.VarintType)
	tagCommittedDigest   = byte(committedDigest)<<3 | byte(protowire.BytesType)

	tagTrailEdge    = byte(trailEdge)<<3 | byte(protowire.VarintType)
	tagTrailID      = byte(trailID)<<3 | byte(protowire.BytesType)
	tagTrailTouches = byte(trailTouches)<<3 | byte(protowire.BytesType)

	tagLineageGraph   = byte(lineageGraph)<<3 | byte(protowire.BytesType)
	tagLineageVersion = byte(lineageVersion)<<3 | byte(protowire.VarintType)
	tagLineageCID     = byte(lineageCID)<<3 | byte(protowire.BytesType)
	tagLineageTrans   = byte(lineageTrans)<<3 | byte(protowire.VarintType)
)

// decodeCanonical rebuilds the graph from Encode's bytes; ok is false when
// b is anything else (see above).
func decodeCanonical(b []byte) (g *Graph, ok bool) {
	h, ok := readHeader(b)
	if !ok || h.format != StateFormat || ValidateGraphID(string(h.graphID)) != nil || h.nodes > math.MaxUint32 {
		return nil, false
	}
	g = New(string(h.graphID))
	g.version, g.sequence = h.version, h.sequence
	if h.nodes == 0 && h.edges > 0 {
		return nil, false // every edge's endpoints are missing
	}
	d := decoder{g: g}
	g.nodes.reserve(h.nodes)
	g.edges.reserve(h.edges)

	// Nodes. ordinal finds their positions by ID for the edges.
	nodes := make([]*node, h.nodes)
	ordinal := newNodeIndex(h.nodes, g.nodes.seed)
	rest := h.elements
	var prev []byte
	for i := range nodes {
		var m []byte
		if m, rest, ok = element(rest, tagStateNodes); !ok {
			return nil, false
		}
		f := fields{rest: m, ok: true}
		id, typ, props := f.next(tagNodeID), f.next(tagNodeType), f.next(tagNodeProps)
		if !f.end() || !validElementID(id) || i > 0 && bytes.Compare(prev, id) >= 0 {
			return nil, false
		}
		n := &node{id: d.ids.str(id)}
		if n.typ, ok = d.typ(typ); !ok || !d.keepProps(&n.props, props) {
			return nil, false
		}
		nodes[i] = n
		if !ordinal.add(id) {
			return nil, false
		}
		prev = id
	}

	// Edges. Each edge keeps the ordinals of its endpoints in outPos and
	// inPos until the incidence lists are built below, exactly sized.
	edges := make([]*edge, h.edges)
	outDeg := make([]uint32, len(nodes))
	inDeg := make([]uint32, len(nodes))
	prev = nil
	// The edges go in batches, so that the endpoint lookups of a batch,
	// each a likely cache miss, overlap (see nodeIndex.findAll).
	var batch [edgeBatch]edgeFields
	for done := 0; done < len(edges); {
		p := batch[:min(edgeBatch, len(edges)-done)]
		for j := range p {
			var m []byte
			if m, rest, ok = element(rest, tagStateEdges); !ok {
				return nil, false
			}
			f := fields{rest: m, ok: true}
			ef := &p[j]
			ef.id, ef.ends[0], ef.ends[1] = f.next(tagEdgeID), f.next(tagEdgeSource), f.next(tagEdgeTarget)
			ef.typ, ef.props = f.next(tagEdgeType), f.next(tagEdgeProps)
			if !f.end() || !validElementID(ef.id) || done+j > 0 && bytes.Compare(prev, ef.id) >= 0 {
				return nil, false
			}
			prev = ef.id
		}
		if !ordinal.findAll(p) {
			return nil, false
		}
		for j := range p {
			ef := &p[j]
			s, t := ef.ordinals[0], ef.ordinals[1]
			e := &edge{id: d.ids.str(ef.id), src: nodes[s], dst: nodes[t], outPos: s, inPos: t}
			if e.typ, ok = d.typ(ef.typ); !ok || !d.keepProps(&e.props, ef.props) {
				return nil, false
			}
			outDeg[s]++
			inDeg[t]++
			edges[done+j] = e
		}
		g.edges.putAll(edges[done : done+len(p)])
		done += len(p)
	}
	if len(rest) != 0 || !readRecent(g, h.recent, h.committed) {
		return nil, false
	}
	g.nodes.putAll(nodes)
	if !readTrails(g, h.trails) {
		return nil, false
	}
	if h.forked != nil {
		f := fields{rest: h.forked, ok: true}
		l := &messages.Lineage{GraphId: string(f.next(tagLineageGraph)), Version: f.nextVarint(tagLineageVersion), Cid: string(f.next(tagLineageCID)),
			Transactions: f.nextVarint(tagLineageTrans)}
		if !f.end() {
			return nil, false
		}
		var err error
		if g.origin, err = lineageFromState(&messages.GraphState{Version: g.version, ForkedFrom: l}); err != nil {
			return nil, false
		}
	}

	for i, n := range nodes {
		if outDeg[i] > 0 {
			n.out = make([]*edge, 0, outDeg[i])
		}
		if inDeg[i] > 0 {
			n.in = make([]*edge, 0, inDeg[i])
		}
	}
	// In edge ID order, as FromState's addEdge fills them.
	for _, e := range edges {
		e.outPos = uint32(len(e.src.out))
		e.src.out = append(e.src.out, e)
		e.inPos = uint32(len(e.dst.in))
		e.dst.in = append(e.dst.in, e)
	}
	return g, true
}

// header is a GraphState's fields before its nodes and after its edges,
// and a count of its nodes, edges and remembered transactions, so that
// everything can be sized once.
type header struct {
	graphID           []byte
	version, sequence uint64
	elements          []byte // the node and edge fields
	nodes, edges      int
	format            uint64
	recent            []byte // the remembered transactions' fields
	committed         int    // how many
	trails            []byte // the trails' fields
	forked            []byte // the lineage's message, nil when none
}

func readHeader(b []byte) (h header, ok bool) {
	f := fields{rest: b, ok: true}
	h.graphID = f.next(tagStateGraphID)
	h.version = f.nextVarint(tagStateVersion)
	h.sequence = f.nextVarint(tagStateSequence)
	if !f.ok {
		return h, false
	}
	b = f.rest
	elements := b
	for len(b) > 0 && b[0] == tagStateNodes {
		if _, b, ok = element(b, tagStateNodes); !ok {
			return h, false
		}
		h.nodes++
	}
	for len(b) > 0 && b[0] == tagStateEdges {
		if _, b, ok = element(b, tagStateEdges); !ok {
			return h, false
		}
		h.edges++
	}
	h.elements = elements[:len(elements)-len(b)]
	f = fields{rest: b, ok: true}
	h.format = f.nextVarint(tagStateFormat)
	if !f.ok {
		return h, false
	}
	b = f.rest
	h.recent = b
	for len(b) > 0 && b[0] == tagStateRecent {
		if _, b, ok = element(b, tagStateRecent); !ok {
			return h, false
		}
		h.committed++
	}
	h.recent = h.recent[:len(h.recent)-len(b)]
	h.trails = b
	for len(b) > 0 && b[0] == tagStateTrails {
		if _, b, ok = element(b, tagStateTrails); !ok {
			return h, false
		}
	}
	h.trails = h.trails[:len(h.trails)-len(b)]
	if len(b) > 0 && b[0] == tagStateForked {
		if h.forked, b, ok = element(b, tagStateForked); !ok || len(h.forked) == 0 {
			return h, false
		}
	}
	return h, len(b) == 0
}

// readTrails reads the trails into g, whose elements are in place: node
// trails by ID, then edge trails by ID, each well formed and not empty,
// as Encode writes them.
func readTrails(g *Graph, b []byte) bool {
	var (
		prevEdge bool
		prevID   []byte
		first    = true
	)
	for len(b) > 0 {
		m, rest, ok := element(b, tagStateTrails)
		if !ok {
			return false
		}
		b = rest
		f := fields{rest: m, ok: true}
		edge := f.nextVarint(tagTrailEdge)
		id, touches := f.next(tagTrailID), f.next(tagTrailTouches)
		if !f.end() || edge > 1 || !validElementID(id) || len(touches) == 0 {
			return false
		}
		isEdge := edge == 1
		if !first && (prevEdge && !isEdge || prevEdge == isEdge && bytes.Compare(prevID, id) >= 0) {
			return false
		}
		if t, ok := trail(touches).touches(g.version); !ok || len(t) == 0 {
			return false
		}
		g.attach(isEdge, string(id), trail(bytes.Clone(touches)))
		first, prevEdge, prevID = false, isEdge, id
	}
	return true
}

// readRecent reads n remembered transactions into g, whose version is set.
func readRecent(g *Graph, b []byte, n int) bool {
	if n == 0 {
		return true
	}
	if n > RememberedTransactions {
		return false // the general way keeps the newest
	}
	r := &g.recent
	r.ring = make([]committed, 0, n)
	r.byID = make(map[string]int, n)
	var prev uint64
	for range n {
		m, rest, ok := element(b, tagStateRecent)
		if !ok {
			return false
		}
		b = rest
		f := fields{rest: m, ok: true}
		id := f.next(tagCommittedID)
		c := committed{version: f.nextVarint(tagCommittedVersion), sequence: f.nextVarint(tagCommittedSequence)}
		events := f.nextVarint(tagCommittedEvents)
		digest := f.next(tagCommittedDigest)
		if !f.end() || !validElementID(id) || c.version <= prev || c.version > g.version ||
			events > math.MaxUint32 || len(digest) != 0 && len(digest) != DigestSize {
			return false
		}
		if _, dup := r.byID[string(id)]; dup {
			return false
		}
		c.id, c.events, c.digest = string(id), uint32(events), string(digest)
		r.add(c)
		prev = c.version
	}
	return len(b) == 0
}

// element reads a node or edge field, which Encode writes even when empty.
func element(b []byte, tag byte) (m, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != tag {
		return nil, nil, false
	}
	return canonicalBytes(b[1:])
}

// fields reads a message's fields in order, each optional, as Encode
// writes them: a string or message only when it is not empty, a varint
// only when it is not zero.
type fields struct {
	rest []byte
	ok   bool // false once a field was malformed or empty
}

// next reads the string or message field with the given tag if it comes
// next, and returns nil if it does not.
func (f *fields) next(tag byte) []byte {
	if len(f.rest) == 0 || f.rest[0] != tag {
		return nil
	}
	v, rest, ok := canonicalBytes(f.rest[1:])
	f.rest, f.ok = rest, f.ok && ok && len(v) > 0
	return v
}

func (f *fields) nextVarint(tag byte) uint64 {
	if len(f.rest) == 0 || f.rest[0] != tag {
		return 0
	}
	v, n := protowire.ConsumeVarint(f.rest[1:])
	if n < 0 || n != protowire.SizeVarint(v) || v == 0 {
		f.rest, f.ok = nil, false
		return 0
	}
	f.rest = f.rest[1+n:]
	return v
}

// end reports whether every field was well formed and known.
func (f *fields) end() bool { return f.ok && len(f.rest) == 0 }

// validElementID is ValidateElementID for bytes, without an error to build.
func validElementID(id []byte) bool {
	return len(id) > 0 && len(id) <= MaxElementIDLen && utf8.Valid(id)
}

// decoder holds what decodeCanonical shares between elements.
type decoder struct {
	g *Graph
	// ids and props are where IDs and properties are copied to (see
	// blocks). Apart, the node IDs lie close together while the edges
	// look their endpoints up.
	ids, props blocks
	// lastType and lastTypeP: the type of the element before, interned.
	// Elements mostly come in runs of one type.
	lastType  []byte
	lastTypeP *string
}

// stringBlock is the size of the blocks str copies strings into. A block
// is freed when no element uses it any longer, so it should hold more
// than a few elements' strings but not so many that a few survivors of
// mass removals keep much memory.
const stringBlock = 8 << 10

// blocks copies short strings into shared blocks, so decoding a million
// elements allocates a few thousand blocks instead of two million strings.
// It uses a strings.Builder, which only ever appends to its buffer, so the
// strings it has handed out never change.
type blocks struct{ b strings.Builder }

func (bl *blocks) str(b []byte) string {
	switch {
	case len(b) == 0:
		return ""
	case len(b) > stringBlock/8:
		return string(b)
	case bl.b.Cap()-bl.b.Len() < len(b):
		bl.b.Reset()
		bl.b.Grow(stringBlock)
	}
	bl.b.Write(b)
	s := bl.b.String()
	return s[len(s)-len(b):]
}

// typ interns a type, valid as validType has it.
func (d *decoder) typ(t []byte) (*string, bool) {
	if len(t) == 0 {
		return nil, true
	}
	if d.lastTypeP != nil && bytes.Equal(t, d.lastType) {
		return d.lastTypeP, true
	}
	p, ok := d.g.types[string(t)]
	if !ok {
		if len(t) > MaxTypeLen || !utf8.Valid(t) {
			return nil, false
		}
		p = d.g.intern(string(t))
	}
	d.lastType, d.lastTypeP = t, p
	return p, true
}

// keepProps keeps properties that are canonical; false means they are not
// certainly so (see isCanonicalProps).
func (d *decoder) keepProps(dst *string, b []byte) bool {
	if !isCanonicalProps(b) {
		return false
	}
	*dst = d.props.str(b)
	return true
}

// nodeIndex finds a node's position (its ordinal) among the nodes of a
// decoding by the bytes of its ID, for the edges' endpoints: two lookups
// per edge, most of decoding's time with a Go map or the graph's ID table,
// whose entries and IDs lie all over the heap. Here the entries are 8
// bytes (32 bits of hash and the ordinal) and the IDs lie end to end, so
// for 100,000 nodes everything fits in a few MB of cache.
type nodeIndex struct {
	seed  maphash.Seed
	slots []uint64 // hash>>32<<32 | ordinal+1; 0 is free
	ids   []byte   // every ID so far, end to end
	ends  []int    // ends[i]: where ID i ends in ids
}

// newNodeIndex makes an index for n nodes. It takes the seed of the
// graph's node table, so that the graph has one random value, not two
// (see doc.go); it must not be the zero Seed.
func newNodeIndex(n int, seed maphash.Seed) *nodeIndex {
	size := minTableSlots
	for size < 2*n {
		size *= 2
	}
	return &nodeIndex{seed: seed, slots: make([]uint64, size), ends: make([]int, 0, n)}
}

// add appends the next node's ID, which must not be there yet; false when
// there are too many nodes for the ordinals.
func (x *nodeIndex) add(id []byte) bool {
	o := len(x.ends)
	if o >= math.MaxUint32 {
		return false
	}
	x.ids = append(x.ids, id...)
	x.ends = append(x.ends, len(x.ids))
	h := maphash.Bytes(x.seed, id)
	mask := len(x.slots) - 1
	i := int(h) & mask
	for x.slots[i] != 0 {
		i = (i + 1) & mask
	}
	x.slots[i] = h>>32<<32 | uint64(o+1)
	return true
}

// edgeBatch is how many edges decodeCanonical reads before it looks up
// their endpoints together: enough for the processor to have as many cache
// misses in flight as it can, few enough that the batch stays in L1.
const edgeBatch = 64

// edgeFields is one edge's fields as read, and its endpoints' ordinals.
type edgeFields struct {
	id, typ, props []byte
	ends           [2][]byte // source, target
	ordinals       [2]uint32
}

// findAll sets the ordinals of the edges' endpoints; false if one does not
// exist. It goes over the batch in steps, each of which makes one
// independent memory access per endpoint (hash slot, where the ID ends,
// the ID), rather than one endpoint after the other, whose accesses each
// wait for the one before: a table of a hundred thousand nodes is bigger
// than the caches that decoding the edges leaves it.
func (x *nodeIndex) findAll(p []edgeFields) bool {
	var (
		hash [2 * edgeBatch]uint64
		slot [2 * edgeBatch]uint64
		span [2 * edgeBatch][2]int
	)
	mask := len(x.slots) - 1
	for j := range p {
		for k := range 2 {
			hash[2*j+k] = maphash.Bytes(x.seed, p[j].ends[k])
		}
	}
	for j := range 2 * len(p) {
		slot[j] = x.slots[int(hash[j])&mask]
	}
	for j := range 2 * len(p) {
		if s := slot[j]; s != 0 && s>>32 == hash[j]>>32 {
			span[j] = x.span(uint32(s) - 1)
		}
	}
	for j := range p {
		for k := range 2 {
			id, sp := p[j].ends[k], span[2*j+k]
			if sp[1] > 0 && string(x.ids[sp[0]:sp[1]]) == string(id) {
				p[j].ordinals[k] = uint32(slot[2*j+k]) - 1
				continue
			}
			// Not in its home slot: on down the probe run.
			o, ok := x.find(id, hash[2*j+k])
			if !ok {
				return false
			}
			p[j].ordinals[k] = o
		}
	}
	return true
}

// span is where ID o lies in ids.
func (x *nodeIndex) span(o uint32) [2]int {
	start := 0
	if o > 0 {
		start = x.ends[o-1]
	}
	return [2]int{start, x.ends[o]}
}

// find looks id, whose hash is h, up the plain way.
func (x *nodeIndex) find(id []byte, h uint64) (uint32, bool) {
	mask := len(x.slots) - 1
	for i := int(h) & mask; ; i = (i + 1) & mask {
		s := x.slots[i]
		if s == 0 {
			return 0, false
		}
		if s>>32 != h>>32 {
			continue
		}
		o := uint32(s) - 1
		if sp := x.span(o); string(x.ids[sp[0]:sp[1]]) == string(id) {
			return o, true
		}
	}
}
