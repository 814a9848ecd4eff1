package main

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// glNS is the namespace of graphlog's extension attributes on GraphML
// <key> elements: gl:json="true" (values are JSON text) and gl:role="type"
// or "property" (whether a key named "type" is the element type).
const glNS = "https://github.com/graphlog/graphlog/graphml"

// graphmlKey is a <key> declaration.
type graphmlKey struct {
	id      string
	name    string // attr.name, else the id
	typ     string // attr.type: string, boolean, int, long, float, double
	forNode bool
	forEdge bool
	isType  bool    // gives the element type, not a property
	json    bool    // gl:json="true"
	def     *string // <default>
	pos     position
}

// parse reads a <data> value of the key.
func (k *graphmlKey) parse(text string) (any, error) {
	if k.isType {
		return text, nil
	}
	if k.json {
		var v any
		if err := json.Unmarshal([]byte(text), &v); err != nil {
			return nil, fmt.Errorf("key %q is marked gl:json but %q is not JSON: %v", k.id, clip(text, 64), err)
		}
		return v, nil
	}
	t := strings.TrimSpace(text)
	switch k.typ {
	case "", "string":
		return text, nil
	case "boolean":
		b, err := strconv.ParseBool(t)
		if err != nil {
			return nil, fmt.Errorf("key %q is a boolean, but the value is %q", k.name, clip(text, 64))
		}
		return b, nil
	case "int", "long":
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("key %q is an %s, but the value is %q", k.name, k.typ, clip(text, 64))
		}
		return float64(n), nil
	case "float", "double":
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("key %q is a %s, but the value is %q, not a finite number", k.name, k.typ, clip(text, 64))
		}
		return f, nil
	}
	return nil, fmt.Errorf("key %q has attr.type %q; use string, boolean, int, long, float or double", k.id, k.typ)
}

// graphmlSource reads the nodes and edges of a GraphML document as a
// stream of XML tokens: memory holds the keys, not the document. One
// graph per document; nested graphs and hyperedges are refused, ports
// and <desc> ignored, and <data> holding elements (yEd's graphics) skipped.
type graphmlSource struct {
	name       string
	d          *xml.Decoder
	warn       func(string)
	keys       map[string]*graphmlKey
	nodeKeys   []*graphmlKey // keys with a default, per domain
	edgeKeys   []*graphmlKey
	sawRoot    bool
	sawGraph   bool
	inGraph    bool
	graphDepth int               // element depth of the open <graph>
	depth      int               // current element depth
	pairs      map[[2]string]int // edges without id: count per source and target
}

func newGraphMLSource(r io.Reader, name string, warn func(string)) *graphmlSource {
	return &graphmlSource{name: name, d: xml.NewDecoder(r), warn: warn, keys: map[string]*graphmlKey{}}
}

func (s *graphmlSource) pos() position {
	line, col := s.d.InputPos()
	return position{Line: line, Column: col}
}

