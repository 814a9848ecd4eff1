package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// fakeCluster is a test-only Cluster: a fixed member list, and a placement
// that answers from hosts (else err) and records every graph it was asked
// for.
type fakeCluster struct {
	members []Member
	hosts   map[string]Member
	err     error

	mu      sync.Mutex
	located []string
	// deadline records, per call, whether ctx had one: the request's
	// timeout must reach Locate.
	deadline []bool
}

var _ Cluster = (*fakeCluster)(nil)

func (c *fakeCluster) Members() []Member { return slices.Clone(c.members) }

func (c *fakeCluster) Locate(ctx context.Context, graphID string) (Member, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.located = append(c.located, graphID)
	_, ok := ctx.Deadline()
	c.deadline = append(c.deadline, ok)
	if c.err != nil {
		return Member{}, c.err
	}
	m, ok := c.hosts[graphID]
	if !ok {
		return Member{}, fmt.Errorf("fake cluster: no placement for %q", graphID)
	}
	return m, nil
}

func (c *fakeCluster) calls() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.located)
}

// countingGraphs counts the calls that reach the Graphs backend.
type countingGraphs struct {
	Graphs
	n atomic.Int64
}

func (g *countingGraphs) Submit(ctx context.Context, tx *messages.Transaction) (*messages.SubmitReply, error) {
	g.n.Add(1)
	return g.Graphs.Submit(ctx, tx)
}

func (g *countingGraphs) Query(ctx context.Context, graphID string, q *messages.Query) (*messages.QueryReply, error) {
	g.n.Add(1)
	return g.Graphs.Query(ctx, graphID, q)
}

var (
	memberA = Member{ID: "m1", Address: "10.0.0.1:8000", Self: true}
	memberB = Member{ID: "m2", Address: "10.0.0.2:8000"}
)

func newFakeCluster() *fakeCluster {
	return &fakeCluster{
		members: []Member{memberA, memberB},
		hosts:   map[string]Member{"g1": memberB, "here": memberA},
	}
}

