package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

var sample = apitypes.Graph{
	Graph: "social", Version: 2, Sequence: 4,
	Nodes: []apitypes.Node{
		{ID: "ada", Type: "person", Properties: map[string]any{"name": "Ada", "langs": []any{"en", "fr"}}},
		{ID: "bob \"b\"", Type: "", Properties: map[string]any{}},
		{ID: "tab\there", Type: "x", Properties: map[string]any{"2bad": 1.0, "label": "no", "ok_1": true}},
	},
	Edges: []apitypes.Edge{
		{ID: "e1", Source: "ada", Target: "bob \"b\"", Type: "knows", Properties: map[string]any{"since": 2021.0, "w": 0.5}},
		{ID: "e2", Source: "bob \"b\"", Target: "ada", Properties: map[string]any{"note": "a\\b\nc"}},
	},
}

func TestPrintGraph(t *testing.T) {
	var b bytes.Buffer
	if err := printGraph(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := `graph social  version 2  sequence 4  nodes 3  edges 2

NODE       TYPE    PROPERTIES
ada        person  {"langs":["en","fr"],"name":"Ada"}
bob "b"
tab\there  x       {"2bad":1,"label":"no","ok_1":true}

EDGE  SOURCE   TARGET   TYPE   PROPERTIES
e1    ada      bob "b"  knows  {"since":2021,"w":0.5}
e2    bob "b"  ada             {"note":"a\\b\nc"}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteDOT(t *testing.T) {
	var b bytes.Buffer
	if err := writeDOT(&b, sample); err != nil {
		t.Fatal(err)
	}
	want := `digraph "social" {
  "ada" [label="person", langs="[\"en\",\"fr\"]", name="Ada"];
  "bob \"b\"";
  "tab	here" [label="x", ok_1="true"];
  "ada" -> "bob \"b\"" [id="e1", label="knows", since="2021", w="0.5"];
  "bob \"b\"" -> "ada" [id="e2", note="a\\b\nc"];
}
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestStreamTable(t *testing.T) {
	var b bytes.Buffer
	st := newStreamTable(&b, []int{3, 5}, "A", "B", "C")
	st.row("1", "two", "three")
	st.row("longer", "x", "")
	want := "A    B      C\n1    two    three\nlonger  x\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, exitOK},
		{usagef("bad"), exitUsage},
		{&apiError{Status: http.StatusBadRequest}, exitError},
		{&apiError{Status: http.StatusUnauthorized}, exitError},
		{&apiError{Status: http.StatusNotFound}, exitNotFound},
		{&apiError{Status: http.StatusConflict}, exitRejected},
		{&apiError{Status: http.StatusUnprocessableEntity}, exitRejected},
		{&apiError{Status: http.StatusRequestEntityTooLarge}, exitError},
		{&apiError{Status: http.StatusInternalServerError}, exitError},
		{&apiError{Status: http.StatusServiceUnavailable}, exitError},
		{fmt.Errorf("transaction 3: %w", &apiError{Status: http.StatusConflict}), exitRejected},
		{&importError{err: &submitError{err: &apiError{Status: http.StatusNotFound}}}, exitNotFound},
		{&inputError{Name: "x", Msg: "bad"}, exitError},
		{errors.New("connection refused"), exitError},
	}
	for _, tt := range tests {
		if got := exitCode(tt.err); got != tt.want {
			t.Errorf("exitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestSSEReader(t *testing.T) {
	in := ": following g\n\n" +
		"id: 7\nevent: transaction\ndata: {\"version\":7}\n\n" +
		": ping\n\n" +
		"data: line one\r\ndata:line two\r\nretry: 10\r\nunknown: x\r\n\r\n" +
		"event: transaction\n\n" + // no data: not dispatched
		"id: 9\nevent: transaction\ndata: {\"version\""
	r := newSSEReader(strings.NewReader(in))
	var got []sseEvent
	for {
		ev, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	want := []sseEvent{
		{ID: "7", Name: "transaction", Data: `{"version":7}`},
		{Name: "message", Data: "line one\nline two"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestProgress(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	st := importStats{transactions: 1, events: 1000, nodes: 400, edges: 600}

	var tty bytes.Buffer
	p := newProgress(&tty, true, 0, 1000, "x: ", clock)
	now = now.Add(50 * time.Millisecond)
	p.update(st, 100) // too soon after the start: not drawn
	now = now.Add(50 * time.Millisecond)
	p.update(st, 500)
	now = now.Add(10 * time.Millisecond)
	p.update(st, 600) // too soon after the last: not drawn
	p.clear()
	want := "\r\x1b[K[============            ]  50% read, 600 edges, 400 nodes, 1000 events committed, 6000 edges/s\r\x1b[K"
	if tty.String() != want {
		t.Errorf("terminal:\n%q\nwant\n%q", tty.String(), want)
	}

	var log bytes.Buffer
	p = newProgress(&log, false, time.Second, 0, "x: ", clock)
	for range 25 {
		now = now.Add(100 * time.Millisecond)
		p.update(st, 0)
	}
	want = "x: 600 edges, 400 nodes, 1000 events committed, 600 edges/s\n" +
		"x: 600 edges, 400 nodes, 1000 events committed, 300 edges/s\n"
	if log.String() != want {
		t.Errorf("log:\n%q\nwant\n%q", log.String(), want)
	}
}

// Flags may come after arguments; "--" ends them.
func TestParseInterspersed(t *testing.T) {
	for _, tt := range []struct {
		args    []string
		want    []string
		version uint64
	}{
		{[]string{"g", "--version", "3"}, []string{"g"}, 3},
		{[]string{"--version=2", "g", "n"}, []string{"g", "n"}, 2},
		{[]string{"g", "-", "--version", "4"}, []string{"g", "-"}, 4},
		{[]string{"g", "--", "--version", "5"}, []string{"g", "--version", "5"}, 0},
	} {
		fs := newFlagSetForTest()
		var m moment
		m.register(fs)
		got, err := parseInterspersed(fs, tt.args)
		if err != nil || fmt.Sprint(got) != fmt.Sprint(tt.want) || m.version != tt.version {
			t.Errorf("%q: %q, version %d, %v; want %q, version %d", tt.args, got, m.version, err, tt.want, tt.version)
		}
	}
}

func newFlagSetForTest() *flag.FlagSet {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}
