package graph

import (
	"errors"
	"math"
	"math/rand"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

func mustStruct(t *testing.T, m map[string]any) *structpb.Struct {
	t.Helper()
	s, err := structpb.NewStruct(m)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The canonical property encoding is written by hand; it must be exactly
// what protobuf-go's deterministic marshal gives, so that Encode agrees
// with marshalling State().
func TestCanonicalPropsMatchProtobuf(t *testing.T) {
	cases := []map[string]any{
		{"a": 1.0},
		{"": "empty key", "z": nil, "m": true, "f": false},
		{"long": strings.Repeat("x", 300), "nested": map[string]any{"deeper": map[string]any{"list": []any{1.0, "two", nil, []any{}, map[string]any{}}}}},
		{"big": strings.Repeat("y", 70000)},
		{"n": map[string]any{"s": strings.Repeat("z", 300), "l": []any{strings.Repeat("w", 70000), map[string]any{"deep": strings.Repeat("v", 200)}}}},
		{"ключ": "значение", "neg": -2.5, "tiny": 1e-300, "huge": 1e300},
	}
	gn := &gen{r: rand.New(rand.NewSource(7))}
	for range 300 {
		s := gn.props(1)
		m := map[string]any{}
		for k, v := range s.GetFields() {
			m[k] = v.AsInterface()
		}
		cases = append(cases, m)
	}
	for i, m := range cases {
		s := mustStruct(t, m)
		got, err := canonicalProps(s)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		want, err := proto.MarshalOptions{Deterministic: true}.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Fatalf("case %d: canonical %x\nprotobuf  %x", i, got, want)
		}
		back := decodeProps(got)
		if len(m) == 0 {
			if back != nil {
				t.Fatalf("case %d: empty properties decode to %v, want nil", i, back)
			}
			continue
		}
		if !proto.Equal(back, s) {
			t.Fatalf("case %d: decodes to %v, want %v", i, back, s)
		}
	}
}

func TestCanonicalPropsNormalise(t *testing.T) {
	zero, err := canonicalProps(mustStruct(t, map[string]any{"w": 0.0}))
	if err != nil {
		t.Fatal(err)
	}
	negZero, err := canonicalProps(mustStruct(t, map[string]any{"w": math.Copysign(0, -1)}))
	if err != nil {
		t.Fatal(err)
	}
	if zero != negZero {
		t.Errorf("-0 and 0 encode differently: %x %x", negZero, zero)
	}
	oddNull := &structpb.Struct{Fields: map[string]*structpb.Value{"n": {Kind: &structpb.Value_NullValue{NullValue: 3}}}}
	null, _ := canonicalProps(mustStruct(t, map[string]any{"n": nil}))
	if got, err := canonicalProps(oddNull); err != nil || got != null {
		t.Errorf("a null with another enum number: %x %v, want %x", got, err, null)
	}
	// Unknown fields (from a newer or a broken writer) are not state.
	withUnknown := mustStruct(t, map[string]any{"a": 1.0})
	withUnknown.ProtoReflect().SetUnknown([]byte{0x98, 0x06, 0x01})
	plain, _ := canonicalProps(mustStruct(t, map[string]any{"a": 1.0}))
	if got, err := canonicalProps(withUnknown); err != nil || got != plain {
		t.Errorf("unknown fields kept: %x %v", got, err)
	}
	for _, empty := range []*structpb.Struct{nil, {}, {Fields: map[string]*structpb.Value{}}} {
		if got, err := canonicalProps(empty); err != nil || got != "" {
			t.Errorf("empty %v: %x %v, want nil", empty, got, err)
		}
	}
}

func TestCanonicalPropsRejects(t *testing.T) {
	nest := func(depth int) *structpb.Value {
		v := structpb.NewNumberValue(1)
		for i := range depth {
			if i%2 == 0 {
				v = structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{v}})
			} else {
				v = structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"k": v}})
			}
		}
		return v
	}
	tests := []struct {
		name  string
		value *structpb.Value
		key   string
		want  string // "" means valid
	}{
		{"NaN", structpb.NewNumberValue(math.NaN()), "w", `property "w" is NaN`},
		{"+Inf", structpb.NewNumberValue(math.Inf(1)), "w", `property "w" is +Inf`},
		{"no kind", &structpb.Value{}, "w", `property "w" has no value`},
		{"nil value", nil, "w", `property "w" has no value`},
		{"bad string", structpb.NewStringValue("\xff"), "s", `property "s" is a string that is not valid UTF-8`},
		{"bad key", structpb.NewBoolValue(true), "\xff", `has a key that is not valid UTF-8`},
		{"bad nested", structpb.NewListValue(&structpb.ListValue{Values: []*structpb.Value{
			structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"in": structpb.NewNumberValue(math.Inf(-1))}})}}),
			"top", `property "top[0].in" is -Inf`},
		{"nested bad key", structpb.NewStructValue(&structpb.Struct{Fields: map[string]*structpb.Value{"\xfe": structpb.NewNullValue()}}),
			"top", `property "top.\xfe" has a key`},
		{"deepest allowed", nest(MaxPropertyDepth - 1), "d", ""},
		{"too deep", nest(MaxPropertyDepth), "d", "nests deeper than 64 levels"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &structpb.Struct{Fields: map[string]*structpb.Value{tt.key: tt.value}}
			_, err := canonicalProps(s)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one mentioning %q", err, tt.want)
			}
			// Through Check it is a malformed transaction, naming the event.
			g := New("g")
			cerr := g.Check([]*messages.Event{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "n", Properties: s}}}})
			if !errors.Is(cerr, ErrInvalidTransaction) || !strings.HasPrefix(cerr.Error(), "event 0 (NodeAdded n): ") {
				t.Fatalf("Check = %v, want ErrInvalidTransaction for event 0", cerr)
			}
		})
	}
}