func (s *graphmlSource) fail(pos position, format string, args ...any) error {
	return &inputError{Name: s.name, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// token reads the next token, tracking depth, with XML errors positioned.
func (s *graphmlSource) token() (xml.Token, error) {
	tok, err := s.d.Token()
	if err != nil {
		if err == io.EOF {
			return nil, io.EOF
		}
		var syntax *xml.SyntaxError
		if errors.As(err, &syntax) {
			return nil, s.fail(position{Line: syntax.Line}, "malformed XML: %s", syntax.Msg)
		}
		return nil, s.fail(s.pos(), "%v", err)
	}
	switch tok.(type) {
	case xml.StartElement:
		s.depth++
	case xml.EndElement:
		s.depth--
	}
	return tok, nil
}

// skip reads past the end of the element just started.
func (s *graphmlSource) skip() error {
	for d := 1; d > 0; {
		tok, err := s.token()
		if err == io.EOF {
			return s.fail(s.pos(), "the document ends inside an element")
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			d++
		case xml.EndElement:
			d--
		}
	}
	return nil
}

func attr(t xml.StartElement, space, local string) (string, bool) {
	for _, a := range t.Attr {
		if a.Name.Local == local && a.Name.Space == space {
			return a.Value, true
		}
	}
	return "", false
}

func (s *graphmlSource) next() (element, error) {
	for {
		tok, err := s.token()
		if err == io.EOF {
			switch {
			case !s.sawRoot:
				return element{}, s.fail(position{}, "no <graphml> element; is this GraphML?")
			case !s.sawGraph:
				return element{}, s.fail(position{}, "no <graph> element in the document")
			}
			return element{}, io.EOF
		}
		if err != nil {
			return element{}, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if s.inGraph && s.depth < s.graphDepth {
				s.inGraph = false
			}
		case xml.StartElement:
			pos := s.pos()
			switch {
			case !s.sawRoot:
				if t.Name.Local != "graphml" {
					return element{}, s.fail(pos, "the root element is <%s>, not <graphml>", t.Name.Local)
				}
				s.sawRoot = true
			case t.Name.Local == "key" && !s.inGraph:
				if err := s.readKey(t, pos); err != nil {
					return element{}, err
				}
			case t.Name.Local == "graph":
				if s.inGraph {
					return element{}, s.fail(pos, "nested <graph> elements are not supported")
				}
				if s.sawGraph {
					return element{}, s.fail(pos, "a second <graph>; import one graph per document")
				}
				s.sawGraph, s.inGraph, s.graphDepth = true, true, s.depth
				if v, _ := attr(t, "", "edgedefault"); v == "undirected" && s.warn != nil {
					s.warn(fmt.Sprintf("%s: %s: the graph is undirected; edges are imported directed, from source to target", s.name, pos))
				}
			case t.Name.Local == "node" && s.inGraph:
				return s.readNode(t, pos)
			case t.Name.Local == "edge" && s.inGraph:
				return s.readEdge(t, pos)
			case t.Name.Local == "hyperedge":
				return element{}, s.fail(pos, "hyperedges are not supported")
			default:
				if err := s.skip(); err != nil { // desc, graph-level data, extensions
					return element{}, err
				}
			}
		}
	}
}

func (s *graphmlSource) readKey(t xml.StartElement, pos position) error {
	id, ok := attr(t, "", "id")
	if !ok || id == "" {
		return s.fail(pos, "<key> has no id")
	}
	if _, dup := s.keys[id]; dup {
		return s.fail(pos, "key %q is declared twice", id)
	}
	k := &graphmlKey{id: id, pos: pos}
	k.name, ok = attr(t, "", "attr.name")
	if !ok {
		k.name = id
	}
	k.typ, _ = attr(t, "", "attr.type")
	switch k.typ {
	case "", "string", "boolean", "int", "long", "float", "double":
	default:
		return s.fail(pos, "key %q has attr.type %q; use string, boolean, int, long, float or double", id, k.typ)
	}
	switch f, _ := attr(t, "", "for"); f {
	case "node":
		k.forNode = true
	case "edge":
		k.forEdge = true
	case "", "all":
		k.forNode, k.forEdge = true, true
	}
	role, _ := attr(t, glNS, "role")
	k.isType = role == "type" || role == "" && k.name == "type"
	if v, _ := attr(t, glNS, "json"); v == "true" {
		k.json = true
	}
	// Children: an optional <default>.
	for {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return s.fail(pos, "the document ends inside <key>")
			}
			return err
		}
		switch c := tok.(type) {
		case xml.EndElement:
			if k.def != nil {
				if _, err := k.parse(*k.def); err != nil {
					return s.fail(pos, "the default of %v", err)
				}
				if k.forNode {
					s.nodeKeys = append(s.nodeKeys, k)
				}
				if k.forEdge {
					s.edgeKeys = append(s.edgeKeys, k)
				}
			}
			s.keys[id] = k
			return nil
		case xml.StartElement:
			if c.Name.Local != "default" {
				if err := s.skip(); err != nil {
					return err
				}
				continue
			}
			text, _, err := s.readText()
			if err != nil {
				return err
			}
			k.def = &text
		}
	}
}

