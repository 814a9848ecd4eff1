package graph

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestDecodeRoundTripRandom: for random graphs, Encode's bytes take
// Decode's fast way, which gives the same graph as the general way, down to
// the bytes, and a graph that goes on like the original.
func TestDecodeRoundTripRandom(t *testing.T) {
	for seed := int64(1); seed <= 24; seed++ {
		gn := &gen{r: rand.New(rand.NewSource(seed)), graphID: "g-" + fmt.Sprint(seed), nodes: 4 + int(seed%5)*10, edges: 8 + int(seed%7)*30, bad: []float64{0, 0.05}[seed%2]}
		txs := gn.history(300)
		g := New(gn.graphID)
		for i, tx := range txs {
			_ = g.Apply(tx)
			if i%25 != 0 && i != len(txs)-1 {
				continue
			}
			what := fmt.Sprintf("seed %d tx %d", seed, i)
			b := mustEncode(t, g)
			fast, ok := decodeCanonical(b)
			if !ok {
				t.Fatalf("%s: Encode's bytes do not take the fast way", what)
			}
			general, err := decodeGeneral(b)
			if err != nil {
				t.Fatalf("%s: general decode: %v", what, err)
			}
			if got := mustEncode(t, fast); !bytes.Equal(got, b) {
				t.Fatalf("%s: Encode(Decode(b)) differs from b", what)
			}
			if !bytes.Equal(mustEncode(t, general), b) || !proto.Equal(fast.State(), g.State()) || !proto.Equal(general.State(), g.State()) {
				t.Fatalf("%s: the decoded states differ", what)
			}
			if fast.Version() != g.Version() || fast.Sequence() != g.Sequence() || fast.ID() != g.ID() {
				t.Fatalf("%s: decoded %q v%d s%d, want %q v%d s%d", what, fast.ID(), fast.Version(), fast.Sequence(), g.ID(), g.Version(), g.Sequence())
			}
			checkIncidence(t, what, fast)
			// The decoded graph goes on like the original.
			for _, tx := range txs[i+1 : min(i+40, len(txs))] {
				err1, err2 := fast.Apply(tx), general.Apply(tx)
				if (err1 == nil) != (err2 == nil) {
					t.Fatalf("%s: Apply after decoding: %v vs %v", what, err1, err2)
				}
			}
			checkIncidence(t, what+" then applied", fast)
			if !bytes.Equal(mustEncode(t, fast), mustEncode(t, general)) {
				t.Fatalf("%s: the decoded graphs diverge on the same transactions", what)
			}
		}
	}
}

// rawNode and rawEdge describe elements for rawState, which writes them in
// Encode's layout whatever they hold, so that corrupt states reach the
// fast way of Decode too.
type rawNode struct {
	id, typ string
	props   []byte
}

type rawEdge struct {
	id, src, dst, typ string
	props             []byte
}

