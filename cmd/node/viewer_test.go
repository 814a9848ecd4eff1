package main

// Browser tests of the web viewer (package web) as a node serves it (at /
// and /ui/, beside the API): a headless Chromium, driven with chromedp,
// loads the page from a node started in the test, and the page's test hook (window.graphlog, see
// web/assets/hook.js) tells what it drew. Every count the page reports is
// compared with what the API answers for the same graph and version.
//
// Chromium is found as chromium, chromium-browser or $CHROME_PATH. Without
// one the tests skip, unless GRAPHLOG_REQUIRE_BROWSER=1 (CI), where they
// fail. GRAPHLOG_UPDATE_SCREENSHOT=1 writes the screenshots in docs/
// (viewer.png, viewer-large.png, viewer-neighbourhood.png,
// viewer-whatif.png).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"maps"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/graphlog/graphlog/api"
)

// viewerTimeout bounds each wait for the page; generous, because CI
// machines run Chromium slowly, and a wait ends as soon as its condition
// holds.
const viewerTimeout = 30 * time.Second

// chromiumPath finds the browser, or skips (fails when one is required).
func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("CHROME_PATH"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("GRAPHLOG_REQUIRE_BROWSER") == "1" {
		t.Fatal("no Chromium found (chromium, chromium-browser or $CHROME_PATH) and GRAPHLOG_REQUIRE_BROWSER=1")
	}
	t.Skip("no Chromium found (chromium, chromium-browser or $CHROME_PATH); set GRAPHLOG_REQUIRE_BROWSER=1 to fail instead")
	return ""
}

// browserPage is one tab of a headless Chromium that lives as long as the
// test. Uncaught exceptions and console errors on the page fail the test:
// a viewer that throws is broken even when the numbers come out right.
type browserPage struct {
	t   testing.TB
	ctx context.Context
}

func newBrowserPage(t testing.TB) *browserPage {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root in containers
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	p := &browserPage{t: t, ctx: ctx}
	p.watchConsole()
	return p
}

// watchConsole fails the test on the page's uncaught exceptions and
// unhandled rejections, and logs its other console errors (a 401 the
// page answers with a token prompt is one, by design).
func (p *browserPage) watchConsole() {
	msgs := chromedp.Console(p.ctx)
	var mu sync.Mutex
	var seen []chromedp.ConsoleMessage
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				mu.Lock()
				seen = append(seen, m)
				mu.Unlock()
			}
		}
	}()
	p.t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range seen {
			if m.IsException() {
				p.t.Errorf("page threw: %s at %s:%d", m.Text, m.URL, m.Line+1)
			} else {
				p.t.Logf("page console: %s", m)
			}
		}
	})
}

// run runs actions with a bound on how long they may take.
func (p *browserPage) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, viewerTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) into out.
func (p *browserPage) eval(expr string, out any) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, viewerTimeout)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("evaluating %s: %v", expr, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			p.t.Fatalf("evaluating %s: decoding %s: %v", expr, raw, err)
		}
	}
}

// waitFor polls a JavaScript condition until it is true; on a timeout it
// says what the page's hook held, which is what one needs to debug.
func (p *browserPage) waitFor(what, cond string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, viewerTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.Poll[bool](cond,
		chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(viewerTimeout)))
	if err != nil {
		var state string
		dump, _ := chromedp.Run(p.ctx, chromedp.Evaluate[string](`JSON.stringify(window.graphlog ? {
			ready: graphlog.ready, graph: graphlog.graph, mode: graphlog.mode, version: graphlog.version,
			liveVersion: graphlog.liveVersion, counts: graphlog.counts(), diff: graphlog.diffCounts(),
			error: document.getElementById("error").textContent} : "no hook")`))
		state = dump
		p.t.Fatalf("waiting for %s (%s): %v; page: %s", what, cond, err, state)
	}
}

// drawn is what window.graphlog.counts() reports.
type drawn struct {
	Nodes int `json:"nodes"`
	Edges int `json:"edges"`
}

type diffDrawn struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
}

// positions are the drawn nodes' layout positions, in world units.
func (p *browserPage) positions() map[string][2]float64 {
	p.t.Helper()
	var out map[string][2]float64
	p.eval(`graphlog.positions()`, &out)
	return out
}

func (p *browserPage) counts() drawn {
	p.t.Helper()
	var d drawn
	p.eval(`graphlog.counts()`, &d)
	return d
}

// waitDrawn waits until the page is ready showing graphID at version in
// mode, then returns what it drew.
func (p *browserPage) waitDrawn(graphID, mode string, version uint64) drawn {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%s v%d drawn in %s mode", graphID, version, mode),
		fmt.Sprintf(`window.graphlog && graphlog.ready && graphlog.graph === %q && graphlog.mode === %q && graphlog.version === %d`,
			graphID, mode, version))
	return p.counts()
}

