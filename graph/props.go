package graph

import (
	"encoding/binary"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// Properties are stored in their canonical encoding: the protobuf wire
// form of a google.protobuf.Struct with map entries sorted by key, every
// value written with exactly one field, -0 written as 0, any null written as
// NULL_VALUE, and no unknown fields. It is what protobuf-go's deterministic
// marshal produces today, but written here, so snapshot bytes (and so their
// CIDs) do not depend on a library version: protobuf-go documents its
// deterministic output as unstable across releases. An empty Struct and a
// nil one both encode to nothing.
//
// Property values are JSON values, because clients read them as JSON
// (protojson): numbers must be finite, strings and keys valid UTF-8, every
// value must have a kind, and nesting is bounded.

// MaxPropertyDepth bounds how deeply property values nest (objects and
// lists), so no input can make encoding or JSON rendering recurse without
// limit.
const MaxPropertyDepth = 64

// Field numbers of google.protobuf.Struct, Value and ListValue.
const (
	structFields   protowire.Number = 1 // Struct.fields, map<string, Value>
	mapEntryKey    protowire.Number = 1
	mapEntryValue  protowire.Number = 2
	valueNull      protowire.Number = 1
	valueNumber    protowire.Number = 2
	valueString    protowire.Number = 3
	valueBool      protowire.Number = 4
	valueStruct    protowire.Number = 5
	valueList      protowire.Number = 6
	listValueItems protowire.Number = 1
)

// entry is one top-level property: its key and the canonical encoding of
// its google.protobuf.Value.
type entry struct {
	key string
	val string
}

// propError locates a bad property value; the path is built while
// unwinding, so valid properties cost no path strings.
type propError struct {
	path string
	msg  string
}

func (e *propError) Error() string { return "property " + strconv.Quote(e.path) + " " + e.msg }

func (e *propError) under(prefix string) *propError {
	switch {
	case e.path == "":
		e.path = prefix
	case strings.HasPrefix(e.path, "["):
		e.path = prefix + e.path
	default:
		e.path = prefix + "." + e.path
	}
	return e
}

// structEntries validates s and returns its entries sorted by key, each
// value canonically encoded.
func structEntries(s *structpb.Struct) ([]entry, error) {
	fields := s.GetFields()
	if len(fields) == 0 {
		return nil, nil
	}
	keys := sortedKeys(fields)
	out := make([]entry, len(keys))
	for i, k := range keys {
		if !utf8.ValidString(k) {
			return nil, &propError{path: k, msg: "has a key that is not valid UTF-8"}
		}
		val, err := appendValue(nil, fields[k], 1)
		if err != nil {
			if pe, ok := err.(*propError); ok {
				return nil, pe.under(k)
			}
			return nil, err
		}
		out[i] = entry{key: k, val: string(val)}
	}
	return out, nil
}

// canonicalProps validates s and returns its canonical encoding, empty when
// it has no keys.
func canonicalProps(s *structpb.Struct) (string, error) {
	entries, err := structEntries(s)
	if err != nil {
		return "", err
	}
	return encodeEntries(entries), nil
}

func sortedKeys(m map[string]*structpb.Value) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// appendValue appends the canonical encoding of v (the Value message's
// fields, no tag or length of its own).
func appendValue(b []byte, v *structpb.Value, depth int) ([]byte, error) {
	switch k := v.GetKind().(type) {
	case *structpb.Value_NullValue:
		b = protowire.AppendTag(b, valueNull, protowire.VarintType)
		b = protowire.AppendVarint(b, 0)
	case *structpb.Value_NumberValue:
		f := k.NumberValue
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, &propError{msg: "is " + strconv.FormatFloat(f, 'g', -1, 64) + "; JSON numbers are finite"}
		}
		if f == 0 {
			f = 0 // -0 == 0 for proto.Equal, so it must encode the same
		}
		b = protowire.AppendTag(b, valueNumber, protowire.Fixed64Type)
		b = protowire.AppendFixed64(b, math.Float64bits(f))
	case *structpb.Value_StringValue:
		if !utf8.ValidString(k.StringValue) {
			return nil, &propError{msg: "is a string that is not valid UTF-8"}
		}
		b = protowire.AppendTag(b, valueString, protowire.BytesType)
		b = protowire.AppendString(b, k.StringValue)
	case *structpb.Value_BoolValue:
		b = protowire.AppendTag(b, valueBool, protowire.VarintType)
		b = protowire.AppendVarint(b, protowire.EncodeBool(k.BoolValue))
	case *structpb.Value_StructValue:
		if depth >= MaxPropertyDepth {
			return nil, &propError{msg: "nests deeper than " + strconv.Itoa(MaxPropertyDepth) + " levels; flatten it"}
		}
		var start int
		b, start = beginNested(b, valueStruct)
		fields := k.StructValue.GetFields()
		for _, key := range sortedKeys(fields) {
			if !utf8.ValidString(key) {
				return nil, &propError{path: key, msg: "has a key that is not valid UTF-8"}
			}
			var es, vs int
			b, es = beginNested(b, structFields)
			b = protowire.AppendTag(b, mapEntryKey, protowire.BytesType)
			b = protowire.AppendString(b, key)
			b, vs = beginNested(b, mapEntryValue)
			var err error
			if b, err = appendValue(b, fields[key], depth+1); err != nil {
				if pe, ok := err.(*propError); ok {
					return nil, pe.under(key)
				}
				return nil, err
			}
			b = endNested(b, vs)
			b = endNested(b, es)
		}
		b = endNested(b, start)
	case *structpb.Value_ListValue:
		if depth >= MaxPropertyDepth {
			return nil, &propError{msg: "nests deeper than " + strconv.Itoa(MaxPropertyDepth) + " levels; flatten it"}
		}
		var start int
		b, start = beginNested(b, valueList)
		for i, item := range k.ListValue.GetValues() {
			var is int
			b, is = beginNested(b, listValueItems)
			var err error
			if b, err = appendValue(b, item, depth+1); err != nil {
				if pe, ok := err.(*propError); ok {
					return nil, pe.under("[" + strconv.Itoa(i) + "]")
				}
				return nil, err
			}
			b = endNested(b, is)
		}
		b = endNested(b, start)
	default:
		return nil, &propError{msg: "has no value; use null for an empty one"}
	}
	return b, nil
}

