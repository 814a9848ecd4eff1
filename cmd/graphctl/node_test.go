package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The integration tests run graphctl in-process (run) against a real node
// process: the cmd/node binary, built once per test run, on free ports with
// its data in a temporary directory, killed with SIGKILL at the end.

var buildNode = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "graphctl-node-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/graphlog/graphlog/cmd/node").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

// nodeProcess is a node running as a child process.
type nodeProcess struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:port
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
		sharedNode.kill()
		_ = os.RemoveAll(sharedNode.dataDir)
	}
	sharedMu.Unlock()
	if bin, err := buildNode(); err == nil {
		_ = os.RemoveAll(filepath.Dir(bin))
	}
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
	return sharedNode.base
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startNode starts a node process with extra flags.
func startNode(extra ...string) (*nodeProcess, error) {
	bin, err := buildNode()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "graphctl-node-data-")
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	natsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin,
		"--node-name", "graphctl-test",
		"--data-dir", dir,
		"--http-addr", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--nats-listen", "127.0.0.1:"+strconv.Itoa(natsPort),
		"--log-level", "warn",
	)
	cmd.Args = append(cmd.Args, extra...)
	if testing.Verbose() {
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &nodeProcess{cmd: cmd, base: "http://127.0.0.1:" + strconv.Itoa(httpPort),
		natsURL: "nats://127.0.0.1:" + strconv.Itoa(natsPort), dataDir: dir}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.kill()
			return nil, fmt.Errorf("the node at %s was not ready within 60s", p.base)
		}
		time.Sleep(100 * time.Millisecond)
	}
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
		p.kill()
		_ = os.RemoveAll(p.dataDir)
	})
	return p
}

func (p *nodeProcess) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Signal(syscall.SIGKILL)
		_ = p.cmd.Wait()
	}
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