func rawState(graphID string, version, sequence uint64, nodes []rawNode, edges []rawEdge) []byte {
	str := func(b []byte, num protowire.Number, s []byte) []byte {
		if len(s) == 0 {
			return b
		}
		b = protowire.AppendTag(b, num, protowire.BytesType)
		return protowire.AppendBytes(b, s)
	}
	b := str(nil, stateGraphID, []byte(graphID))
	if version != 0 {
		b = protowire.AppendTag(b, stateVersion, protowire.VarintType)
		b = protowire.AppendVarint(b, version)
	}
	if sequence != 0 {
		b = protowire.AppendTag(b, stateSequence, protowire.VarintType)
		b = protowire.AppendVarint(b, sequence)
	}
	for _, n := range nodes {
		m := str(nil, nodeID, []byte(n.id))
		m = str(m, nodeType, []byte(n.typ))
		m = str(m, nodeProps, n.props)
		b = protowire.AppendTag(b, stateNodes, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	for _, e := range edges {
		m := str(nil, edgeID, []byte(e.id))
		m = str(m, edgeSource, []byte(e.src))
		m = str(m, edgeTarget, []byte(e.dst))
		m = str(m, edgeType, []byte(e.typ))
		m = str(m, edgeProps, e.props)
		b = protowire.AppendTag(b, stateEdges, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	b = protowire.AppendTag(b, stateFormat, protowire.VarintType)
	return protowire.AppendVarint(b, StateFormat)
}

// rawCommitted describes a remembered transaction for withRecent.
type rawCommitted struct {
	id                string
	version, sequence uint64
	events            uint64
	digest            []byte
}

// withRecent appends remembered transactions to rawState's bytes, in
// Encode's layout whatever they hold.
func withRecent(b []byte, recent ...rawCommitted) []byte {
	for _, c := range recent {
		m := appendString(nil, committedID, c.id)
		m = appendVarint(m, committedVersion, c.version)
		m = appendVarint(m, committedSequence, c.sequence)
		m = appendVarint(m, committedEvents, c.events)
		m = appendString(m, committedDigest, string(c.digest))
		b = protowire.AppendTag(b, stateRecent, protowire.BytesType)
		b = protowire.AppendBytes(b, m)
	}
	return slices.Clip(b)
}

// Hand-made property encodings, canonical or not.

func lenField(num protowire.Number, content []byte) []byte {
	b := protowire.AppendTag(nil, num, protowire.BytesType)
	return protowire.AppendBytes(b, content)
}

func propEntry(key string, value []byte) []byte {
	return lenField(structFields, append(lenField(mapEntryKey, []byte(key)), lenField(mapEntryValue, value)...))
}

func propStruct(entries ...[]byte) []byte { return bytes.Join(entries, nil) }

func numberValue(bits uint64) []byte {
	return binary.LittleEndian.AppendUint64([]byte{tagValueNumber}, bits)
}

func stringValue(s string) []byte { return lenField(valueString, []byte(s)) }

func nestedValue(depth int) []byte {
	v := numberValue(math.Float64bits(1))
	for i := range depth {
		if i%2 == 0 {
			v = lenField(valueList, lenField(listValueItems, v))
		} else {
			v = lenField(valueStruct, propEntry("k", v))
		}
	}
	return v
}

// TestDecodeRejectsCorrupt: what the general way refuses, Decode refuses,
// with ErrCorrupt, whether or not the bytes look like Encode's.
func TestDecodeRejectsCorrupt(t *testing.T) {
	w := propStruct(propEntry("w", numberValue(math.Float64bits(2))))
	nodes := func() []rawNode { return []rawNode{{id: "a", typ: "person", props: w}, {id: "b"}, {id: "c"}} }
	edges := func() []rawEdge {
		return []rawEdge{{id: "e1", src: "a", dst: "b", typ: "knows", props: w}, {id: "e2", src: "b", dst: "c"}, {id: "e3", src: "c", dst: "c"}}
	}
	digest := bytes.Repeat([]byte{7}, DigestSize)
	recent := func() []rawCommitted {
		return []rawCommitted{{id: "t1", version: 1, sequence: 3, events: 2, digest: digest}, {id: "t2", version: 3, sequence: 9, events: 1}}
	}
	valid := withRecent(rawState("g", 3, 9, nodes(), edges()), recent()...)
	g, err := Decode(valid)
	if err != nil {
		t.Fatalf("the valid state: %v", err)
	}
	if _, ok := decodeCanonical(valid); !ok || !bytes.Equal(mustEncode(t, g), valid) {
		t.Fatal("the valid state is not in Encode's layout; the cases below would not test the fast way")
	}

	withNode := func(i int, f func(*rawNode)) []byte {
		ns := nodes()
		f(&ns[i])
		return withRecent(rawState("g", 3, 9, ns, edges()), recent()...)
	}
	withEdge := func(i int, f func(*rawEdge)) []byte {
		es := edges()
		f(&es[i])
		return withRecent(rawState("g", 3, 9, nodes(), es), recent()...)
	}
	withCommitted := func(i int, f func(*rawCommitted)) []byte {
		rs := recent()
		f(&rs[i])
		return withRecent(rawState("g", 3, 9, nodes(), edges()), rs...)
	}
	header := rawState("g", 3, 9, nodes(), edges())
	header = header[:len(header)-2] // without the format
	nodeProps := func(p []byte) []byte { return withNode(0, func(n *rawNode) { n.props = p }) }
	edgeProps := func(p []byte) []byte { return withEdge(0, func(e *rawEdge) { e.props = p }) }

	cases := map[string][]byte{
		"truncated by one byte":     valid[:len(valid)-1],
		"truncated in the header":   valid[:2],
		"truncated in a node":       valid[:12],
		"edge to a missing node":    withEdge(1, func(e *rawEdge) { e.src = "x" }),
		"edge from a missing node":  withEdge(2, func(e *rawEdge) { e.dst = "bb" }),
		"edge without a source":     withEdge(1, func(e *rawEdge) { e.src = "" }),
		"unsorted nodes":            rawState("g", 3, 9, []rawNode{{id: "b"}, {id: "a"}, {id: "c"}}, edges()),
		"unsorted edges":            withEdge(0, func(e *rawEdge) { e.id = "e4" }),
		"duplicate node":            withNode(1, func(n *rawNode) { n.id = "a" }),
		"duplicate edge":            withEdge(1, func(e *rawEdge) { e.id = "e1" }),
		"node without an ID":        withNode(0, func(n *rawNode) { n.id = "" }),
		"node ID not UTF-8":         withNode(2, func(n *rawNode) { n.id = "c\xff" }),
		"edge ID not UTF-8":         withEdge(2, func(e *rawEdge) { e.id = "e3\xff" }),
		"edge ID too long":          withEdge(2, func(e *rawEdge) { e.id = "e3" + strings.Repeat("x", MaxElementIDLen) }),
		"node type not UTF-8":       withNode(1, func(n *rawNode) { n.typ = "\xfe" }),
		"edge type too long":        withEdge(1, func(e *rawEdge) { e.typ = strings.Repeat("t", MaxTypeLen+1) }),
		"bad graph ID":              rawState("a.b", 3, 9, nodes(), edges()),
		"no graph ID":               rawState("", 3, 9, nodes(), edges()),
		"property NaN":              nodeProps(propStruct(propEntry("w", numberValue(math.Float64bits(math.NaN()))))),
		"property +Inf":             edgeProps(propStruct(propEntry("w", numberValue(math.Float64bits(math.Inf(1)))))),
		"property string not UTF-8": edgeProps(propStruct(propEntry("s", stringValue("\xff")))),
		"property key not UTF-8":    nodeProps(propStruct(propEntry("\xff", stringValue("x")))),
		"property without a value":  edgeProps(propStruct(propEntry("w", nil))),
		"property nested too deep":  edgeProps(propStruct(propEntry("d", nestedValue(MaxPropertyDepth)))),
		"properties not a Struct":   nodeProps([]byte{0xff, 0xff}),
		"properties truncated":      edgeProps(w[:len(w)-2]),
		"no transaction ID":         withCommitted(0, func(c *rawCommitted) { c.id = "" }),
		"transaction ID not UTF-8":  withCommitted(1, func(c *rawCommitted) { c.id = "t\xff" }),
		"transaction ID too long":   withCommitted(1, func(c *rawCommitted) { c.id = strings.Repeat("t", MaxElementIDLen+1) }),
		"transaction twice":         withCommitted(1, func(c *rawCommitted) { c.id = "t1" }),
		"transaction at version 0":  withCommitted(0, func(c *rawCommitted) { c.version = 0 }),
		"transactions out of order": withCommitted(0, func(c *rawCommitted) { c.version = 3 }),
		"transaction in the future": withCommitted(1, func(c *rawCommitted) { c.version = 4 }),
		"digest too short":          withCommitted(0, func(c *rawCommitted) { c.digest = digest[1:] }),
		"digest too long":           withCommitted(0, func(c *rawCommitted) { c.digest = append(digest, 0) }),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			if _, ok := decodeCanonical(b); ok {
				t.Fatal("the fast way accepts it")
			}
			if _, err := Decode(b); !errors.Is(err, ErrCorrupt) || errors.Is(err, ErrSnapshotFormat) {
				t.Fatalf("Decode = %v, want ErrCorrupt, not ErrSnapshotFormat", err)
			}
		})
	}
	// Other formats, including none (every snapshot before format 2), are
	// refused as such, from the fast way's layout or not.
	formats := map[string][]byte{
		"no format":         header,
		"no format, empty":  {0x0a, 0x01, 'g'},
		"format 1":          append(slices.Clip(header), 0x38, 0x01),
		"format 4":          append(slices.Clip(header), 0x38, 0x04),
		"format 2, then 1":  append(slices.Clip(valid), 0x38, 0x01),
		"format first, 258": append([]byte{0x38, 0x82, 0x02}, header...),
	}
	for name, b := range formats {
		t.Run(name, func(t *testing.T) {
			_, err := Decode(b)
			if !errors.Is(err, ErrSnapshotFormat) || !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Decode = %v, want ErrSnapshotFormat and ErrCorrupt", err)
			}
			if _, gerr := decodeGeneral(b); !errors.Is(gerr, ErrSnapshotFormat) {
				t.Fatalf("the general way = %v, want ErrSnapshotFormat", gerr)
			}
		})
	}
	// A digest may be missing, and the last format field counts, as in
	// proto.Unmarshal.
	for name, b := range map[string][]byte{
		"no digest":        withCommitted(0, func(c *rawCommitted) { c.digest = nil }),
		"format 1, then 3": append(append(slices.Clip(header), 0x38, 0x01, 0x38, 0x03), valid[len(header)+2:]...),
	} {
		if _, err := Decode(b); err != nil {
			t.Errorf("%s: Decode = %v", name, err)
		}
	}
	// The deepest nesting allowed is fine, and canonical.
	deep := edgeProps(propStruct(propEntry("d", nestedValue(MaxPropertyDepth-1))))
	if _, ok := decodeCanonical(deep); !ok {
		t.Error("the deepest properties allowed do not take the fast way")
	}
	// Every cut of the valid state either fails or is a valid state in
	// its own right (cut between elements), the same both ways.
	for n := range len(valid) {
		g1, err1 := Decode(valid[:n])
		g2, err2 := decodeGeneral(valid[:n])
		if (err1 == nil) != (err2 == nil) || err1 != nil && !errors.Is(err1, ErrCorrupt) {
			t.Fatalf("cut at %d: Decode = %v, general way = %v", n, err1, err2)
		}
		if err1 == nil && !bytes.Equal(mustEncode(t, g1), mustEncode(t, g2)) {
			t.Fatalf("cut at %d: the two ways decode differently", n)
		}
	}
}

// TestDecodeNormalises: Decode takes any protobuf encoding of a valid
// state, as it always did, and normalises it: such bytes go the general
// way, and the graph encodes canonically.
func TestDecodeNormalises(t *testing.T) {
	canonical := func(m map[string]any) []byte {
		p, err := canonicalProps(mustStruct(t, m))
		if err != nil {
			t.Fatal(err)
		}
		return []byte(p)
	}
	one := math.Float64bits(1)
	state := func(props []byte) []byte {
		return rawState("g", 1, 0, []rawNode{{id: "a", props: props}}, nil)
	}
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 1)
	cases := []struct {
		name string
		in   []byte
		want []byte // Encode of the decoded graph
	}{
		{"unsorted keys", state(propStruct(propEntry("b", numberValue(one)), propEntry("a", numberValue(one)))),
			state(canonical(map[string]any{"a": 1.0, "b": 1.0}))},
		{"duplicate keys, the last wins", state(propStruct(propEntry("a", stringValue("x")), propEntry("a", numberValue(one)))),
			state(canonical(map[string]any{"a": 1.0}))},
		{"negative zero", state(propStruct(propEntry("w", numberValue(1<<63)))), state(canonical(map[string]any{"w": 0.0}))},
		{"null as another number", state(propStruct(propEntry("n", []byte{tagValueNull, 3}))), state(canonical(map[string]any{"n": nil}))},
		{"bool as 2", state(propStruct(propEntry("t", []byte{tagValueBool, 2}))), state(canonical(map[string]any{"t": true}))},
		{"long length", state([]byte{tagStructFields, 0x87, 0x00, tagMapEntryKey, 0x01, 'k', tagMapEntryValue, 0x02, tagValueBool, 0x00}),
			state(canonical(map[string]any{"k": false}))},
		{"empty properties", []byte{0x0a, 0x01, 'g', 0x10, 0x01, 0x2a, 0x05, 0x0a, 0x01, 'a', 0x1a, 0x00, 0x38, StateFormat}, state(nil)},
		{"unknown field in properties", state(append(propStruct(propEntry("a", numberValue(one))), unknown...)),
			state(canonical(map[string]any{"a": 1.0}))},
		{"unknown field in the state", append(state(nil), unknown...), state(nil)},
		{"updated_at", append(state(nil), lenField(4, protowire.AppendVarint([]byte{0x08}, 1_700_000_000))...), state(nil)},
		{"explicit zero version", append(protowire.AppendVarint([]byte{0x0a, 0x01, 'g', 0x10}, 0), 0x2a, 0x03, 0x0a, 0x01, 'a', 0x38, StateFormat),
			rawState("g", 0, 0, []rawNode{{id: "a"}}, nil)},
		{"fields out of order", append(append([]byte{0x38, StateFormat, 0x2a, 0x03, 0x0a, 0x01, 'a'}, 0x10, 0x01), 0x0a, 0x01, 'g'), state(nil)},
		{"format written long", append(state(nil)[:10], 0x38, 0x80|StateFormat, 0x80, 0x80, 0x80, 0x00), state(nil)},
		{"recent before the format", append(withRecent(state(nil)[:10], rawCommitted{id: "t", version: 1}), 0x38, StateFormat),
			withRecent(state(nil), rawCommitted{id: "t", version: 1})},
		{"empty digest", withRecent(state(nil), rawCommitted{id: "t", version: 1}), withRecent(state(nil), rawCommitted{id: "t", version: 1})},
		{"zero digest field", append(state(nil), lenField(stateRecent, []byte{0x0a, 0x01, 't', 0x10, 0x01, 0x20, 0x00, 0x2a, 0x00})...),
			withRecent(state(nil), rawCommitted{id: "t", version: 1})},
		{"events past uint32", withRecent(state(nil), rawCommitted{id: "t", version: 1, events: 1<<32 + 5}),
			withRecent(state(nil), rawCommitted{id: "t", version: 1, events: 5})},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			if _, ok := decodeCanonical(tt.in); ok && !bytes.Equal(tt.in, tt.want) {
				t.Fatal("the fast way accepts bytes Encode does not write")
			}
			g, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := mustEncode(t, g); !bytes.Equal(got, tt.want) {
				t.Fatalf("Encode(Decode()) = %x\nwant %x", got, tt.want)
			}
		})
	}
}

