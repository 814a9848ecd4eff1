package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// csvSource reads an edge list: a header row naming the columns, then one
// edge per record. Columns source and target are required; type is the
// edge type and id the edge ID (else e<line>); every other column is a
// property, a number when the cell is a JSON number, else a string. Empty
// cells are left out. Nodes are not declared: the planner creates them
// when first named.
type csvSource struct {
	name                    string
	r                       *csv.Reader
	header                  bool     // read
	source, target, typ, id int      // column indexes; -1 when absent
	props                   []string // property name per column; "" for the columns above
}

func newCSVSource(r io.Reader, name string) *csvSource {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	return &csvSource{name: name, r: cr}
}

func (s *csvSource) fail(line, col int, format string, args ...any) error {
	return &inputError{Name: s.name, Pos: position{Line: line, Column: col}, Msg: fmt.Sprintf(format, args...)}
}

// readErr words an error of encoding/csv with its position.
func (s *csvSource) readErr(err error, record []string) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	if errors.Is(pe.Err, csv.ErrFieldCount) {
		return s.fail(pe.StartLine, 0, "the record has %d fields, the header has %d", len(record), len(s.props))
	}
	return s.fail(pe.Line, pe.Column, "%v", pe.Err)
}

func (s *csvSource) readHeader() error {
	rec, err := s.r.Read()
	if err == io.EOF {
		return s.fail(0, 0, "the input is empty; it needs a header row such as source,target,type,weight")
	}
	if err != nil {
		return s.readErr(err, rec)
	}
	s.source, s.target, s.typ, s.id = -1, -1, -1, -1
	s.props = make([]string, len(rec))
	seen := map[string]bool{}
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // a byte order mark
		}
		name = strings.TrimSpace(name)
		if name == "" {
			return s.fail(1, i+1, "column %d has no name in the header", i+1)
		}
		if seen[name] {
			return s.fail(1, i+1, "column %q appears twice in the header", name)
		}
		seen[name] = true
		switch strings.ToLower(name) {
		case "source":
			s.source = i
		case "target":
			s.target = i
		case "type":
			s.typ = i
		case "id":
			s.id = i
		default:
			s.props[i] = name
		}
	}
	if s.source < 0 || s.target < 0 {
		return s.fail(1, 0, "the header %q needs a source and a target column (and optionally type, id and property columns)",
			strings.Join(rec, ","))
	}
	s.header = true
	return nil
}

func (s *csvSource) next() (element, error) {
	if !s.header {
		if err := s.readHeader(); err != nil {
			return element{}, err
		}
	}
	rec, err := s.r.Read()
	if err == io.EOF {
		return element{}, io.EOF
	}
	if err != nil {
		return element{}, s.readErr(err, rec)
	}
	line, _ := s.r.FieldPos(0)
	el := element{edge: true, source: rec[s.source], target: rec[s.target], pos: position{Line: line}}
	if el.source == "" {
		_, col := s.r.FieldPos(s.source)
		return element{}, s.fail(line, col, "source is empty")
	}
	if el.target == "" {
		_, col := s.r.FieldPos(s.target)
		return element{}, s.fail(line, col, "target is empty")
	}
	if s.typ >= 0 {
		el.typ = rec[s.typ]
	}
	if s.id >= 0 && rec[s.id] != "" {
		el.id = rec[s.id]
	} else {
		el.id = "e" + strconv.Itoa(line)
	}
	for i, name := range s.props {
		if name == "" || rec[i] == "" {
			continue
		}
		if el.props == nil {
			el.props = make(map[string]any, len(s.props))
		}
		el.props[name] = cellValue(rec[i])
	}
	return el, nil
}

// cellValue is a number when the cell is a JSON number (so "007" and
// "0x10" stay strings), else the text.
func cellValue(s string) any {
	if isJSONNumber(s) {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f
		}
	}
	return s
}

// isJSONNumber reports whether s is a number in JSON's grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}
