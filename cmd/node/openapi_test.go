package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/openapitest"
)

// apiChecker sends requests to a node and checks every answer against
// the OpenAPI document (api/openapi.json): its operation and status are
// documented and its body validates against the document's schema. It
// notes which statuses each operation answered.
type apiChecker struct {
	t     *testing.T
	doc   *openapitest.Document
	base  string
	token string

	mu   sync.Mutex
	seen map[string]map[int]bool
}

type apiRequest struct {
	method, path string
	body         string
	noToken      bool
	header       map[string]string
	// stream: read the answer for this long, then hang up.
	stream time.Duration
	// slot: while the answer is 429, ask again (the slot of a stream
	// that just hung up is free once the node sees it go).
	slot bool
	// opened, when set, is closed once the answer's headers arrived.
	opened chan struct{}
}

// do sends r and checks its answer; want is the status it must have.
func (c *apiChecker) do(r apiRequest, want int) []byte {
	c.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; {
		status, raw := c.send(r)
		if !r.slot || status != http.StatusTooManyRequests || time.Now().After(deadline) {
			if status != want {
				c.t.Errorf("%s %s: status %d, want %d: %.500s", r.method, r.path, status, want, raw)
			}
			return raw
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send sends r once, checks its answer against the document and notes
// its status.
func (c *apiChecker) send(r apiRequest) (int, []byte) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if r.stream > 0 {
		ctx, cancel = context.WithTimeout(ctx, r.stream)
		defer cancel()
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, c.base+r.path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if !r.noToken {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, v := range r.header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if r.opened != nil {
		close(r.opened) // the answer's headers are here, or it failed
	}
	if err != nil {
		c.t.Errorf("%s %s: %v", r.method, r.path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil && !(r.stream > 0 && errors.Is(err, context.DeadlineExceeded)) {
		c.t.Errorf("%s %s: reading the answer: %v", r.method, r.path, err)
		return resp.StatusCode, raw
	}
	if r.stream > 0 && resp.StatusCode == http.StatusOK {
		// Hung up mid-stream: check the messages that arrived whole.
		sep := []byte("\n")
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
			sep = []byte("\n\n")
		}
		if i := bytes.LastIndex(raw, sep); i >= 0 {
			raw = raw[:i+len(sep)]
		}
	}
	u, _ := url.Parse(r.path)
	op, err := c.doc.Check(r.method, u.Path, resp, raw)
	if err != nil {
		c.t.Error(err)
	}
	key := op.Key()
	if op.Method == "" {
		key = "(no operation)"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seen[key] == nil {
		c.seen[key] = map[int]bool{}
	}
	c.seen[key][resp.StatusCode] = true
	return resp.StatusCode, raw
}

func (c *apiChecker) get(path string, want int) []byte {
	c.t.Helper()
	return c.do(apiRequest{method: "GET", path: path}, want)
}

func (c *apiChecker) post(path, body string, want int) []byte {
	c.t.Helper()
	return c.do(apiRequest{method: "POST", path: path, body: body}, want)
}

// TestOpenAPIAnswers runs requests against a real node (in-process NATS,
// the cluster member, the HTTP API with a token and small limits) over
// every operation of the document, success and error answers, and
// validates each answer against the document. It fails when a route
// answers a status the document does not list for it, when an answer
// has a field, a type, a null or a format the document does not allow,
// or when an operation of the document was not exercised.
func TestOpenAPIAnswers(t *testing.T) {
	doc, err := openapitest.Load(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t.TempDir())
	cfg.HTTP.Token = "openapi-token"
	cfg.HTTP.MaxBodyBytes = 64 << 10
	cfg.HTTP.MaxFrameEvents = 50
	cfg.HTTP.MaxReplayFrames = 3
	cfg.HTTP.MaxStreamsPerClient = 1
	_, base := startNode(t, cfg)
	c := &apiChecker{t: t, doc: doc, base: base, token: cfg.HTTP.Token, seen: map[string]map[int]bool{}}

	// Writes, and their refusals.
	const tx = "/v1/graphs/g/transactions"
	c.post(tx, `{"transaction_id":"t1","metadata":{"author":"ada","correlation_id":"c1"},"events":[
		{"type":"NodeAdded","node_id":"a","node_type":"person","properties":{"name":"Ada","tags":["x"],"nested":{"k":1}}},
		{"type":"NodeAdded","node_id":"b","node_type":"person","occurred_at":"2026-01-02T15:04:05Z"},
		{"type":"NodeAdded","node_id":"c","node_type":"service"},
		{"type":"EdgeAdded","edge_id":"e1","source_id":"a","target_id":"b","edge_type":"knows","properties":{"w":2}},
		{"type":"EdgeAdded","edge_id":"e2","source_id":"b","target_id":"c","edge_type":"calls","properties":{"w":1}}]}`, 200)
	c.post(tx, `{"expected_version":1,"events":[{"type":"NodeUpdated","node_id":"b","set":{"name":"Bob"},"unset":["x"]},
		{"type":"EdgeUpdated","edge_id":"e1","set":{"w":3}}]}`, 200)
	c.post(tx, `{"events":[{"type":"NodeAdded","node_id":"d"},{"type":"EdgeAdded","edge_id":"e3","source_id":"c","target_id":"d"}]}`, 200)
	c.post(tx, `{"events":[{"type":"EdgeRemoved","edge_id":"e3"},{"type":"NodeRemoved","node_id":"d"}]}`, 200)
	c.post(tx, `{"events":[{"type":"NodeAdded","node_id":"f","properties":{"n":1}}]}`, 200)
	c.post(tx, `{"expected_version":1,"events":[{"type":"NodeRemoved","node_id":"a"}]}`, 409)
	c.post(tx, `{"transaction_id":"t1","events":[{"type":"NodeAdded","node_id":"zz"}]}`, 409)
	c.post(tx, `{"events":[{"type":"EdgeAdded","edge_id":"e9","source_id":"a","target_id":"nobody"}]}`, 422)
	c.post(tx, `{"events":[{"type":"NodeAdded","node_id":"a","colour":"red"}]}`, 400)
	c.post(tx, `{"events":[{"type":"NodeAdded","node_id":"big","properties":{"s":"`+strings.Repeat("x", 70<<10)+`"}}]}`, 413)
	c.post("/v1/graphs/bad.id/transactions", `{"events":[{"type":"NodeAdded","node_id":"a"}]}`, 400)
	c.post(tx+"?dry_run=true", `{"events":[{"type":"NodeAdded","node_id":"w"},{"type":"EdgeAdded","edge_id":"ew","source_id":"w","target_id":"a"}],
		"queries":[{"query":"graph"},{"query":"node","params":{"node":"w"}},{"query":"edge","params":{"edge":"nope"}},
		{"query":"neighbors","params":{"node":"a","direction":"both"}},{"query":"shortest-path","params":{"from":"w","to":"c"}},
		{"query":"components"},{"query":"topological-order"},{"query":"pagerank"}]}`, 200)
	c.post(tx+"?dry_run=true", `{"transaction_id":"t1","events":[{"type":"NodeAdded","node_id":"a","node_type":"person","properties":{"name":"Ada","tags":["x"],"nested":{"k":1}}},
		{"type":"NodeAdded","node_id":"b","node_type":"person","occurred_at":"2026-01-02T15:04:05Z"},
		{"type":"NodeAdded","node_id":"c","node_type":"service"},
		{"type":"EdgeAdded","edge_id":"e1","source_id":"a","target_id":"b","edge_type":"knows","properties":{"w":2}},
		{"type":"EdgeAdded","edge_id":"e2","source_id":"b","target_id":"c","edge_type":"calls","properties":{"w":1}}]}`, 200)
	c.post(tx+"?dry_run=maybe", `{"events":[{"type":"NodeAdded","node_id":"w"}]}`, 400)
	c.post("/v1/graphs/cyc/transactions", `{"events":[{"type":"NodeAdded","node_id":"x"},{"type":"NodeAdded","node_id":"y"},
		{"type":"EdgeAdded","edge_id":"xy","source_id":"x","target_id":"y"},{"type":"EdgeAdded","edge_id":"yx","source_id":"y","target_id":"x"}]}`, 200)
	at := time.Now().UTC().Format(time.RFC3339Nano)

	// Reads of the present and the past.
	eventually(t, 10*time.Second, "the directory lists g", func() bool {
		var l api.GraphList
		req, _ := http.NewRequest("GET", base+"/v1/graphs?prefix=g", nil)
		req.Header.Set("Authorization", "Bearer "+cfg.HTTP.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&l) == nil && slices.Contains(l.Graphs, "g")
	})
	c.get("/v1/graphs", 200)
	c.get("/v1/graphs?limit=1", 200)
	c.get("/v1/graphs?detail=head", 200)
	c.get("/v1/graphs?limit=0", 400)
	c.get("/v1/graphs/g", 200)
	c.get("/v1/graphs/g?version=1", 200)
	c.get("/v1/graphs/g?as_of="+url.QueryEscape(at), 200)
	c.get("/v1/graphs/g?version=x", 400)
	c.get("/v1/graphs/nothing", 404)
	c.get("/v1/graphs/g/nodes/a", 200)
	c.get("/v1/graphs/g/nodes/a?version=1", 200)
	c.get("/v1/graphs/g/nodes/nobody", 404)
	c.get("/v1/graphs/g/nodes/b/neighbors?direction=both", 200)
	c.get("/v1/graphs/g/nodes/b/neighbors?direction=up", 400)
	c.get("/v1/graphs/g/edges/e1", 200)
	c.get("/v1/graphs/g/edges/nothing", 404)
	c.get("/v1/graphs/g/nodes/b/history", 200)
	c.get("/v1/graphs/g/nodes/d/history?limit=1", 200)
	c.get("/v1/graphs/g/nodes/d/history?after=3", 200)
	c.get("/v1/graphs/g/nodes/b/history?limit=0", 400)
	c.get("/v1/graphs/g/edges/e1/history", 200)
	c.get("/v1/graphs/g/edges/e1/history?after=x", 400)
	c.get("/v1/graphs/g/events", 200)
	c.get("/v1/graphs/g/events?after_version=1&limit=2", 200)
	c.get("/v1/graphs/g/events?after_version=-1", 400)
	c.get("/v1/graphs/nothing/events", 404)

	// Algorithms.
	c.get("/v1/algorithms", 200)
	c.get("/v1/graphs/g/algorithms/shortest-path?from=a&to=c", 200)
	c.get("/v1/graphs/g/algorithms/shortest-path?from=a&to=c&weight=w&version=2", 200)
	c.get("/v1/graphs/g/algorithms/shortest-path?from=c&to=a", 404)
	c.get("/v1/graphs/g/algorithms/shortest-path?to=a", 400)
	c.get("/v1/graphs/g/algorithms/components?kind=strong", 200)
	c.get("/v1/graphs/g/algorithms/components?kind=middling", 400)
	c.get("/v1/graphs/g/algorithms/topological-order", 200)
	c.get("/v1/graphs/cyc/algorithms/topological-order", 422)
	for _, a := range []string{"pagerank", "betweenness", "k-core", "louvain", "bridges", "mst", "k_hop?node=a"} {
		c.get("/v1/graphs/g/algorithms/"+a, 200)
	}
	c.get("/v1/graphs/g/algorithms/nothing", 400)

	// History.
	c.get("/v1/graphs/g/diff?from=1", 200)
	c.get("/v1/graphs/g/diff?from=1&to="+url.QueryEscape(at), 200)
	c.get("/v1/graphs/g/diff", 400)
	c.get("/v1/graphs/g/compare?query=components&before=1", 200)
	c.get("/v1/graphs/g/compare?query=pagerank&before=1&after=3&answers=true", 200)
	c.get("/v1/graphs/g/compare?query=node&node=a&before=1&answers=true", 200)
	c.get("/v1/graphs/g/compare?query=components", 400)
	c.get("/v1/graphs/g/replay?every=1&to=2", 200)
	c.get("/v1/graphs/g/replay?interval=1h", 200)
	if frames := c.get("/v1/graphs/g/replay?every=1", 200); !bytes.Contains(frames, []byte(`"next_from"`)) {
		t.Errorf("a replay past --max-replay-frames ends without an error line: %s", frames)
	}
	c.get("/v1/graphs/g/replay?every=1000", 422)
	c.get("/v1/graphs/g/replay", 400)
	c.get("/v1/graphs/g/temporal/earliest-arrival?source=a", 200)
	c.get("/v1/graphs/g/temporal/earliest-arrival?source=a&target=c&from=1&to=3", 200)
	c.get("/v1/graphs/g/temporal/earliest-arrival", 400)
	c.get("/v1/graphs/g/series?metric=nodes&every=1", 200)
	c.get("/v1/graphs/g/series?metric=edges_by_type&interval=1m", 200)
	c.get("/v1/graphs/g/series?metric=degree&node=d&every=1", 200)
	c.get("/v1/graphs/g/series?metric=density&every=2&from=2", 200)
	c.get("/v1/graphs/g/series?metric=colour&every=1", 400)
	c.post("/v1/graphs/g/fork", `{"into":"g2","version":2,"metadata":{"author":"ada"}}`, 200)
	c.post("/v1/graphs/g/fork", `{"into":"g3","as_of":"`+at+`"}`, 200)
	c.post("/v1/graphs/g/fork", `{"into":"g2"}`, 409)
	c.post("/v1/graphs/g/fork", `{"into":"g"}`, 400)
	c.get("/v1/graphs/g2", 200)
	c.post("/v1/graphs/g/snapshots", "", 200)
	c.get("/v1/graphs/g/snapshots", 200)
	c.get("/v1/graphs/bad.id/snapshots", 400)
	c.post("/v1/graphs/nothing/snapshots", "", 404)

	// Live streams: one per client here, so a second is refused.
	var wg sync.WaitGroup
	wg.Add(1)
	opened := make(chan struct{})
	go func() {
		defer wg.Done()
		msgs := c.do(apiRequest{method: "GET", path: "/v1/graphs/g/events/stream?after_version=0", stream: 3 * time.Second, opened: opened}, 200)
		if n := bytes.Count(msgs, []byte("event: transaction\n")); n < 5 {
			t.Errorf("the event stream sent %d transactions, want the graph's 5: %s", n, msgs)
		}
	}()
	<-opened // the stream holds this client's one slot
	c.get("/v1/graphs/g/events/stream", 429)
	c.get("/v1/graphs/g/replay?follow=true", 429)
	wg.Wait()
	c.do(apiRequest{method: "GET", path: "/v1/graphs/g/events/stream", header: map[string]string{"Last-Event-ID": "2"}, stream: time.Second, slot: true}, 200)
	if frames := c.do(apiRequest{method: "GET", path: "/v1/graphs/g/replay?from=4&follow=true", stream: time.Second, slot: true}, 200); bytes.Count(frames, []byte("\n{")) < 1 {
		t.Errorf("a replay that follows from 4 sent less than a keyframe and a frame: %s", frames)
	}
	c.get("/v1/graphs/g/events/stream?after_version=x", 400)
	c.get("/v1/graphs/g/replay?follow=true&to=3", 400)

	// The cluster, the probes, the document.
	c.get("/v1/cluster", 200)
	c.get("/v1/cluster/graphs/g", 200)
	c.get("/v1/cluster/graphs/bad.id", 400)
	c.do(apiRequest{method: "GET", path: "/healthz", noToken: true}, 200)
	c.do(apiRequest{method: "GET", path: "/readyz", noToken: true}, 200)
	c.do(apiRequest{method: "GET", path: "/metrics", noToken: true}, 200)
	c.get("/v1/openapi.json", 200)
	c.do(apiRequest{method: "PUT", path: "/v1/graphs/g"}, 405)
	c.get("/v2/graphs", 404)

	// Every operation of /v1 refuses a request without the token.
	for _, op := range doc.Operations() {
		if !strings.HasPrefix(op.Path, "/v1/") {
			continue
		}
		path := strings.NewReplacer("{graph}", "g", "{node}", "a", "{edge}", "e1", "{algorithm}", "pagerank").Replace(op.Path)
		c.do(apiRequest{method: op.Method, path: path, noToken: true}, 401)
	}

	// Every operation answered with success, and every one of /v1 with an
	// error besides the token's.
	for _, op := range doc.Operations() {
		seen := c.seen[op.Key()]
		ok, failed := false, false
		for st := range seen {
			ok = ok || st/100 == 2
			failed = failed || st >= 400 && st != http.StatusUnauthorized
		}
		if !ok {
			t.Errorf("%s: no request was answered with success (%v)", op.Key(), seen)
		}
		if !failed && strings.HasPrefix(op.Path, "/v1/") && !slices.Contains(noErrorButToken, op.Key()) {
			t.Errorf("%s: no request was answered with an error (%v)", op.Key(), seen)
		}
	}
	var all []int
	for _, m := range c.seen {
		for st := range m {
			if !slices.Contains(all, st) {
				all = append(all, st)
			}
		}
	}
	for _, st := range []int{400, 401, 404, 405, 409, 413, 422, 429} {
		if !slices.Contains(all, st) {
			t.Errorf("no answer had status %d", st)
		}
	}
	if testing.Verbose() {
		enc := json.NewEncoder(os.Stderr)
		_ = enc.Encode(c.seen)
	}
}

// noErrorButToken are the operations of /v1 that no request of a client
// makes fail but for the token: they take no parameters and read what
// every node has.
var noErrorButToken = []string{"GET /v1/algorithms", "GET /v1/openapi.json", "GET /v1/cluster"}
