package main

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

func TestJSONSource(t *testing.T) {
	in := `{"graph": "g", "version": 3, "extra": {"nested": [1, 2]},
  "nodes": [
    {"id": "a", "type": "person", "properties": {"name": "Ada"}},
    {"id": "b", "type": "", "properties": {}}
  ],
  "edges": [
    {"id": "e1", "source": "a", "target": "b", "type": "knows", "properties": {"w": 1.5}}
  ],
  "sequence": 9}
`
	got, err := readAll(newJSONSource(strings.NewReader(in), "g.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []element{
		{id: "a", typ: "person", props: map[string]any{"name": "Ada"}, pos: position{Line: 3, Element: "nodes[0]"}},
		{id: "b", props: map[string]any{}, pos: position{Line: 4, Element: "nodes[1]"}},
		{edge: true, id: "e1", source: "a", target: "b", typ: "knows", props: map[string]any{"w": 1.5}, pos: position{Line: 7, Element: "edges[0]"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}

	// Edges before nodes, null lists, one line.
	got, err = readAll(newJSONSource(strings.NewReader(`{"edges":[{"id":"e","source":"x","target":"y"}],"nodes":null}`), "g.json"))
	if err != nil || len(got) != 1 || !got[0].edge || got[0].pos != (position{Line: 1, Element: "edges[0]"}) {
		t.Errorf("got %+v, %v", got, err)
	}
}

func TestJSONSourceErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"empty", "", `g.json: the input is empty; it needs a JSON object {"nodes": [...], "edges": [...]}`},
		{"list", "[1]", `g.json: line 1: the input must be a JSON object {"nodes": [...], "edges": [...]}, as GET /v1/graphs/{graph} answers`},
		{"nodes not a list", `{"nodes": 5}`, `g.json: line 1: "nodes" must be a list`},
		{"node not an object", "{\"nodes\": [\n\"a\"]}", `g.json: nodes[0] at line 2: must be a JSON object`},
		{"id not a string", "{\"nodes\": [{\"id\": \"a\"},\n  {\"id\": 7}]}", `g.json: nodes[1] at line 2: id must be a string, not number`},
		{"properties not an object", "{\"edges\": [{\"id\": \"e\", \"properties\": [1]}]}", `g.json: edges[0] at line 1: properties must be an object, not array`},
		{"syntax", "{\"nodes\": [\n{\"id\": \"a\"},\n{\"id\" \"b\"}]}", `g.json: line 3: malformed JSON: invalid character '"' after object key`},
		{"cut off", "{\"nodes\": [{\"id\": \"a\"}", `g.json: the JSON ends early: the input is cut off`},
		{"trailing data", `{"nodes": []} {}`, `g.json: line 1: data after the end of the graph object`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readAll(newJSONSource(strings.NewReader(tt.in), "g.json"))
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

func TestLineCounter(t *testing.T) {
	in := "a\nbb\n\nccc\n"
	lc := newLineCounter(&oneByteReader{s: in})
	buf := make([]byte, 64)
	for {
		if _, err := lc.Read(buf); err != nil {
			break
		}
	}
	for _, c := range []struct {
		off  int64
		line int
	}{{0, 1}, {1, 1}, {2, 2}, {4, 2}, {5, 3}, {6, 4}, {9, 4}, {10, 5}} {
		if got := lc.lineAt(c.off); got != c.line {
			t.Errorf("lineAt(%d) = %d, want %d", c.off, got, c.line)
		}
	}
	if lc.bytesRead() != int64(len(in)) {
		t.Errorf("bytesRead = %d", lc.bytesRead())
	}
}

type oneByteReader struct {
	s string
	i int
}

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	p[0] = r.s[r.i]
	r.i++
	return 1, nil
}
