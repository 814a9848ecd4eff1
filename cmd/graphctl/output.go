package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// table writes aligned columns; flush ends it.
type table struct {
	w   io.Writer
	buf bytes.Buffer
	tw  *tabwriter.Writer
}

func newTable(w io.Writer, header ...string) *table {
	t := &table{w: w}
	t.tw = tabwriter.NewWriter(&t.buf, 0, 0, 2, ' ', 0)
	if len(header) > 0 {
		t.row(toAny(header)...)
	}
	return t
}

// row writes one row; each value is formatted with %v and made safe for a
// cell (no tabs or line breaks).
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			_, _ = io.WriteString(t.tw, "\t")
		}
		_, _ = io.WriteString(t.tw, cell(fmt.Sprint(c)))
	}
	_, _ = io.WriteString(t.tw, "\n")
}

// flush writes the table, without the blanks that pad empty last cells.
func (t *table) flush() error {
	if err := t.tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		if line == "" {
			continue
		}
		if _, err := io.WriteString(t.w, strings.TrimRight(line, " \n")+"\n"); err != nil {
			return err
		}
	}
	t.buf.Reset()
	return nil
}

func toAny(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// cell escapes what would break a table's layout.
func cell(s string) string {
	if !strings.ContainsAny(s, "\t\n\r") {
		return s
	}
	return strings.NewReplacer("\t", `\t`, "\n", `\n`, "\r", `\r`).Replace(s)
}

// streamTable prints rows as they come, in columns of fixed minimum width,
// for streams where a tabwriter could not see every row first.
type streamTable struct {
	w      io.Writer
	widths []int
}

func newStreamTable(w io.Writer, widths []int, header ...string) *streamTable {
	t := &streamTable{w: w, widths: widths}
	if len(header) > 0 {
		t.row(header...)
	}
	return t
}

func (t *streamTable) row(cells ...string) {
	for len(cells) > 1 && cells[len(cells)-1] == "" {
		cells = cells[:len(cells)-1]
	}
	var b strings.Builder
	for i, c := range cells {
		c = cell(c)
		if i == len(cells)-1 {
			b.WriteString(c)
			break
		}
		b.WriteString(c)
		pad := 2
		if i < len(t.widths) {
			pad = max(t.widths[i]-utf8.RuneCountInString(c), 0) + 2
		}
		b.WriteString(strings.Repeat(" ", pad))
	}
	b.WriteByte('\n')
	_, _ = io.WriteString(t.w, b.String())
}

// writeJSONLine writes v as one line of compact JSON.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeRaw writes a body the server sent, ending it with a newline.
func writeRaw(w io.Writer, body []byte) error {
	body = bytes.TrimRight(body, "\n")
	if _, err := w.Write(body); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// compact is v as compact JSON, for a table cell; empty maps and nil are "".
func compact(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case map[string]any:
		if len(x) == 0 {
			return ""
		}
	case string:
		return x
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// jsonValue is v as JSON, strings quoted, for "before -> after" text.
func jsonValue(v any) string {
	if s, ok := v.(string); ok {
		b, _ := json.Marshal(s)
		return string(b)
	}
	if v == nil {
		return "null"
	}
	return compact(v)
}