// beginNested starts a length-delimited field whose length is not known
// yet: it reserves one byte, which fits most property values.
func beginNested(b []byte, num protowire.Number) ([]byte, int) {
	b = protowire.AppendTag(b, num, protowire.BytesType)
	b = append(b, 0)
	return b, len(b)
}

// endNested writes the length of the field begun at start, moving the
// content when the length needs more than the one reserved byte.
func endNested(b []byte, start int) []byte {
	n := len(b) - start
	if n < 0x80 {
		b[start-1] = byte(n)
		return b
	}
	extra := protowire.SizeVarint(uint64(n)) - 1
	b = append(b, make([]byte, extra)...)
	copy(b[start+extra:], b[start:start+n])
	protowire.AppendVarint(b[:start-1], uint64(n))
	return b
}

// encodeEntries writes sorted entries as a Struct; empty when there are
// none.
func encodeEntries(entries []entry) string {
	if len(entries) == 0 {
		return ""
	}
	size := 0
	for _, e := range entries {
		size += protowire.SizeTag(structFields) + protowire.SizeBytes(entrySize(e))
	}
	b := make([]byte, 0, size)
	for _, e := range entries {
		b = protowire.AppendTag(b, structFields, protowire.BytesType)
		b = protowire.AppendVarint(b, uint64(entrySize(e)))
		b = protowire.AppendTag(b, mapEntryKey, protowire.BytesType)
		b = protowire.AppendString(b, e.key)
		b = protowire.AppendTag(b, mapEntryValue, protowire.BytesType)
		b = protowire.AppendString(b, e.val)
	}
	return string(b)
}

func entrySize(e entry) int {
	return protowire.SizeTag(mapEntryKey) + protowire.SizeBytes(len(e.key)) +
		protowire.SizeTag(mapEntryValue) + protowire.SizeBytes(len(e.val))
}

// parseEntries splits a canonical encoding back into its entries, which
// share its memory.
func parseEntries(s string) []entry {
	var out []entry
	for {
		key, val, rest, ok := nextEntry(s)
		if !ok {
			return out
		}
		out = append(out, entry{key: key, val: val})
		s = rest
	}
}