func TestMergeProps(t *testing.T) {
	enc := func(m map[string]any) string {
		b, err := canonicalProps(mustStruct(t, m))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	entries := func(m map[string]any) []entry {
		e, err := structEntries(mustStruct(t, m))
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	tests := []struct {
		name     string
		old, set map[string]any
		unset    []string
		want     map[string]any
	}{
		{"set on empty", nil, map[string]any{"a": 1.0}, nil, map[string]any{"a": 1.0}},
		{"replace and keep", map[string]any{"a": 1.0, "b": 2.0}, map[string]any{"a": "x"}, nil, map[string]any{"a": "x", "b": 2.0}},
		{"interleave", map[string]any{"b": 1.0, "d": 1.0}, map[string]any{"a": 2.0, "c": 2.0, "e": 2.0}, nil, map[string]any{"a": 2.0, "b": 1.0, "c": 2.0, "d": 1.0, "e": 2.0}},
		{"unset after set", map[string]any{"a": 1.0}, map[string]any{"a": 2.0, "b": 2.0}, []string{"a", "missing"}, map[string]any{"b": 2.0}},
		{"unset all", map[string]any{"a": 1.0}, nil, []string{"a"}, nil},
		{"nothing", map[string]any{"a": 1.0}, nil, nil, map[string]any{"a": 1.0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mergeProps(enc(tt.old), entries(tt.set), tt.unset)
			if want := enc(tt.want); got != want {
				t.Errorf("got %v, want %v", decodeProps(got), decodeProps(want))
			}
		})
	}
}

func TestLookupNumber(t *testing.T) {
	b, err := canonicalProps(mustStruct(t, map[string]any{"a": "s", "w": 2.5, "z": -1.0, "": 7.0}))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]struct {
		f    float64
		kind string
	}{"w": {2.5, ""}, "z": {-1, ""}, "": {7, ""}, "a": {0, "a string"}, "nope": {0, "missing"}} {
		if f, kind := lookupNumber(b, key); f != want.f || kind != want.kind {
			t.Errorf("lookupNumber(%q) = %v %q, want %v %q", key, f, kind, want.f, want.kind)
		}
	}
	if _, kind := lookupNumber("", "w"); kind != "missing" {
		t.Errorf("no properties: kind %q, want missing", kind)
	}
}
