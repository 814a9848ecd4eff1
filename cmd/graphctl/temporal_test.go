package main

import (
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

// A what-if answers the version, the changes and the queries on the
// result, and stores nothing.
func TestWhatIf(t *testing.T) {
	base := server(t)
	const g = "whatif-social"
	ctl(t, base, socialTx, "submit", g).want(t, exitOK)
	tx := `{"events": [{"type": "EdgeAdded", "edge_id": "e3", "source_id": "bob", "target_id": "ada", "edge_type": "knows"},
  {"type": "NodeUpdated", "node_id": "ada", "set": {"name": "Ada L."}}]}`
	file := filepath.Join(t.TempDir(), "tx.json")
	if err := os.WriteFile(file, []byte(tx), 0o644); err != nil {
		t.Fatal(err)
	}
	queries := []string{"--query", "components,kind=strong", "--query", "pagerank", "--query", "shortest-path,from=ada,to=zed"}

	r := ctl(t, base, "", append([]string{"whatif", g, "-f", file}, queries...)...).want(t, exitOK)
	wantIn(t, r.stdout,
		"graph "+g+"  version 1  would be version 2  nothing stored",
		`changed  node     ada  name: "Ada" -> "Ada L."`,
		"added    edge     e3   bob -> ada type=knows",
		"query 1: components kind=strong\ngraph "+g+"  version 2  kind strong",
		"1  2     ada, bob",
		"query 2: pagerank\ngraph "+g+"  version 2  algorithm pagerank",
		"NODE  SCORE",
		"query 3: shortest-path from=ada to=zed\nerror (not_found): ", `"zed"`)

	// The same from stdin, as the server answers it.
	a := decode[apitypes.WhatIfAnswer](t, ctl(t, base, tx, append([]string{"whatif", g, "-o", "json"}, queries...)...).want(t, exitOK))
	if a.BaseVersion != 1 || a.Version != 2 || a.Committed {
		t.Errorf("versions: %+v", a)
	}
	if len(a.Edges.Added) != 1 || a.Edges.Added[0].ID != "e3" || len(a.Nodes.Changed) != 1 || a.Nodes.Changed[0].ID != "ada" {
		t.Errorf("changes: nodes %+v, edges %+v", a.Nodes, a.Edges)
	}
	if len(a.Answers) != 3 {
		t.Fatalf("answers: %+v", a.Answers)
	}
	var cs apitypes.Components
	remarshal(t, a.Answers[0].Answer, &cs)
	if !reflect.DeepEqual(cs.Components, [][]string{{"ada", "bob"}}) || cs.Version != 2 {
		t.Errorf("components on the result: %+v", cs)
	}
	var pr struct {
		Version uint64
		Result  struct{ Scores []struct{ Score float64 } }
	}
	remarshal(t, a.Answers[1].Answer, &pr)
	sum := 0.0
	for _, s := range pr.Result.Scores {
		sum += s.Score
	}
	if pr.Version != 2 || len(pr.Result.Scores) != 2 || math.Abs(sum-1) > 1e-6 {
		t.Errorf("pagerank on the result: %+v", pr)
	}
	if e := a.Answers[2].Error; e == nil || e.Code != "not_found" {
		t.Errorf("shortest-path to a missing node: %+v", a.Answers[2])
	}

	// Nothing was stored.
	got := getGraph(t, base, g)
	if got.Version != 1 || len(got.Edges) != 1 || got.Nodes[0].Properties["name"] != "Ada" {
		t.Errorf("after two what-ifs the graph is %+v", got)
	}
	ctl(t, base, "", "edge", g, "e3").want(t, exitNotFound)

	// Queries in the input come first, then those of --query.
	withQueries := `{"events": [{"type": "NodeAdded", "node_id": "dee"}], "queries": [{"query": "topological-order"}]}`
	a = decode[apitypes.WhatIfAnswer](t, ctl(t, base, withQueries, "whatif", g, "--query", "node,node=dee", "-o", "json").want(t, exitOK))
	if len(a.Answers) != 2 || a.Answers[0].Query != "topological-order" || a.Answers[1].Query != "node" || a.Answers[1].Error != nil {
		t.Errorf("answers: %+v", a.Answers)
	}

	// A transaction the graph committed already would change nothing.
	committedTx := `{"transaction_id": "whatif-once", "events": [{"type": "NodeAdded", "node_id": "fay"}]}`
	ctl(t, base, committedTx, "submit", g).want(t, exitOK)
	r = ctl(t, base, committedTx, "whatif", g).want(t, exitOK)
	wantIn(t, r.stdout, "graph "+g+"  version 2  committed already as version 2: a submit would change nothing")
	a = decode[apitypes.WhatIfAnswer](t, ctl(t, base, committedTx, "whatif", g, "-o", "json").want(t, exitOK))
	if !a.Committed || a.Version != 2 || len(a.Nodes.Added) != 0 {
		t.Errorf("a committed transaction's what-if: %+v", a)
	}

	// Refused as its submit would be.
	for _, tt := range []struct {
		name, stdin string
		code        int
		msg         string
	}{
		{"rejected", `{"events": [{"type": "EdgeAdded", "edge_id": "e9", "source_id": "ada", "target_id": "zed"}]}`, exitRejected, `target node "zed" does not exist`},
		{"stale", `{"expected_version": 7, "events": [{"type": "NodeAdded", "node_id": "x"}]}`, exitRejected, "expected"},
		{"two transactions", tx + "\n" + tx, exitError, "stdin: line 3: a what-if takes one transaction"},
		{"none", "", exitError, "no transaction"},
		{"unknown query", tx, exitError, "frobnicate"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"whatif", g}
			if tt.name == "unknown query" {
				args = append(args, "--query", "frobnicate")
			}
			r := ctl(t, base, tt.stdin, args...).want(t, tt.code)
			if !strings.HasPrefix(r.stderr, "graphctl: ") || !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.msg)
			}
		})
	}
	if v := getGraph(t, base, g).Version; v != 2 {
		t.Errorf("the graph is at version %d after one submit and what-ifs", v)
	}
}