// TestIsCanonicalProps: our own property encodings are canonical, and what
// the check passes canonicalProps would write unchanged.
func TestIsCanonicalProps(t *testing.T) {
	gn := &gen{r: rand.New(rand.NewSource(11))}
	for i := range 2000 {
		s := gn.props(1)
		c, err := canonicalProps(s)
		if err != nil {
			t.Fatal(err)
		}
		if !isCanonicalProps([]byte(c)) {
			t.Fatalf("case %d: canonicalProps gives %x, which isCanonicalProps refuses", i, c)
		}
		// Any change of one byte is either refused or still canonical.
		if len(c) > 0 {
			b := []byte(c)
			b[gn.r.Intn(len(b))] ^= byte(1 + gn.r.Intn(255))
			assertCanonicalAgrees(t, b)
		}
	}
}

// assertCanonicalAgrees: if isCanonicalProps passes b, then b is a valid
// Struct that canonicalProps writes back unchanged.
func assertCanonicalAgrees(t *testing.T, b []byte) {
	t.Helper()
	if !isCanonicalProps(b) {
		return
	}
	s := new(structpb.Struct)
	if err := proto.Unmarshal(b, s); err != nil {
		t.Fatalf("isCanonicalProps passes %x, which does not unmarshal: %v", b, err)
	}
	c, err := canonicalProps(s)
	if err != nil || c != string(b) {
		t.Fatalf("isCanonicalProps passes %x, canonicalProps gives %x, %v", b, c, err)
	}
}

