package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
)

// testConfig is a node on loopback with random ports, storing in dir.
// testConfig is the tests' node, with the tests' partition count.
func testConfig(dir string) config.Config {
	cfg := loopbackConfig("test", dir)
	cfg.NATS.Partitions = natstest.Partitions()
	return cfg
}

func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.DiscardHandler)
}

// startNode runs a whole node in the test process and returns the base URL
// of its API.
func startNode(t testing.TB, cfg config.Config) (*node, string) {
	t.Helper()
	n, err := start(context.Background(), cfg, testLogger(t))
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
		defer cancel()
		n.shutdown(ctx)
	})
	return n, "http://" + n.httpAddr()
}

// client is a small HTTP client of the API for tests.
type client struct {
	t    testing.TB
	base string
	http *http.Client
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, http: &http.Client{Timeout: 30 * time.Second}}
}

// do sends a request and decodes a JSON answer into out (if non-nil and the
// status is 2xx) or into an api.ErrorResponse, which it returns.
func (c *client) do(method, path string, body any, out any) (int, api.ErrorResponse, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			return 0, api.ErrorResponse{}, err
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, api.ErrorResponse{}, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, api.ErrorResponse{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, api.ErrorResponse{}, err
	}
	var e api.ErrorResponse
	if resp.StatusCode/100 == 2 {
		if out != nil {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, e, fmt.Errorf("decoding %s %s answer %q: %w", method, path, raw, err)
			}
		}
		return resp.StatusCode, e, nil
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		return resp.StatusCode, e, fmt.Errorf("error answer of %s %s is not JSON: %q", method, path, raw)
	}
	return resp.StatusCode, e, nil
}

// submitResult is the answer to POST .../transactions.
type submitResult struct {
	Graph    string `json:"graph"`
	Version  uint64 `json:"version"`
	Sequence uint64 `json:"sequence"`
	Events   int    `json:"events"`
}

func (c *client) submit(graphID string, body any) (int, submitResult, api.ErrorResponse) {
	c.t.Helper()
	var res submitResult
	status, e, err := c.do("POST", "/v1/graphs/"+graphID+"/transactions", body, &res)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, res, e
}

func (c *client) mustSubmit(graphID string, body any) submitResult {
	c.t.Helper()
	status, res, e := c.submit(graphID, body)
	if status != http.StatusOK {
		c.t.Fatalf("submit to %s: status %d: %+v", graphID, status, e)
	}
	return res
}

// graph returns the graph, or the status if it is not 200.
func (c *client) graph(graphID string) (int, api.Graph) {
	c.t.Helper()
	var g api.Graph
	status, _, err := c.do("GET", "/v1/graphs/"+graphID, nil, &g)
	if err != nil {
		c.t.Fatal(err)
	}
	return status, g
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func addNode(id string) map[string]any {
	return map[string]any{"type": "NodeAdded", "node_id": id, "node_type": "t"}
}

func addEdge(id, from, to string) map[string]any {
	return map[string]any{"type": "EdgeAdded", "edge_id": id, "source_id": from, "target_id": to, "edge_type": "t"}
}

func events(evs ...map[string]any) map[string]any {
	return map[string]any{"events": evs}
}

func jsonOf(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// TestMain removes the node binary the process tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	nodeproc.RemoveBuild()
	os.Exit(code)
}
