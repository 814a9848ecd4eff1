package nodeproc

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// nodePackage is what Build compiles.
const nodePackage = "github.com/graphlog/graphlog/cmd/node"

var (
	buildMu  sync.Mutex
	buildBin string // built binary, once built
)

// Build compiles the node binary once per process and returns its path.
// RemoveBuild deletes it.
func Build() (string, error) {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildBin != "" {
		return buildBin, nil
	}
	dir, err := os.MkdirTemp("", "graphlog-node-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "node")
	out, err := exec.Command("go", "build", "-o", bin, nodePackage).CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", fmt.Errorf("go build %s: %v\n%s", nodePackage, err, out)
	}
	buildBin = bin
	return bin, nil
}

// RemoveBuild deletes what Build compiled, if it did; call it from TestMain
// after the tests ran.
func RemoveBuild() {
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildBin != "" {
		_ = os.RemoveAll(filepath.Dir(buildBin))
		buildBin = ""
	}
}

// FreePort returns a TCP port that was free a moment ago on 127.0.0.1
// (see FreePorts).
func FreePort() (int, error) {
	ports, err := FreePorts(1)
	if err != nil {
		return 0, err
	}
	return ports[0], nil
}

// Ports handed out by FreePorts lie below the kernel's ephemeral range
// (Linux: 32768 and up), where no socket bound to port 0 and no outgoing
// connection lands: a port chosen here and used a moment later is taken
// in between only if another test picks the same one at random.
const (
	freePortsLow  = 20000
	freePortsHigh = 32767
)

// FreePorts returns n distinct TCP ports that were free a moment ago on
// 127.0.0.1, for servers whose addresses must be known before they start
// (a NATS cluster's routes).
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	// Listeners stay open until every port is chosen, so the ports differ.
	for tries := 0; len(ports) < n; tries++ {
		if tries > 1000 {
			return nil, errors.New("nodeproc: no free port below the ephemeral range after 1000 tries")
		}
		port := freePortsLow + rand.IntN(freePortsHigh-freePortsLow+1)
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		lns = append(lns, ln)
		ports = append(ports, port)
	}
	return ports, nil
}

// Process is a node running as a child process.
type Process struct {
	// Base is the URL of its HTTP API: http://127.0.0.1:port.
	Base    string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	waitErr error         // how it exited; set before exited is closed
}

// Start starts the node binary bin with args and --http-addr on a free
// loopback port, writing its output to out (nil: discarded), and waits up
// to readyWithin until its /readyz answers 200. A node that exits or is not
// ready in time is killed and reported.
func Start(bin string, args []string, out io.Writer, readyWithin time.Duration) (*Process, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	base := "http://127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(bin, append(args, "--http-addr", "127.0.0.1:"+strconv.Itoa(port))...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{Base: base, cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitReady(readyWithin); err != nil {
		p.Kill()
		return nil, err
	}
	return p, nil
}

func (p *Process) waitReady(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(p.Base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.exited:
			return fmt.Errorf("the node at %s exited during start-up (%v)", p.Base, p.cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the node at %s was not ready within %s", p.Base, within)
		}
	}
}

// Exited is closed when the process has exited.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Alive reports whether the process has not exited.
func (p *Process) Alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// Kill stops the process with SIGKILL, no goodbye, and waits for its exit.
func (p *Process) Kill() {
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return // it cannot be signalled, so it will not exit either
	}
	<-p.exited
}

// Freeze stops the process with SIGSTOP: it keeps its sockets open but
// answers nothing, as a machine cut off from the network does; Thaw lets
// it go on. Peers notice only by timeouts, not by closed connections.
func (p *Process) Freeze() error { return p.cmd.Process.Signal(syscall.SIGSTOP) }

// Thaw resumes a frozen process with SIGCONT.
func (p *Process) Thaw() error { return p.cmd.Process.Signal(syscall.SIGCONT) }

// Terminate asks the process to stop with SIGTERM and waits up to within
// for it to exit. It returns how it exited (nil: status 0), or an error if
// it is still running.
func (p *Process) Terminate(within time.Duration) error {
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return p.waitErr
	case <-time.After(within):
		return fmt.Errorf("the node at %s did not exit within %s of SIGTERM", p.Base, within)
	}
}

// Stop stops the process with SIGTERM, and with SIGKILL if it has not
// exited after grace.
func (p *Process) Stop(grace time.Duration) {
	if p.Terminate(grace) != nil {
		p.Kill()
	}
}
