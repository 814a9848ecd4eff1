package main

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/graphlog/graphlog/apitypes"
)

// Every decoder of import input either reads elements or fails with an
// *inputError, which names the input; none panics.

func fuzzSource(t *testing.T, src source) {
	for range 100_000 {
		_, err := src.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v (%T) is not an *inputError", err, err)
			}
			if !strings.HasPrefix(err.Error(), "in: ") {
				t.Fatalf("error %q does not name the input", err)
			}
			return
		}
	}
}

func FuzzCSVSource(f *testing.F) {
	f.Add("source,target,type,weight\na,b,t,1\n")
	f.Add("id,source,target\n\"x\"\"y\",a,b\n")
	f.Add("source,target\n,\n")
	f.Fuzz(func(t *testing.T, in string) {
		fuzzSource(t, newCSVSource(strings.NewReader(in), "in"))
	})
}

func FuzzGraphMLSource(f *testing.F) {
	f.Add(graphmlDoc)
	f.Add(`<graphml><key id="k" attr.type="int"><default>1</default></key><graph><node id="a"><data key="k">2</data></node></graph></graphml>`)
	f.Fuzz(func(t *testing.T, in string) {
		fuzzSource(t, newGraphMLSource(strings.NewReader(in), "in", func(string) {}))
	})
}

func FuzzJSONSource(f *testing.F) {
	f.Add(`{"nodes":[{"id":"a","type":"t","properties":{"x":1}}],"edges":[{"id":"e","source":"a","target":"a"}]}`)
	f.Add(`{"edges":null,"x":[{}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		fuzzSource(t, newJSONSource(strings.NewReader(in), "in"))
	})
}

func FuzzSSEReader(f *testing.F) {
	f.Add("id: 1\nevent: transaction\ndata: {}\n\n: ping\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		r := newSSEReader(strings.NewReader(in))
		for range 100_000 {
			ev, err := r.next()
			if err != nil {
				if err != io.EOF {
					t.Fatalf("error %v reading a string", err)
				}
				return
			}
			if ev.Name == "" {
				t.Fatal("an event without a name")
			}
		}
	})
}

// Any valid UTF-8 string survives export to GraphML and import back as a
// property value, and as an ID, type or property name when XML 1.0 can
// hold it.
func FuzzGraphMLRoundTrip(f *testing.F) {
	f.Add("a", "plain")
	f.Add("q\"<&>'", "  \r\n\t\x01\u2028")
	f.Fuzz(func(t *testing.T, id, value string) {
		if !utf8.ValidString(id) || !utf8.ValidString(value) || !xmlSafe(id) || id == "" {
			return
		}
		g := apitypes.Graph{Graph: "f",
			Nodes: []apitypes.Node{{ID: id, Type: value, Properties: map[string]any{"v": value, value: 1.0}}},
			Edges: []apitypes.Edge{{ID: id, Source: id, Target: id, Properties: map[string]any{"v": value}}},
		}
		if !xmlSafe(value) {
			// Types are written as text and property names as attributes:
			// XML cannot hold them; only values are kept as JSON.
			g.Nodes[0].Type = ""
			delete(g.Nodes[0].Properties, value)
		}
		var b bytes.Buffer
		if err := writeGraphML(&b, g); err != nil {
			t.Fatal(err)
		}
		els, err := readAll(newGraphMLSource(&b, "in", nil))
		if err != nil {
			t.Fatalf("%v\n%s", err, b.String())
		}
		if len(els) != 2 {
			t.Fatalf("%d elements", len(els))
		}
		n, e := els[0], els[1]
		if n.id != id || n.typ != g.Nodes[0].Type || !reflect.DeepEqual(n.props, g.Nodes[0].Properties) {
			t.Errorf("node %+v, want %+v", n, g.Nodes[0])
		}
		if e.id != id || e.source != id || e.target != id || !reflect.DeepEqual(e.props, g.Edges[0].Properties) {
			t.Errorf("edge %+v, want %+v", e, g.Edges[0])
		}
	})
}
