package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/nodeproc"
)

// The integration tests run graphctl in-process (run) against a real node
// process: the cmd/node binary, built once per test run, on free ports with
// its data in a temporary directory, killed with SIGKILL at the end.

// nodeProcess is a node running as a child process.
type nodeProcess struct {
	*nodeproc.Process
	natsURL string // its embedded NATS server
	dataDir string
}

var (
	sharedMu   sync.Mutex
	sharedNode *nodeProcess
	sharedErr  error
)

// TestMain kills the shared node and removes what it left.
func TestMain(m *testing.M) {
	code := m.Run()
	sharedMu.Lock()
	if sharedNode != nil {
		sharedNode.Kill()
		_ = os.RemoveAll(sharedNode.dataDir)
	}
	sharedMu.Unlock()
	nodeproc.RemoveBuild()
	os.Exit(code)
}

// server returns the base URL of the node the tests share, starting it on
// first use. Tests use graph IDs of their own.
func server(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a node process")
	}
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedNode == nil && sharedErr == nil {
		sharedNode, sharedErr = startNode()
	}
	if sharedErr != nil {
		t.Fatal(sharedErr)
	}
	return sharedNode.Base
}

// startNode starts a node process with extra flags.
func startNode(extra ...string) (*nodeProcess, error) {
	bin, err := nodeproc.Build()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "graphctl-node-data-")
	if err != nil {
		return nil, err
	}
	natsPort, err := nodeproc.FreePort()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"--node-name", "graphctl-test",
		"--data-dir", dir,
		"--nats-listen", "127.0.0.1:" + strconv.Itoa(natsPort),
		"--log-level", "warn",
	}, extra...)
	var out io.Writer
	if testing.Verbose() {
		out = os.Stderr
	}
	p, err := nodeproc.Start(bin, args, out, 60*time.Second)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	return &nodeProcess{Process: p, natsURL: "nats://127.0.0.1:" + strconv.Itoa(natsPort), dataDir: dir}, nil
}

// ownNode starts a node for one test, killed and removed at its end.
func ownNode(t testing.TB, extra ...string) *nodeProcess {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a node process")
	}
	p, err := startNode(extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Kill()
		_ = os.RemoveAll(p.dataDir)
	})
	return p
}

// result is what one graphctl run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// ctl runs graphctl in-process against base with args and stdin.
func ctl(t testing.TB, base, stdin string, args ...string) result {
	t.Helper()
	return ctlContext(context.Background(), t, base, strings.NewReader(stdin), args...)
}

func ctlContext(ctx context.Context, t testing.TB, base string, stdin io.Reader, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	if base != "" {
		args = append([]string{"--server", base}, args...)
	}
	code := runContext(ctx, args, stdin, &out, &errOut, noEnv)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// noEnv is an empty environment, so GRAPHCTL_* of whoever runs the tests
// does not leak in.
func noEnv(string) string { return "" }

// want checks the exit code, printing the output when it differs.
func (r result) want(t testing.TB, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

// syncBuffer is a bytes.Buffer safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