// setRange moves a range input as a user would: value, then the input and
// change events the page listens to.
func (p *browserPage) setRange(id string, value uint64) {
	p.t.Helper()
	p.eval(fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		el.value = %q;
		el.dispatchEvent(new Event("input", {bubbles: true}));
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return el.value;
	})()`, id, fmt.Sprint(value)), nil)
}

// counted reads the graph (at version, if not 0) from the API.
func counted(t testing.TB, c *client, graphID string, version uint64) (drawn, uint64) {
	t.Helper()
	path := "/v1/graphs/" + graphID
	if version > 0 {
		path += fmt.Sprintf("?version=%d", version)
	}
	var g api.Graph
	status, e, err := c.do("GET", path, nil, &g)
	if err != nil || status != http.StatusOK {
		t.Fatalf("GET %s: %d %+v %v", path, status, e, err)
	}
	return drawn{Nodes: len(g.Nodes), Edges: len(g.Edges)}, g.Version
}

func typedNode(id, typ string, props map[string]any) map[string]any {
	return map[string]any{"type": "NodeAdded", "node_id": id, "node_type": typ, "properties": props}
}

func typedEdge(id, from, to, typ string) map[string]any {
	return map[string]any{"type": "EdgeAdded", "edge_id": id, "source_id": from, "target_id": to, "edge_type": typ}
}

// buildHistory gives graphID six versions: five that add nodes and edges
// (one with an update), then one that removes a node with its edges.
func buildHistory(c *client, graphID string) {
	c.mustSubmit(graphID, events(typedNode("a", "person", map[string]any{"name": "Ada"}), typedNode("b", "person", nil)))
	c.mustSubmit(graphID, events(typedNode("c", "project", nil), typedEdge("ab", "a", "b", "knows"), typedEdge("ac", "a", "c", "owns")))
	c.mustSubmit(graphID, events(typedNode("d", "person", nil), typedNode("e", "project", nil), typedEdge("bd", "b", "d", "knows")))
	c.mustSubmit(graphID, events(typedEdge("de", "d", "e", "owns"), typedEdge("ce", "c", "e", "depends"),
		map[string]any{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"age": 36}}))
	c.mustSubmit(graphID, events(typedNode("f", "person", nil), typedEdge("fa", "f", "a", "knows"), typedEdge("fc", "f", "c", "owns")))
	c.mustSubmit(graphID, events(map[string]any{"type": "NodeRemoved", "node_id": "b"}))
}

// TestViewerListHistoryAndDiff opens the page, picks a graph from the
// list, then moves through its history and diffs two versions, checking
// each picture against the API.
func TestViewerListHistoryAndDiff(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	buildHistory(c, "history")
	c.mustSubmit("other", events(addNode("x")))
	page := newBrowserPage(t)

	// (a) The list shows both graphs with their versions; a click draws one.
	page.run(chromedp.Navigate(base + "/"))
	page.run(chromedp.WaitVisible(chromedp.CSS(`#graph-list button[data-graph="history"]`)))
	page.waitFor("the list shows versions", `[...document.querySelectorAll("#graph-list .meta")].map(e => e.textContent).join("|").includes("v6")`)
	page.run(chromedp.Click(chromedp.CSS(`#graph-list button[data-graph="history"]`)))
	want, version := counted(t, c, "history", 0)
	if version != 6 {
		t.Fatalf("the graph is at version %d, want 6", version)
	}
	if got := page.waitDrawn("history", "live", 6); got != want {
		t.Fatalf("live: drew %+v, the API has %+v", got, want)
	}

	// (b) The slider goes back in time: every version drawn as the API
	// answers it.
	for _, v := range []uint64{2, 4, 1, 5} {
		page.setRange("slider", v)
		want, _ := counted(t, c, "history", v)
		if got := page.waitDrawn("history", "history", v); got != want {
			t.Fatalf("version %d: drew %+v, the API has %+v", v, got, want)
		}
	}
	var label string
	page.eval(`document.getElementById("version-label").textContent`, &label)
	if !strings.HasPrefix(label, "v5 of 6 · ") {
		t.Fatalf("version label %q, want v5 of 6 with its recorded time", label)
	}

	// (d) Diff from version 1 to 6: everything marked as the API says.
	page.run(chromedp.Click(chromedp.ID("diff-btn")))
	page.waitDrawn("history", "diff", 5)
	page.setRange("diff-from", 1)
	page.setRange("slider", 6)
	page.waitDrawn("history", "diff", 6)
	var d api.Diff
	if status, e, err := c.do("GET", "/v1/graphs/history/diff?from=1&to=6", nil, &d); err != nil || status != 200 {
		t.Fatalf("diff: %d %+v %v", status, e, err)
	}
	wantDiff := diffDrawn{
		Added:   len(d.Nodes.Added) + len(d.Edges.Added),
		Removed: len(d.Nodes.Removed) + len(d.Edges.Removed),
		Changed: len(d.Nodes.Changed) + len(d.Edges.Changed),
	}
	if wantDiff.Added == 0 || wantDiff.Removed == 0 || wantDiff.Changed == 0 {
		t.Fatalf("the history should add, remove and change something between 1 and 6: %+v", wantDiff)
	}
	var gotDiff diffDrawn
	page.eval(`graphlog.diffCounts()`, &gotDiff)
	if gotDiff != wantDiff {
		t.Fatalf("diff 1→6 marked %+v, the API has %+v", gotDiff, wantDiff)
	}
	want, _ = counted(t, c, "history", 6)
	if got := page.counts(); got != want {
		t.Fatalf("diff 1→6 drew %+v present elements, version 6 has %+v", got, want)
	}

	// Live again: the present.
	page.run(chromedp.Click(chromedp.ID("live-btn")))
	want, _ = counted(t, c, "history", 0)
	if got := page.waitDrawn("history", "live", 6); got != want {
		t.Fatalf("back to live: drew %+v, the API has %+v", got, want)
	}
}

// TestViewerLive checks that transactions submitted while the page is open
// are drawn without a reload, removals (with their edges) included, and
// that the live view keeps following while the user looks at the past.
func TestViewerLive(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("live", events(addNode("a"), addNode("b"), addEdge("ab", "a", "b")))
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=live"))
	if got := page.waitDrawn("live", "live", 1); got != (drawn{2, 1}) {
		t.Fatalf("first drawing: %+v, want 2 nodes and 1 edge", got)
	}
	page.waitFor("the live stream is open", `document.getElementById("status").dataset.kind === "live"`)
	page.eval(`window.sameDocument = true`, nil)
	before := page.positions()

	c.mustSubmit("live", events(addNode("c"), addEdge("bc", "b", "c"), addEdge("ca", "c", "a")))
	if got := page.waitDrawn("live", "live", 2); got != (drawn{3, 3}) {
		t.Fatalf("after adding: %+v, want 3 nodes and 3 edges", got)
	}
	// Nodes that were there stay put; the new one lands by its neighbours.
	after := page.positions()
	for id, p := range before {
		if after[id] != p {
			t.Errorf("node %s moved from %v to %v", id, p, after[id])
		}
	}
	if d := math.Hypot(after["c"][0]-after["a"][0], after["c"][1]-after["a"][1]); d > 200 {
		t.Errorf("new node c is %.0f units from its neighbour a; want it placed nearby", d)
	}
	c.mustSubmit("live", events(map[string]any{"type": "NodeRemoved", "node_id": "b"}))
	want, _ := counted(t, c, "live", 0)
	if got := page.waitDrawn("live", "live", 3); got != want {
		t.Fatalf("after removing b: %+v, the API has %+v", got, want)
	}

	// In the past, the live state follows on; Live shows it.
	page.setRange("slider", 1)
	page.waitDrawn("live", "history", 1)
	c.mustSubmit("live", events(addNode("d"), addEdge("ad", "a", "d")))
	page.waitFor("the live version to move on", `graphlog.liveVersion === 4 && document.getElementById("slider").max === "4"`)
	if got := page.counts(); got != (drawn{2, 1}) {
		t.Fatalf("version 1 changed while looking at it: %+v", got)
	}
	page.run(chromedp.Click(chromedp.ID("live-btn")))
	want, _ = counted(t, c, "live", 0)
	if got := page.waitDrawn("live", "live", 4); got != want {
		t.Fatalf("back to live: %+v, the API has %+v", got, want)
	}
	var same bool
	page.eval(`window.sameDocument === true`, &same)
	if !same {
		t.Fatal("the page was reloaded")
	}

	// A change arriving live is drawn as the server computed it: the
	// properties it set and removed, the edge it turned round, marked as
	// it lands; the state drawn is the API's, element for element.
	c.mustSubmit("live", events(
		map[string]any{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"name": "Ada", "age": 36, "nick": nil}},
		map[string]any{"type": "EdgeRemoved", "edge_id": "ad"}, addEdge("ad", "d", "a"),
		addNode("e")))
	page.waitDrawn("live", "live", 5)
	var flashed []string
	page.eval(`graphlog.flashed()`, &flashed)
	for _, key := range []string{"node:a", "node:e", "edge:ad"} {
		if !slices.Contains(flashed, key) {
			t.Errorf("after the live change, %s is not marked; marked: %v", key, flashed)
		}
	}
	checkElements(t, page, c, "live")
	c.mustSubmit("live", events(map[string]any{"type": "NodeUpdated", "node_id": "a", "unset": []string{"age"}}))
	page.waitDrawn("live", "live", 6)
	checkElements(t, page, c, "live")

	// Following stops (as when the page is left) and starts again from
	// the live version: what was committed meanwhile arrives, once.
	page.eval(`graphlog.follow(false)`, nil)
	c.mustSubmit("live", events(addNode("f"), addEdge("fe", "f", "e")))
	c.mustSubmit("live", events(map[string]any{"type": "NodeRemoved", "node_id": "d"}))
	page.eval(`graphlog.follow(true)`, nil)
	page.waitDrawn("live", "live", 8)
	checkElements(t, page, c, "live")
}