// --query's text becomes the body's query and params.
func TestQueryFlag(t *testing.T) {
	tests := []struct {
		in   string
		want apitypes.WhatIfQuery
		err  string
	}{
		{"pagerank", apitypes.WhatIfQuery{Query: "pagerank"}, ""},
		{"shortest-path,from=a,to=b", apitypes.WhatIfQuery{Query: "shortest-path", Params: map[string]string{"from": "a", "to": "b"}}, ""},
		{"astar,from=a,to=b,heuristic=x,y", apitypes.WhatIfQuery{Query: "astar", Params: map[string]string{"from": "a", "to": "b", "heuristic": "x,y"}}, ""},
		{"node,node=a=b", apitypes.WhatIfQuery{Query: "node", Params: map[string]string{"node": "a=b"}}, ""},
		{"node,node=", apitypes.WhatIfQuery{Query: "node", Params: map[string]string{"node": ""}}, ""},
		{"", apitypes.WhatIfQuery{}, "start with the query's name"},
		{"from=a", apitypes.WhatIfQuery{}, "start with the query's name"},
		{"pagerank,x", apitypes.WhatIfQuery{}, `"x" is not name=value`},
		{"path,from=a,from=b", apitypes.WhatIfQuery{}, "given twice"},
	}
	for _, tt := range tests {
		var q queryFlags
		err := q.Set(tt.in)
		switch {
		case tt.err != "":
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: error %v, want %q", tt.in, err, tt.err)
			}
		case err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case len(q) != 1 || !reflect.DeepEqual(q[0], tt.want):
			t.Errorf("%q: %+v, want %+v", tt.in, q, tt.want)
		}
	}
}

