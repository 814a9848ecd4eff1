package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/graphlog/graphlog/api"
)

// whatIfState is what window.graphlog.whatIf() reports.
type whatIfState struct {
	Open          bool   `json:"open"`
	State         string `json:"state"`
	Version       uint64 `json:"version"`
	BaseVersion   uint64 `json:"baseVersion"`
	TransactionID string `json:"transactionID"`
	Error         *struct {
		Status  int    `json:"status"`
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// diffStatuses is what window.graphlog.diffStatuses() reports: each
// marked element's status.
type diffStatuses struct {
	Node map[string]string `json:"node"`
	Edge map[string]string `json:"edge"`
}

// statusesOf says the same of a dry run's answer, as the viewer reads a
// diff: an element removed and added again is one changed element.
func statusesOf(a api.WhatIfAnswer) diffStatuses {
	out := diffStatuses{Node: map[string]string{}, Edge: map[string]string{}}
	side := func(m map[string]string, added, removed, changed []string) {
		for _, id := range removed {
			m[id] = "removed"
		}
		for _, id := range added {
			if m[id] == "removed" {
				m[id] = "changed"
			} else {
				m[id] = "added"
			}
		}
		for _, id := range changed {
			m[id] = "changed"
		}
	}
	ids := func(n int, id func(int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = id(i)
		}
		return out
	}
	side(out.Node, ids(len(a.Nodes.Added), func(i int) string { return a.Nodes.Added[i].ID }),
		ids(len(a.Nodes.Removed), func(i int) string { return a.Nodes.Removed[i].ID }),
		ids(len(a.Nodes.Changed), func(i int) string { return a.Nodes.Changed[i].ID }))
	side(out.Edge, ids(len(a.Edges.Added), func(i int) string { return a.Edges.Added[i].ID }),
		ids(len(a.Edges.Removed), func(i int) string { return a.Edges.Removed[i].ID }),
		ids(len(a.Edges.Changed), func(i int) string { return a.Edges.Changed[i].ID }))
	return out
}

// TestViewerWhatIf writes a pending transaction in the what-if panel
// (with its form and as JSON), checks that the diff drawn over the graph
// is the dry run's answer and that nothing was stored, that a refusal is
// shown as the node words it, then submits it and checks that it landed,
// with the pending transaction's ID, and that the live view drew it. It
// saves docs/viewer-whatif.png (see screenshot).
func TestViewerWhatIf(t *testing.T) {
	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	for _, tx := range demoEvents() {
		c.mustSubmit("wi", tx)
	}
	_, before := c.graph("wi")
	page := newBrowserPage(t)
	page.run(chromedp.Navigate(base + "/#graph=wi"))
	page.waitDrawn("wi", "live", before.Version)
	page.waitFor("the live stream", `document.getElementById("status").dataset.kind === "live"`)

	// The form adds a node, an edge to it, and a removal.
	page.run(chromedp.Click(chromedp.ID("whatif-btn")))
	page.waitFor("the what-if panel", `graphlog.whatIf().open`)
	add := func(kind string, fields map[string]string) {
		t.Helper()
		page.choose("whatif-kind", kind)
		for _, f := range []string{"id", "type", "source", "target"} {
			if v, ok := fields[f]; ok {
				page.run(chromedp.SetValue(chromedp.ID("whatif-"+f), v))
			}
		}
		page.run(chromedp.Click(chromedp.CSS(`#whatif-add button[type="submit"]`)))
	}
	add("node", map[string]string{"id": "search-gw", "type": "service"})
	add("edge", map[string]string{"id": "gateway-calls-search-gw", "type": "calls", "source": "gateway", "target": "search-gw"})
	add("remove-node", map[string]string{"id": "notifier"})
	var text string
	page.eval(`document.getElementById("whatif-body").value`, &text)
	var written struct {
		Events []map[string]any `json:"events"`
	}
	if err := json.Unmarshal([]byte(text), &written); err != nil || len(written.Events) != 3 ||
		written.Events[0]["type"] != "NodeAdded" || written.Events[0]["node_id"] != "search-gw" || written.Events[0]["node_type"] != "service" ||
		written.Events[1]["type"] != "EdgeAdded" || written.Events[1]["source_id"] != "gateway" || written.Events[1]["target_id"] != "search-gw" ||
		written.Events[2]["type"] != "NodeRemoved" || written.Events[2]["node_id"] != "notifier" {
		t.Fatalf("the form wrote %s (%v); want the node, the edge and the removal", text, err)
	}

	// Then JSON typed in: the same events and a change of a property.
	written.Events = append(written.Events, map[string]any{"type": "NodeUpdated", "node_id": "gateway", "set": map[string]any{"replicas": 8}})
	body, _ := json.MarshalIndent(written, "", "  ")
	setBody := func(text string) {
		t.Helper()
		page.eval(fmt.Sprintf(`(() => {
			const el = document.getElementById("whatif-body");
			el.value = %q;
			el.dispatchEvent(new Event("input", {bubbles: true}));
		})()`, text), nil)
	}
	setBody(string(body))
	page.run(chromedp.Click(chromedp.ID("whatif-preview")))
	page.waitDrawn("wi", "whatif", before.Version+1)
	page.waitFor("the dry run's answer", fmt.Sprintf(`graphlog.whatIf().state === "ready" && graphlog.whatIf().version === %d`, before.Version+1))
	var wi whatIfState
	page.eval(`graphlog.whatIf()`, &wi)

	// What the node answers for the same transaction is what is drawn.
	var answer api.WhatIfAnswer
	req := map[string]any{"events": written.Events, "transaction_id": wi.TransactionID}
	if status, e, err := c.do("POST", "/v1/graphs/wi/transactions?dry_run=true", req, &answer); err != nil || status != http.StatusOK {
		t.Fatalf("dry run: %d %+v %v", status, e, err)
	}
	if wi.BaseVersion != before.Version || answer.Version != before.Version+1 {
		t.Fatalf("the viewer's dry run: %+v; the node's would be version %d on %d", wi, answer.Version, answer.BaseVersion)
	}
	want := statusesOf(answer)
	var got diffStatuses
	page.eval(`graphlog.diffStatuses()`, &got)
	if !maps.Equal(got.Node, want.Node) || !maps.Equal(got.Edge, want.Edge) {
		t.Fatalf("the viewer marks\n %v\nthe dry run says\n %v", got, want)
	}
	// Added, removed (the node and its edges) and changed, all of them.
	if want.Node["search-gw"] != "added" || want.Edge["gateway-calls-search-gw"] != "added" || want.Node["notifier"] != "removed" ||
		want.Edge["checkout-calls-notifier"] != "removed" || want.Node["gateway"] != "changed" {
		t.Fatalf("the dry run's answer is not the one the transaction should give: %v", want)
	}
	var d diffDrawn
	page.eval(`graphlog.diffCounts()`, &d)
	if d.Added != 2 || d.Removed != len(answer.Nodes.Removed)+len(answer.Edges.Removed) || d.Changed != 1 {
		t.Fatalf("painted %+v; the dry run adds 2, removes %d, changes 1", d, len(answer.Nodes.Removed)+len(answer.Edges.Removed))
	}
	var legend, result string
	page.eval(`document.getElementById("legend").textContent`, &legend)
	page.eval(`document.getElementById("whatif-result").textContent`, &result)
	if !strings.Contains(legend, fmt.Sprintf("What if: v%d → v%d", before.Version, before.Version+1)) || !strings.Contains(legend, "added") ||
		!strings.Contains(legend, "removed") || !strings.Contains(legend, "changed") {
		t.Fatalf("legend %q; want the what-if's versions and its colours", legend)
	}
	if !strings.Contains(result, fmt.Sprintf("Would be version %d", before.Version+1)) {
		t.Fatalf("the panel says %q; want the version the transaction would get", result)
	}
	if _, g := c.graph("wi"); g.Version != before.Version {
		t.Fatalf("a preview stored something: the graph is at version %d, was %d", g.Version, before.Version)
	}
	page.waitFor("the layout to settle", `graphlog.settled`)
	page.eval(`graphlog.fit()`, nil)
	page.run(chromedp.MouseEvent(chromedp.MouseMoved, 2, 2)) // away from the drawing
	page.screenshot("viewer-whatif.png")
	var at [2]float64
	page.eval(`graphlog.screenPosition("gateway")`, &at)
	page.run(chromedp.MouseClickXY(at[0], at[1]))
	page.waitFor("the changed node's details", `document.getElementById("panel-changes").textContent.includes("replicas: 6 → 8")`)

	// A transaction the rules refuse: the node's words, nothing drawn
	// as pending, no submit.
	bad := `{"events": [{"type": "EdgeAdded", "edge_id": "x", "source_id": "gateway", "target_id": "nowhere"}]}`
	setBody(bad)
	page.run(chromedp.Click(chromedp.ID("whatif-preview")))
	page.waitFor("the refusal", `graphlog.whatIf().state === "error"`)
	page.eval(`graphlog.whatIf()`, &wi)
	var disabled bool
	page.eval(`document.getElementById("whatif-submit").disabled`, &disabled)
	page.eval(`document.getElementById("whatif-result").textContent`, &result)
	if wi.Error == nil || wi.Error.Status != http.StatusUnprocessableEntity || wi.Error.Code != api.CodeRejected ||
		!strings.Contains(result, `"nowhere" does not exist`) || !disabled {
		t.Fatalf("a refused transaction: %+v, the panel says %q, submit disabled %v", wi, result, disabled)
	}
	// One that expects a version the graph has left: 409, in its words.
	setBody(`{"expected_version": 1, "events": [{"type": "NodeAdded", "node_id": "late"}]}`)
	page.run(chromedp.Click(chromedp.ID("whatif-preview")))
	page.waitFor("the conflict", `graphlog.whatIf().error?.status === 409`)
	page.eval(`document.getElementById("whatif-result").textContent`, &result)
	if !strings.HasPrefix(result, "409 conflict: ") || !strings.Contains(result, "expected version 1") {
		t.Fatalf("a stale expected_version: the panel says %q", result)
	}
	page.waitDrawn("wi", "whatif", before.Version)
	if d := page.counts(); d != (drawn{len(before.Nodes), len(before.Edges)}) {
		t.Fatalf("with nothing pending the viewer draws %+v; the graph has %d nodes, %d edges", d, len(before.Nodes), len(before.Edges))
	}

	// Back to the good one, and submitted: it lands with the pending
	// transaction's ID, and the live view draws it.
	setBody(string(body))
	page.run(chromedp.Click(chromedp.ID("whatif-preview")))
	page.waitFor("the dry run's answer", `graphlog.whatIf().state === "ready"`)
	page.eval(`graphlog.whatIf()`, &wi)
	page.run(chromedp.Click(chromedp.ID("whatif-submit")))
	page.waitDrawn("wi", "live", before.Version+1)
	_, after := c.graph("wi")
	if after.Version != before.Version+1 {
		t.Fatalf("after submit the graph is at version %d, want %d", after.Version, before.Version+1)
	}
	var page1 api.Events
	if status, e, err := c.do("GET", fmt.Sprintf("/v1/graphs/wi/events?after_version=%d&limit=1", before.Version), nil, &page1); err != nil || status != 200 {
		t.Fatalf("events: %d %+v %v", status, e, err)
	}
	if len(page1.Events) != len(written.Events) || page1.Events[0].TransactionID != wi.TransactionID {
		t.Fatalf("version %d holds %d events of transaction %q; want %d of %q", after.Version, len(page1.Events),
			page1.Events[0].TransactionID, len(written.Events), wi.TransactionID)
	}
	checkElements(t, page, c, "wi")
	page.eval(`document.getElementById("whatif-result").textContent`, &result)
	if !strings.Contains(result, fmt.Sprintf("Stored as version %d", after.Version)) {
		t.Fatalf("after submit the panel says %q", result)
	}

	// The graph moves on under a pending transaction: it is asked again,
	// judged on the new version.
	setBody(`{"events": [{"type": "NodeAdded", "node_id": "pending"}]}`)
	page.run(chromedp.Click(chromedp.ID("whatif-preview")))
	page.waitFor("the dry run's answer", fmt.Sprintf(`graphlog.whatIf().state === "ready" && graphlog.whatIf().version === %d`, after.Version+1))
	c.mustSubmit("wi", events(addNode("meanwhile")))
	page.waitFor("the dry run asked again", fmt.Sprintf(`graphlog.whatIf().state === "ready" && graphlog.whatIf().baseVersion === %d && graphlog.whatIf().version === %d`,
		after.Version+1, after.Version+2))
	page.waitDrawn("wi", "whatif", after.Version+2)
	var counts diffDrawn
	page.eval(`graphlog.diffCounts()`, &counts)
	if counts != (diffDrawn{Added: 1}) {
		t.Fatalf("the pending node over the graph that moved on: %+v, want 1 added", counts)
	}
	after.Version++

	// Discard closes the panel and leaves the graph as it is.
	setBody(bad)
	page.run(chromedp.Click(chromedp.ID("whatif-discard")))
	page.waitFor("the panel closed", `!graphlog.whatIf().open && graphlog.mode === "live"`)
	if _, g := c.graph("wi"); g.Version != after.Version {
		t.Fatalf("discard changed the graph: version %d, want %d", g.Version, after.Version)
	}
}