// nextEntry reads the first entry of a canonical encoding. s is always
// this package's own output, so it stops quietly (ok false) at anything
// else as at the end, rather than report an error nobody could act on.
// It reads the string in place: protowire reads only byte slices, and
// converting would copy the properties of every edge a weighted path
// looks at.
func nextEntry(s string) (key, val, rest string, ok bool) {
	num, typ, n := consumeTag(s)
	if n < 0 || num != structFields || typ != protowire.BytesType {
		return "", "", "", false
	}
	body, n2 := consumeBytes(s[n:])
	if n2 < 0 {
		return "", "", "", false
	}
	rest = s[n+n2:]
	for len(body) > 0 {
		num, typ, n := consumeTag(body)
		if n < 0 || typ != protowire.BytesType {
			return "", "", "", false
		}
		v, n2 := consumeBytes(body[n:])
		if n2 < 0 {
			return "", "", "", false
		}
		body = body[n+n2:]
		switch num {
		case mapEntryKey:
			key = v
		case mapEntryValue:
			val = v
		}
	}
	return key, val, rest, true
}

// consumeVarint, consumeTag and consumeBytes are protowire's readers for a
// string; n < 0 means malformed.
func consumeVarint(s string) (v uint64, n int) {
	for i := 0; i < len(s) && i < 10; i++ {
		c := s[i]
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v, i + 1
		}
	}
	return 0, -1
}

func consumeTag(s string) (protowire.Number, protowire.Type, int) {
	v, n := consumeVarint(s)
	if n < 0 {
		return 0, 0, -1
	}
	num, typ := protowire.DecodeTag(v)
	return num, typ, n
}

func consumeBytes(s string) (string, int) {
	l, n := consumeVarint(s)
	if n < 0 || l > uint64(len(s)-n) {
		return "", -1
	}
	return s[n : n+int(l)], n + int(l)
}

// isCanonicalProps reports whether b is exactly what canonicalProps gives
// for the Struct that b encodes, with nothing canonicalProps would reject:
// then a decoder may keep b as it is, instead of building a Struct and
// encoding it again. It reads b in place and allocates nothing. False means
// only "not certainly": the caller takes the long way, which normalises
// what is valid and names what is not.
func isCanonicalProps(b []byte) bool { return canonicalStruct(b, 1) }

// Tags as canonicalProps writes them: one byte each, since every field
// number is below 16.
const (
	tagStructFields   = byte(structFields)<<3 | byte(protowire.BytesType)
	tagMapEntryKey    = byte(mapEntryKey)<<3 | byte(protowire.BytesType)
	tagMapEntryValue  = byte(mapEntryValue)<<3 | byte(protowire.BytesType)
	tagValueNull      = byte(valueNull)<<3 | byte(protowire.VarintType)
	tagValueNumber    = byte(valueNumber)<<3 | byte(protowire.Fixed64Type)
	tagValueString    = byte(valueString)<<3 | byte(protowire.BytesType)
	tagValueBool      = byte(valueBool)<<3 | byte(protowire.VarintType)
	tagValueStruct    = byte(valueStruct)<<3 | byte(protowire.BytesType)
	tagValueList      = byte(valueList)<<3 | byte(protowire.BytesType)
	tagListValueItems = byte(listValueItems)<<3 | byte(protowire.BytesType)
)

// canonicalStruct checks a Struct's fields whose values sit at depth (see
// appendValue): entries of exactly a key then a value, keys valid UTF-8 and
// strictly increasing (sorted, no duplicates).
func canonicalStruct(b []byte, depth int) bool {
	var prev []byte
	for first := true; len(b) > 0; first = false {
		if b[0] != tagStructFields {
			return false
		}
		entry, rest, ok := canonicalBytes(b[1:])
		if !ok || len(entry) == 0 || entry[0] != tagMapEntryKey {
			return false
		}
		b = rest
		key, entry, ok := canonicalBytes(entry[1:])
		if !ok || !first && string(key) <= string(prev) || !utf8.Valid(key) {
			return false
		}
		if len(entry) == 0 || entry[0] != tagMapEntryValue {
			return false
		}
		val, entry, ok := canonicalBytes(entry[1:])
		if !ok || len(entry) != 0 || !canonicalValue(val, depth) {
			return false
		}
		prev = key
	}
	return true
}

