package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/graphlog/graphlog/apitypes"
)

// valueKind is how a property's values are written in GraphML.
type valueKind uint8

const (
	kindNone   valueKind = iota
	kindString           // attr.type string
	kindNumber           // attr.type double
	kindBool             // attr.type boolean
	kindJSON             // attr.type string, gl:json="true": anything else, mixed kinds, strings XML cannot carry
)

func kindOf(v any) valueKind {
	switch x := v.(type) {
	case string:
		if !xmlSafe(x) {
			return kindJSON // JSON escapes what XML 1.0 cannot hold
		}
		return kindString
	case float64:
		return kindNumber
	case bool:
		return kindBool
	}
	return kindJSON
}

// xmlSafe reports whether XML 1.0 text can hold s unchanged.
func xmlSafe(s string) bool {
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return false // invalid UTF-8, or U+FFFD itself: be safe
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return false
		case r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return true
}

// gmlKey is a key the writer declares.
type gmlKey struct {
	id, name string
	kind     valueKind
}

// propertyKeys declares one key per property name in props, in name order,
// with ids prefix0, prefix1…
func propertyKeys(prefix string, props func(yield func(map[string]any) bool)) (map[string]gmlKey, []gmlKey) {
	kinds := map[string]valueKind{}
	for m := range props {
		for k, v := range m {
			switch prev, kind := kinds[k], kindOf(v); {
			case prev == kindNone:
				kinds[k] = kind
			case prev != kind:
				kinds[k] = kindJSON
			}
		}
	}
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	slices.Sort(names)
	byName := make(map[string]gmlKey, len(names))
	list := make([]gmlKey, len(names))
	for i, n := range names {
		list[i] = gmlKey{id: prefix + strconv.Itoa(i), name: n, kind: kinds[n]}
		byName[n] = list[i]
	}
	return byName, list
}

// writeGraphML writes g as a GraphML document that import reads back
// unchanged. What XML 1.0 cannot hold (control characters other than tab
// and line breaks) is kept in property values, written as JSON, but
// replaced by U+FFFD in IDs, types and property names.
func writeGraphML(w io.Writer, g apitypes.Graph) error {
	ew := &errWriter{w: w}
	nodeProps, nodeList := propertyKeys("n", func(yield func(map[string]any) bool) {
		for _, n := range g.Nodes {
			if !yield(n.Properties) {
				return
			}
		}
	})
	edgeProps, edgeList := propertyKeys("e", func(yield func(map[string]any) bool) {
		for _, e := range g.Edges {
			if !yield(e.Properties) {
				return
			}
		}
	})
	nodeTypes := slices.ContainsFunc(g.Nodes, func(n apitypes.Node) bool { return n.Type != "" })
	edgeTypes := slices.ContainsFunc(g.Edges, func(e apitypes.Edge) bool { return e.Type != "" })

	ew.str(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	ew.str(`<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:gl="` + glNS + `">` + "\n")
	if nodeTypes {
		ew.str(`  <key id="nt" for="node" attr.name="type" attr.type="string" gl:role="type"/>` + "\n")
	}
	writeKeys(ew, "node", nodeList)
	if edgeTypes {
		ew.str(`  <key id="et" for="edge" attr.name="type" attr.type="string" gl:role="type"/>` + "\n")
	}
	writeKeys(ew, "edge", edgeList)
	ew.str(`  <graph id="`)
	ew.esc(g.Graph)
	ew.str(`" edgedefault="directed">` + "\n")
	for _, n := range g.Nodes {
		ew.str(`    <node id="`)
		ew.esc(n.ID)
		ew.str(`"`)
		writeData(ew, "node", "nt", n.Type, n.Properties, nodeProps)
	}
	for _, e := range g.Edges {
		ew.str(`    <edge id="`)
		ew.esc(e.ID)
		ew.str(`" source="`)
		ew.esc(e.Source)
		ew.str(`" target="`)
		ew.esc(e.Target)
		ew.str(`"`)
		writeData(ew, "edge", "et", e.Type, e.Properties, edgeProps)
	}
	ew.str("  </graph>\n</graphml>\n")
	return ew.err
}

func writeKeys(ew *errWriter, domain string, keys []gmlKey) {
	for _, k := range keys {
		typ := "string"
		switch k.kind {
		case kindNumber:
			typ = "double"
		case kindBool:
			typ = "boolean"
		}
		ew.str(`  <key id="` + k.id + `" for="` + domain + `" attr.name="`)
		ew.esc(k.name)
		ew.str(`" attr.type="` + typ + `"`)
		if k.kind == kindJSON {
			ew.str(` gl:json="true"`)
		}
		if k.name == "type" {
			ew.str(` gl:role="property"`)
		}
		ew.str("/>\n")
	}
}

// writeData ends an element's start tag, writes its data children and
// closes it.
func writeData(ew *errWriter, elem, typeKey, typ string, props map[string]any, keys map[string]gmlKey) {
	if typ == "" && len(props) == 0 {
		ew.str("/>\n")
		return
	}
	ew.str(">")
	if typ != "" {
		ew.str(`<data key="` + typeKey + `">`)
		ew.text(typ)
		ew.str("</data>")
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		k := keys[name]
		ew.str(`<data key="` + k.id + `">`)
		ew.text(graphmlValue(props[name], k.kind))
		ew.str("</data>")
	}
	ew.str("</" + elem + ">\n")
}

func graphmlValue(v any, kind valueKind) string {
	switch kind {
	case kindString:
		return v.(string)
	case kindNumber:
		return formatNumber(v.(float64))
	case kindBool:
		return strconv.FormatBool(v.(bool))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

// formatNumber writes whole numbers without an exponent, others in the
// shortest form that reads back as the same float64.
func formatNumber(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// errWriter keeps the first write error, so writers read as a list of
// writes.
type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) str(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, s)
	}
}

// esc writes s escaped for a double-quoted XML attribute value.
func (e *errWriter) esc(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, xmlEscape(s, true))
	}
}

// text writes s escaped for XML element content.
func (e *errWriter) text(s string) {
	if e.err == nil {
		_, e.err = io.WriteString(e.w, xmlEscape(s, false))
	}
}

// xmlEscape escapes s for element content, or for a double-quoted
// attribute value: markup characters as entities, and the whitespace a
// parser would normalize (carriage returns; in attributes also tabs and
// line feeds) as character references, so values read back as written.
// What XML 1.0 cannot hold at all becomes U+FFFD.
func xmlEscape(s string, attr bool) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == '&' || r == '<' || r == '>' || r == '"' || r == utf8.RuneError || r == 0xFFFE || r == 0xFFFF {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\t' && attr:
			b.WriteString("&#x9;")
		case r == '\n' && attr:
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '"' || r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
