package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// The round trip: a 100,000-edge CSV imported, exported as JSON
// and compared with the CSV; exported as GraphML, imported into a second
// graph, and both graphs compared.
func TestImportExportRoundTrip(t *testing.T) {
	base := server(t)
	testStart := time.Now()
	const (
		nodeCount = 20_000
		edgeCount = 100_000
	)
	dir := t.TempDir()
	csvPath := filepath.Join(dir, "big.csv")
	want, nodes := writeEdgeCSV(t, csvPath, nodeCount, edgeCount)

	t.Logf("generated big.csv in %s", time.Since(testStart).Round(time.Millisecond))

	// Import, with progress lines on a stderr that is not a terminal.
	start := time.Now()
	r := ctl(t, base, "", "import", "rt-csv", csvPath, "--format", "csv", "--progress-interval", "200ms").want(t, exitOK)
	elapsed := time.Since(start)
	if !regexp.MustCompile(`(?m)^graphctl: import rt-csv: +\d+% read, \d+ edges, \d+ nodes, \d+ events committed, [\d.]+ edges/s$`).MatchString(r.stderr) {
		t.Errorf("no progress line on stderr:\n%s", r.stderr)
	}
	summary := regexp.MustCompile(`imported 100000 edges and (\d+) nodes into rt-csv: .* ([\d.]+) edges/s`).FindStringSubmatch(r.stderr)
	if summary == nil {
		t.Fatalf("no summary of 100000 edges on stderr:\n%s", r.stderr)
	}
	if summary[1] != strconv.Itoa(len(nodes)) {
		t.Errorf("summary says %s nodes, the CSV names %d", summary[1], len(nodes))
	}
	t.Logf("graphctl import rt-csv big.csv --format csv: %d edges, %d nodes in %s: %s edges/s", edgeCount, len(nodes),
		elapsed.Round(time.Millisecond), summary[2])

	// Export as JSON: the graph of the CSV.
	start = time.Now()
	r = ctl(t, base, "", "export", "rt-csv", "--format", "json").want(t, exitOK)
	var got apitypes.Graph
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatal(err)
	}
	t.Logf("exported and decoded JSON in %s", time.Since(start).Round(time.Millisecond))
	if len(got.Nodes) != len(nodes) {
		t.Errorf("%d nodes, the CSV names %d", len(got.Nodes), len(nodes))
	}
	for _, n := range got.Nodes {
		if !nodes[n.ID] {
			t.Errorf("node %q is not in the CSV", n.ID)
		}
	}
	if len(got.Edges) != edgeCount {
		t.Errorf("%d edges, want %d", len(got.Edges), edgeCount)
	}
	for _, e := range got.Edges {
		we, ok := want[e.ID]
		if !ok {
			t.Fatalf("edge %q is not in the CSV", e.ID)
		}
		if e.Source != we.source || e.Target != we.target || e.Type != we.typ || len(e.Properties) != 1 || e.Properties["weight"] != we.weight {
			t.Fatalf("edge %s is %+v, the CSV has %+v", e.ID, e, we)
		}
	}

	// Export as GraphML, import that into a second graph: the same graph.
	start = time.Now()
	r = ctl(t, base, "", "export", "rt-csv", "--format", "graphml").want(t, exitOK)
	t.Logf("exported GraphML in %s", time.Since(start).Round(time.Millisecond))
	gmlPath := filepath.Join(dir, "big.graphml")
	if err := os.WriteFile(gmlPath, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	r = ctl(t, base, "", "import", "rt-graphml", gmlPath).want(t, exitOK) // format from the extension
	if !strings.Contains(r.stderr, "imported 100000 edges") {
		t.Errorf("GraphML import summary:\n%s", r.stderr)
	}
	t.Logf("graphctl import rt-graphml big.graphml: %s", strings.TrimSpace(lastLine(r.stderr)))
	t.Logf("GraphML import took %s", time.Since(start).Round(time.Millisecond))

	a := got // the export is GET's answer
	start = time.Now()
	b := getGraph(t, base, "rt-graphml")
	t.Logf("read the second graph in %s", time.Since(start).Round(time.Millisecond))
	// Equal apart from the graph ID and the stream sequence, which counts
	// every graph's events.
	a.Graph, b.Graph = "", ""
	a.Sequence, b.Sequence = 0, 0
	if !reflect.DeepEqual(a, b) {
		t.Errorf("the graph imported from GraphML differs: version %d, %d nodes, %d edges; want version %d, %d nodes, %d edges",
			b.Version, len(b.Nodes), len(b.Edges), a.Version, len(a.Nodes), len(a.Edges))
	}
}

