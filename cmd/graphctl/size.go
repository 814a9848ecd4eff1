package main

import (
	"encoding/json"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"

	"github.com/graphlog/graphlog/apitypes"
)

// An import bounds each transaction by the size it will have in the log:
// a messages.LogEntry holding the transaction, whose protobuf encoding the
// server refuses over its --max-transaction-bytes (413 too_large). The
// import cannot see that encoding (the server builds it from the JSON it
// is sent), so it adds up an upper bound of it, event by event, from the
// events it builds: what protobuf writes for each field (tag, length,
// bytes), every length as its varint, the event ID and time the server
// stamps with room to grow, a number as a double, and a string that is not
// valid UTF-8 as the U+FFFD (3 bytes) JSON turns each of its bytes into. Cheap (no allocation) and never
// below the real size (TestEventSizeBound checks it against the server's
// own decoding and encoding).

// Upper bounds of what the server adds to what the import sends, and of
// what the import sends besides the events.
const (
	sizeTag        = 1      // a field's tag: every field number the import fills is under 16…
	sizePayloadTag = 2      // …but Event's payload (20 to 25)
	sizeEventID    = 2 + 32 // the event ID the server stamps (a 22-byte nuid today), with tag and length
	sizeTimestamp  = 2 + 24 // a google.protobuf.Timestamp, with tag and length
	// maxCorrelationLen bounds the correlation ID an import sends in its
	// transactions' metadata (its ID, import-<16 characters>), which the
	// server copies into every event. Without one, the server would stamp
	// each event with the request's ID, of a length the import cannot
	// know (a proxy may set X-Request-ID).
	maxCorrelationLen = 32
	sizeMetadata      = 2 + 2 + maxCorrelationLen // Event.metadata holding only a correlation_id
	sizeDouble        = sizeTag + 8
	sizeVarint64      = sizeTag + 10 // a uint64 field
	// sizeTxIDRoom is how long a transaction ID of the import may grow
	// when a transaction is split (…-7.1.2).
	sizeTxIDRoom = 64
)

// txOverhead bounds what a transaction of graphID adds to its events'
// sizes in the log: the LogEntry field around it, its ID, graph ID and
// version, and a recorded time.
func txOverhead(graphID, txPrefix string) int {
	return sizeTag + 5 + // LogEntry.transactions: tag and length
		sizeString(txPrefix) + sizeTxIDRoom +
		sizeString(graphID) +
		sizeVarint64 + // version
		sizeTimestamp // recorded_at, stored for converted transactions only
}

// eventSize bounds the protobuf encoding of ev as the log stores it, with
// its tag and length in its transaction, when its transaction's metadata
// is a correlation ID of up to maxCorrelationLen bytes.
func eventSize(ev *apitypes.EventData) int {
	n := sizeEventID + sizeMetadata
	if ev.OccurredAt != "" {
		n += sizeTimestamp
	}
	// The payload (a oneof of NodeAdded, EdgeAdded, …): only the fields
	// of ev's type are set by the import, so adding all of them is exact
	// for it and an upper bound for any other.
	p := sizeString(ev.NodeID) + sizeString(ev.NodeType) +
		sizeString(ev.EdgeID) + sizeString(ev.SourceID) + sizeString(ev.TargetID) + sizeString(ev.EdgeType) +
		sizeStructField(ev.Properties) + sizeStructField(ev.Set)
	for _, k := range ev.Unset {
		p += sizeString(k)
	}
	n += sizePayloadTag + protowire.SizeVarint(uint64(p)) + p
	return sizeField(n)
}

// sizeField is a message field of n bytes: tag, length, body.
func sizeField(n int) int { return sizeTag + protowire.SizeVarint(uint64(n)) + n }

// sizeString is a string field holding s (proto3 leaves an empty one out;
// counting it anyway keeps the bound simple).
func sizeString(s string) int {
	if s == "" {
		return 0
	}
	return sizeField(textLen(s))
}

// textLen is the length s has on the server: its own when valid UTF-8,
// else at most 3 bytes for each of its bytes (JSON's U+FFFD).
func textLen(s string) int {
	if utf8.ValidString(s) {
		return len(s)
	}
	return 3 * len(s)
}

// sizeStructField is a google.protobuf.Struct field holding m; none when m
// is nil.
func sizeStructField(m map[string]any) int {
	if m == nil {
		return 0
	}
	return sizeField(sizeStruct(m))
}

// sizeStruct is the body of a Struct: one map entry per key, each a field
// holding the key and the Value.
func sizeStruct(m map[string]any) int {
	n := 0
	for k, v := range m {
		n += sizeField(sizeField(textLen(k)) + sizeField(sizeValue(v)))
	}
	return n
}

// sizeValue is the body of a google.protobuf.Value holding v, as decoded
// from JSON (nil, bool, float64, string, []any, map[string]any).
func sizeValue(v any) int {
	switch v := v.(type) {
	case nil, bool:
		return sizeTag + 1
	case float64, float32, int, int64, int32, uint, uint64, uint32, json.Number:
		return sizeDouble
	case string:
		return sizeField(textLen(v))
	case map[string]any:
		return sizeField(sizeStruct(v))
	case []any:
		n := 0
		for _, e := range v {
			n += sizeField(sizeValue(e))
		}
		return sizeField(n)
	}
	// Anything else goes through JSON: a bound of what JSON makes of it,
	// whose every byte at worst becomes a one-byte string or number.
	b, err := json.Marshal(v)
	if err != nil {
		return 0 // the server will refuse the event anyway
	}
	return sizeField(16 * len(b))
}