// canonicalValue checks a Value's fields: exactly one, written as
// appendValue writes it.
func canonicalValue(b []byte, depth int) bool {
	if len(b) == 0 {
		return false // no kind
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagValueNull:
		return len(b) == 1 && b[0] == 0
	case tagValueNumber:
		if len(b) != 8 {
			return false
		}
		bits := binary.LittleEndian.Uint64(b)
		f := math.Float64frombits(bits)
		return !math.IsNaN(f) && !math.IsInf(f, 0) && bits != 1<<63 // -0 is written as 0
	case tagValueString:
		s, rest, ok := canonicalBytes(b)
		return ok && len(rest) == 0 && utf8.Valid(s)
	case tagValueBool:
		return len(b) == 1 && b[0] <= 1
	case tagValueStruct:
		s, rest, ok := canonicalBytes(b)
		return ok && len(rest) == 0 && depth < MaxPropertyDepth && canonicalStruct(s, depth+1)
	case tagValueList:
		l, rest, ok := canonicalBytes(b)
		if !ok || len(rest) != 0 || depth >= MaxPropertyDepth {
			return false
		}
		for len(l) > 0 {
			if l[0] != tagListValueItems {
				return false
			}
			item, rest, ok := canonicalBytes(l[1:])
			if !ok || !canonicalValue(item, depth+1) {
				return false
			}
			l = rest
		}
		return true
	}
	return false
}

// canonicalBytes reads a length-delimited field's content after its tag;
// the length must be written in as few bytes as it takes, as
// protowire.AppendVarint writes it.
func canonicalBytes(b []byte) (field, rest []byte, ok bool) {
	if len(b) > 0 && b[0] < 0x80 { // a one-byte length: most fields
		n := int(b[0])
		if n >= len(b) {
			return nil, nil, false
		}
		return b[1 : 1+n], b[1+n:], true
	}
	n, l := protowire.ConsumeVarint(b)
	if l < 0 || l != protowire.SizeVarint(n) || n > uint64(len(b)-l) {
		return nil, nil, false
	}
	end := l + int(n)
	return b[l:end], b[end:], true
}

// mergeProps applies an update to a canonical encoding: set replaces keys
// (both are sorted by key), then unset removes keys.
func mergeProps(old string, set []entry, unset []string) string {
	if len(set) == 0 && len(unset) == 0 {
		return old
	}
	cur := parseEntries(old)
	out := make([]entry, 0, len(cur)+len(set))
	i, j := 0, 0
	for i < len(cur) || j < len(set) {
		switch {
		case j == len(set) || i < len(cur) && cur[i].key < set[j].key:
			out = append(out, cur[i])
			i++
		case i == len(cur) || set[j].key < cur[i].key:
			out = append(out, set[j])
			j++
		default: // same key: set wins
			out = append(out, set[j])
			i++
			j++
		}
	}
	if len(unset) > 0 {
		out = slices.DeleteFunc(out, func(e entry) bool { return slices.Contains(unset, e.key) })
	}
	return encodeEntries(out)
}

// decodeProps turns a canonical encoding back into a Struct for callers;
// nil when empty, so an element without properties looks the same however
// it got there.
func decodeProps(b string) *structpb.Struct {
	if b == "" {
		return nil
	}
	s := new(structpb.Struct)
	if err := proto.Unmarshal([]byte(b), s); err != nil {
		// b is this package's own canonical output; failing to read it
		// back is a bug here, not a condition a caller could handle.
		panic("graph: stored properties do not decode: " + err.Error())
	}
	return s
}

// lookupNumber finds key among canonical properties without allocating
// (it runs once per edge for a weighted path). kind names what was found
// instead of a number ("missing", "a string" …) for error messages.
func lookupNumber(props, key string) (f float64, kind string) {
	for s := props; ; {
		k, val, rest, ok := nextEntry(s)
		if !ok {
			return 0, "missing"
		}
		s = rest
		if k != key {
			continue
		}
		num, typ, n := consumeTag(val)
		if n < 0 {
			return 0, "unreadable"
		}
		switch num {
		case valueNumber:
			if typ != protowire.Fixed64Type || len(val) < n+8 {
				return 0, "unreadable"
			}
			var bits uint64
			for i := 7; i >= 0; i-- {
				bits = bits<<8 | uint64(val[n+i])
			}
			return math.Float64frombits(bits), ""
		case valueNull:
			return 0, "null"
		case valueString:
			return 0, "a string"
		case valueBool:
			return 0, "a boolean"
		case valueStruct:
			return 0, "an object"
		case valueList:
			return 0, "a list"
		}
		return 0, "unreadable"
	}
}
