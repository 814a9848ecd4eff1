package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
	"github.com/graphlog/graphlog/internal/nodeproc"
)

// The tests run against real nodes: the node binary, built once, each
// process with its embedded NATS server (internal/nodeproc).

const testToken = "client-test-token"

// shared is the node most tests use: one process for the package, with a
// token and a small body limit.
var shared struct {
	once sync.Once
	p    *nodeproc.Process
	dir  string
	err  error
}

// The shared node's --max-body-bytes and --max-replay-frames.
const (
	sharedMaxBody   = 64 << 10
	sharedMaxFrames = 4
)

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.p != nil {
		shared.p.Stop(10 * time.Second)
	}
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
	nodeproc.RemoveBuild()
	os.Exit(code)
}

// sharedNode returns the base URL of the shared node, starting it the
// first time.
func sharedNode(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a node process")
	}
	shared.once.Do(func() {
		shared.dir, shared.err = os.MkdirTemp("", "graphlog-client-test-")
		if shared.err != nil {
			return
		}
		shared.p, shared.err = startProcess(shared.dir, "--http-token", testToken, "--max-body-bytes", fmt.Sprint(sharedMaxBody),
			"--max-replay-frames", fmt.Sprint(sharedMaxFrames))
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.p.Base
}

// startNode starts a node of the test's own, stopped at its end.
func startNode(t *testing.T, args ...string) *nodeproc.Process {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a node process")
	}
	p, err := startProcess(t.TempDir(), args...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Stop(10 * time.Second) })
	return p
}

func startProcess(dir string, args ...string) (*nodeproc.Process, error) {
	bin, err := nodeproc.Build()
	if err != nil {
		return nil, err
	}
	var out io.Writer
	if testing.Verbose() {
		out = os.Stderr
	}
	return nodeproc.Start(bin, append([]string{"--node-name", "clienttest", "--data-dir", dir,
		"--nats-listen", "127.0.0.1:-1", "--actor-host", "127.0.0.1", "--actor-port", "0", "--log-level", "warn"}, args...),
		out, time.Minute)
}

// newClient is a client of the servers with the shared node's token.
func newClient(t *testing.T, servers ...string) *client.Client {
	t.Helper()
	c, err := client.New(servers, client.WithToken(testToken), client.WithSubmitRetries(4, 20*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// graphName is a graph of its own for each test.
func graphName(t *testing.T) string {
	return strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name())) + fmt.Sprint(time.Now().UnixNano()%1e6)
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func addNode(id string, props map[string]any) apitypes.EventData {
	return apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: id, NodeType: "t", Properties: props}
}

func addEdge(id, from, to string, props map[string]any) apitypes.EventData {
	return apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: id, SourceID: from, TargetID: to, EdgeType: "t", Properties: props}
}

func tx(evs ...apitypes.EventData) apitypes.TransactionRequest {
	return apitypes.TransactionRequest{Events: evs}
}

func mustSubmit(t *testing.T, c *client.Client, graphID string, r apitypes.TransactionRequest) *apitypes.SubmitResult {
	t.Helper()
	res, err := c.Submit(ctxOf(t), graphID, r)
	if err != nil {
		t.Fatalf("submit to %s: %v", graphID, err)
	}
	return res
}

// wantErr fails unless err matches sentinel and, as an *Error, carries
// code (when not empty), a message and a request ID.
func wantErr(t *testing.T, what string, err, sentinel error, code string) {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Fatalf("%s: error %v (%T), want one that matches %v", what, err, err, sentinel)
	}
	for _, other := range []error{client.ErrInvalid, client.ErrUnauthorized, client.ErrNotFound, client.ErrConflict,
		client.ErrTooLarge, client.ErrRejected, client.ErrTooManyStreams, client.ErrUnavailable} {
		if other != sentinel && errors.Is(err, other) {
			t.Errorf("%s: error %v matches %v too", what, err, other)
		}
	}
	var e *client.Error
	if !errors.As(err, &e) {
		return
	}
	if code != "" && e.Code != code {
		t.Errorf("%s: code %q, want %q", what, e.Code, code)
	}
	if e.Message == "" || e.RequestID == "" {
		t.Errorf("%s: message %q, request ID %q; want both", what, e.Message, e.RequestID)
	}
}