// wantError checks an error answer: status, JSON content type, exactly the
// keys error and code, the code, and a message containing msg.
func wantError(t *testing.T, r response, status int, code, msg string) {
	t.Helper()
	if r.status != status {
		t.Errorf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	m := r.json(t)
	wantKeys(t, "error body", m, "error", "code")
	if m["code"] != code {
		t.Errorf("code %v, want %s", m["code"], code)
	}
	if s, _ := m["error"].(string); s == "" || !strings.Contains(s, msg) {
		t.Errorf("message %q does not contain %q", s, msg)
	}
}

func TestBearerToken(t *testing.T) {
	const token = "s3cret-token"
	const realm = `Bearer realm="graphlog"`
	tests := []struct {
		name   string
		method string
		path   string
		body   string
		auth   string // Authorization header; "" sends none
		status int    // 401 means refused; anything else passed the check
	}{
		{name: "no header", method: "GET", path: "/v1/graphs/g", status: 401},
		{name: "right token", method: "GET", path: "/v1/graphs/g", auth: "Bearer " + token, status: 200},
		{name: "scheme in lower case", method: "GET", path: "/v1/graphs/g", auth: "bearer " + token, status: 200},
		{name: "scheme in upper case", method: "GET", path: "/v1/graphs/g", auth: "BEARER " + token, status: 200},
		{name: "wrong token", method: "GET", path: "/v1/graphs/g", auth: "Bearer not-the-token", status: 401},
		{name: "token prefix", method: "GET", path: "/v1/graphs/g", auth: "Bearer " + token[:len(token)-1], status: 401},
		{name: "token with a suffix", method: "GET", path: "/v1/graphs/g", auth: "Bearer " + token + "x", status: 401},
		{name: "empty token", method: "GET", path: "/v1/graphs/g", auth: "Bearer ", status: 401},
		{name: "scheme alone", method: "GET", path: "/v1/graphs/g", auth: "Bearer", status: 401},
		{name: "token without scheme", method: "GET", path: "/v1/graphs/g", auth: token, status: 401},
		{name: "other scheme", method: "GET", path: "/v1/graphs/g", auth: "Basic " + token, status: 401},
		{name: "list graphs", method: "GET", path: "/v1/graphs", status: 401},
		{name: "list graphs with token", method: "GET", path: "/v1/graphs", auth: "Bearer " + token, status: 200},
		{name: "submit", method: "POST", path: "/v1/graphs/g2/transactions", body: `{"events": [{"type": "NodeAdded", "node_id": "x"}]}`, status: 401},
		{name: "submit with token", method: "POST", path: "/v1/graphs/g2/transactions", body: `{"events": [{"type": "NodeAdded", "node_id": "x"}]}`, auth: "Bearer " + token, status: 200},
		{name: "cluster", method: "GET", path: "/v1/cluster", status: 401},
		{name: "placement", method: "GET", path: "/v1/cluster/graphs/g1", status: 401},
		{name: "placement with token", method: "GET", path: "/v1/cluster/graphs/g1", auth: "Bearer " + token, status: 200},
		// Authorization comes before routing: without the token an unknown
		// path or a wrong method tells nothing about the routes.
		{name: "unknown /v1 path", method: "GET", path: "/v1/nope", status: 401},
		{name: "unknown /v1 path with token", method: "GET", path: "/v1/nope", auth: "Bearer " + token, status: 404},
		{name: "bare /v1", method: "GET", path: "/v1", status: 401},
		{name: "bare /v1 with token", method: "GET", path: "/v1", auth: "Bearer " + token, status: 404},
		{name: "wrong method", method: "DELETE", path: "/v1/graphs/g", status: 401},
		{name: "wrong method with token", method: "DELETE", path: "/v1/graphs/g", auth: "Bearer " + token, status: 405},
		// The token as a query parameter: only where EventSource cannot
		// send a header.
		{name: "access_token on a read", method: "GET", path: "/v1/graphs/g?access_token=" + token, status: 401},
		{name: "access_token on a submit", method: "POST", path: "/v1/graphs/g2/transactions?access_token=" + token, body: `{"events": [{"type": "NodeAdded", "node_id": "x"}]}`, status: 401},
		{name: "access_token beside the header on a read", method: "GET", path: "/v1/graphs/g?access_token=" + token, auth: "Bearer " + token, status: 401},
		{name: "access_token on a stream", method: "GET", path: "/v1/graphs/g/events/stream?access_token=" + token, status: 503}, // passed; the fake serves no streams
		{name: "wrong access_token on a stream", method: "GET", path: "/v1/graphs/g/events/stream?access_token=nope", status: 401},
		// Probes and scrapes stay open.
		{name: "healthz", method: "GET", path: "/healthz", status: 200},
		{name: "readyz", method: "GET", path: "/readyz", status: 200},
		{name: "metrics", method: "GET", path: "/metrics", status: 200},
		{name: "healthz with a wrong token", method: "GET", path: "/healthz", auth: "Bearer wrong", status: 200},
		{name: "unknown path outside /v1", method: "GET", path: "/v2/graphs", status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var graphs *countingGraphs
			cl := newFakeCluster()
			ts := newTestServer(t, func(o *Options) {
				o.Token = token
				o.Cluster = cl
				graphs = &countingGraphs{Graphs: o.Graphs}
				o.Graphs = graphs
			})
			seed(ts) // graph g exists, straight through the fake
			var header []string
			if tt.auth != "" {
				header = []string{"Authorization", tt.auth}
			}
			r := ts.do(t, tt.method, tt.path, tt.body, header...)

			if tt.status != 401 {
				if r.status != tt.status {
					t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
				}
				if h := r.header.Get("WWW-Authenticate"); h != "" {
					t.Errorf("WWW-Authenticate %q on a %d", h, r.status)
				}
				return
			}
			wantError(t, r, 401, CodeUnauthorized, "bearer token")
			if h := r.header.Get("WWW-Authenticate"); h != realm {
				t.Errorf("WWW-Authenticate %q, want %q", h, realm)
			}
			if n := graphs.n.Load(); n != 0 {
				t.Errorf("a refused request reached the Graphs backend %d times", n)
			}
			if got := cl.calls(); len(got) != 0 {
				t.Errorf("a refused request reached the cluster: Locate(%v)", got)
			}
			if len(ts.fake.submitted) != 1 { // the seed only
				t.Errorf("%d transactions submitted, want only the seed", len(ts.fake.submitted))
			}
			if strings.Contains(string(r.body), token) || strings.Contains(ts.logs.String(), token) {
				t.Error("the token is echoed in the answer or the log")
			}
			if _, sent, _ := strings.Cut(tt.auth, " "); sent != "" && strings.Contains(ts.logs.String(), sent) {
				t.Errorf("the token sent (%q) is logged", sent)
			}
		})
	}
}

