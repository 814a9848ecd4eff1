package main

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

const graphmlDoc = `<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:y="http://www.yworks.com/xml/graphml">
  <desc>a test</desc>
  <key id="d0" for="node" attr.name="type" attr.type="string"/>
  <key id="d1" for="node" attr.name="age" attr.type="int"><default>7</default></key>
  <key id="d2" for="edge" attr.name="weight" attr.type="double"/>
  <key id="d3" for="all" attr.name="ok" attr.type="boolean"/>
  <key id="d4" for="edge" attr.name="label"/>
  <key id="g0" for="graph" attr.name="title" attr.type="string"/>
  <key id="y0" for="node" yfiles.type="nodegraphics"/>
  <graph id="G" edgedefault="directed">
    <data key="g0">ignored</data>
    <node id="a"><data key="d0">person</data><data key="d1">36</data><data key="y0"><y:ShapeNode/></data></node>
    <node id="b">
      <data key="d3">true</data>
      <port name="p1"/>
    </node>
    <edge source="a" target="b"><data key="d2">0.5</data><data key="d4"> spaced </data></edge>
    <edge id="x" source="b" target="a"><data key="d3">0</data></edge>
    <edge source="a" target="b"/>
  </graph>
</graphml>
`

func TestGraphMLSource(t *testing.T) {
	var warnings []string
	got, err := readAll(newGraphMLSource(strings.NewReader(graphmlDoc), "in.graphml", func(s string) { warnings = append(warnings, s) }))
	if err != nil {
		t.Fatal(err)
	}
	want := []element{
		{id: "a", typ: "person", props: map[string]any{"age": 36.0}},
		{id: "b", props: map[string]any{"ok": true, "age": 7.0}},
		{edge: true, id: "a->b#1", source: "a", target: "b", props: map[string]any{"weight": 0.5, "label": " spaced "}},
		{edge: true, id: "x", source: "b", target: "a", props: map[string]any{"ok": false}},
		{edge: true, id: "a->b#2", source: "a", target: "b"},
	}
	for i := range got {
		if got[i].pos.Line == 0 {
			t.Errorf("element %d has no position", i)
		}
		got[i].pos = position{}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}

	// An undirected graph is imported directed, with a warning.
	doc := `<graphml><graph edgedefault="undirected"><node id="a"/></graph></graphml>`
	warnings = nil
	if _, err := readAll(newGraphMLSource(strings.NewReader(doc), "u.graphml", func(s string) { warnings = append(warnings, s) })); err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "u.graphml: line 1, column 42: the graph is undirected") {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestGraphMLSourceErrors(t *testing.T) {
	const head = "<graphml>\n<key id=\"w\" for=\"edge\" attr.name=\"w\" attr.type=\"double\"/>\n<graph>\n"
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"not XML", "hello", "in.graphml: no <graphml> element; is this GraphML?"},
		{"other root", "<svg/>", "in.graphml: line 1, column 7: the root element is <svg>, not <graphml>"},
		{"no graph", "<graphml></graphml>", "in.graphml: no <graph> element in the document"},
		{"syntax", head + "<node id=\"a\">\n</edge>", "in.graphml: line 5: malformed XML: element <node> closed by </edge>"},
		{"cut off", head + "<node id=\"a\">", "in.graphml: line 4: malformed XML: unexpected EOF"},
		{"undeclared key", head + "<node id=\"a\"><data key=\"zz\">1</data></node>", `in.graphml: line 4, column 29: <data key="zz"> names no declared <key>; declare keys before the <graph>`},
		{"bad number", head + "<node id=\"a\"/>\n<edge source=\"a\" target=\"a\"><data key=\"w\">heavy</data></edge>", `in.graphml: line 5, column 43: key "w" is a double, but the value is "heavy", not a finite number`},
		{"infinite number", head + "<edge source=\"a\" target=\"a\"><data key=\"w\">1e999</data></edge>", `in.graphml: line 4, column 43: key "w" is a double, but the value is "1e999", not a finite number`},
		{"node without id", head + "<node/>", "in.graphml: line 4, column 8: <node> has no id"},
		{"edge without target", head + "<edge source=\"a\"/>", "in.graphml: line 4, column 19: <edge> has no target"},
		{"nested graph", head + "<node id=\"a\"><graph/></node>", "in.graphml: line 4, column 22: nested <graph> elements are not supported"},
		{"hyperedge", head + "<hyperedge/>", "in.graphml: line 4, column 13: hyperedges are not supported"},
		{"second graph", head + "</graph><graph>", "in.graphml: line 4, column 16: a second <graph>; import one graph per document"},
		{"bad attr.type", "<graphml><key id=\"k\" attr.type=\"date\"/>", `in.graphml: line 1, column 40: key "k" has attr.type "date"; use string, boolean, int, long, float or double`},
		{"duplicate key", "<graphml><key id=\"k\"/><key id=\"k\"/>", `in.graphml: line 1, column 36: key "k" is declared twice`},
		{"bad default", "<graphml><key id=\"k\" attr.type=\"int\"><default>x</default></key>", `in.graphml: line 1, column 38: the default of key "k" is an int, but the value is "x"`},
		{"bad json", "<graphml xmlns:gl=\"" + glNS + "\"><key id=\"k\" gl:json=\"true\"/><graph><node id=\"a\"><data key=\"k\">{</data></node></graph></graphml>",
			`in.graphml: line 1, column 128: key "k" is marked gl:json but "{" is not JSON: unexpected end of JSON input`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(newGraphMLSource(strings.NewReader(tt.in), "in.graphml", nil))
			var ie *inputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v (%T), want an *inputError", err, err)
			}
			if err.Error() != tt.want {
				t.Errorf("err = %q\nwant  %q", err, tt.want)
			}
		})
	}
}