// checkElements compares the state the page draws with GET of the graph
// at the same version, properties included.
func checkElements(t *testing.T, page *browserPage, c *client, graphID string) {
	t.Helper()
	var drawnState struct {
		Version uint64     `json:"version"`
		Nodes   []api.Node `json:"nodes"`
		Edges   []api.Edge `json:"edges"`
	}
	page.eval(`graphlog.elements()`, &drawnState)
	var g api.Graph
	path := fmt.Sprintf("/v1/graphs/%s?version=%d", graphID, drawnState.Version)
	if status, e, err := c.do("GET", path, nil, &g); err != nil || status != 200 {
		t.Fatalf("GET %s: %d %+v %v", path, status, e, err)
	}
	got, _ := json.Marshal([]any{drawnState.Nodes, drawnState.Edges})
	want, _ := json.Marshal([]any{g.Nodes, g.Edges})
	if string(got) != string(want) {
		t.Fatalf("version %d drawn:\n %s\nthe API has:\n %s", drawnState.Version, got, want)
	}
}

// TestViewerSurvivesReloads reloads the page more often than a browser
// opens connections to one host (six): a page that kept its live stream
// after being left would make the next load wait forever.
func TestViewerSurvivesReloads(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("reload", events(addNode("a"), addNode("b"), addEdge("ab", "a", "b")))
	page := newBrowserPage(t)
	for range 9 {
		_, d := firstRender(t, page, base, "reload", 1)
		if d != (drawn{2, 1}) {
			t.Fatalf("load %d drew %+v, want 2 nodes and 1 edge", loads, d)
		}
		page.waitFor("the live stream is open", `document.getElementById("status").dataset.kind === "live"`)
	}
}

// TestViewerReplay plays the whole history and checks that it passes
// through the versions and ends drawing the present.
func TestViewerReplay(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	buildHistory(c, "replay")
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=replay"))
	page.waitDrawn("replay", "live", 6)
	before := page.positions()

	// Record every version the replay draws.
	page.eval(`(() => {
		window.seen = [];
		const tick = () => {
			if (graphlog.mode === "play" && graphlog.version !== window.seen[window.seen.length - 1]) window.seen.push(graphlog.version);
			if (!window.stopWatching) requestAnimationFrame(tick);
		};
		tick();
	})()`, nil)
	page.run(chromedp.SetValue(chromedp.ID("speed"), "16"), chromedp.Click(chromedp.ID("play-btn")))
	want, _ := counted(t, c, "replay", 0)
	if got := page.waitDrawn("replay", "history", 6); got != want {
		t.Fatalf("after the replay: %+v, the API has %+v", got, want)
	}
	// Until the first frame arrives the page still shows version 6; from
	// the empty keyframe on, versions only grow, one transaction a frame.
	var seen []int
	page.eval(`window.stopWatching = true, window.seen`, &seen)
	start := slices.Index(seen, 0)
	if start < 0 || len(seen[start:]) < 4 || !slices.IsSorted(seen[start:]) {
		t.Fatalf("the replay drew versions %v; want 0 (empty), then most versions in order", seen)
	}
	if after := page.positions(); !maps.Equal(after, before) {
		t.Fatalf("the replay moved nodes:\n before %v\n after  %v", before, after)
	}
}

