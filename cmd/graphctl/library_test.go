package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

// This file and temporal_test.go write to the shared node, so their names
// sort after commands_test.go: TestCommands expects its first submit to
// get the log's first sequence.

// socialHistory is three transactions: socialTx (version 1), bob named
// (2), cy and an edge to it (3).
const socialHistory = socialTx + `{"events": [{"type": "NodeUpdated", "node_id": "bob", "set": {"name": "Bob"}}]}
{"events": [{"type": "NodeAdded", "node_id": "cy", "node_type": "robot"}, {"type": "EdgeAdded", "edge_id": "e2", "source_id": "bob", "target_id": "cy", "edge_type": "knows"}]}
`

// decode unmarshals a command's -o json output.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("output is not the expected JSON: %v\n%s", err, r.stdout)
	}
	return v
}

func wantIn(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// remarshal converts a decoded JSON value into out.
func remarshal(t *testing.T, v any, out any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(b, out)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// getGraphAt reads a graph as of a version through graphctl.
func getGraphAt(t *testing.T, base, g, version string) apitypes.Graph {
	t.Helper()
	return decode[apitypes.Graph](t, ctl(t, base, "", "get", g, "--version", version, "-o", "json").want(t, exitOK))
}

// The library's list, and algorithms run now and in the past.
func TestAlgorithms(t *testing.T) {
	base := server(t)
	lib := decode[apitypes.AlgorithmList](t, ctl(t, base, "", "algorithms", "-o", "json").want(t, exitOK))
	var pagerank *apitypes.AlgorithmInfo
	for i, a := range lib.Algorithms {
		if a.Name == "pagerank" {
			pagerank = &lib.Algorithms[i]
		}
	}
	if pagerank == nil || len(pagerank.Params) == 0 || pagerank.Params[0].Name != "damping" || pagerank.Params[0].Default != "0.85" {
		t.Fatalf("pagerank in the library: %+v", pagerank)
	}
	r := ctl(t, base, "", "algorithms").want(t, exitOK)
	wantIn(t, r.stdout, "NAME", "PARAMETERS", "SUMMARY", "damping=0.85", "max_flow", "source (required), sink (required)")
	if n := strings.Count(r.stdout, "\n"); n != len(lib.Algorithms)+1 {
		t.Errorf("%d lines for %d algorithms", n, len(lib.Algorithms))
	}
	r = ctl(t, base, "", "algorithms", "k-core").want(t, exitOK)
	wantIn(t, r.stdout, "k_core: ", "PARAMETER  KIND", "k          integer")
	ctl(t, base, "", "algorithms", "sorting-hat").want(t, exitError)

	const g = "algorithms"
	ctl(t, base, socialHistory, "submit", g).want(t, exitOK)
	a := decode[apitypes.AlgorithmAnswer](t, ctl(t, base, "", "algorithm", g, "pagerank", "damping=0.9", "-o", "json").want(t, exitOK))
	var pr struct{ Scores []struct{ Node string } }
	remarshal(t, a.Result, &pr)
	if a.Version != 3 || a.Algorithm != "pagerank" || len(pr.Scores) != 3 {
		t.Errorf("pagerank now: %+v", a)
	}
	a = decode[apitypes.AlgorithmAnswer](t, ctl(t, base, "", "algorithm", g, "pagerank", "--version", "1", "-o", "json").want(t, exitOK))
	remarshal(t, a.Result, &pr)
	if a.Version != 1 || len(pr.Scores) != 2 {
		t.Errorf("pagerank at version 1: %+v", a)
	}

	r = ctl(t, base, "", "algorithm", g, "k-shortest-paths", "from=ada", "to=cy").want(t, exitOK)
	wantIn(t, r.stdout, "graph "+g+"  version 3  algorithm k_shortest_paths", "paths:", "NODES         EDGES   COST", "ada, bob, cy  e1, e2  2")
	r = ctl(t, base, "", "algorithm", g, "bipartite").want(t, exitOK)
	wantIn(t, r.stdout, "bipartite true  odd_cycle (none)", "left: ada, cy", "right: bob")
	r = ctl(t, base, "", "algorithm", g, "louvain", "--version", "1").want(t, exitOK)
	wantIn(t, r.stdout, "version 1  algorithm louvain", "communities:", "#  SIZE  ITEMS", "1  2     ada, bob")

	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"algorithm", g, "pagerank", "bogus=1"}, exitError, `no parameter "bogus"`},
		{[]string{"algorithm", g, "sorting-hat"}, exitError, `unknown algorithm "sorting_hat"`},
		{[]string{"algorithm", g, "shortest_path", "from=ada", "to=nobody"}, exitNotFound, "nobody"},
		{[]string{"algorithm", g, "pagerank", "--version", "7"}, exitNotFound, "7"},
		{[]string{"algorithm", g, "pagerank", "version=1"}, exitUsage, "use --version"},
		{[]string{"algorithm", g, "pagerank", "damping"}, exitUsage, "not name=value"},
	} {
		r := ctl(t, base, "", tt.args...).want(t, tt.code)
		if !strings.HasPrefix(r.stderr, "graphctl") || !strings.Contains(r.stderr, tt.msg) {
			t.Errorf("%v: stderr %q lacks %q", tt.args, r.stderr, tt.msg)
		}
	}
}

// An answer prints its fields in the order written: scalars on a line,
// lists of values on a line each, lists of objects and of lists as
// tables, an algorithm's result after its header.
func TestPrintAnswer(t *testing.T) {
	const answer = `{"graph":"g","version":3,"algorithm":"x","result":{"value":2.5,"cut":["e1","e2"],"none":[],"odd_cycle":null,
"flows":[{"edge":"e1","flow":1},{"edge":"e2","flow":1.5,"note":"tab\there"}],"communities":[["a","b"],["c"]],
"cycle":{"nodes":["a","b"],"edges":["e1"]}}}`
	const want = `graph g  version 3  algorithm x

value 2.5  odd_cycle (none)
cut: e1, e2
none: (none)

flows:
EDGE  FLOW  NOTE
e1    1
e2    1.5   tab\there

communities:
#  SIZE  ITEMS
1  2     a, b
2  1     c

cycle:
nodes: a, b
edges: e1
`
	var b strings.Builder
	if err := printAnswer(&b, json.RawMessage(answer)); err != nil {
		t.Fatal(err)
	}
	if b.String() != want {
		t.Errorf("printed:\n%s\nwant:\n%s", b.String(), want)
	}
}
