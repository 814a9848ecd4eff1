package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/graphlog/graphlog/apitypes"
)

// jsonSource reads a graph in the shape GET /v1/graphs/{graph} answers,
// {"nodes": [...], "edges": [...]} (other fields ignored), one node or edge
// at a time through the decoder's tokens: only the current element is in
// memory.
type jsonSource struct {
	name  string
	lc    *lineCounter
	d     *json.Decoder
	state jsonState
	list  string // "nodes" or "edges" while in one
	index int
}

type jsonState uint8

const (
	jsonStart jsonState = iota
	jsonFields
	jsonList
	jsonDone
)

func newJSONSource(r io.Reader, name string) *jsonSource {
	lc := newLineCounter(r)
	return &jsonSource{name: name, lc: lc, d: json.NewDecoder(lc)}
}

// decodeErr words a decoder error with its line.
func (s *jsonSource) decodeErr(err error) error {
	var syntax *json.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return &inputError{Name: s.name, Pos: position{Line: s.lc.lineAt(syntax.Offset)}, Msg: "malformed JSON: " + err.Error()}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &inputError{Name: s.name, Msg: "the JSON ends early: the input is cut off"}
	}
	return &inputError{Name: s.name, Pos: position{Line: s.lc.lineAt(s.d.InputOffset())}, Msg: err.Error()}
}

func (s *jsonSource) fail(format string, args ...any) error {
	return &inputError{Name: s.name, Pos: position{Line: s.lc.lineAt(s.d.InputOffset())}, Msg: fmt.Sprintf(format, args...)}
}

func (s *jsonSource) next() (element, error) {
	for {
		switch s.state {
		case jsonStart:
			tok, err := s.d.Token()
			if err == io.EOF {
				return element{}, &inputError{Name: s.name, Msg: `the input is empty; it needs a JSON object {"nodes": [...], "edges": [...]}`}
			}
			if err != nil {
				return element{}, s.decodeErr(err)
			}
			if tok != json.Delim('{') {
				return element{}, s.fail(`the input must be a JSON object {"nodes": [...], "edges": [...]}, as GET /v1/graphs/{graph} answers`)
			}
			s.state = jsonFields

		case jsonFields:
			if !s.d.More() {
				if _, err := s.d.Token(); err != nil { // the closing brace
					return element{}, s.decodeErr(err)
				}
				if _, err := s.d.Token(); err != io.EOF {
					if err != nil {
						return element{}, s.decodeErr(err)
					}
					return element{}, s.fail("data after the end of the graph object")
				}
				s.state = jsonDone
				return element{}, io.EOF
			}
			tok, err := s.d.Token()
			if err != nil {
				return element{}, s.decodeErr(err)
			}
			key, _ := tok.(string)
			if key != "nodes" && key != "edges" {
				var skip json.RawMessage
				if err := s.d.Decode(&skip); err != nil {
					return element{}, s.decodeErr(err)
				}
				continue
			}
			tok, err = s.d.Token()
			if err != nil {
				return element{}, s.decodeErr(err)
			}
			switch tok {
			case nil: // null: none
			case json.Delim('['):
				s.state, s.list, s.index = jsonList, key, 0
			default:
				return element{}, s.fail("%q must be a list", key)
			}

		case jsonList:
			if !s.d.More() {
				if _, err := s.d.Token(); err != nil { // the closing bracket
					return element{}, s.decodeErr(err)
				}
				s.state = jsonFields
				continue
			}
			var raw json.RawMessage
			if err := s.d.Decode(&raw); err != nil {
				return element{}, s.decodeErr(err)
			}
			pos := position{Line: s.lc.lineAt(s.d.InputOffset() - int64(len(raw))), Element: fmt.Sprintf("%s[%d]", s.list, s.index)}
			s.index++
			return s.element(raw, pos)

		case jsonDone:
			return element{}, io.EOF
		}
	}
}

func (s *jsonSource) element(raw json.RawMessage, pos position) (element, error) {
	if len(raw) == 0 || raw[0] != '{' {
		return element{}, &inputError{Name: s.name, Pos: pos, Msg: "must be a JSON object"}
	}
	fail := func(err error) (element, error) {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return element{}, &inputError{Name: s.name, Pos: pos, Msg: fmt.Sprintf("%s must be %s, not %s", typeErr.Field, want(typeErr.Field), typeErr.Value)}
		}
		return element{}, &inputError{Name: s.name, Pos: pos, Msg: err.Error()}
	}
	if s.list == "nodes" {
		var n apitypes.Node
		if err := json.Unmarshal(raw, &n); err != nil {
			return fail(err)
		}
		return element{id: n.ID, typ: n.Type, props: n.Properties, pos: pos}, nil
	}
	var e apitypes.Edge
	if err := json.Unmarshal(raw, &e); err != nil {
		return fail(err)
	}
	return element{edge: true, id: e.ID, typ: e.Type, source: e.Source, target: e.Target, props: e.Properties, pos: pos}, nil
}

func want(field string) string {
	if field == "properties" {
		return "an object"
	}
	return "a string"
}