func FuzzCanonicalProps(f *testing.F) {
	gn := &gen{r: rand.New(rand.NewSource(5))}
	for range 20 {
		c, err := canonicalProps(gn.props(1))
		if err != nil {
			f.Fatal(err)
		}
		f.Add([]byte(c))
	}
	f.Fuzz(assertCanonicalAgrees)
}

// TestSortedByID: the radix sort orders IDs of every shape as plain string
// comparison does.
func TestSortedByID(t *testing.T) {
	r := rand.New(rand.NewSource(1))
	shapes := []struct {
		name string
		id   func(i int) string
	}{
		{"short", func(i int) string { return fmt.Sprintf("e%d", i) }},
		{"shared prefix", func(i int) string { return fmt.Sprintf("edge-%09d", r.Intn(1e9)) }},
		{"long and alike", func(i int) string {
			return strings.Repeat("x", 20) + fmt.Sprint(r.Intn(50)) + strings.Repeat("y", r.Intn(3))
		}},
		{"prefixes of one another", func(i int) string {
			return strings.Repeat("a", r.Intn(12)) + strings.Repeat("\x00", r.Intn(3))
		}},
		{"alike past eight bytes", func(i int) string {
			return string(rune('a'+r.Intn(2))) + strings.Repeat("0", 10) + fmt.Sprint(r.Intn(1000))
		}},
		{"random bytes", func(i int) string {
			b := make([]byte, 1+r.Intn(10))
			for j := range b {
				b[j] = byte(r.Intn(4)) * 85
			}
			return string(b)
		}},
	}
	for _, shape := range shapes {
		for _, n := range []int{0, 1, 2, 7, 300, 5000} {
			var tab idTable[*node]
			var want []string
			for i := range n {
				id := shape.id(i)
				if _, ok := tab.get(id); ok {
					continue
				}
				tab.put(&node{id: id})
				want = append(want, id)
			}
			slices.Sort(want)
			var got []string
			for _, nd := range sortedByID(&tab) {
				got = append(got, nd.id)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s, %d IDs: sorted %q\nwant %q", shape.name, n, got, want)
			}
		}
	}
}