// TestViewerAsksForToken checks the path of a node with --http-token: the
// page asks for the token, keeps it, and both its reads and its live
// stream work with it.
func TestViewerAsksForToken(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.HTTP.Token = "s3cret"
	_, base := startNode(t, cfg)
	submit := func(body any) {
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+"/v1/graphs/locked/transactions", bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("submit with the token: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	submit(events(addNode("a"), addNode("b"), addEdge("ab", "a", "b")))
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=locked"))
	page.run(chromedp.WaitVisible(chromedp.ID("auth-token")))
	page.run(chromedp.SetValue(chromedp.ID("auth-token"), "s3cret"),
		chromedp.Click(chromedp.CSS(`#auth-form button[type="submit"]`)))
	if got := page.waitDrawn("locked", "live", 1); got != (drawn{2, 1}) {
		t.Fatalf("after the token: %+v, want 2 nodes and 1 edge", got)
	}
	var stored string
	page.eval(`localStorage.getItem("graphlog.token")`, &stored)
	if stored != "s3cret" {
		t.Fatalf("stored token %q", stored)
	}
	page.waitFor("the live stream is open", `document.getElementById("status").dataset.kind === "live"`)
	submit(events(addNode("c")))
	if got := page.waitDrawn("locked", "live", 2); got != (drawn{3, 1}) {
		t.Fatalf("live with the token: %+v, want 3 nodes and 1 edge", got)
	}
}

// demoEvents is a small organisation: people, teams, services and
// datastores, about thirty nodes, built in a few transactions.
func demoEvents() []map[string]any {
	var txs []map[string]any
	teams := []string{"platform", "payments", "search"}
	var tx []map[string]any
	for _, team := range teams {
		tx = append(tx, typedNode(team, "team", map[string]any{"name": team, "floor": len(team) % 4}))
	}
	people := []struct{ id, name, team string }{
		{"ada", "Ada", "platform"}, {"grace", "Grace", "platform"}, {"linus", "Linus", "platform"},
		{"barbara", "Barbara", "payments"}, {"ken", "Ken", "payments"}, {"margaret", "Margaret", "payments"},
		{"edsger", "Edsger", "search"}, {"donald", "Donald", "search"}, {"frances", "Frances", "search"},
		{"dennis", "Dennis", "platform"},
	}
	for _, p := range people {
		tx = append(tx, typedNode(p.id, "person", map[string]any{"name": p.name, "role": "engineer"}),
			typedEdge(p.id+"-in-"+p.team, p.id, p.team, "member_of"))
	}
	txs = append(txs, events(tx...))
	tx = nil
	services := []struct{ id, team string }{
		{"gateway", "platform"}, {"auth", "platform"}, {"billing", "payments"}, {"ledger", "payments"},
		{"checkout", "payments"}, {"indexer", "search"}, {"query", "search"}, {"ranker", "search"},
		{"notifier", "platform"}, {"metrics", "platform"},
	}
	for i, s := range services {
		tx = append(tx, typedNode(s.id, "service", map[string]any{"name": s.id, "language": []string{"go", "rust", "java"}[i%3], "replicas": 2 + i%3}),
			typedEdge(s.team+"-owns-"+s.id, s.team, s.id, "owns"))
	}
	txs = append(txs, events(tx...))
	tx = nil
	for _, db := range []string{"postgres", "redis", "elastic", "kafka", "s3"} {
		tx = append(tx, typedNode(db, "datastore", map[string]any{"name": db}))
	}
	calls := [][2]string{{"gateway", "auth"}, {"gateway", "checkout"}, {"gateway", "query"}, {"checkout", "billing"},
		{"billing", "ledger"}, {"checkout", "notifier"}, {"query", "ranker"}, {"ranker", "indexer"}, {"auth", "metrics"},
		{"billing", "metrics"}, {"query", "metrics"}}
	for _, cl := range calls {
		tx = append(tx, typedEdge(cl[0]+"-calls-"+cl[1], cl[0], cl[1], "calls"))
	}
	uses := [][2]string{{"auth", "postgres"}, {"auth", "redis"}, {"ledger", "postgres"}, {"billing", "kafka"},
		{"notifier", "kafka"}, {"indexer", "elastic"}, {"query", "elastic"}, {"ranker", "redis"}, {"metrics", "s3"}}
	for _, u := range uses {
		tx = append(tx, typedEdge(u[0]+"-uses-"+u[1], u[0], u[1], "uses"))
	}
	txs = append(txs, events(tx...))
	txs = append(txs, events(
		map[string]any{"type": "NodeUpdated", "node_id": "gateway", "set": map[string]any{"replicas": 6, "tier": "edge"}},
		typedNode("fraud", "service", map[string]any{"name": "fraud", "language": "python", "replicas": 2}),
		typedEdge("payments-owns-fraud", "payments", "fraud", "owns"),
		typedEdge("checkout-calls-fraud", "checkout", "fraud", "calls"),
		typedEdge("fraud-uses-redis", "fraud", "redis", "uses"),
	))
	return txs
}

// TestViewerScreenshot draws a demo graph with an element inspected and
// saves a screenshot, docs/viewer.png (see screenshot).
func TestViewerScreenshot(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	for _, tx := range demoEvents() {
		c.mustSubmit("demo", tx)
	}
	want, version := counted(t, c, "demo", 0)
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=demo"))
	if got := page.waitDrawn("demo", "live", version); got != want {
		t.Fatalf("demo: drew %+v, the API has %+v", got, want)
	}
	// A click on a node opens its details, as a user would see them.
	var at [2]float64
	page.eval(`graphlog.screenPosition("gateway")`, &at)
	page.run(chromedp.MouseClickXY(at[0], at[1]))
	page.waitFor("the details panel", `!document.getElementById("panel").hidden && document.getElementById("panel-fields").textContent.includes("gateway")`)
	page.waitFor("the graph list", `document.querySelector('#graph-list button[data-graph="demo"] .meta').textContent !== ""`)
	page.screenshot("viewer.png")
}

// screenshot saves the page as name: in the test's directory, or in docs/
// (for the README) with GRAPHLOG_UPDATE_SCREENSHOT=1.
func (p *browserPage) screenshot(name string) {
	t := p.t
	t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, viewerTimeout)
	defer cancel()
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1280 || b.Dy() != 800 {
		t.Fatalf("screenshot is %v, want 1280×800", b)
	}
	if n := colours(img); n < 8 {
		t.Fatalf("the screenshot has %d colours; the graph was not drawn", n)
	}
	path := filepath.Join(t.TempDir(), name)
	if os.Getenv("GRAPHLOG_UPDATE_SCREENSHOT") == "1" {
		path = filepath.Join("..", "..", "docs", name)
	}
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// colours counts the distinct colours of img, up to 1,000.
func colours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 1000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}

// bigGraph submits nodes nodes and edges edges, each transaction at most
// 1,000 events, and returns the graph's version. Node n0042 has type
// type0 to type5, and properties i (42) and group (g0 to g6).
func bigGraph(t testing.TB, c *client, graphID string, nodes, edges int) uint64 {
	t.Helper()
	var batch []map[string]any
	var version uint64
	flush := func() {
		if len(batch) > 0 {
			version = c.mustSubmit(graphID, events(batch...)).Version
			batch = nil
		}
	}
	add := func(ev map[string]any) {
		batch = append(batch, ev)
		if len(batch) == 1000 {
			flush()
		}
	}
	for i := range nodes {
		add(typedNode(fmt.Sprintf("n%04d", i), fmt.Sprintf("type%d", i%6), map[string]any{"i": i, "group": fmt.Sprintf("g%d", i%7)}))
	}
	flush()
	// A sparse random-looking graph: edge i leaves node i (modulo nodes)
	// for one picked by a fixed linear congruential sequence, so every run
	// draws the same.
	x := uint32(12345)
	for i := range edges {
		x = x*1664525 + 1013904223
		add(typedEdge(fmt.Sprintf("e%04d", i), fmt.Sprintf("n%04d", i%nodes), fmt.Sprintf("n%04d", int(x>>8)%nodes), fmt.Sprintf("rel%d", i%3)))
	}
	flush()
	return version
}

// loads counts page loads, to make each URL new.
var loads int

// firstRender loads the viewer on graphID in a fresh document and returns
// renderedMs: from navigation start to the first full drawing.
func firstRender(t testing.TB, page *browserPage, site, graphID string, version uint64) (float64, drawn) {
	t.Helper()
	// A query the page ignores makes every load a new document, not a
	// jump within the last one.
	loads++
	page.run(chromedp.Navigate(fmt.Sprintf("%s/?load=%d#graph=%s", site, loads, graphID)))
	d := page.waitDrawn(graphID, "live", version)
	var ms float64
	page.eval(`graphlog.renderedMs`, &ms)
	return ms, d
}

// TestViewerFirstRender2000 draws a graph of 2,000 elements and logs how
// long the first drawing took.
func TestViewerFirstRender2000(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	version := bigGraph(t, c, "big", 1000, 1000)
	page := newBrowserPage(t)
	ms, d := firstRender(t, page, base, "big", version)
	if d != (drawn{1000, 1000}) {
		t.Fatalf("drew %+v, want 1000 nodes and 1000 edges", d)
	}
	var parts map[string]float64
	page.eval(`graphlog.lastLoad`, &parts)
	t.Logf("first render of 1,000 nodes + 1,000 edges: %.0f ms from navigation start (fetch %.0f ms, layout %.0f ms, paint %.0f ms)",
		ms, parts["fetchMs"], parts["layoutMs"], parts["drawMs"])
	if ms <= 0 || ms > 10000 {
		t.Fatalf("renderedMs = %.0f, want a time between 0 and 10 s", ms)
	}
	// The layout settles over frames, sliced by time; the same graph gives
	// the same picture however the slices fell.
	page.waitFor("the layout to settle", `graphlog.settled`)
	first := page.positions()
	firstRender(t, page, base, "big", version)
	page.waitFor("the layout to settle", `graphlog.settled`)
	if again := page.positions(); len(first) != 1000 || !maps.Equal(again, first) {
		t.Fatalf("a second load laid out %d nodes differently from the first (%d)", len(again), len(first))
	}
}

// BenchmarkViewerFirstRender measures, per iteration, a fresh page load
// of a graph of 2,000 elements (1,000 nodes and as many edges) and of
// 10,000 (4,000 nodes and 6,000 edges) up to its first full drawing, as
// the page measures it: ms/render from navigation start (the page, its
// scripts, the graph's read, its placement and painting), ms/drawn from
// selecting the graph (window.__graphlogRenderMs: read, placement,
// painting), ms/frame from selecting it to the next frame.
//
//	go test -run '^$' -bench BenchmarkViewerFirstRender -benchtime 5x ./cmd/node
func BenchmarkViewerFirstRender(b *testing.B) {
	for _, size := range []struct {
		name         string
		nodes, edges int
	}{{"2000", 1000, 1000}, {"10000", 4000, 6000}} {
		b.Run(size.name, func(b *testing.B) {
			_, base := startNode(b, testConfig(b.TempDir()))
			c := newClient(b, base)
			version := bigGraph(b, c, "big", size.nodes, size.edges)
			page := newBrowserPage(b)
			firstRender(b, page, base, "big", version) // warm the browser's caches and the grain
			var total, drawn, frame float64
			b.ResetTimer()
			for range b.N {
				ms, _ := firstRender(b, page, base, "big", version)
				rt := page.renderTimes()
				total += ms
				drawn += rt.TotalMs
				frame += rt.FrameMs
			}
			b.ReportMetric(total/float64(b.N), "ms/render")
			b.ReportMetric(drawn/float64(b.N), "ms/drawn")
			b.ReportMetric(frame/float64(b.N), "ms/frame")
		})
	}
}

// renderTimes is what the page measured of the last graph it selected
// (graphlog.lastLoad in web/assets/hook.js), in milliseconds from its
// selection.
type renderTimes struct {
	FetchMs  float64 `json:"fetchMs"`  // reading it from the API
	LayoutMs float64 `json:"layoutMs"` // placing its nodes
	DrawMs   float64 `json:"drawMs"`   // painting it
	TotalMs  float64 `json:"totalMs"`  // the three: selected to drawn
	FrameMs  float64 `json:"frameMs"`  // selected to the frame after the painting
}

func (p *browserPage) renderTimes() renderTimes {
	p.t.Helper()
	p.waitFor("the frame after the first drawing", `graphlog.lastLoad && graphlog.lastLoad.frameMs !== null`)
	var r renderTimes
	p.eval(`graphlog.lastLoad`, &r)
	return r
}

// labelCounts is what graphlog.labels() reports of the last frame.
type labelCounts struct {
	Drawn  int  `json:"drawn"`  // node labels written
	InView int  `json:"inView"` // nodes in view
	All    bool `json:"all"`    // zoomed in enough for every label
}

func (p *browserPage) labels() labelCounts {
	p.t.Helper()
	var l labelCounts
	p.eval(`graphlog.labels()`, &l)
	return l
}

// TestViewerFirstRender10000 draws 4,000 nodes and 6,000 edges: every
// element is drawn, zoomed out only some nodes are labelled, zoomed in
// every node in view is, and the layout settles. It logs how long the
// first drawing took, how long the layout took to settle after it, and
// how frames fared while dragging the drawing; it never fails on time, a
// slow machine being no fault of the viewer's.
func TestViewerFirstRender10000(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	version := bigGraph(t, c, "big", 4000, 6000)
	page := newBrowserPage(t)
	ms, d := firstRender(t, page, base, "big", version)
	if d != (drawn{4000, 6000}) {
		t.Fatalf("drew %+v, want 4000 nodes and 6000 edges", d)
	}
	rt := page.renderTimes()
	t.Logf("first render of 4,000 nodes + 6,000 edges: %.0f ms from selecting the graph to its drawing (fetch %.0f ms, placement %.0f ms, paint %.0f ms), %.0f ms to the next frame; %.0f ms from navigation start",
		rt.TotalMs, rt.FetchMs, rt.LayoutMs, rt.DrawMs, rt.FrameMs, ms)

	// Zoomed out to the whole graph, the labels are few, and they say what
	// the largest nodes are.
	l := page.labels()
	if l.All || l.InView != 4000 || l.Drawn == 0 || l.Drawn > l.InView/10 {
		t.Fatalf("zoomed out: %+v; want labels on a few of the 4000 nodes in view", l)
	}
	page.waitFor("the layout to settle", `graphlog.settled`)
	var settledMs float64
	page.eval(`performance.now() - graphlog.renderedMs`, &settledMs)
	t.Logf("the layout settled within %.0f ms of the first drawing", settledMs)
	page.eval(`graphlog.fit()`, nil)
	if got := page.counts(); got != (drawn{4000, 6000}) {
		t.Fatalf("settled: drew %+v, want 4000 nodes and 6000 edges", got)
	}
	if l := page.labels(); l.All || l.Drawn == 0 || l.Drawn > l.InView/10 {
		t.Fatalf("settled, zoomed out: %+v; want labels on a few nodes", l)
	}

	pan := page.pan(60)
	t.Logf("dragging the drawing for %d frames: %d drew the nodes and edges anew, frames took %.1f ms on average and %.1f ms at most; %d of %d intervals between frames were over 25 ms",
		pan.Frames, pan.Redrawn, pan.MeanMs, pan.MaxMs, pan.Gaps, pan.Intervals)
	if got := page.counts(); got != (drawn{4000, 6000}) {
		t.Fatalf("after the drag: drew %+v, want 4000 nodes and 6000 edges", got)
	}

	// Zoomed in, every node in view has its label.
	page.eval(`graphlog.zoomTo(2)`, nil)
	if l := page.labels(); !l.All || l.InView == 0 || l.Drawn != l.InView {
		t.Fatalf("zoomed in: %+v; want every node in view labelled", l)
	}
}

// panStats is how frames fared while the mouse dragged the drawing.
type panStats struct {
	Frames    int     `json:"frames"`    // frames the view drew
	Redrawn   int     `json:"redrawn"`   // of which drew nodes and edges anew (else moved the last drawing)
	MeanMs    float64 `json:"meanMs"`    // work per frame
	MaxMs     float64 `json:"maxMs"`     // the longest frame's work
	Intervals int     `json:"intervals"` // between animation frames
	Gaps      int     `json:"gaps"`      // intervals over 25 ms: frames dropped
}

// pan drags the drawing with the mouse by steps moves, one every 16 ms,
// and reports the view's frames (graphlog.frames()) and the intervals
// between animation frames meanwhile.
func (p *browserPage) pan(steps int) panStats {
	p.t.Helper()
	var box struct{ X, Y, W, H float64 }
	p.eval(`(() => { const r = document.getElementById("canvas").getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; })()`, &box)
	x, y := box.X+box.W/2, box.Y+box.H/2
	p.eval(`(() => {
		window.panFrom = performance.now();
		window.panTicks = [];
		window.panDone = false;
		const tick = (t) => { panTicks.push(t); if (!panDone) requestAnimationFrame(tick); };
		requestAnimationFrame(tick);
	})()`, nil)
	held := func(ev *input.DispatchMouseEventParams) { ev.Button = input.MouseButtonLeft; ev.Buttons = 1 }
	p.run(chromedp.MouseEvent(chromedp.MousePressed, x, y, held, chromedp.ClickCount(1)))
	for i := 1; i <= steps; i++ {
		p.run(chromedp.MouseEvent(chromedp.MouseMoved, x+float64(i)*4, y+float64(i)*2, held))
		time.Sleep(16 * time.Millisecond)
	}
	p.run(chromedp.MouseEvent(chromedp.MouseReleased, x+float64(steps)*4, y+float64(steps)*2, held, chromedp.ClickCount(1)))
	var st panStats
	p.eval(`(() => {
		window.panDone = true;
		const frames = graphlog.frames().filter((f) => f.at >= panFrom);
		const gaps = panTicks.slice(1).map((t, i) => t - panTicks[i]);
		return {
			frames: frames.length, redrawn: frames.filter((f) => f.base).length,
			meanMs: frames.reduce((s, f) => s + f.ms, 0) / Math.max(1, frames.length),
			maxMs: Math.max(0, ...frames.map((f) => f.ms)),
			intervals: gaps.length, gaps: gaps.filter((g) => g > 25).length,
		};
	})()`, &st)
	return st
}

// choose picks value in a select as a user would: the value, then the
// change event the page listens to.
func (p *browserPage) choose(id, value string) {
	p.t.Helper()
	var got string
	p.eval(fmt.Sprintf(`(() => {
		const el = document.getElementById(%q);
		el.value = %q;
		el.dispatchEvent(new Event("change", {bubbles: true}));
		return el.value;
	})()`, id, value), &got)
	if got != value {
		p.t.Fatalf("select %s has no option %q", id, value)
	}
}

// TestViewerSizeAndColour sizes and colours nodes by their properties
// instead of degree and type, and checks the legend against the API's
// graph.
func TestViewerSizeAndColour(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	version := bigGraph(t, c, "styled", 400, 600)
	_, g := c.graph("styled")
	whole := drawn{len(g.Nodes), len(g.Edges)}
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=styled"))
	if got := page.waitDrawn("styled", "live", version); got != whole {
		t.Fatalf("drew %+v, the API has %+v", got, whole)
	}
	var legend string
	page.eval(`document.getElementById("legend").textContent`, &legend)
	if !strings.Contains(legend, "size: degree") {
		t.Fatalf("legend %q does not say nodes are sized by degree", legend)
	}

	// Colour by a property: a colour per value, counted as the API has
	// them; by a numeric property of many values: a ramp.
	page.choose("color-by", "property:group")
	groups := map[string]int{}
	for _, n := range g.Nodes {
		groups[fmt.Sprint(n.Properties["group"])]++
	}
	var rows map[string]string
	page.eval(`Object.fromEntries([...document.querySelectorAll("#legend .legend-row")].map((r) => [r.children[1].textContent, r.children[2].textContent]))`, &rows)
	for group, n := range groups {
		if rows[group] != fmt.Sprint(n) {
			t.Errorf("legend row for group %s says %q, the API has %d nodes", group, rows[group], n)
		}
	}
	page.eval(`document.getElementById("legend").textContent`, &legend)
	if !strings.Contains(legend, "Nodes by group") {
		t.Fatalf("legend %q does not say nodes are coloured by group", legend)
	}
	page.choose("color-by", "property:i")
	var ramp bool
	page.eval(`document.querySelector("#legend .swatch.ramp") !== null`, &ramp)
	if !ramp {
		t.Fatal("colouring by i (400 values) shows no ramp in the legend")
	}
	// Size by a numeric property.
	page.choose("size-by", "property:i")
	page.eval(`document.getElementById("legend").textContent`, &legend)
	if !strings.Contains(legend, "size: i") {
		t.Fatalf("legend %q does not say nodes are sized by i", legend)
	}
	if got := page.counts(); got != whole {
		t.Fatalf("sized and coloured by properties: drew %+v, want %+v", got, whole)
	}
}

// centred fails unless node id is drawn at the middle of the canvas.
func (p *browserPage) centred(id string) {
	p.t.Helper()
	var at, middle [2]float64
	p.eval(fmt.Sprintf(`graphlog.screenPosition(%q)`, id), &at)
	p.eval(`(() => { const r = document.getElementById("canvas").getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()`, &middle)
	if math.Hypot(at[0]-middle[0], at[1]-middle[1]) > 1 {
		p.t.Fatalf("node %s is drawn at %v, not at the middle of the canvas %v", id, at, middle)
	}
}

// neighbourhoodOf counts the nodes within hops of focus in g, following
// edges both ways, and the edges between two of them: what the viewer's
// neighbourhood view must draw.
func neighbourhoodOf(g api.Graph, focus string, hops int) drawn {
	adj := map[string][]string{}
	for _, e := range g.Edges {
		adj[e.Source] = append(adj[e.Source], e.Target)
		adj[e.Target] = append(adj[e.Target], e.Source)
	}
	in := map[string]bool{focus: true}
	frontier := []string{focus}
	for range hops {
		var next []string
		for _, id := range frontier {
			for _, m := range adj[id] {
				if !in[m] {
					in[m] = true
					next = append(next, m)
				}
			}
		}
		frontier = next
	}
	d := drawn{Nodes: len(in)}
	for _, e := range g.Edges {
		if in[e.Source] && in[e.Target] {
			d.Edges++
		}
	}
	return d
}

// TestViewerFindAndNeighbourhood finds a node with the search box, shows
// its neighbourhood within one to three hops (checked against the API's
// graph), walks to a neighbour and returns to the whole graph.
func TestViewerFindAndNeighbourhood(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	version := bigGraph(t, c, "hood", 400, 600)
	_, g := c.graph("hood")
	whole := drawn{len(g.Nodes), len(g.Edges)}
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=hood"))
	if got := page.waitDrawn("hood", "live", version); got != whole {
		t.Fatalf("drew %+v, the API has %+v", got, whole)
	}

	// (a) A prefix, in any case, lists the IDs that start with it, in order.
	page.run(chromedp.Click(chromedp.ID("node-search")), chromedp.SendKeys(chromedp.ID("node-search"), "N012"))
	page.waitFor("the search results", `!document.getElementById("search-results").hidden`)
	var listed, want []string
	page.eval(`[...document.querySelectorAll("#search-results button[data-node]")].map((b) => b.dataset.node)`, &listed)
	for _, n := range g.Nodes {
		if strings.HasPrefix(n.ID, "n012") {
			want = append(want, n.ID)
		}
	}
	if !slices.Equal(listed, want) {
		t.Fatalf("searching N012 listed %v, want %v", listed, want)
	}
	// Picking one selects it, centres it and zooms in to read around it.
	page.run(chromedp.Click(chromedp.CSS(`#search-results button[data-node="n0123"]`)))
	page.waitFor("n0123 selected", `!document.getElementById("panel").hidden && document.getElementById("panel-fields").textContent.includes("n0123")`)
	page.centred("n0123")
	var tr struct{ Scale float64 }
	page.eval(`graphlog.transform()`, &tr)
	if tr.Scale < 1.5 {
		t.Fatalf("after finding n0123 the zoom is %.2f, want at least 1.5", tr.Scale)
	}
	if l := page.labels(); !l.All || l.Drawn == 0 {
		t.Fatalf("after finding n0123: labels %+v, want every node in view labelled", l)
	}

	// (b) Its neighbourhood within one, two, three hops.
	page.run(chromedp.Click(chromedp.ID("hood-btn")))
	for hops := 1; hops <= 3; hops++ {
		page.choose("hood-hops", fmt.Sprint(hops))
		page.waitFor(fmt.Sprintf("the neighbourhood within %d hops", hops),
			fmt.Sprintf(`graphlog.neighbourhood().on && graphlog.neighbourhood().hops === %d`, hops))
		if got, want := page.counts(), neighbourhoodOf(g, "n0123", hops); got != want {
			t.Fatalf("neighbourhood of n0123 within %d hops: drew %+v, want %+v", hops, got, want)
		}
	}
	var legend string
	page.eval(`document.getElementById("legend").textContent`, &legend)
	if !strings.Contains(legend, "Neighbourhood of n0123, 3 hops") {
		t.Fatalf("legend %q does not name the neighbourhood", legend)
	}

	// (c) A click on a neighbour moves the neighbourhood there.
	var next string
	for _, e := range g.Edges {
		if e.Source == "n0123" && e.Target != "n0123" {
			next = e.Target
			break
		}
	}
	if next == "" {
		t.Fatal("n0123 has no neighbour")
	}
	var at [2]float64
	page.eval(fmt.Sprintf(`graphlog.screenPosition(%q)`, next), &at)
	page.run(chromedp.MouseClickXY(at[0], at[1]))
	page.waitFor("the neighbourhood to move", fmt.Sprintf(`graphlog.neighbourhood().focus === %q`, next))
	if got, want := page.counts(), neighbourhoodOf(g, next, 3); got != want {
		t.Fatalf("neighbourhood of %s within 3 hops: drew %+v, want %+v", next, got, want)
	}

	// (d) Off again: the whole graph, centred on where the user went.
	page.run(chromedp.Click(chromedp.ID("hood-btn")))
	page.waitFor("the whole graph", `!graphlog.neighbourhood().on`)
	if got := page.counts(); got != whole {
		t.Fatalf("back to the whole graph: drew %+v, want %+v", got, whole)
	}
	page.centred(next)

}

// estateGraph submits a made-up software estate of 3,000 nodes and 6,000
// edges, as an import from a spreadsheet might give one: twelve domains
// of 250 nodes (a team, services, libraries, datastores, queues, jobs);
// teams own services, services call services (mostly of their domain,
// and the domains' gateways), use libraries, store in datastores and
// publish to queues, jobs consume queues. Calls and uses favour what is used already, so some
// nodes are hubs. It returns the graph's version.
func estateGraph(t testing.TB, c *client, graphID string) uint64 {
	t.Helper()
	domains := []string{"payments", "search", "identity", "catalog", "orders", "shipping",
		"billing", "analytics", "messaging", "media", "pricing", "support"}
	kinds := []struct {
		kind  string
		count int
	}{{"team", 1}, {"service", 90}, {"library", 70}, {"datastore", 25}, {"queue", 20}, {"job", 44}}
	x := uint32(2024)
	random := func(n int) int {
		x = x*1664525 + 1013904223
		return int(x>>8) % n
	}
	ids := map[string][][]string{} // kind → domain → IDs
	var nodes, edges []map[string]any
	for d, domain := range domains {
		for _, k := range kinds {
			if ids[k.kind] == nil {
				ids[k.kind] = make([][]string, len(domains))
			}
			for i := range k.count {
				id := fmt.Sprintf("%s-%s-%02d", domain, k.kind, i)
				if k.count == 1 {
					id = domain + "-" + k.kind
				}
				props := map[string]any{"domain": domain, "tier": 1 + random(3)}
				if k.kind == "service" {
					props["language"] = []string{"go", "java", "rust", "python"}[random(4)]
					props["requests"] = 10 << random(14)
				}
				ids[k.kind][d] = append(ids[k.kind][d], id)
				nodes = append(nodes, typedNode(id, k.kind, props))
			}
		}
	}
	degree := map[string]int{}
	// favoured picks from candidates, each as likely as its degree plus one.
	favoured := func(candidates []string) string {
		total := 0
		for _, id := range candidates {
			total += degree[id] + 1
		}
		r := random(total)
		for _, id := range candidates {
			if r -= degree[id] + 1; r < 0 {
				return id
			}
		}
		return candidates[len(candidates)-1]
	}
	link := func(from, to, typ string) {
		edges = append(edges, typedEdge(fmt.Sprintf("e%04d", len(edges)), from, to, typ))
		degree[from]++
		degree[to]++
	}
	for d := range domains {
		for _, s := range ids["service"][d] {
			link(ids["team"][d][0], s, "owns")
		}
		for _, q := range ids["queue"][d] {
			link(ids["service"][d][random(len(ids["service"][d]))], q, "publishes")
		}
		for _, j := range ids["job"][d] {
			link(j, ids["queue"][d][random(len(ids["queue"][d]))], "consumes")
		}
	}
	var gateways []string
	for d := range domains {
		gateways = append(gateways, ids["service"][d][0])
	}
	for len(edges) < 6000 {
		d := random(len(domains))
		from := ids["service"][d][random(len(ids["service"][d]))]
		switch r := random(100); {
		case r < 33:
			link(from, favoured(ids["library"][d]), "uses")
		case r < 60:
			link(from, favoured(ids["service"][d]), "calls")
		case r < 68:
			link(from, favoured(gateways), "calls")
		case r < 90:
			link(from, favoured(ids["datastore"][d]), "stores")
		default:
			link(from, favoured(ids["library"][random(len(domains))]), "uses")
		}
	}
	var version uint64
	for _, batch := range [][]map[string]any{nodes, edges} {
		for from := 0; from < len(batch); from += 1000 {
			version = c.mustSubmit(graphID, events(batch[from:min(from+1000, len(batch))]...)).Version
		}
	}
	return version
}

// TestViewerScreenshotLarge draws the 3,000-node estate coloured by
// domain, with a hub found by the search box and the labels a zoomed-out
// view keeps, then that hub's neighbourhood: docs/viewer-large.png and
// docs/viewer-neighbourhood.png (see screenshot).
func TestViewerScreenshotLarge(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	version := estateGraph(t, c, "estate")
	want, _ := counted(t, c, "estate", 0)
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=estate"))
	if got := page.waitDrawn("estate", "live", version); got != want {
		t.Fatalf("estate: drew %+v, the API has %+v", got, want)
	}
	page.waitFor("the layout to settle", `graphlog.settled`)
	page.choose("color-by", "property:domain")
	page.run(chromedp.Click(chromedp.ID("node-search")), chromedp.SendKeys(chromedp.ID("node-search"), "payments-service-0"))
	page.waitFor("the search results", `!document.getElementById("search-results").hidden`)
	page.run(chromedp.Click(chromedp.CSS(`#search-results button[data-node="payments-service-00"]`)))
	page.waitFor("the hub selected", `document.getElementById("panel-fields").textContent.includes("payments-service-00")`)
	page.eval(`graphlog.fit()`, nil)
	// The pointer over another hub names what is around it.
	var at [2]float64
	page.eval(`graphlog.screenPosition("search-service-00")`, &at)
	page.run(chromedp.MouseEvent(chromedp.MouseMoved, at[0], at[1]))
	page.waitFor("the graph list", `document.querySelector('#graph-list button[data-graph="estate"] .meta').textContent !== ""`)
	if l := page.labels(); l.All || l.Drawn == 0 || l.Drawn > l.InView/10 {
		t.Fatalf("zoomed out: %+v; want labels on a few of the nodes", l)
	}
	page.screenshot("viewer-large.png")

	page.choose("hood-hops", "2")
	page.run(chromedp.Click(chromedp.ID("hood-btn")))
	page.waitFor("the neighbourhood", `graphlog.neighbourhood().on && graphlog.settled`)
	page.run(chromedp.MouseEvent(chromedp.MouseMoved, 2, 2)) // away from the drawing
	page.screenshot("viewer-neighbourhood.png")
}

// TestViewerElementHistory clicks a node and checks that its panel lists
// the versions the history API gives for it, with their authors and
// property changes, and that clicking an entry shows that version.
func TestViewerElementHistory(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	buildHistory(c, "eh")
	c.mustSubmit("eh", map[string]any{
		"events":   []map[string]any{{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"name": "Ada L."}}},
		"metadata": map[string]any{"author": "grace"},
	})
	var h api.ElementHistory
	if status, e, err := c.do("GET", "/v1/graphs/eh/nodes/a/history", nil, &h); err != nil || status != 200 {
		t.Fatalf("history of a: %d %+v %v", status, e, err)
	}
	var want []uint64
	for _, ch := range h.Changes {
		want = append(want, ch.Version)
	}
	if len(want) < 3 {
		t.Fatalf("node a should have been touched at least three times: %v", want)
	}

	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=eh"))
	page.waitDrawn("eh", "live", 7)
	var at []float64
	page.eval(`graphlog.screenPosition("a")`, &at)
	page.run(chromedp.MouseClickXY(at[0], at[1]))
	page.waitFor("a's history read", `(() => { const h = graphlog.elementHistory(); return h.id === "a" && !h.loading; })()`)
	var got []uint64
	page.eval(`graphlog.elementHistory().versions`, &got)
	if !slices.Equal(got, want) {
		t.Fatalf("the viewer lists versions %v of a, the API %v", got, want)
	}
	var items []string
	page.eval(`[...document.querySelectorAll("#panel-history li")].map(li => li.dataset.version + " " + li.textContent)`, &items)
	if len(items) != len(want) {
		t.Fatalf("the timeline shows %d entries, the API has %d: %q", len(items), len(want), items)
	}
	last := items[len(items)-1]
	if !strings.HasPrefix(last, "7 ") || !strings.Contains(last, "by grace") || !strings.Contains(last, `name: "Ada" → "Ada L."`) {
		t.Fatalf("the last entry %q should be v7 by grace, name Ada → Ada L.", last)
	}
	if !strings.Contains(items[0], "added") {
		t.Fatalf("the first entry %q should say the node was added", items[0])
	}

	// An entry is a way to its version; the node stays selected.
	page.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`#panel-history li[data-version="%d"]`, want[1]))))
	page.waitDrawn("eh", "history", want[1])
	var slider, current string
	page.eval(`document.getElementById("slider").value`, &slider)
	page.waitFor("the entry marked current", fmt.Sprintf(`document.querySelector("#panel-history li.current")?.dataset.version === "%d"`, want[1]))
	page.eval(`document.getElementById("panel-title").textContent`, &current)
	if slider != fmt.Sprint(want[1]) || current == "" {
		t.Fatalf("after clicking v%d: slider at %s, panel title %q", want[1], slider, current)
	}
}