// readText reads the character data of the element just started, up to its
// end. nested reports child elements, which were skipped.
func (s *graphmlSource) readText() (text string, nested bool, err error) {
	var b strings.Builder
	for {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return "", false, s.fail(s.pos(), "the document ends inside an element")
			}
			return "", false, err
		}
		switch t := tok.(type) {
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			nested = true
			if err := s.skip(); err != nil {
				return "", false, err
			}
		case xml.EndElement:
			return b.String(), nested, nil
		}
	}
}

// readData reads the <data> children of a node or edge up to its end,
// into el's type and properties.
func (s *graphmlSource) readData(el *element, what string) error {
	seen := map[string]bool{}
	for {
		tok, err := s.token()
		if err != nil {
			if err == io.EOF {
				return s.fail(el.pos, "the document ends inside this <%s>", what)
			}
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return s.defaults(el, what, seen)
		case xml.StartElement:
			pos := s.pos()
			switch t.Name.Local {
			case "graph":
				return s.fail(pos, "nested <graph> elements are not supported")
			case "data":
			default:
				if err := s.skip(); err != nil { // port, desc, locator, extensions
					return err
				}
				continue
			}
			keyID, _ := attr(t, "", "key")
			k := s.keys[keyID]
			if k == nil {
				return s.fail(pos, "<data key=%q> names no declared <key>; declare keys before the <graph>", keyID)
			}
			text, nested, err := s.readText()
			if err != nil {
				return err
			}
			if nested || (what == "node" && !k.forNode) || (what == "edge" && !k.forEdge) {
				continue // graphics and other markup; data meant for another domain
			}
			seen[k.id] = true
			if err := s.setData(el, k, text); err != nil {
				return s.fail(pos, "%v", err)
			}
		}
	}
}

func (s *graphmlSource) setData(el *element, k *graphmlKey, text string) error {
	v, err := k.parse(text)
	if err != nil {
		return err
	}
	if k.isType {
		el.typ = text
		return nil
	}
	if el.props == nil {
		el.props = map[string]any{}
	}
	el.props[k.name] = v
	return nil
}

// defaults applies the defaults of the keys el had no data for.
func (s *graphmlSource) defaults(el *element, what string, seen map[string]bool) error {
	keys := s.nodeKeys
	if what == "edge" {
		keys = s.edgeKeys
	}
	for _, k := range keys {
		if !seen[k.id] {
			if err := s.setData(el, k, *k.def); err != nil {
				return s.fail(el.pos, "%v", err)
			}
		}
	}
	return nil
}

func (s *graphmlSource) readNode(t xml.StartElement, pos position) (element, error) {
	el := element{pos: pos}
	var ok bool
	if el.id, ok = attr(t, "", "id"); !ok {
		return element{}, s.fail(pos, "<node> has no id")
	}
	if err := s.readData(&el, "node"); err != nil {
		return element{}, err
	}
	return el, nil
}

func (s *graphmlSource) readEdge(t xml.StartElement, pos position) (element, error) {
	el := element{edge: true, pos: pos}
	var ok bool
	if el.source, ok = attr(t, "", "source"); !ok {
		return element{}, s.fail(pos, "<edge> has no source")
	}
	if el.target, ok = attr(t, "", "target"); !ok {
		return element{}, s.fail(pos, "<edge> has no target")
	}
	if el.id, ok = attr(t, "", "id"); !ok {
		if s.pairs == nil {
			s.pairs = map[[2]string]int{}
		}
		pair := [2]string{el.source, el.target}
		s.pairs[pair]++
		el.id = fmt.Sprintf("%s->%s#%d", el.source, el.target, s.pairs[pair])
	}
	if err := s.readData(&el, "edge"); err != nil {
		return element{}, err
	}
	return el, nil
}
