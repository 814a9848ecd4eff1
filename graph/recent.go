package graph

import (
	"crypto/sha256"
	"encoding/binary"
	"maps"
	"math"
	"slices"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// RememberedTransactions is how many of its latest transactions a graph
// remembers (see Remembered). A client that resends a transaction after
// more than this many others were committed to the graph gets it applied
// again: the memory is bounded so that it stays part of every snapshot.
const RememberedTransactions = 1000

// DigestSize is the length of a Digest, in bytes.
const DigestSize = 16

// Committed is what a graph remembers of one of its transactions: enough
// to answer a resend with the first answer, and to tell a resend from
// another transaction that reuses the ID (docs/ARCHITECTURE.md, "Retries
// are safe forever").
type Committed struct {
	TransactionID string
	// Version is the version the transaction took, Sequence its stream
	// sequence, as Apply got them.
	Version, Sequence uint64
	// Events is how many events the transaction had.
	Events uint32
	// Digest is Digest of the transaction's events; empty in a state
	// written by something that did not know them.
	Digest []byte
}

// Remembered returns what the graph remembers of the transaction with the
// given ID: the first committed transaction that carried it, rejected or
// not, as long as it is among the latest RememberedTransactions. The
// digest is a copy, the caller's to keep.
func (g *Graph) Remembered(id string) (Committed, bool) {
	c, ok := g.recent.get(id)
	if !ok {
		return Committed{}, false
	}
	return c.public(), true
}

// committed is Committed as the graph keeps it: the digest in a string, so
// that clones share it and nothing can write to it.
type committed struct {
	id                string
	version, sequence uint64
	events            uint32
	digest            string
}

func (c *committed) public() Committed {
	return Committed{
		TransactionID: c.id,
		Version:       c.version,
		Sequence:      c.sequence,
		Events:        c.events,
		Digest:        []byte(c.digest),
	}
}

// recent is the graph's memory of its latest transactions, a ring in the
// order they were committed and an index by ID. It grows as transactions
// come instead of reserving RememberedTransactions slots, so a graph with
// few transactions (most of them, and every historical replay) pays for
// few.
type recent struct {
	ring  []committed // oldest at ring[start] once full, at ring[0] until then
	start int
	byID  map[string]int // ID to position in ring; nil while empty
}

func (r *recent) len() int { return len(r.ring) }

func (r *recent) get(id string) (*committed, bool) {
	i, ok := r.byID[id]
	if !ok {
		return nil, false
	}
	return &r.ring[i], true
}

// add remembers c unless its ID is remembered already: the first
// transaction with an ID is the one a resend is answered with. Once full,
// the oldest is forgotten.
func (r *recent) add(c committed) {
	if _, ok := r.byID[c.id]; ok {
		return
	}
	if r.byID == nil {
		r.byID = make(map[string]int)
	}
	if len(r.ring) < RememberedTransactions {
		r.byID[c.id] = len(r.ring)
		r.ring = append(r.ring, c)
		return
	}
	delete(r.byID, r.ring[r.start].id)
	r.ring[r.start] = c
	r.byID[c.id] = r.start
	r.start = (r.start + 1) % len(r.ring)
}

// all lists the remembered transactions oldest first: the order of the
// encoding, which is the order the log committed them in, so equal
// histories give equal bytes.
func (r *recent) all() []*committed {
	out := make([]*committed, 0, len(r.ring))
	for i := range r.ring {
		out = append(out, &r.ring[(r.start+i)%len(r.ring)])
	}
	return out
}

func (r *recent) clone() recent {
	return recent{ring: slices.Clone(r.ring), start: r.start, byID: maps.Clone(r.byID)}
}

// remember notes a committed transaction that took its version, applied
// or rejected. prep is validation's work when the transaction passed it,
// so the digest need not encode the properties again; nil otherwise.
func (g *Graph) remember(tx *messages.Transaction, prep []prepared) {
	id := tx.GetTransactionId()
	if !rememberable(id) {
		return
	}
	if _, ok := g.recent.get(id); ok {
		return
	}
	events := uint32(min(len(tx.Events), math.MaxUint32))
	g.recent.add(committed{
		id:       id,
		version:  tx.Version,
		sequence: tx.Sequence,
		events:   events,
		digest:   string(digest(tx.Events, prep)),
	})
}

// rememberable reports whether a transaction ID can be remembered: what
// ValidateElementID accepts, as the API does. Longer IDs would let one
// transaction make every snapshot large, and IDs that are not UTF-8 cannot
// be written in a GraphState; neither comes through the API, and an empty
// ID is no ID.
func rememberable(id string) bool { return ValidateElementID("transaction", id) == nil }

// Digest identifies the content of a transaction's events, as a client sent
// it: for each event its payload's kind and fields, properties in their
// canonical encoding (so {"w": 1} and {"w": 1.0} are the same content, as
// the graph sees them). It leaves out the envelope (event ID, graph ID,
// version, index, count, transaction ID, times, metadata, sequence), which
// the edge stamps anew on each resend. DigestSize bytes of SHA-256.
//
// The bytes hashed are written here, each field prefixed by its length,
// so no two different lists of events hash the same input, and no
// library's encoding decides them: digests are kept in snapshots and
// compared across versions of the program.
func Digest(events []*messages.Event) []byte { return digest(events, nil) }

// digestVersion starts the hashed input; a change of the input's layout
// changes it.
const digestVersion = "graphlog.Digest/1"

// Kinds of event in the digest's input.
const (
	digestNilEvent byte = iota
	digestNoPayload
	digestNodeAdded
	digestNodeUpdated
	digestNodeRemoved
	digestEdgeAdded
	digestEdgeUpdated
	digestEdgeRemoved
)

// digest is Digest, taking validation's canonical properties from prep
// when it has them (nil: it has not).
func digest(events []*messages.Event, prep []prepared) []byte {
	b := make([]byte, 0, 64+32*len(events))
	b = append(b, digestVersion...)
	b = binary.AppendUvarint(b, uint64(len(events)))
	for i, ev := range events {
		var p *prepared
		if i < len(prep) {
			p = &prep[i]
		}
		b = appendEventDigest(b, ev, p)
	}
	sum := sha256.Sum256(b)
	return sum[:DigestSize]
}

func appendEventDigest(b []byte, ev *messages.Event, p *prepared) []byte {
	if ev == nil {
		return append(b, digestNilEvent)
	}
	switch pl := ev.Payload.(type) {
	case *messages.Event_NodeAdded:
		a := pl.NodeAdded
		b = append(b, digestNodeAdded)
		b = appendDigestStrings(b, a.GetNodeId(), a.GetNodeType())
		return appendDigestProps(b, a.GetProperties(), p, false)
	case *messages.Event_NodeUpdated:
		u := pl.NodeUpdated
		b = append(b, digestNodeUpdated)
		b = appendDigestStrings(b, u.GetNodeId())
		b = appendDigestProps(b, u.GetSet(), p, true)
		return appendDigestList(b, u.GetUnset())
	case *messages.Event_NodeRemoved:
		b = append(b, digestNodeRemoved)
		return appendDigestStrings(b, pl.NodeRemoved.GetNodeId())
	case *messages.Event_EdgeAdded:
		a := pl.EdgeAdded
		b = append(b, digestEdgeAdded)
		b = appendDigestStrings(b, a.GetEdgeId(), a.GetSourceId(), a.GetTargetId(), a.GetEdgeType())
		return appendDigestProps(b, a.GetProperties(), p, false)
	case *messages.Event_EdgeUpdated:
		u := pl.EdgeUpdated
		b = append(b, digestEdgeUpdated)
		b = appendDigestStrings(b, u.GetEdgeId())
		b = appendDigestProps(b, u.GetSet(), p, true)
		return appendDigestList(b, u.GetUnset())
	case *messages.Event_EdgeRemoved:
		b = append(b, digestEdgeRemoved)
		return appendDigestStrings(b, pl.EdgeRemoved.GetEdgeId())
	}
	return append(b, digestNoPayload)
}

func appendDigestStrings(b []byte, ss ...string) []byte {
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

func appendDigestList(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	return appendDigestStrings(b, ss...)
}

// Forms of properties in the digest's input.
const (
	digestCanonical byte = iota // the canonical encoding (props.go)
	digestRaw                   // not valid properties: see appendRawStruct
)

// appendDigestProps writes properties (set: an update's set) in their
// canonical encoding, from validation's work when p has it.
func appendDigestProps(b []byte, s *structpb.Struct, p *prepared, set bool) []byte {
	var canon string
	switch {
	case p != nil && set:
		canon = encodeEntries(p.set)
	case p != nil:
		canon = p.props
	default:
		var err error
		if canon, err = canonicalProps(s); err != nil {
			b, _ = appendRawStruct(append(b, digestRaw), s, 1)
			return b
		}
	}
	b = append(b, digestCanonical)
	return appendDigestStrings(b, canon)
}

// Kinds of value in appendRawStruct's output.
const (
	rawNoKind byte = iota
	rawNull
	rawNumber
	rawString
	rawBool
	rawStruct
	rawList
	rawTooDeep
)

// appendRawStruct writes properties that have no canonical encoding (a
// NaN, a string that is not UTF-8, a value without a kind, nesting too
// deep): such a transaction is rejected, but its ID is still used, and a
// resend of it must still be told from other events. Keys are sorted, as
// map order is random. At the first value past MaxPropertyDepth it writes
// a marker and stops, as canonicalProps does, which also ends the
// recursion of a Struct that contains itself; ok is false then.
func appendRawStruct(b []byte, s *structpb.Struct, depth int) (_ []byte, ok bool) {
	fields := s.GetFields()
	keys := sortedKeys(fields)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendDigestStrings(b, k)
		if b, ok = appendRawValue(b, fields[k], depth); !ok {
			return b, false
		}
	}
	return b, true
}

func appendRawValue(b []byte, v *structpb.Value, depth int) (_ []byte, ok bool) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		b = append(b, rawNull)
		return binary.AppendUvarint(b, uint64(k.NullValue)), true
	case *structpb.Value_NumberValue:
		b = append(b, rawNumber)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(k.NumberValue)), true
	case *structpb.Value_StringValue:
		return appendDigestStrings(append(b, rawString), k.StringValue), true
	case *structpb.Value_BoolValue:
		if k.BoolValue {
			return append(b, rawBool, 1), true
		}
		return append(b, rawBool, 0), true
	case *structpb.Value_StructValue:
		if depth >= MaxPropertyDepth {
			return append(b, rawTooDeep), false
		}
		return appendRawStruct(append(b, rawStruct), k.StructValue, depth+1)
	case *structpb.Value_ListValue:
		if depth >= MaxPropertyDepth {
			return append(b, rawTooDeep), false
		}
		values := k.ListValue.GetValues()
		b = binary.AppendUvarint(append(b, rawList), uint64(len(values)))
		for _, item := range values {
			if b, ok = appendRawValue(b, item, depth+1); !ok {
				return b, false
			}
		}
		return b, true
	}
	return append(b, rawNoKind), true
}
