package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// Answers whose shape depends on what was asked (an algorithm of the
// library, a what-if's query) are printed from their JSON, keeping the
// order of its fields: scalar fields on one line, lists of values on a
// line each, lists of objects or of lists as tables, nested objects
// after their parent's fields.

// field is one field of a JSON object, in the order written.
type field struct {
	key   string
	value json.RawMessage
}

// objectFields returns the fields of a JSON object in order; ok is false
// when raw is not an object.
func objectFields(raw json.RawMessage) (fields []field, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, false
		}
		fields = append(fields, field{key: key, value: v})
	}
	return fields, true
}

// jsonKind is the first byte of a JSON value: '{', '[', or 0 for a scalar.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && (raw[0] == '{' || raw[0] == '[') {
		return raw[0]
	}
	return 0
}

// list returns the elements of a JSON array.
func list(raw json.RawMessage) []json.RawMessage {
	var out []json.RawMessage
	_ = json.Unmarshal(raw, &out)
	return out
}

// scalarText is a scalar as a table shows it: strings unquoted, numbers as
// written, null as (none); lists of scalars are joined with commas (the
// first few and a count when long: listCell) and anything else is compact
// JSON.
func scalarText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || string(raw) == "null":
		return "(none)"
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	case raw[0] == '[':
		items := list(raw)
		parts := make([]string, 0, len(items))
		for _, it := range items {
			if jsonKind(it) != 0 {
				return compactJSON(raw)
			}
			parts = append(parts, scalarText(it))
		}
		return listCell(parts)
	case raw[0] == '{':
		return compactJSON(raw)
	}
	return string(raw)
}

func compactJSON(raw json.RawMessage) string {
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// printAnswer writes a JSON answer as text.
func printAnswer(w io.Writer, raw json.RawMessage) error {
	p := &answerPrinter{w: w}
	p.value("", raw)
	return p.err
}

type answerPrinter struct {
	w       io.Writer
	err     error
	written bool // something was written: blocks after it are set apart by a blank line
	blank   bool // the last line written is blank
}

func (p *answerPrinter) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
		p.written = true
		p.blank = format == "\n"
	}
}

// block starts a block of several lines (a table, a nested object).
func (p *answerPrinter) block(label string) {
	if p.written && !p.blank {
		p.printf("\n")
	}
	if label != "" {
		p.printf("%s:\n", label)
	}
}

func (p *answerPrinter) value(label string, raw json.RawMessage) {
	switch jsonKind(raw) {
	case '{':
		fields, _ := objectFields(raw)
		p.object(label, fields)
	case '[':
		p.list(label, list(raw))
	default:
		if label != "" {
			p.printf("%s %s\n", label, scalarText(raw))
		} else {
			p.printf("%s\n", scalarText(raw))
		}
	}
}

// object prints the scalar fields on one line, then each list and nested
// object in turn.
func (p *answerPrinter) object(label string, fields []field) {
	var line []string
	var rest []field
	for _, f := range fields {
		if jsonKind(f.value) == 0 {
			line = append(line, f.key+" "+scalarText(f.value))
		} else {
			rest = append(rest, f)
		}
	}
	if label != "" {
		p.block(label)
	}
	if len(line) > 0 {
		p.printf("%s\n", strings.Join(line, "  "))
	}
	for _, f := range rest {
		if jsonKind(f.value) == '{' {
			// An algorithm's answer wraps its result: no label for it.
			l := f.key
			if f.key == "result" {
				l = ""
				p.block("")
			}
			p.value(l, f.value)
			continue
		}
		p.list(f.key, list(f.value))
	}
}

// list prints a list of scalars on one line, a list of objects as a table
// with a column per field, and a list of lists as a table of their items.
func (p *answerPrinter) list(label string, items []json.RawMessage) {
	kind := byte(0)
	for _, it := range items {
		if k := jsonKind(it); k != 0 {
			kind = k
			break
		}
	}
	switch {
	case len(items) == 0:
		p.printf("%s: (none)\n", label)
	case kind == 0:
		p.printf("%s: %s\n", label, scalarText(json.RawMessage("["+joinRaw(items)+"]")))
	case kind == '{':
		p.block(label)
		var cols []string
		seen := map[string]bool{}
		rows := make([][]field, len(items))
		for i, it := range items {
			rows[i], _ = objectFields(it)
			for _, f := range rows[i] {
				if !seen[f.key] {
					seen[f.key] = true
					cols = append(cols, f.key)
				}
			}
		}
		header := make([]string, len(cols))
		for i, c := range cols {
			header[i] = strings.ToUpper(strings.ReplaceAll(c, "_", " "))
		}
		t := newTable(p.w, header...)
		for _, fs := range rows {
			cells := make([]any, len(cols))
			for i, c := range cols {
				cells[i] = ""
				for _, f := range fs {
					if f.key == c {
						cells[i] = scalarText(f.value)
					}
				}
			}
			t.row(cells...)
		}
		p.flush(t)
	default:
		p.block(label)
		t := newTable(p.w, "#", "SIZE", "ITEMS")
		for i, it := range items {
			t.row(i+1, len(list(it)), scalarText(it))
		}
		p.flush(t)
	}
}

func (p *answerPrinter) flush(t *table) {
	if p.err == nil {
		p.err = t.flush()
		p.written, p.blank = true, false
	}
}

func joinRaw(items []json.RawMessage) string {
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = string(it)
	}
	return strings.Join(parts, ",")
}