// A fork holds the source's state at the version asked, names it, and
// its CID is the CID of that state's snapshot.
func TestFork(t *testing.T) {
	base := server(t)
	const g = "fork-src"
	ctl(t, base, socialHistory, "submit", g).want(t, exitOK)
	snap := decode[apitypes.Snapshot](t, ctl(t, base, "", "snapshot", g, "-o", "json").want(t, exitOK))

	r := ctl(t, base, "", "fork", g, g+"-v2", "--version", "2").want(t, exitOK)
	wantIn(t, r.stdout, "GRAPH        VERSION  SEQUENCE  EVENTS  FORKED FROM  AT VERSION  CID\n")
	row := strings.Fields(strings.Split(r.stdout, "\n")[1])
	if len(row) != 7 || row[0] != g+"-v2" || row[1] != "1" || row[3] != "3" || row[4] != g || row[5] != "2" || !strings.HasPrefix(row[6], "bafkrei") {
		t.Errorf("fork printed %q", row)
	}
	fork, src := getGraph(t, base, g+"-v2"), getGraphAt(t, base, g, "2")
	if !reflect.DeepEqual(fork.Nodes, src.Nodes) || !reflect.DeepEqual(fork.Edges, src.Edges) {
		t.Errorf("fork at version 2:\n%+v\nsource at version 2:\n%+v", fork, src)
	}
	if fork.Version != 1 || fork.ForkedFrom == nil || fork.ForkedFrom.Graph != g || fork.ForkedFrom.Version != 2 {
		t.Errorf("fork: version %d, lineage %+v", fork.Version, fork.ForkedFrom)
	}
	wantIn(t, ctl(t, base, "", "get", g+"-v2").want(t, exitOK).stdout, "forked from "+g+" at version 2  cid "+fork.ForkedFrom.CID)

	// The present, whose state the snapshot holds.
	f := decode[apitypes.ForkResult](t, ctl(t, base, "", "fork", g, g+"-now", "-o", "json").want(t, exitOK))
	if f.Graph != g+"-now" || f.Version != 1 || f.Events != 5 || f.ForkedFrom != (apitypes.Lineage{Graph: g, Version: 3, CID: snap.CID}) {
		t.Errorf("fork of the present: %+v; snapshot %+v", f, snap)
	}
	if f.ForkedFrom.CID == fork.ForkedFrom.CID {
		t.Errorf("versions 2 and 3 have one CID %s", f.ForkedFrom.CID)
	}

	// As of the time version 2 was recorded.
	evs := decode[apitypes.Events](t, ctl(t, base, "", "events", g, "-o", "json").want(t, exitOK))
	var at string
	for _, e := range evs.Events {
		if e.Version == 2 {
			at = e.RecordedAt
		}
	}
	f = decode[apitypes.ForkResult](t, ctl(t, base, "", "fork", g, g+"-at", "--as-of", at, "-o", "json").want(t, exitOK))
	if f.ForkedFrom.Version != 2 || f.ForkedFrom.CID != fork.ForkedFrom.CID {
		t.Errorf("fork as of %s: %+v, want version 2 and CID %s", at, f, fork.ForkedFrom.CID)
	}

	for _, tt := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"into a graph that exists", []string{"fork", g, g + "-v2"}, exitRejected, "version 0"},
		{"a version never reached", []string{"fork", g, g + "-x", "--version", "9"}, exitNotFound, "no version 9"},
		{"before the first event", []string{"fork", g, g + "-x", "--as-of", "2001-01-01T00:00:00Z"}, exitNotFound, "no events"},
		{"a graph that does not exist", []string{"fork", "fork-nothing", g + "-x"}, exitNotFound, "fork-nothing"},
		{"into itself", []string{"fork", g, g}, exitError, "into is the graph forked"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := ctl(t, base, "", tt.args...).want(t, tt.code)
			if !strings.HasPrefix(r.stderr, "graphctl: ") || !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("stderr %q lacks %q", r.stderr, tt.msg)
			}
		})
	}
	ctl(t, base, "", "get", g+"-x").want(t, exitNotFound)
}

