package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

const socialTx = `{
  "events": [
    {"type": "NodeAdded", "node_id": "ada", "node_type": "person", "properties": {"name": "Ada"}},
    {"type": "NodeAdded", "node_id": "bob", "node_type": "person"},
    {"type": "EdgeAdded", "edge_id": "e1", "source_id": "ada", "target_id": "bob",
     "edge_type": "knows", "properties": {"since": 2021}}
  ]}
`

// Every command against a real node, in table and JSON output.
func TestCommands(t *testing.T) {
	base := server(t)
	dir := t.TempDir()
	txFile := filepath.Join(dir, "tx.json")
	if err := os.WriteFile(txFile, []byte(socialTx), 0o644); err != nil {
		t.Fatal(err)
	}
	const g = "cmds-social"
	r := ctl(t, base, "", "submit", g, txFile).want(t, exitOK)
	if !strings.Contains(r.stdout, g+"  1        1         3") {
		t.Fatalf("submit printed:\n%s", r.stdout)
	}
	// NDJSON on stdin: two transactions, one per line.
	ndjson := `{"expected_version": 1, "events": [{"type": "NodeUpdated", "node_id": "bob", "set": {"name": "Bob"}}]}
{"events": [{"type": "NodeAdded", "node_id": "cy", "node_type": "person"}, {"type": "EdgeAdded", "edge_id": "e2", "source_id": "bob", "target_id": "cy", "properties": {"since": 2022}}]}
`
	r = ctl(t, base, ndjson, "-o", "json", "submit", g, "-").want(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("submit -o json of two transactions printed %d lines:\n%s", len(lines), r.stdout)
	}
	var res apitypes.SubmitResult
	if err := json.Unmarshal([]byte(lines[1]), &res); err != nil || res.Version != 3 || res.Events != 2 {
		t.Fatalf("second result %q: %+v, %v", lines[1], res, err)
	}
	var snap apitypes.Snapshot
	r = ctl(t, base, "", "snapshot", g, "-o", "json").want(t, exitOK)
	if err := json.Unmarshal([]byte(r.stdout), &snap); err != nil || snap.Version != 3 || snap.CID == "" {
		t.Fatalf("snapshot: %q: %+v, %v", r.stdout, snap, err)
	}
	past := time.Now().UTC().Add(time.Hour).Format(time.RFC3339) // the future is the present

	tests := []struct {
		name string
		args []string
		want []string // in stdout
	}{
		{"get", []string{"get", g}, []string{
			"graph " + g + "  version 3", "NODE  TYPE    PROPERTIES", `ada   person  {"name":"Ada"}`,
			"EDGE  SOURCE  TARGET  TYPE   PROPERTIES", `e1    ada     bob     knows  {"since":2021}`, "e2    bob     cy"}},
		{"get json", []string{"get", g, "-o", "json"}, []string{`"graph":"` + g + `","version":3`}},
		{"get version", []string{"get", g, "--version", "1"}, []string{"version 1", "nodes 2  edges 1"}},
		{"get as-of", []string{"get", "--as-of", past, g}, []string{"version 3"}},
		{"node", []string{"node", g, "ada"}, []string{`ada   person  {"name":"Ada"}`}},
		{"node past", []string{"node", g, "bob", "--version", "1"}, []string{"bob   person\n"}},
		{"edge", []string{"edge", g, "e1"}, []string{"e1    ada     bob     knows  {\"since\":2021}"}},
		{"neighbors", []string{"neighbors", g, "bob", "--direction", "both"}, []string{
			"in         ada   person     e1    knows", "out        cy    person     e2"}},
		{"graphs", []string{"graphs"}, []string{"GRAPH\n", "\n" + g + "\n"}},
		{"graphs json", []string{"graphs", "-o", "json"}, []string{`"graphs":[`, `"` + g + `"`}},
		{"graphs prefix", []string{"graphs", "--prefix", "cmds-", "-o", "json"}, []string{`{"graphs":["` + g + `"]`}},
		{"path", []string{"path", g, "ada", "cy"}, []string{"path from ada to cy  edges 2  cost 2", "2     cy    e2\n"}},
		{"path weight", []string{"path", g, "ada", "cy", "--weight", "since"}, []string{"cost 4043"}},
		{"components", []string{"components", g, "--kind", "strong"}, []string{"strong components 3"}},
		{"components weak", []string{"components", g}, []string{"1          3     ada, bob, cy"}},
		{"toposort", []string{"toposort", g}, []string{"1         ada", "2         bob", "3         cy"}},
		{"diff", []string{"diff", g, "--from", "1", "--to", "3"}, []string{
			"from version 1  to version 3", `changed  node     bob  name: (none) -> "Bob"`,
			"added    node     cy   type=person", "added    edge     e2   bob -> cy"}},
		{"history", []string{"history", g, "node", "bob"}, []string{
			"VERSION  RECORDED", "1        ", "added", "2        ", `updated  `, `name: (none) -> "Bob"`}},
		{"history json", []string{"history", g, "edge", "e1", "-o", "json"}, []string{`"kind":"edge","id":"e1","changes":[{"version":1,`}},
		{"replay", []string{"replay", g, "--every", "1"}, []string{"state: 0 nodes, 0 edges", "3 events: nodes +2 -0 ~0, edges +1 -0 ~0"}},
		{"replay json", []string{"replay", g, "--from", "1", "--every", "2", "-o", "json"}, []string{`{"version":1,`, `"state":{`}},
		{"events", []string{"events", g}, []string{
			"VERSION  INDEX  RECORDED AT", "NodeAdded    ada           type=person {\"name\":\"Ada\"}",
			"NodeUpdated  bob           set {\"name\":\"Bob\"}", "EdgeAdded    e2            bob -> cy"}},
		{"events after", []string{"events", g, "--after-version", "2", "-o", "json"}, []string{`"graph":"` + g + `","events":[{`, `"next_after_version":3}`}},
		{"snapshots", []string{"snapshots", g}, []string{"CID", snap.CID + "  3"}},
		{"export dot", []string{"export", g, "--format", "dot"}, []string{
			`digraph "` + g + `" {`, `"ada" [label="person", name="Ada"];`, `"ada" -> "bob" [id="e1", label="knows", since="2021"];`}},
		{"export graphml past", []string{"export", g, "--format", "graphml", "--version", "1"}, []string{
			`<node id="ada"><data key="nt">person</data><data key="n0">Ada</data></node>`, `<edge id="e1" source="ada" target="bob">`}},
		{"help", []string{"help"}, []string{"usage: graphctl", "import <graph> <file|->", "Exit codes"}},
		{"command help", []string{"import", "-h"}, []string{"usage: graphctl import <graph> <file|-> [flags]", "-batch", "graphml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ctl(t, base, "", tt.args...).want(t, exitOK)
			for _, w := range tt.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
				}
			}
		})
	}

	// export json is GET's answer, byte for byte.
	got := ctl(t, base, "", "export", g).want(t, exitOK).stdout
	want := ctl(t, base, "", "get", g, "-o", "json").want(t, exitOK).stdout
	if got != want {
		t.Errorf("export json:\n%s\nget -o json:\n%s", got, want)
	}
	// and imports back as the same graph.
	r = ctl(t, base, got, "import", g+"-copy", "-", "--format", "json", "-o", "json").want(t, exitOK)
	var sum importSummary
	if err := json.Unmarshal([]byte(r.stdout), &sum); err != nil || sum.Nodes != 3 || sum.Edges != 2 || sum.Transactions != 1 {
		t.Errorf("import -o json printed %q: %+v, %v", r.stdout, sum, err)
	}
	a, b := getGraph(t, base, g), getGraph(t, base, g+"-copy")
	if !reflect.DeepEqual(a.Nodes, b.Nodes) || !reflect.DeepEqual(a.Edges, b.Edges) {
		t.Errorf("the copy differs:\n%+v\n%+v", a, b)
	}
}