// A graph written as GraphML reads back as the same nodes and edges, with
// what GraphML has no type for kept as JSON.
func TestGraphMLRoundTrip(t *testing.T) {
	g := apitypes.Graph{
		Graph: "rt",
		Nodes: []apitypes.Node{
			{ID: "plain", Properties: map[string]any{}},
			{ID: `a "quoted" <&> id`, Type: "person", Properties: map[string]any{
				"name": "Ada", "type": "a property named type", "age": 36.0, "ok": true,
				"nested": map[string]any{"x": []any{1.0, "two", nil}}, "none": nil,
				"text": "  line one\nline\ttwo\r\n", "ctrl": "bell\x07", "empty": "",
				"big": 1e300, "small": -0.000123, "mixed": "text here",
			}},
			{ID: "ünïcødé ✓", Type: "thing", Properties: map[string]any{"mixed": 5.0, "ok": false}},
		},
		Edges: []apitypes.Edge{
			{ID: "e1", Source: "plain", Target: `a "quoted" <&> id`, Type: "knows", Properties: map[string]any{"weight": 0.1, "since": 2021.0}},
			{ID: "e/2", Source: "ünïcødé ✓", Target: "plain", Properties: map[string]any{"weight": "heavy"}},
			{ID: "loop", Source: "plain", Target: "plain", Properties: map[string]any{}},
		},
	}
	var b bytes.Buffer
	if err := writeGraphML(&b, g); err != nil {
		t.Fatal(err)
	}
	doc := b.String()
	els, err := readAll(newGraphMLSource(strings.NewReader(doc), "rt.graphml", nil))
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	back := apitypes.Graph{Graph: "rt"}
	for _, el := range els {
		props := el.props
		if props == nil {
			props = map[string]any{}
		}
		if el.edge {
			back.Edges = append(back.Edges, apitypes.Edge{ID: el.id, Source: el.source, Target: el.target, Type: el.typ, Properties: props})
		} else {
			back.Nodes = append(back.Nodes, apitypes.Node{ID: el.id, Type: el.typ, Properties: props})
		}
	}
	if !reflect.DeepEqual(back, g) {
		t.Errorf("read back\n%+v\nwant\n%+v\ndocument:\n%s", back, g, doc)
	}
	// The kinds chosen for the keys.
	for _, w := range []string{
		`<key id="n0" for="node" attr.name="age" attr.type="double"/>`,
		`attr.name="ctrl" attr.type="string" gl:json="true"/>`,
		`attr.name="mixed" attr.type="string" gl:json="true"/>`,
		`attr.name="ok" attr.type="boolean"/>`,
		`attr.name="type" attr.type="string" gl:role="property"/>`,
		`<key id="et" for="edge" attr.name="type" attr.type="string" gl:role="type"/>`,
		`<node id="plain"/>`,
		`<data key="n1">1e+300</data>`,
	} {
		if !strings.Contains(doc, w) {
			t.Errorf("document lacks %s:\n%s", w, doc)
		}
	}
}