// TestIDTablePutAll: a table filled in bulk, empty or not, finds
// everything and keeps working through puts and deletes.
func TestIDTablePutAll(t *testing.T) {
	for _, sizes := range [][2]int{{0, 0}, {0, 5}, {3, 9}, {0, 64}, {1, 130}, {100, 3000}, {5000, 40}} {
		var tab idTable[*edge]
		ref := map[string]*edge{}
		for i := range sizes[0] {
			e := &edge{id: fmt.Sprintf("p%d", i)}
			tab.put(e)
			ref[e.id] = e
		}
		var bulk []*edge
		for i := range sizes[1] {
			e := &edge{id: fmt.Sprintf("l%d", i)}
			bulk = append(bulk, e)
			ref[e.id] = e
		}
		tab.putAll(bulk)
		check := func(when string) {
			if tab.len() != len(ref) {
				t.Fatalf("%v %s: len %d, want %d", sizes, when, tab.len(), len(ref))
			}
			for id, e := range ref {
				if got, ok := tab.get(id); !ok || got != e {
					t.Fatalf("%v %s: get(%s) = %v %v", sizes, when, id, got, ok)
				}
			}
		}
		check("after putAll")
		for id := range ref {
			if len(id)%2 == 0 {
				tab.del(id)
				delete(ref, id)
			}
		}
		check("after deletes")
	}
}