// csvEdge is one line of writeEdgeCSV's file.
type csvEdge struct {
	source, target, typ string
	weight              float64
}

// writeEdgeCSV writes an edge list of edgeCount random edges between
// nodeCount nodes (with header source,target,type,weight) and returns the
// edges by the ID an import gives them (e<line>) and the nodes named.
func writeEdgeCSV(t testing.TB, path string, nodeCount, edgeCount int) (map[string]csvEdge, map[string]bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "source,target,type,weight")
	rng := rand.New(rand.NewPCG(1, 2))
	types := []string{"knows", "likes", "follows"}
	edges := make(map[string]csvEdge, edgeCount)
	nodes := map[string]bool{}
	for i := range edgeCount {
		e := csvEdge{
			source: "n" + strconv.Itoa(rng.IntN(nodeCount)),
			target: "n" + strconv.Itoa(rng.IntN(nodeCount)),
			typ:    types[rng.IntN(len(types))],
			weight: float64(rng.IntN(1_000_000)) / 100,
		}
		fmt.Fprintf(w, "%s,%s,%s,%s\n", e.source, e.target, e.typ, strconv.FormatFloat(e.weight, 'f', -1, 64))
		edges["e"+strconv.Itoa(i+2)] = e
		nodes[e.source], nodes[e.target] = true, true
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return edges, nodes
}

func getGraph(t *testing.T, base, graphID string) apitypes.Graph {
	t.Helper()
	r := ctl(t, base, "", "get", graphID, "-o", "json").want(t, exitOK)
	var g apitypes.Graph
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatal(err)
	}
	return g
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// A malformed line stops the import: exit 1, the line named, and only whole
// transactions committed, as many as the message says.
func TestImportMalformedCSV(t *testing.T) {
	base := server(t)
	var b strings.Builder
	b.WriteString("source,target,type,weight\n")
	for i := range 1500 {
		fmt.Fprintf(&b, "a%d,b%d,t,%d\n", i, i, i) // three events each: two nodes, one edge
	}
	b.WriteString("a,b,t\n") // line 1502: a field short
	for i := range 10 {
		fmt.Fprintf(&b, "c%d,d%d,t,1\n", i, i)
	}
	r := ctl(t, base, b.String(), "import", "bad-csv", "-", "--format", "csv", "--batch", "1000").want(t, exitError)
	for _, w := range []string{"stdin: line 1502: the record has 3 fields, the header has 4",
		"4 transactions (4000 events: 2667 nodes, 1333 edges) were committed before it; the graph is at version 4"} {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
	g := getGraph(t, base, "bad-csv")
	if g.Version != 4 || len(g.Nodes)+len(g.Edges) != 4000 {
		t.Errorf("the graph has version %d, %d nodes, %d edges; want 4 whole transactions of 1000 events", g.Version, len(g.Nodes), len(g.Edges))
	}

	// Importing into a graph that has nodes reuses them.
	r = ctl(t, base, "id,source,target\nnew,a0,fresh\n", "import", "bad-csv", "-", "--format", "csv").want(t, exitOK)
	if !strings.Contains(r.stderr, "imported 1 edges and 1 nodes") {
		t.Errorf("stderr: %s", r.stderr)
	}
	// A rejected transaction exits 4: e2 already exists.
	r = ctl(t, base, "source,target\nx,y\n", "import", "bad-csv", "-", "--format", "csv").want(t, exitRejected)
	if !strings.Contains(r.stderr, "transaction 1 (input up to line 2) was not applied") || !strings.Contains(r.stderr, "nothing was committed") {
		t.Errorf("stderr: %s", r.stderr)
	}
}