// Each failure has its exit code and prints the server's message.
func TestExitCodes(t *testing.T) {
	base := server(t)
	const g = "exits"
	ctl(t, base, socialTx, "submit", g).want(t, exitOK)
	ctl(t, base, `{"events":[{"type":"NodeAdded","node_id":"c1"},{"type":"NodeAdded","node_id":"c2"},`+
		`{"type":"EdgeAdded","edge_id":"x1","source_id":"c1","target_id":"c2"},{"type":"EdgeAdded","edge_id":"x2","source_id":"c2","target_id":"c1"}]}`,
		"submit", "exits-cycle").want(t, exitOK)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		msg   string // in stderr
	}{
		{"unknown graph", "", []string{"get", "no-such-graph"}, exitNotFound, `graphctl: `},
		{"unknown node", "", []string{"node", g, "zed"}, exitNotFound, `"zed"`},
		{"no path", "", []string{"path", g, "bob", "ada"}, exitNotFound, "no path"},
		{"stale version", `{"expected_version": 0, "events": [{"type": "NodeAdded", "node_id": "x"}]}`,
			[]string{"submit", g}, exitRejected, "expected_version"},
		{"rejected", `{"events": [{"type": "EdgeAdded", "edge_id": "e2", "source_id": "ada", "target_id": "zed"}]}`,
			[]string{"submit", g}, exitRejected, `target node "zed" does not exist`},
		{"cycle", "", []string{"toposort", "exits-cycle"}, exitRejected, "cycle"},
		{"invalid event", `{"events": [{"type": "NodeExploded", "node_id": "x"}]}`,
			[]string{"submit", g}, exitError, "unknown type"},
		{"not json", `{"events": [`, []string{"submit", g}, exitError, "stdin: "},
		{"unreachable", "", []string{"--server", "http://127.0.0.1:1", "get", g}, exitError, "cannot reach http://127.0.0.1:1"},
		{"bad invalid as-of", "", []string{"get", g, "--as-of", "yesterday"}, exitUsage, "--as-of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ctl(t, base, tt.stdin, tt.args...).want(t, tt.code)
			if !strings.HasPrefix(r.stderr, "graphctl") || !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.msg)
			}
		})
	}
	// The message is the server's ErrorResponse.error.
	r := ctl(t, base, "", "get", "no-such-graph").want(t, exitNotFound)
	if !strings.Contains(r.stderr, `no-such-graph`) || strings.Contains(r.stderr, `"code"`) {
		t.Errorf("stderr = %q, want the server's message naming the graph", r.stderr)
	}
}