// Earliest arrival follows edges only while they exist: e1 is gone by
// version 4, so from there c and d are never reached.
func TestEarliestArrival(t *testing.T) {
	base := server(t)
	const g = "arrival"
	ctl(t, base, `{"events": [{"type": "NodeAdded", "node_id": "a"}, {"type": "NodeAdded", "node_id": "b"}, {"type": "NodeAdded", "node_id": "c"}, {"type": "NodeAdded", "node_id": "d"}]}
{"events": [{"type": "EdgeAdded", "edge_id": "e1", "source_id": "b", "target_id": "c"}]}
{"events": [{"type": "EdgeAdded", "edge_id": "e2", "source_id": "a", "target_id": "b"}]}
{"events": [{"type": "EdgeRemoved", "edge_id": "e1"}]}
{"events": [{"type": "EdgeAdded", "edge_id": "e3", "source_id": "c", "target_id": "d"}]}
`, "submit", g).want(t, exitOK)

	type step struct {
		node    string
		version uint64
		edge    string
	}
	steps := func(as []apitypes.ArrivalJSON) []step {
		out := []step{}
		for _, a := range as {
			out = append(out, step{a.Node, a.Version, a.Edge})
		}
		return out
	}
	ea := decode[apitypes.EarliestArrival](t, ctl(t, base, "", "earliest-arrival", g, "a", "-o", "json").want(t, exitOK))
	want := []step{{"a", 1, ""}, {"b", 3, "e2"}, {"c", 3, "e1"}, {"d", 5, "e3"}}
	if got := steps(ea.Arrivals); !reflect.DeepEqual(got, want) || ea.ToVersion != 5 {
		t.Errorf("arrivals %+v to version %d, want %+v to 5", got, ea.ToVersion, want)
	}
	ea = decode[apitypes.EarliestArrival](t, ctl(t, base, "", "earliest-arrival", g, "a", "--from", "4", "-o", "json").want(t, exitOK))
	if got := steps(ea.Arrivals); !reflect.DeepEqual(got, []step{{"a", 4, ""}, {"b", 4, "e2"}}) {
		t.Errorf("arrivals from version 4: %+v", got)
	}
	ea = decode[apitypes.EarliestArrival](t, ctl(t, base, "", "earliest-arrival", g, "a", "--to", "2", "-o", "json").want(t, exitOK))
	if got := steps(ea.Arrivals); !reflect.DeepEqual(got, []step{{"a", 1, ""}}) || ea.ToVersion != 2 {
		t.Errorf("arrivals to version 2: %+v", got)
	}

	r := ctl(t, base, "", "earliest-arrival", g, "a").want(t, exitOK)
	wantIn(t, r.stdout, "graph "+g+"  source a  to version 5  reached 4", "NODE  VERSION  AT", "VIA EDGE  FROM")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if last := strings.Fields(lines[len(lines)-1]); len(last) != 5 || last[0] != "d" || last[1] != "5" || last[3] != "e3" || last[4] != "c" {
		t.Errorf("last row %q", lines[len(lines)-1])
	}
	r = ctl(t, base, "", "earliest-arrival", g, "a", "--target", "d").want(t, exitOK)
	wantIn(t, r.stdout, "d is reached at version 5")
	if n := strings.Count(r.stdout, "\n"); n != 8 { // title, reached, blank, header, four steps
		t.Errorf("the path to d printed %d lines:\n%s", n, r.stdout)
	}
	r = ctl(t, base, "", "earliest-arrival", g, "a", "--target", "d", "--from", "4").want(t, exitOK)
	wantIn(t, r.stdout, "d is not reached")

	ctl(t, base, "", "earliest-arrival", "arrival-nothing", "a").want(t, exitNotFound)
	r = ctl(t, base, "", "earliest-arrival", g, "a", "--from", "9").want(t, exitNotFound)
	wantIn(t, r.stderr, "graphctl: ", "9")
}

