package client_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
	"github.com/graphlog/graphlog/internal/nodeproc"
)

// downServer is the URL of a port nothing listens on.
func downServer(t *testing.T) string {
	port, err := nodeproc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return "http://127.0.0.1:" + strconv.Itoa(port)
}

func TestFailoverToTheNodeThatIsUp(t *testing.T) {
	up := sharedNode(t)
	down := downServer(t)
	ctx := ctxOf(t)
	c := newClient(t, down, up)
	g := graphName(t)

	if c.Server() != down {
		t.Fatalf("the client starts with %s, want the first server", c.Server())
	}
	res, err := c.Submit(ctx, g, tx(addNode("a", nil)))
	if err != nil || res.Version != 1 {
		t.Fatalf("submit with the first server down: %+v, %v", res, err)
	}
	if c.Server() != up {
		t.Fatalf("after the first server failed the client uses %s, want %s", c.Server(), up)
	}
	// It stays with the node that answered.
	for range 3 {
		if _, err := c.Graph(ctx, g); err != nil {
			t.Fatal(err)
		}
		if c.Server() != up {
			t.Fatalf("the client moved to %s", c.Server())
		}
	}

	// A read fails over too, from the one in use when it goes down.
	c2 := newClient(t, up, down)
	n, err := c2.Node(ctx, g, "a")
	if err != nil || n.ID != "a" {
		t.Fatalf("read: %+v, %v", n, err)
	}

	// No server up: unavailable, and nothing was sent.
	none := newClient(t, down, downServer(t))
	_, err = none.Graph(ctx, g)
	wantErr(t, "no server reachable", err, client.ErrUnavailable, "")
	var conn *client.ConnError
	if !errors.As(err, &conn) || conn.Sent || len(conn.Servers) != 2 {
		t.Fatalf("no server reachable: %#v", err)
	}
	_, err = none.Submit(ctx, g, tx(addNode("b", nil)))
	wantErr(t, "a submit with no server reachable", err, client.ErrUnavailable, "")
}

// proxy is a node behind a proxy that can fail requests on purpose.
type proxy struct {
	*httptest.Server
	mu sync.Mutex
	// fail, when set, decides the fate of a request before the node sees
	// it; it returns what to do: "" pass, "503" answer unavailable, "drop"
	// send it to the node and then drop the connection without an answer.
	fail func(r *http.Request, body []byte) string
	// bodies are the bodies of the POSTs the proxy saw.
	bodies [][]byte
}

func newProxy(t *testing.T, target string) *proxy {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.FlushInterval = -1
	p := &proxy{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		p.mu.Lock()
		if r.Method == http.MethodPost {
			p.bodies = append(p.bodies, body)
		}
		what := ""
		if p.fail != nil {
			what = p.fail(r, body)
		}
		p.mu.Unlock()
		switch what {
		case "503":
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set(apitypes.HeaderRequestID, "proxy-request")
			w.WriteHeader(http.StatusServiceUnavailable)
			_ = json.NewEncoder(w).Encode(apitypes.ErrorResponse{Error: "the proxy says unavailable", Code: apitypes.CodeUnavailable})
		case "drop":
			out := r.Clone(r.Context())
			out.URL.Scheme, out.URL.Host, out.RequestURI = u.Scheme, u.Host, ""
			resp, err := http.DefaultTransport.RoundTrip(out)
			if err != nil {
				t.Errorf("proxy: %v", err)
			} else {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("proxy: %v", err)
				return
			}
			conn.Close()
		default:
			rp.ServeHTTP(w, r)
		}
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) posts() [][]byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([][]byte(nil), p.bodies...)
}

// failFirst fails the first submit with what, and passes the rest.
func failFirst(what string) func(*http.Request, []byte) string {
	n := 0
	return func(r *http.Request, _ []byte) string {
		if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/transactions") {
			return ""
		}
		n++
		if n == 1 {
			return what
		}
		return ""
	}
}

func TestSubmitRetriedAfterALostAnswerAppliesOnce(t *testing.T) {
	for _, what := range []string{"drop", "503"} {
		t.Run(what, func(t *testing.T) {
			p := newProxy(t, sharedNode(t))
			c := newClient(t, p.URL)
			ctx := ctxOf(t)
			g := graphName(t)
			mustSubmit(t, c, g, tx(addNode("a", nil)))
			p.mu.Lock()
			p.bodies = nil
			p.fail = failFirst(what)
			p.mu.Unlock()

			res, err := c.Submit(ctx, g, tx(addNode("b", nil)))
			if err != nil {
				t.Fatalf("submit through a proxy that fails the first attempt (%s): %v", what, err)
			}
			if res.Version != 2 || res.Events != 1 {
				t.Fatalf("the retried submit answered %+v, want version 2", res)
			}
			posts := p.posts()
			if len(posts) != 2 {
				t.Fatalf("the proxy saw %d submits, want the first and one resend", len(posts))
			}
			var first, second apitypes.TransactionRequest
			if json.Unmarshal(posts[0], &first) != nil || json.Unmarshal(posts[1], &second) != nil ||
				first.TransactionID == "" || first.TransactionID != second.TransactionID {
				t.Fatalf("the resend's transaction ID %q, the first's %q: want the same, given", second.TransactionID, first.TransactionID)
			}
			// Applied once: one transaction after the first, the head at 2.
			evs, err := c.Events(ctx, g, client.EventsPage{AfterVersion: 1})
			if err != nil {
				t.Fatal(err)
			}
			if len(evs.Events) != 1 || evs.Events[0].TransactionID != first.TransactionID {
				t.Fatalf("after the retried submit the log has %+v", evs.Events)
			}
			now, err := c.Graph(ctx, g)
			if err != nil || now.Version != 2 {
				t.Fatalf("graph after the retried submit: %+v, %v", now, err)
			}
		})
	}
}

func TestSubmitGivesUpAfterItsAttempts(t *testing.T) {
	p := newProxy(t, sharedNode(t))
	p.fail = func(r *http.Request, _ []byte) string { return "503" }
	c, err := client.New([]string{p.URL}, client.WithToken(testToken), client.WithSubmitRetries(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Submit(ctxOf(t), graphName(t), tx(addNode("a", nil)))
	wantErr(t, "a submit the node never takes", err, client.ErrUnavailable, apitypes.CodeUnavailable)
	if n := len(p.posts()); n != 3 {
		t.Fatalf("the submit was sent %d times, want 3", n)
	}
	// A refusal is not retried.
	p.mu.Lock()
	p.fail = nil
	p.bodies = nil
	p.mu.Unlock()
	_, err = c.Submit(ctxOf(t), graphName(t), tx(addEdge("e", "x", "y", nil)))
	wantErr(t, "a refused submit", err, client.ErrRejected, apitypes.CodeRejected)
	if n := len(p.posts()); n != 1 {
		t.Fatalf("a refused submit was sent %d times, want once", n)
	}
}