// Usage errors exit 2 before any request; help exits 0.
func TestUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"no command", nil, exitUsage, "usage: graphctl"},
		{"unknown command", []string{"frobnicate"}, exitUsage, `unknown command "frobnicate"`},
		{"unknown flag", []string{"get", "g", "--bogus"}, exitUsage, "flag provided but not defined: -bogus"},
		{"unknown global flag", []string{"--bogus", "get", "g"}, exitUsage, "-bogus"},
		{"missing argument", []string{"node", "g"}, exitUsage, "usage: graphctl node <graph> <node-id>"},
		{"too many arguments", []string{"get", "g", "h"}, exitUsage, "get takes <graph>"},
		{"bad output", []string{"-o", "yaml", "get", "g"}, exitUsage, `-o is "yaml"`},
		{"bad server", []string{"--server", "ftp://x", "get", "g"}, exitUsage, "--server"},
		{"bad version", []string{"get", "g", "--version", "x"}, exitUsage, "invalid value"},
		{"version and as-of", []string{"get", "g", "--version", "1", "--as-of", "2026-01-01T00:00:00Z"}, exitUsage, "not both"},
		{"bad direction", []string{"neighbors", "g", "n", "--direction", "up"}, exitUsage, "--direction"},
		{"bad kind", []string{"components", "g", "--kind", "medium"}, exitUsage, "--kind"},
		{"diff without from", []string{"diff", "g"}, exitUsage, "--from is required"},
		{"history of neither", []string{"history", "g", "vertex", "a"}, exitUsage, "say node or edge"},
		{"bad moment", []string{"diff", "g", "--from", "soon"}, exitUsage, "--from"},
		{"every and interval", []string{"replay", "g", "--every", "2", "--interval", "1m"}, exitUsage, "not both"},
		{"import format", []string{"import", "g", "x.txt"}, exitUsage, "--format"},
		{"import stdin format", []string{"import", "g", "-"}, exitUsage, "--format is required"},
		{"import batch", []string{"import", "g", "x.csv", "--batch", "100001"}, exitUsage, "--batch is 100001; use 1 to 100000 events"},
		{"import bytes", []string{"import", "g", "x.csv", "--max-transaction-bytes", "1000"}, exitUsage, "--max-transaction-bytes is 1000; use 1024 to"},
		{"export format", []string{"export", "g", "--format", "png"}, exitUsage, "--format"},
		{"help unknown", []string{"help", "nope"}, exitUsage, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := run(tt.args, strings.NewReader(""), &out, &errOut)
			r := result{code: code, stdout: out.String(), stderr: errOut.String()}.want(t, tt.code)
			if !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.msg)
			}
		})
	}
	for _, args := range [][]string{{"help"}, {"-h"}, {"help", "get"}, {"get", "-h"}, {"events", "--help"}} {
		r := ctl(t, "", "", args...).want(t, exitOK)
		if !strings.Contains(r.stdout, "usage: graphctl") {
			t.Errorf("%v printed %q", args, r.stdout)
		}
	}
}

// The environment gives the server and the token.
func TestEnvironment(t *testing.T) {
	base := server(t)
	env := map[string]string{envServer: strings.TrimPrefix(base, "http://"), envToken: "secret"}
	var out, errOut strings.Builder
	code := runContext(t.Context(), []string{"graphs"}, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	// The node runs without --http-token, so a token is simply ignored.
	if code != exitOK || !strings.HasPrefix(out.String(), "GRAPH") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}

// --token (or GRAPHCTL_TOKEN) is sent as a bearer token; without it a node
// run with --http-token answers 401, exit 1 with its message.
func TestToken(t *testing.T) {
	base := ownNode(t, "--http-token", "s3cret").Base
	r := ctl(t, base, "", "graphs").want(t, exitError)
	if !strings.HasPrefix(r.stderr, "graphctl: ") || !strings.Contains(strings.ToLower(r.stderr), "token") {
		t.Errorf("stderr: %q", r.stderr)
	}
	ctl(t, base, socialTx, "--token", "s3cret", "submit", "tok").want(t, exitOK)
	var out, errOut strings.Builder
	env := map[string]string{envToken: "s3cret"}
	code := runContext(t.Context(), []string{"--server", base, "get", "tok"}, strings.NewReader(""), &out, &errOut, func(k string) string { return env[k] })
	if code != exitOK || !strings.Contains(out.String(), "nodes 2  edges 1") {
		t.Errorf("with GRAPHCTL_TOKEN: code %d, stdout %q, stderr %q", code, out.String(), errOut.String())
	}
}
