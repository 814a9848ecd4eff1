package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store"
)

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type testServer struct {
	h     http.Handler
	fake  *fakeGraphs
	logs  *syncBuffer
	reg   *prometheus.Registry
	ready error
}

func newTestServer(t *testing.T, change ...func(*Options)) *testServer {
	t.Helper()
	ts := &testServer{fake: newFakeGraphs(), logs: &syncBuffer{}, reg: prometheus.NewRegistry()}
	opts := Options{
		Graphs:                  ts.fake,
		Log:                     ts.fake.log,
		Lister:                  ts.fake.log,
		Logger:                  slog.New(slog.NewJSONHandler(ts.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:                 metrics.New(ts.reg),
		Gatherer:                ts.reg,
		Ready:                   func(context.Context) error { return ts.ready },
		MaxBodyBytes:            4096,
		MaxEventsPerTransaction: 10,
	}
	for _, c := range change {
		c(&opts)
	}
	ts.h = New(opts)
	return ts
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body %q is not a JSON object: %v", r.body, err)
	}
	return m
}

func (ts *testServer) do(t *testing.T, method, target, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	ts.h.ServeHTTP(rec, req)
	return response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func (ts *testServer) mustPost(t *testing.T, graphID, body string) map[string]any {
	t.Helper()
	r := ts.do(t, "POST", "/v1/graphs/"+graphID+"/transactions", body)
	if r.status != 200 {
		t.Fatalf("POST %s: %d %s", graphID, r.status, r.body)
	}
	return r.json(t)
}

func keys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func wantKeys(t *testing.T, what string, m any, want ...string) {
	t.Helper()
	obj, ok := m.(map[string]any)
	if !ok {
		t.Fatalf("%s is %T, not an object", what, m)
	}
	sort.Strings(want)
	if got := keys(obj); !slices.Equal(got, want) {
		t.Errorf("%s has keys %v, want %v", what, got, want)
	}
}

func asJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

const seedBody = `{"events": [
	{"type": "NodeAdded", "node_id": "c", "node_type": "person", "properties": {"name": "Cy", "tags": ["x", 1, null], "meta": {"ok": true}}},
	{"type": "NodeAdded", "node_id": "a", "node_type": "person"},
	{"type": "NodeAdded", "node_id": "b/2 x", "node_type": "city"},
	{"type": "EdgeAdded", "edge_id": "e2", "source_id": "c", "target_id": "a", "edge_type": "knows"},
	{"type": "EdgeAdded", "edge_id": "e1", "source_id": "a", "target_id": "b/2 x", "edge_type": "lives", "properties": {"since": 2020}}
]}`

func TestSubmitAndQuery(t *testing.T) {
	ts := newTestServer(t)
	got := ts.mustPost(t, "g1", seedBody)
	wantKeys(t, "submit answer", got, "graph", "version", "sequence", "events")
	if asJSON(t, got) != `{"events":5,"graph":"g1","sequence":1,"version":1}` {
		t.Errorf("submit answer %s", asJSON(t, got))
	}

	r := ts.do(t, "GET", "/v1/graphs/g1", "")
	if r.status != 200 {
		t.Fatalf("GET graph: %d %s", r.status, r.body)
	}
	g := r.json(t)
	wantKeys(t, "graph", g, "graph", "version", "sequence", "nodes", "edges")
	want := `{"edges":[` +
		`{"id":"e1","properties":{"since":2020},"source":"a","target":"b/2 x","type":"lives"},` +
		`{"id":"e2","properties":{},"source":"c","target":"a","type":"knows"}],` +
		`"graph":"g1",` +
		`"nodes":[{"id":"a","properties":{},"type":"person"},{"id":"b/2 x","properties":{},"type":"city"},` +
		`{"id":"c","properties":{"meta":{"ok":true},"name":"Cy","tags":["x",1,null]},"type":"person"}],` +
		`"sequence":1,"version":1}`
	if s := asJSON(t, g); s != want {
		t.Errorf("graph\n%s\nwant\n%s", s, want)
	}

	// An ID with '/' and a space is reachable URL-encoded.
	r = ts.do(t, "GET", "/v1/graphs/g1/nodes/"+url.PathEscape("b/2 x"), "")
	if r.status != 200 || asJSON(t, r.json(t)) != `{"id":"b/2 x","properties":{},"type":"city"}` {
		t.Errorf("GET node: %d %s", r.status, r.body)
	}
	r = ts.do(t, "GET", "/v1/graphs/g1/edges/e1", "")
	if r.status != 200 || asJSON(t, r.json(t)) != `{"id":"e1","properties":{"since":2020},"source":"a","target":"b/2 x","type":"lives"}` {
		t.Errorf("GET edge: %d %s", r.status, r.body)
	}

	for _, tc := range []struct{ query, dir, want string }{
		{"", "out", `[{"direction":"out","edge":{"id":"e1","properties":{"since":2020},"source":"a","target":"b/2 x","type":"lives"},"node":{"id":"b/2 x","properties":{},"type":"city"}}]`},
		{"?direction=in", "in", `[{"direction":"in","edge":{"id":"e2","properties":{},"source":"c","target":"a","type":"knows"},"node":{"id":"c","properties":{"meta":{"ok":true},"name":"Cy","tags":["x",1,null]},"type":"person"}}]`},
		{"?direction=both", "both", ""},
	} {
		r = ts.do(t, "GET", "/v1/graphs/g1/nodes/a/neighbors"+tc.query, "")
		if r.status != 200 {
			t.Fatalf("neighbors%s: %d %s", tc.query, r.status, r.body)
		}
		m := r.json(t)
		wantKeys(t, "neighbors", m, "graph", "version", "node", "direction", "neighbors")
		if m["graph"] != "g1" || m["version"] != 1.0 || m["node"] != "a" || m["direction"] != tc.dir {
			t.Errorf("neighbors%s: %s", tc.query, r.body)
		}
		ns := m["neighbors"].([]any)
		if tc.want != "" && asJSON(t, ns) != tc.want {
			t.Errorf("neighbors%s\n%s\nwant\n%s", tc.query, asJSON(t, ns), tc.want)
		}
		if tc.want == "" && len(ns) != 2 {
			t.Errorf("neighbors%s: %d, want 2", tc.query, len(ns))
		}
	}
	// A node with no neighbors answers [] (not null).
	r = ts.do(t, "GET", "/v1/graphs/g1/nodes/"+url.PathEscape("b/2 x")+"/neighbors", "")
	if !strings.Contains(string(r.body), `"neighbors":[]`) {
		t.Errorf("empty neighbors: %s", r.body)
	}

	// Version 2 after a second transaction; the graph with everything
	// removed still exists, with empty lists.
	got = ts.mustPost(t, "g1", `{"expected_version": 1, "events": [
		{"type": "NodeRemoved", "node_id": "a"}, {"type": "NodeRemoved", "node_id": "b/2 x"}, {"type": "NodeRemoved", "node_id": "c"}]}`)
	if got["version"] != 2.0 || got["events"] != 3.0 || got["sequence"] != 2.0 {
		t.Errorf("second submit: %v", got)
	}
	r = ts.do(t, "GET", "/v1/graphs/g1", "")
	if s := string(r.body); !strings.Contains(s, `"nodes":[]`) || !strings.Contains(s, `"edges":[]`) || !strings.Contains(s, `"version":2`) {
		t.Errorf("empty graph: %s", s)
	}
}

func TestErrors(t *testing.T) {
	manyEvents := `{"events": [` + strings.Repeat(`{"type": "NodeRemoved", "node_id": "a"},`, 10) + `{"type": "NodeRemoved", "node_id": "a"}]}`
	bigBody := `{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"x": "` + strings.Repeat("y", 5000) + `"}}]}`
	tests := []struct {
		name   string
		setup  func(ts *testServer)
		method string
		path   string
		body   string
		status int
		code   string
		msg    string
	}{
		{name: "malformed JSON", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [`, status: 400, code: CodeInvalidArgument, msg: "not valid JSON"},
		{name: "empty body", method: "POST", path: "/v1/graphs/g/transactions", status: 400, code: CodeInvalidArgument, msg: "request body is empty"},
		{name: "unknown field", method: "POST", path: "/v1/graphs/g/transactions", body: `{"event": []}`, status: 400, code: CodeInvalidArgument, msg: `unknown field "event"`},
		{name: "bad graph ID on POST", method: "POST", path: "/v1/graphs/a.b/transactions", body: seedBody, status: 400, code: CodeInvalidArgument, msg: "graph ID"},
		{name: "bad graph ID on GET", method: "GET", path: "/v1/graphs/a*b", status: 400, code: CodeInvalidArgument, msg: `graph ID "a*b" has '*'`},
		{name: "long graph ID", method: "GET", path: "/v1/graphs/" + strings.Repeat("g", 129), status: 400, code: CodeInvalidArgument, msg: "limit is 128"},
		{name: "bad element ID", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [{"type": "NodeAdded"}]}`, status: 400, code: CodeInvalidArgument, msg: "node ID is empty"},
		{name: "long node ID in path", method: "GET", path: "/v1/graphs/g/nodes/" + strings.Repeat("n", 257), status: 400, code: CodeInvalidArgument, msg: "node ID is 257 bytes"},
		{name: "invalid UTF-8 edge ID in path", method: "GET", path: "/v1/graphs/g/edges/%ff", status: 400, code: CodeInvalidArgument, msg: "not valid UTF-8"},
		{name: "unknown event type", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [{"type": "Foo"}]}`, status: 400, code: CodeInvalidArgument, msg: `unknown type "Foo"`},
		{name: "foreign field", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [{"type": "NodeRemoved", "node_id": "a", "edge_id": "e"}]}`, status: 400, code: CodeInvalidArgument, msg: `field "edge_id" does not belong to NodeRemoved`},
		{name: "empty transaction", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": []}`, status: 400, code: CodeInvalidArgument, msg: "no events"},
		{name: "non-object properties", method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [{"type": "NodeAdded", "node_id": "a", "properties": [1]}]}`, status: 400, code: CodeInvalidArgument, msg: "must be a JSON object of properties"},
		{name: "body over the limit", method: "POST", path: "/v1/graphs/g/transactions", body: bigBody, status: 413, code: CodeTooLarge, msg: "larger than 4096 bytes"},
		{name: "events over the limit", method: "POST", path: "/v1/graphs/g/transactions", body: manyEvents, status: 413, code: CodeTooLarge, msg: "11 events, the limit is 10"},
		{name: "conflict", setup: seed, method: "POST", path: "/v1/graphs/g/transactions", body: `{"expected_version": 5, "events": [{"type": "NodeAdded", "node_id": "z"}]}`, status: 409, code: CodeConflict, msg: "expected_version"},
		{name: "conflict on new graph", setup: seed, method: "POST", path: "/v1/graphs/g/transactions", body: `{"expected_version": 0, "events": [{"type": "NodeAdded", "node_id": "z"}]}`, status: 409, code: CodeConflict, msg: "version 1"},
		{name: "rejected", setup: seed, method: "POST", path: "/v1/graphs/g/transactions", body: `{"events": [{"type": "NodeAdded", "node_id": "z"}, {"type": "NodeAdded", "node_id": "a"}]}`, status: 422, code: CodeRejected, msg: "nothing was applied"},
		{name: "graph not found", method: "GET", path: "/v1/graphs/nope", status: 404, code: CodeNotFound, msg: `graph "nope" has no events`},
		{name: "node of missing graph", method: "GET", path: "/v1/graphs/nope/nodes/a", status: 404, code: CodeNotFound},
		{name: "node not found", setup: seed, method: "GET", path: "/v1/graphs/g/nodes/zz", status: 404, code: CodeNotFound, msg: `node "zz"`},
		{name: "edge not found", setup: seed, method: "GET", path: "/v1/graphs/g/edges/zz", status: 404, code: CodeNotFound, msg: `edge "zz"`},
		{name: "events of missing graph", method: "GET", path: "/v1/graphs/nope/events", status: 404, code: CodeNotFound, msg: "no events"},
		{name: "algorithm on missing graph", method: "GET", path: "/v1/graphs/nope/algorithms/topological-order", status: 404, code: CodeNotFound,
			setup: func(ts *testServer) {
				ts.fake.algo = func(string, *messages.Query) (*messages.QueryReply, error) {
					return &messages.QueryReply{Result: &messages.QueryReply_Order{Order: &messages.Order{}}}, nil
				}
			}},
		{name: "bad direction", setup: seed, method: "GET", path: "/v1/graphs/g/nodes/a/neighbors?direction=up", status: 400, code: CodeInvalidArgument, msg: `direction is "up"; use out, in or both`},
		{name: "bad limit", setup: seed, method: "GET", path: "/v1/graphs/g/events?limit=0", status: 400, code: CodeInvalidArgument, msg: "limit"},
		{name: "limit too big", setup: seed, method: "GET", path: "/v1/graphs/g/events?limit=1001", status: 400, code: CodeInvalidArgument, msg: "1 to 1000"},
		{name: "limit not a number", method: "GET", path: "/v1/graphs?limit=ten", status: 400, code: CodeInvalidArgument, msg: "limit"},
		{name: "bad after", method: "GET", path: "/v1/graphs?after=a.b", status: 400, code: CodeInvalidArgument, msg: "after"},
		{name: "bad after_version", setup: seed, method: "GET", path: "/v1/graphs/g/events?after_version=-1", status: 400, code: CodeInvalidArgument, msg: "after_version"},
		{name: "bad component kind", setup: seed, method: "GET", path: "/v1/graphs/g/algorithms/components?kind=medium", status: 400, code: CodeInvalidArgument, msg: "weak or strong"},
		{name: "missing from", setup: seed, method: "GET", path: "/v1/graphs/g/algorithms/shortest-path?to=b", status: 400, code: CodeInvalidArgument, msg: "from node ID is empty"},
		{name: "missing to", setup: seed, method: "GET", path: "/v1/graphs/g/algorithms/shortest-path?from=b", status: 400, code: CodeInvalidArgument, msg: "to node ID is empty"},
		{name: "cycle", setup: algoErr(replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_CYCLE, Message: "graph has a cycle: a, b"})),
			method: "GET", path: "/v1/graphs/g/algorithms/topological-order", status: 422, code: CodeCycle, msg: "graph has a cycle: a, b; a graph with a cycle has no topological order"},
		{name: "no path", setup: algoErr(replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_NOT_FOUND, Message: "no path from a to c"})),
			method: "GET", path: "/v1/graphs/g/algorithms/shortest-path?from=a&to=c", status: 404, code: CodeNotFound, msg: "no path from a to c"},
		{name: "bad weight", setup: algoErr(fmt.Errorf("%w: edge e1 has weight -1", errors.Join(errors.New("x"), errorsInvalidWeight()))),
			method: "GET", path: "/v1/graphs/g/algorithms/shortest-path?from=a&to=c&weight=w", status: 400, code: CodeInvalidArgument, msg: "weight -1"},
		{name: "unavailable", setup: fail(store.ErrUnavailable), method: "GET", path: "/v1/graphs/g", status: 503, code: CodeUnavailable, msg: "retry later"},
		{name: "timeout", setup: fail(context.DeadlineExceeded), method: "POST", path: "/v1/graphs/g/transactions", body: seedBody, status: 503, code: CodeUnavailable, msg: "did not finish in time"},
		{name: "internal", setup: fail(errors.New("secret detail")), method: "GET", path: "/v1/graphs/g", status: 500, code: CodeInternal, msg: "internal error; retry"},
		{name: "unknown route", method: "GET", path: "/v2/graphs", status: 404, code: CodeNotFound, msg: "no such route"},
		{name: "wrong method", method: "DELETE", path: "/v1/graphs/g", status: 405, code: CodeMethodNotAllowed, msg: "GET, HEAD"},
		{name: "GET on transactions", method: "GET", path: "/v1/graphs/g/transactions", status: 405, code: CodeMethodNotAllowed, msg: "POST"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := newTestServer(t)
			if tt.setup != nil {
				tt.setup(ts)
			}
			r := ts.do(t, tt.method, tt.path, tt.body)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			m := r.json(t)
			wantKeys(t, "error body", m, "error", "code")
			if m["code"] != tt.code {
				t.Errorf("code %v, want %s", m["code"], tt.code)
			}
			msg, _ := m["error"].(string)
			if msg == "" || !strings.Contains(msg, tt.msg) {
				t.Errorf("message %q does not contain %q", msg, tt.msg)
			}
			if strings.Contains(msg, "secret") {
				t.Errorf("message %q leaks an internal detail", msg)
			}
			if tt.status == 405 && r.header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
			if tt.status == 500 && !strings.Contains(ts.logs.String(), "secret detail") {
				t.Error("the detail of a 500 is not logged")
			}
		})
	}
}

func seed(ts *testServer) {
	tx, err := DecodeTransaction("g", []byte(`{"events": [{"type": "NodeAdded", "node_id": "a"}, {"type": "NodeAdded", "node_id": "b"}]}`), 0)
	if err != nil {
		panic(err)
	}
	if _, err := ts.fake.Submit(context.Background(), tx); err != nil {
		panic(err)
	}
}

func fail(err error) func(*testServer) { return func(ts *testServer) { ts.fake.fail = err } }

func algoErr(err error) func(*testServer) {
	return func(ts *testServer) {
		seed(ts)
		ts.fake.algo = func(string, *messages.Query) (*messages.QueryReply, error) { return nil, err }
	}
}

func TestReplyErrorValues(t *testing.T) {
	// A reply whose Error is set counts as the error it names, even when
	// the call itself returned no error.
	for code, want := range map[messages.ErrorCode]int{
		messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT: 400,
		messages.ErrorCode_ERROR_CODE_CONFLICT:         409,
		messages.ErrorCode_ERROR_CODE_REJECTED:         422,
		messages.ErrorCode_ERROR_CODE_NOT_FOUND:        404,
		messages.ErrorCode_ERROR_CODE_TOO_LARGE:        413,
		messages.ErrorCode_ERROR_CODE_UNAVAILABLE:      503,
		messages.ErrorCode_ERROR_CODE_CYCLE:            422,
		messages.ErrorCode_ERROR_CODE_INTERNAL:         500,
		messages.ErrorCode_ERROR_CODE_UNSPECIFIED:      500,
	} {
		t.Run(code.String(), func(t *testing.T) {
			g := &replyGraphs{err: &messages.Error{Code: code, Message: "grain says no"}}
			h := New(Options{Graphs: g})
			for _, req := range []*http.Request{
				httptest.NewRequest("POST", "/v1/graphs/g/transactions", strings.NewReader(`{"events": [{"type": "NodeRemoved", "node_id": "a"}]}`)),
				httptest.NewRequest("GET", "/v1/graphs/g", nil),
			} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != want {
					t.Errorf("%s %s: %d, want %d: %s", req.Method, req.URL, rec.Code, want, rec.Body)
				}
			}
		})
	}
}

// replyGraphs answers every call with a reply holding err.
type replyGraphs struct{ err *messages.Error }

func (g *replyGraphs) Submit(context.Context, *messages.Transaction) (*messages.SubmitReply, error) {
	return &messages.SubmitReply{Error: g.err}, nil
}

func (g *replyGraphs) Query(context.Context, string, *messages.Query) (*messages.QueryReply, error) {
	return &messages.QueryReply{Error: g.err, Version: 1}, nil
}

func TestEvents(t *testing.T) {
	ts := newTestServer(t)
	// Transactions of 2, 3, 1 and 4 events: versions 1 to 4.
	ts.mustPost(t, "g", `{"transaction_id": "t1", "metadata": {"author": "ann"}, "events": [
		{"type": "NodeAdded", "node_id": "a", "node_type": "p", "properties": {"k": 1}, "occurred_at": "2025-01-02T03:04:05Z"},
		{"type": "NodeAdded", "node_id": "b"}]}`)
	ts.mustPost(t, "g", `{"events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a", "target_id": "b", "edge_type": "t"},
		{"type": "NodeUpdated", "node_id": "a", "set": {"k": 2}, "unset": ["j"]}, {"type": "EdgeUpdated", "edge_id": "e", "set": {"w": 1}}]}`)
	ts.mustPost(t, "g", `{"events": [{"type": "EdgeRemoved", "edge_id": "e"}]}`)
	ts.mustPost(t, "g", `{"events": [{"type": "NodeRemoved", "node_id": "a"}, {"type": "NodeRemoved", "node_id": "b"},
		{"type": "NodeAdded", "node_id": "c"}, {"type": "NodeAdded", "node_id": "d"}]}`)

	type page struct {
		Graph             string           `json:"graph"`
		Events            []map[string]any `json:"events"`
		NextAfterVersion  uint64           `json:"next_after_version"`
		NextAfterSequence uint64           `json:"next_after_sequence"`
	}
	get := func(query string) page {
		t.Helper()
		r := ts.do(t, "GET", "/v1/graphs/g/events"+query, "")
		if r.status != 200 {
			t.Fatalf("events%s: %d %s", query, r.status, r.body)
		}
		wantKeys(t, "events page", r.json(t), "graph", "events", "next_after_version", "next_after_sequence")
		var p page
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Graph != "g" {
			t.Errorf("graph %q", p.Graph)
		}
		return p
	}
	versions := func(p page) []float64 {
		var vs []float64
		for _, e := range p.Events {
			vs = append(vs, e["version"].(float64))
		}
		return vs
	}
	for _, tc := range []struct {
		query string
		want  []float64
		next  uint64
	}{
		{"", []float64{1, 1, 2, 2, 2, 3, 4, 4, 4, 4}, 4},
		{"?limit=2", []float64{1, 1}, 1},
		{"?limit=4", []float64{1, 1}, 1}, // version 2 would make 5
		{"?limit=5", []float64{1, 1, 2, 2, 2}, 2},
		{"?limit=1", []float64{1, 1}, 1}, // the first transaction alone exceeds it: whole
		{"?after_version=1&limit=3", []float64{2, 2, 2}, 2},
		{"?after_version=2&limit=4", []float64{3}, 3},
		{"?after_version=3&limit=1", []float64{4, 4, 4, 4}, 4},
		{"?after_version=4", nil, 4},
		{"?after_version=99", nil, 99},
	} {
		p := get(tc.query)
		if got := versions(p); !slices.Equal(got, tc.want) || p.NextAfterVersion != tc.next {
			t.Errorf("events%s: versions %v next %d, want %v next %d", tc.query, got, p.NextAfterVersion, tc.want, tc.next)
		}
		if p.Events == nil {
			t.Errorf("events%s: events is null", tc.query)
		}
	}

	// Paging with the sequence cursor lists the same, page by page.
	var paged []float64
	after, seq := uint64(0), uint64(0)
	for range 10 {
		p := get(fmt.Sprintf("?after_version=%d&after_sequence=%d&limit=2", after, seq))
		if len(p.Events) == 0 {
			break
		}
		paged = append(paged, versions(p)...)
		if p.NextAfterSequence == 0 || p.NextAfterSequence < seq {
			t.Fatalf("page after %d/%d: next_after_sequence %d", after, seq, p.NextAfterSequence)
		}
		after, seq = p.NextAfterVersion, p.NextAfterSequence
	}
	if want := []float64{1, 1, 2, 2, 2, 3, 4, 4, 4, 4}; !slices.Equal(paged, want) {
		t.Errorf("paged by sequence: versions %v, want %v", paged, want)
	}
	if r := ts.do(t, "GET", "/v1/graphs/g/events?after_sequence=x", ""); r.status != 400 {
		t.Errorf("after_sequence=x: %d %s", r.status, r.body)
	}

	p := get("?limit=5")
	first := p.Events[0]
	wantKeys(t, "first event", first, "event_id", "transaction_id", "version", "index", "count", "sequence", "recorded_at",
		"occurred_at", "metadata", "type", "node_id", "node_type", "properties")
	if first["transaction_id"] != "t1" || first["index"] != 0.0 || first["count"] != 2.0 || first["sequence"] != 1.0 ||
		first["occurred_at"] != "2025-01-02T03:04:05Z" || first["type"] != "NodeAdded" || first["node_id"] != "a" ||
		first["metadata"].(map[string]any)["author"] != "ann" || asJSON(t, first["properties"]) != `{"k":1}` {
		t.Errorf("first event: %s", asJSON(t, first))
	}
	if first["recorded_at"] == "" || first["event_id"] == "" {
		t.Errorf("first event lacks recorded_at or event_id: %v", first)
	}
	// Metadata not given: the request ID became the correlation ID.
	if md, ok := p.Events[2]["metadata"].(map[string]any); !ok || md["correlation_id"] == "" {
		t.Errorf("event of a request without metadata: %v", p.Events[2])
	}
	wantKeys(t, "edge added", p.Events[2], "event_id", "transaction_id", "version", "index", "count", "sequence", "recorded_at",
		"metadata", "type", "edge_id", "source_id", "target_id", "edge_type")
	wantKeys(t, "node updated", p.Events[3], "event_id", "transaction_id", "version", "index", "count", "sequence", "recorded_at",
		"metadata", "type", "node_id", "set", "unset")
}

func TestEventsSkipsCorrupt(t *testing.T) {
	ts := newTestServer(t)
	ts.mustPost(t, "g", `{"events": [{"type": "NodeAdded", "node_id": "a"}]}`)
	ts.mustPost(t, "g", `{"expected_version": 1, "events": [{"type": "NodeAdded", "node_id": "b"}]}`)
	ts.fake.log.WriteRaw("g", []byte{0xff, 0xff, 0xff})
	r := ts.do(t, "GET", "/v1/graphs/g/events", "")
	if r.status != 200 {
		t.Fatalf("%d %s", r.status, r.body)
	}
	if n := len(r.json(t)["events"].([]any)); n != 2 {
		t.Errorf("%d events listed, want the 2 decodable ones", n)
	}
	if !strings.Contains(ts.logs.String(), "skipping an undecodable event") {
		t.Error("the corrupt event was not logged")
	}
}

func TestListGraphs(t *testing.T) {
	ts := newTestServer(t)
	for _, g := range []string{"c", "a", "e", "b", "d", "b1", "b2"} {
		ts.mustPost(t, g, `{"events": [{"type": "NodeAdded", "node_id": "n"}]}`)
	}
	for _, tc := range []struct{ query, want string }{
		{"", `{"graphs":["a","b","b1","b2","c","d","e"],"next":""}`},
		{"?limit=2", `{"graphs":["a","b"],"next":"b"}`},
		{"?after=b2&limit=2", `{"graphs":["c","d"],"next":"d"}`},
		{"?after=d&limit=2", `{"graphs":["e"],"next":""}`},
		{"?after=c&limit=2", `{"graphs":["d","e"],"next":""}`},
		{"?after=e", `{"graphs":[],"next":""}`},
		{"?prefix=b", `{"graphs":["b","b1","b2"],"next":""}`},
		{"?prefix=b&limit=2", `{"graphs":["b","b1"],"next":"b1"}`},
		{"?prefix=b&after=b1&limit=2", `{"graphs":["b2"],"next":""}`},
		{"?prefix=bb", `{"graphs":[],"next":""}`},
	} {
		r := ts.do(t, "GET", "/v1/graphs"+tc.query, "")
		if r.status != 200 || asJSON(t, r.json(t)) != tc.want {
			t.Errorf("list%s: %d %s, want %s", tc.query, r.status, r.body, tc.want)
		}
	}
	if r := ts.do(t, "GET", "/v1/graphs?prefix=a.b", ""); r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "prefix") {
		t.Errorf("list with prefix a.b: %d %s, want 400 naming prefix", r.status, r.body)
	}
}

func TestAlgorithms(t *testing.T) {
	ts := newTestServer(t)
	seed(ts)
	var asked []*messages.Query
	ts.fake.algo = func(graphID string, q *messages.Query) (*messages.QueryReply, error) {
		asked = append(asked, q)
		switch q := q.Query.(type) {
		case *messages.Query_ShortestPath:
			return &messages.QueryReply{Result: &messages.QueryReply_Path{Path: &messages.Path{
				Nodes: []string{q.ShortestPath.From, q.ShortestPath.To}, Edges: []string{"e1"}, Cost: 2.5}}}, nil
		case *messages.Query_Components:
			return &messages.QueryReply{Result: &messages.QueryReply_Components{Components: &messages.Components{
				Components: []*messages.Component{{Nodes: []string{"a", "b"}}, {Nodes: []string{"c"}}, {}}}}}, nil
		case *messages.Query_TopologicalOrder:
			return &messages.QueryReply{Result: &messages.QueryReply_Order{Order: &messages.Order{}}}, nil
		}
		return nil, errors.New("unexpected query")
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/graphs/g/algorithms/shortest-path?from=a&to=b&weight=w", `{"cost":2.5,"edges":["e1"],"graph":"g","nodes":["a","b"],"version":1}`},
		{"/v1/graphs/g/algorithms/shortest-path?from=a%20b&to=c", `{"cost":2.5,"edges":["e1"],"graph":"g","nodes":["a b","c"],"version":1}`},
		{"/v1/graphs/g/algorithms/components", `{"components":[["a","b"],["c"],[]],"graph":"g","kind":"weak","version":1}`},
		{"/v1/graphs/g/algorithms/components?kind=strong", `{"components":[["a","b"],["c"],[]],"graph":"g","kind":"strong","version":1}`},
		{"/v1/graphs/g/algorithms/topological-order", `{"graph":"g","order":[],"version":1}`},
	} {
		r := ts.do(t, "GET", tc.path, "")
		if r.status != 200 || asJSON(t, r.json(t)) != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.path, r.status, r.body, tc.want)
		}
	}
	if sp := asked[0].GetShortestPath(); sp.From != "a" || sp.To != "b" || sp.Weight != "w" {
		t.Errorf("shortest path asked %v", sp)
	}
	if asked[2].GetComponents().Kind != messages.ComponentKind_COMPONENT_KIND_WEAK ||
		asked[3].GetComponents().Kind != messages.ComponentKind_COMPONENT_KIND_STRONG {
		t.Errorf("component kinds asked %v, %v", asked[2], asked[3])
	}
}

func TestRequestAndCorrelationIDs(t *testing.T) {
	ts := newTestServer(t)
	body := `{"events": [{"type": "NodeAdded", "node_id": "a"}]}`

	r := ts.do(t, "POST", "/v1/graphs/g/transactions", body, HeaderRequestID, "req-1")
	if r.status != 200 || r.header.Get(HeaderRequestID) != "req-1" {
		t.Fatalf("%d, request ID %q", r.status, r.header.Get(HeaderRequestID))
	}
	r = ts.do(t, "POST", "/v1/graphs/g/transactions", `{"events": [{"type": "NodeAdded", "node_id": "b"}]}`,
		HeaderCorrelationID, "corr-1")
	generated := r.header.Get(HeaderRequestID)
	if generated == "" || r.header.Get(HeaderCorrelationID) != "corr-1" {
		t.Fatalf("generated request ID %q, correlation %q", generated, r.header.Get(HeaderCorrelationID))
	}
	ts.do(t, "POST", "/v1/graphs/g/transactions",
		`{"metadata": {"correlation_id": "from-body"}, "events": [{"type": "NodeAdded", "node_id": "c"}]}`,
		HeaderCorrelationID, "corr-2", HeaderRequestID, "bad id with spaces")

	want := []string{"req-1", "corr-1", "from-body"}
	if len(ts.fake.submitted) != 3 {
		t.Fatalf("%d submitted", len(ts.fake.submitted))
	}
	for i, tx := range ts.fake.submitted {
		if got := tx.Events[0].GetMetadata().GetCorrelationId(); got != want[i] {
			t.Errorf("transaction %d: correlation %q, want %q", i, got, want[i])
		}
	}

	// Every request is logged once, with its request ID, route and status.
	var lines []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(ts.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "http request" {
			lines = append(lines, m)
		}
		if m[keyRequestID] == nil || m[keyRequestID] == "" {
			t.Errorf("log line without a request ID: %s", l)
		}
	}
	if len(lines) != 3 || lines[0][keyRequestID] != "req-1" || lines[1][keyRequestID] != generated ||
		lines[2][keyRequestID] == "bad id with spaces" || lines[0][keyRoute] != "POST /v1/graphs/{graph}/transactions" ||
		lines[0][keyStatus] != 200.0 || lines[0][keyGraph] != "g" {
		t.Errorf("request log lines: %v", lines)
	}
}

// panicGraphs panics on every call.
type panicGraphs struct{}

func (panicGraphs) Submit(context.Context, *messages.Transaction) (*messages.SubmitReply, error) {
	panic("submit exploded")
}

func (panicGraphs) Query(context.Context, string, *messages.Query) (*messages.QueryReply, error) {
	var m map[string]int
	m["boom"]++ // a real runtime panic
	return nil, nil
}

func TestPanicIsRecovered(t *testing.T) {
	ts := newTestServer(t, func(o *Options) { o.Graphs = panicGraphs{} })
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/v1/graphs/g", ""},
		{"POST", "/v1/graphs/g/transactions", `{"events": [{"type": "NodeRemoved", "node_id": "a"}]}`},
	} {
		r := ts.do(t, tc.method, tc.path, tc.body)
		if r.status != 500 || r.json(t)["code"] != CodeInternal || strings.Contains(string(r.body), "exploded") {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.status, r.body)
		}
	}
	logs := ts.logs.String()
	if !strings.Contains(logs, "submit exploded") || !strings.Contains(logs, "assignment to entry in nil map") || !strings.Contains(logs, keyStack) {
		t.Errorf("panics not logged with a stack: %s", logs)
	}
}

func TestHealthReadyMetrics(t *testing.T) {
	ts := newTestServer(t)
	if r := ts.do(t, "GET", "/healthz", ""); r.status != 200 {
		t.Errorf("healthz %d", r.status)
	}
	if r := ts.do(t, "GET", "/readyz", ""); r.status != 200 {
		t.Errorf("readyz %d %s", r.status, r.body)
	}
	ts.ready = errors.New("NATS is not connected")
	r := ts.do(t, "GET", "/readyz", "")
	if r.status != 503 || r.json(t)["code"] != CodeUnavailable || !strings.Contains(string(r.body), "NATS is not connected") {
		t.Errorf("not ready: %d %s", r.status, r.body)
	}
	if r := ts.do(t, "GET", "/healthz", ""); r.status != 200 {
		t.Errorf("healthz while not ready: %d", r.status)
	}

	ts.do(t, "GET", "/v1/graphs/nope", "")
	ts.do(t, "GET", "/no/such/path/"+strings.Repeat("x", 10), "")
	r = ts.do(t, "GET", "/metrics", "")
	if r.status != 200 {
		t.Fatalf("metrics %d", r.status)
	}
	text := string(r.body)
	for _, want := range []string{
		`graphlog_http_request_seconds_count{code="404",route="GET /v1/graphs/{graph}"} 1`,
		`graphlog_http_request_seconds_count{code="503",route="GET /readyz"} 1`,
		`graphlog_http_request_seconds_count{code="404",route="unmatched"} 1`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(text, "/no/such/path") {
		t.Error("a raw path became a label")
	}
}

func TestMissingDependencies(t *testing.T) {
	h := New(Options{}) // no graphs, log, lister, logger or metrics
	for _, path := range []string{"/v1/graphs/g", "/v1/graphs/g/events", "/v1/graphs"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 503 || !strings.Contains(rec.Body.String(), "this node") {
			t.Errorf("%s: %d %s", path, rec.Code, rec.Body)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 {
		t.Errorf("healthz %d", rec.Code)
	}
}