func TestNoTokenConfiguredIsOpen(t *testing.T) {
	for _, auth := range []string{"", "Bearer anything", "Basic eDp5"} {
		ts := newTestServer(t, func(o *Options) { o.Cluster = newFakeCluster() })
		seed(ts)
		var header []string
		if auth != "" {
			header = []string{"Authorization", auth}
		}
		for _, path := range []string{"/v1/graphs/g", "/v1/graphs", "/v1/cluster"} {
			r := ts.do(t, "GET", path, "", header...)
			if r.status != 200 || r.header.Get("WWW-Authenticate") != "" {
				t.Errorf("GET %s with Authorization %q: %d %s", path, auth, r.status, r.body)
			}
		}
	}
}

func TestClusterMembers(t *testing.T) {
	cl := newFakeCluster()
	ts := newTestServer(t, func(o *Options) { o.Cluster = cl })
	r := ts.do(t, "GET", "/v1/cluster", "")
	if r.status != 200 {
		t.Fatalf("GET /v1/cluster: %d %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	// Self is shown only where set.
	want := `{"members":[{"address":"10.0.0.1:8000","id":"m1","self":true},{"address":"10.0.0.2:8000","id":"m2"}]}`
	if got := asJSON(t, r.json(t)); got != want {
		t.Errorf("body\n%s\nwant\n%s", got, want)
	}
	var res ClusterResponse
	if err := json.Unmarshal(r.body, &res); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Members, cl.members) {
		t.Errorf("members %+v, want %+v", res.Members, cl.members)
	}
	if got := cl.calls(); len(got) != 0 {
		t.Errorf("listing members called Locate(%v)", got)
	}
}

func TestClusterMembersEmptyIsAList(t *testing.T) {
	// The package contract: lists are [], never null. A member that does
	// not yet see itself in the membership has no members to show.
	ts := newTestServer(t, func(o *Options) { o.Cluster = &fakeCluster{} })
	r := ts.do(t, "GET", "/v1/cluster", "")
	if r.status != 200 {
		t.Fatalf("GET /v1/cluster: %d %s", r.status, r.body)
	}
	if got := asJSON(t, r.json(t)); got != `{"members":[]}` {
		t.Errorf("body %s, want {\"members\":[]}", got)
	}
}

func TestLocateGraph(t *testing.T) {
	cl := newFakeCluster()
	ts := newTestServer(t, func(o *Options) {
		o.Cluster = cl
		o.RequestTimeout = time.Minute
	})
	for _, tc := range []struct {
		graph string
		want  string
	}{
		{"g1", `{"graph":"g1","member":{"address":"10.0.0.2:8000","id":"m2"}}`},
		{"here", `{"graph":"here","member":{"address":"10.0.0.1:8000","id":"m1","self":true}}`},
	} {
		r := ts.do(t, "GET", "/v1/cluster/graphs/"+tc.graph, "")
		if r.status != 200 {
			t.Fatalf("placement of %s: %d %s", tc.graph, r.status, r.body)
		}
		if got := asJSON(t, r.json(t)); got != tc.want {
			t.Errorf("placement of %s\n%s\nwant\n%s", tc.graph, got, tc.want)
		}
		var res PlacementResponse
		if err := json.Unmarshal(r.body, &res); err != nil {
			t.Fatal(err)
		}
		if res.Graph != tc.graph || res.Member != cl.hosts[tc.graph] {
			t.Errorf("placement %+v, want graph %s on %+v", res, tc.graph, cl.hosts[tc.graph])
		}
	}
	if got := cl.calls(); !slices.Equal(got, []string{"g1", "here"}) {
		t.Errorf("Locate called with %q, want g1 then here", got)
	}
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if !slices.Equal(cl.deadline, []bool{true, true}) {
		t.Errorf("Locate saw a deadline %v; the request's context must reach it", cl.deadline)
	}
}

func TestClusterErrors(t *testing.T) {
	tests := []struct {
		name    string
		cluster func() *fakeCluster // nil: no Cluster configured
		method  string
		path    string
		status  int
		code    string
		msg     string
		located []string // graphs Locate must have been asked for
	}{
		{name: "members without a cluster", path: "/v1/cluster", status: 503, code: CodeUnavailable, msg: "cluster membership"},
		{name: "placement without a cluster", path: "/v1/cluster/graphs/g1", status: 503, code: CodeUnavailable, msg: "cluster membership"},
		{name: "graph ID with a dot", cluster: newFakeCluster, path: "/v1/cluster/graphs/a.b", status: 400, code: CodeInvalidArgument, msg: `graph ID "a.b"`},
		{name: "graph ID of a space", cluster: newFakeCluster, path: "/v1/cluster/graphs/%20", status: 400, code: CodeInvalidArgument, msg: `graph ID " "`},
		{name: "graph ID with an encoded slash", cluster: newFakeCluster, path: "/v1/cluster/graphs/a%2Fb", status: 400, code: CodeInvalidArgument, msg: `graph ID "a/b"`},
		{name: "graph ID too long", cluster: newFakeCluster, path: "/v1/cluster/graphs/" + strings.Repeat("g", 129), status: 400, code: CodeInvalidArgument, msg: "limit is 128"},
		{name: "log unavailable", cluster: clusterFailing(fmt.Errorf("cluster: locate g1: %w", store.ErrUnavailable)),
			path: "/v1/cluster/graphs/g1", status: 503, code: CodeUnavailable, msg: "retry later", located: []string{"g1"}},
		{name: "locate timed out", cluster: clusterFailing(fmt.Errorf("cluster: locate g1: %w", context.DeadlineExceeded)),
			path: "/v1/cluster/graphs/g1", status: 503, code: CodeUnavailable, msg: "did not finish in time", located: []string{"g1"}},
		{name: "locate failed", cluster: clusterFailing(errors.New("secret detail")),
			path: "/v1/cluster/graphs/g1", status: 500, code: CodeInternal, msg: "internal error", located: []string{"g1"}},
		{name: "wrong method on members", cluster: newFakeCluster, method: "POST", path: "/v1/cluster", status: 405, code: CodeMethodNotAllowed, msg: "GET"},
		{name: "wrong method on placement", cluster: newFakeCluster, method: "DELETE", path: "/v1/cluster/graphs/g1", status: 405, code: CodeMethodNotAllowed, msg: "GET"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cl *fakeCluster
			ts := newTestServer(t, func(o *Options) {
				if tt.cluster != nil {
					cl = tt.cluster()
					o.Cluster = cl
				}
			})
			method := tt.method
			if method == "" {
				method = "GET"
			}
			r := ts.do(t, method, tt.path, "")
			wantError(t, r, tt.status, tt.code, tt.msg)
			if strings.Contains(string(r.body), "secret") {
				t.Errorf("answer %s leaks an internal detail", r.body)
			}
			if cl != nil {
				if got := cl.calls(); !slices.Equal(got, tt.located) {
					t.Errorf("Locate called with %q, want %q", got, tt.located)
				}
			}
		})
	}
}

func clusterFailing(err error) func() *fakeCluster {
	return func() *fakeCluster {
		cl := newFakeCluster()
		cl.err = err
		return cl
	}
}
