package natstest

import (
	"bytes"
	"runtime"
	"testing"
	"time"
)

// WaitGRPCQuiet waits, up to a few seconds, until no gRPC transport
// goroutine is left in the process. Tests that start actor-cluster members
// one after another in one process call it first: protoactor's remote sets
// grpc's global logger on every start, and a transport of a member stopped
// a moment earlier may still be reading it as it winds down, which the
// race detector reports. Members of one test started together do not
// need it.
func WaitGRPCQuiet(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<20)
	for time.Now().Before(deadline) {
		n := runtime.Stack(buf, true)
		if n < len(buf) && !bytes.Contains(buf[:n], []byte("google.golang.org/grpc/internal/transport.")) {
			return
		}
		if n == len(buf) {
			buf = make([]byte, 2*len(buf))
			continue
		}
		time.Sleep(20 * time.Millisecond)
	}
}
