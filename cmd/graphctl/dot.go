package main

import (
	"io"
	"slices"
	"strings"

	"github.com/graphlog/graphlog/apitypes"
)

// dotReserved are names a property cannot take as a DOT attribute: the
// language's keywords, and the attributes the writer sets itself.
var dotReserved = map[string]bool{
	"node": true, "edge": true, "graph": true, "digraph": true, "subgraph": true, "strict": true,
	"label": true, "id": true,
}

// writeDOT writes g as a Graphviz digraph: every ID quoted, label=type,
// edge id=ID, and the properties whose names are plain identifiers (and not
// reserved) as quoted attributes; nested values as JSON text.
func writeDOT(w io.Writer, g apitypes.Graph) error {
	ew := &errWriter{w: w}
	ew.str("digraph " + dotQuote(g.Graph) + " {\n")
	for _, n := range g.Nodes {
		ew.str("  " + dotQuote(n.ID))
		attrs := dotAttrs(nil, "label", n.Type)
		ew.str(dotAttrList(attrs, n.Properties))
		ew.str(";\n")
	}
	for _, e := range g.Edges {
		ew.str("  " + dotQuote(e.Source) + " -> " + dotQuote(e.Target))
		attrs := dotAttrs(nil, "id", e.ID)
		attrs = dotAttrs(attrs, "label", e.Type)
		ew.str(dotAttrList(attrs, e.Properties))
		ew.str(";\n")
	}
	ew.str("}\n")
	return ew.err
}

func dotAttrs(attrs []string, name, value string) []string {
	if value == "" {
		return attrs
	}
	return append(attrs, name+"="+dotQuote(value))
}

// dotAttrList is " [a=…, b=…]" with the safe properties after attrs, in
// name order; "" when there is nothing to write.
func dotAttrList(attrs []string, props map[string]any) string {
	names := make([]string, 0, len(props))
	for k := range props {
		if dotSafeName(k) {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, k := range names {
		v := props[k]
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case float64:
			s = formatNumber(x)
		default:
			s = jsonValue(x)
		}
		attrs = append(attrs, k+"="+dotQuote(s))
	}
	if len(attrs) == 0 {
		return ""
	}
	return " [" + strings.Join(attrs, ", ") + "]"
}

// dotSafeName reports whether a property name can be an attribute name as
// it is: [A-Za-z_][A-Za-z0-9_]*, not a keyword or an attribute the writer
// sets.
func dotSafeName(s string) bool {
	if s == "" || dotReserved[strings.ToLower(s)] {
		return false
	}
	for i, c := range s {
		letter := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// dotQuote quotes s as a DOT string: backslashes and quotes escaped, line
// breaks as \n, so no ID or value can end the string early.
func dotQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