// TestDecodeRoundTripShapes: graphs at the edges of what the fast way
// handles: empty, long IDs, big properties, more types than are interned,
// self-loops and hubs, the largest version.
func TestDecodeRoundTripShapes(t *testing.T) {
	props := func(m map[string]any) string {
		p, err := canonicalProps(mustStruct(t, m))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	shapes := map[string]func(g *Graph){
		"empty": func(g *Graph) {},
		"nodes only": func(g *Graph) {
			for i := range 50 {
				g.addNode(fmt.Sprint("n", i), "", "")
			}
		},
		"long IDs and big properties": func(g *Graph) {
			long := strings.Repeat("é", MaxElementIDLen/2)
			big := props(map[string]any{"big": strings.Repeat("x", 70000), "list": []any{1.0, "two", nil, map[string]any{}}})
			g.addNode(long, strings.Repeat("t", MaxTypeLen), big)
			g.addNode("b", "", props(map[string]any{"w": 1.0}))
			a, _ := g.nodes.get(long)
			b, _ := g.nodes.get("b")
			g.addEdge(long, "", a, b, big)
			g.addEdge("e", "knows", b, a, "")
		},
		"many types, loops and a hub": func(g *Graph) {
			g.version, g.sequence = math.MaxUint64, math.MaxUint64
			g.addNode("hub", "hub", "")
			hub, _ := g.nodes.get("hub")
			for i := range 3000 {
				id := fmt.Sprintf("n%04d", i)
				g.addNode(id, fmt.Sprint("type", i), "")
				n, _ := g.nodes.get(id)
				g.addEdge("out"+id, fmt.Sprint("type", i%1500), hub, n, "")
				g.addEdge("in"+id, "", n, hub, props(map[string]any{"i": float64(i)}))
				if i%7 == 0 {
					g.addEdge("loop"+id, "loop", n, n, "")
				}
			}
		},
	}
	for name, build := range shapes {
		t.Run(name, func(t *testing.T) {
			g := New("g")
			build(g)
			b := mustEncode(t, g)
			fast, ok := decodeCanonical(b)
			if !ok {
				t.Fatal("Encode's bytes do not take the fast way")
			}
			if !bytes.Equal(mustEncode(t, fast), b) || !proto.Equal(fast.State(), g.State()) {
				t.Fatal("the decoded graph differs")
			}
			checkIncidence(t, name, fast)
			assertRoundTrip(t, name, fast)
		})
	}
}

// TestEncodeBufferSize: Encode's buffer is about as big as the encoding,
// whether the elements are alike or one of them is huge.
func TestEncodeBufferSize(t *testing.T) {
	for _, huge := range []bool{false, true} {
		g := New("g")
		g.addNode("a", "", "")
		a, _ := g.nodes.get("a")
		for i := range 20000 {
			props := ""
			if huge && i == 0 {
				p, err := canonicalProps(mustStruct(t, map[string]any{"big": strings.Repeat("x", 1<<20)}))
				if err != nil {
					t.Fatal(err)
				}
				props = p
			}
			g.addEdge(fmt.Sprint("e", i), "", a, a, props)
		}
		b := mustEncode(t, g)
		if cap(b) > len(b)+len(b)/4 {
			t.Errorf("huge %v: %d bytes in a buffer of %d", huge, len(b), cap(b))
		}
	}
}