// TestViewerMetricChart checks the chart under the slider: as many points
// as the series API answers for the step the viewer chose, the same
// values, and a marker that follows the slider.
func TestViewerMetricChart(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	buildHistory(c, "ch")
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=ch"))
	page.waitDrawn("ch", "live", 6)

	type chart struct {
		Metric  string    `json:"metric"`
		Every   int       `json:"every"`
		Version uint64    `json:"version"`
		Points  int       `json:"points"`
		Values  []float64 `json:"values"`
		Marker  uint64    `json:"marker"`
	}
	check := func(metric string) chart {
		t.Helper()
		page.waitFor(metric+" chart read", fmt.Sprintf(`graphlog.chart()?.metric === %q`, metric))
		var ch chart
		page.eval(`graphlog.chart()`, &ch)
		var s struct {
			Points []struct {
				Version uint64  `json:"version"`
				Value   float64 `json:"value"`
			} `json:"points"`
		}
		path := fmt.Sprintf("/v1/graphs/ch/series?metric=%s&every=%d", metric, ch.Every)
		if status, e, err := c.do("GET", path, nil, &s); err != nil || status != 200 {
			t.Fatalf("GET %s: %d %+v %v", path, status, e, err)
		}
		var want []float64
		for _, p := range s.Points {
			want = append(want, p.Value)
		}
		if ch.Every != 1 || ch.Points != len(s.Points) || !slices.Equal(ch.Values, want) || len(want) == 0 {
			t.Fatalf("%s: the chart has %d points (every %d) %v, the API %d %v", metric, ch.Points, ch.Every, ch.Values, len(want), want)
		}
		return ch
	}
	if ch := check("nodes"); ch.Marker != 6 {
		t.Fatalf("marker at v%d in live mode, want 6", ch.Marker)
	}
	page.setRange("slider", 3)
	page.waitDrawn("ch", "history", 3)
	var marker uint64
	var label string
	page.eval(`graphlog.chart().marker`, &marker)
	page.eval(`document.getElementById("chart-label").textContent`, &label)
	if marker != 3 || label != "nodes 5 at v3" {
		t.Fatalf("after moving the slider to 3: marker at %d, label %q (want nodes 5 at v3)", marker, label)
	}
	page.choose("metric", "edges")
	check("edges")

	// A longer history is sampled to at most 200 points.
	for i := range 210 {
		c.mustSubmit("ch", events(addNode(fmt.Sprintf("n%d", i))))
	}
	page.waitFor("the chart follows the live graph", `graphlog.chart()?.version === 216`)
	var long chart
	page.eval(`graphlog.chart()`, &long)
	if long.Every != 2 || long.Points > 200 || long.Points < 100 {
		t.Fatalf("216 versions: every %d, %d points; want every 2 and at most 200 points", long.Every, long.Points)
	}
}