// A series' values are the counts of the graph at each version.
func TestSeries(t *testing.T) {
	base := server(t)
	const g = "series"
	ctl(t, base, socialHistory+`{"events": [{"type": "NodeRemoved", "node_id": "ada"}]}
{"events": [{"type": "NodeAdded", "node_id": "dee", "node_type": "robot"}, {"type": "NodeAdded", "node_id": "eve", "node_type": "person"}]}
`, "submit", g).want(t, exitOK)

	for _, metric := range []string{"nodes", "edges"} {
		sr := decode[apitypes.Series](t, ctl(t, base, "", "series", g, metric, "--every", "1", "-o", "json").want(t, exitOK))
		if len(sr.Points) != 5 {
			t.Fatalf("%s: %d points, want one per version: %+v", metric, len(sr.Points), sr.Points)
		}
		for i, p := range sr.Points {
			at := getGraphAt(t, base, g, strconv.FormatUint(p.Version, 10))
			want := len(at.Nodes)
			if metric == "edges" {
				want = len(at.Edges)
			}
			if p.Version != uint64(i+1) || p.Value != float64(want) {
				t.Errorf("%s point %d: %+v, want version %d value %d", metric, i, p, i+1, want)
			}
		}
	}

	// One type's count, at every second event from version 2 on.
	sr := decode[apitypes.Series](t, ctl(t, base, "", "series", g, "nodes_by_type", "--type", "person", "--every", "2", "--from", "2", "-o", "json").want(t, exitOK))
	if len(sr.Points) < 2 || sr.Points[0].Version != 2 || sr.Points[len(sr.Points)-1].Version != 5 {
		t.Fatalf("points %+v", sr.Points)
	}
	for _, p := range sr.Points {
		n := 0
		for _, nd := range getGraphAt(t, base, g, strconv.FormatUint(p.Version, 10)).Nodes {
			if nd.Type == "person" {
				n++
			}
		}
		if p.Value != float64(n) {
			t.Errorf("persons at version %d: %v, want %d", p.Version, p.Value, n)
		}
	}

	r := ctl(t, base, "", "series", g, "nodes_by_type", "--every", "1").want(t, exitOK)
	wantIn(t, r.stdout, "graph "+g+"  metric nodes_by_type  points 5", "VERSION  AT", "person  robot")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if f := strings.Fields(lines[len(lines)-1]); len(f) != 4 || f[0] != "5" || f[2] != "2" || f[3] != "2" {
		t.Errorf("last row %q, want version 5, 2 persons, 2 robots", lines[len(lines)-1])
	}
	r = ctl(t, base, "", "series", g, "degree", "--node", "ada", "--every", "1").want(t, exitOK)
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if f := strings.Fields(lines[len(lines)-1]); len(f) != 3 || f[2] != "-" { // ada was removed
		t.Errorf("ada's degree after her removal: %q", lines[len(lines)-1])
	}
	wantIn(t, r.stdout, "metric degree  node ada")

	// A series over an interval ends at the window's end.
	sr = decode[apitypes.Series](t, ctl(t, base, "", "series", g, "nodes", "--interval", "1h", "-o", "json").want(t, exitOK))
	if last := sr.Points[len(sr.Points)-1]; last.Version != 5 || last.Value != float64(4) {
		t.Errorf("last point of an hourly series: %+v", last)
	}

	r = ctl(t, base, "", "series", g, "loudness", "--every", "1").want(t, exitError)
	wantIn(t, r.stderr, "graphctl: ", "loudness")
	ctl(t, base, "", "series", "series-nothing", "nodes", "--every", "1").want(t, exitNotFound)
}

// Mistakes in the new commands' arguments exit 2 before any request.
func TestTemporalUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"whatif"}, "usage: graphctl whatif <graph> [-f file|-]"},
		{[]string{"whatif", "g", "a.json", "-f", "b.json"}, "not both"},
		{[]string{"whatif", "g", "--query", "from=a"}, "start with the query's name"},
		{[]string{"fork", "g"}, "usage: graphctl fork <graph> <into>"},
		{[]string{"fork", "g", "h", "--version", "1", "--as-of", "2026-01-01T00:00:00Z"}, "not both"},
		{[]string{"earliest-arrival", "g"}, "usage: graphctl earliest-arrival"},
		{[]string{"earliest-arrival", "g", "a", "--from", "soon"}, "--from"},
		{[]string{"series", "g", "nodes"}, "give --every N"},
		{[]string{"series", "g", "nodes", "--every", "1", "--interval", "1m"}, "not both"},
		{[]string{"series", "g", "nodes", "--every", "1", "--type", "person"}, "--type is for nodes_by_type"},
		{[]string{"algorithm", "g"}, "usage: graphctl algorithm"},
		{[]string{"algorithms", "a", "b"}, "algorithms takes [name]"},
	} {
		var out, errOut strings.Builder
		code := run(tt.args, strings.NewReader(""), &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), tt.msg) {
			t.Errorf("%v: exit %d, stderr %q, want %d and %q", tt.args, code, errOut.String(), exitUsage, tt.msg)
		}
	}
	for _, name := range []string{"whatif", "fork", "earliest-arrival", "series", "algorithms", "algorithm"} {
		r := ctl(t, "", "", name, "-h").want(t, exitOK)
		wantIn(t, r.stdout, "usage: graphctl "+name)
	}
}
