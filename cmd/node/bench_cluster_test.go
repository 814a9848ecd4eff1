package main

import (
	"bytes"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/internal/nodeproc"
)

// TestClusterBenchSmoke runs `node bench cluster` at tiny sizes, on three
// clustered NATS servers with R3 streams as by default: every part must
// complete and print its figures.
func TestClusterBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS cluster and node processes")
	}
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	var progress io.Writer = io.Discard
	if testing.Verbose() {
		progress = &testWriter{t}
	}
	args := []string{
		"--node-bin", bin, "--writers", "4", "--duration", "1s", "--graphs", "8", "--rounds", "1",
		"--probes", "20", "--kills", "1", "--member-ttl", "2s",
	}
	if err := runClusterBench(args, &out, progress); err != nil {
		t.Fatalf("bench cluster: %v\n%s", err, out.String())
	}
	want := []string{
		"3 member processes and a cluster of 3 NATS servers", "streams R3",
		"10-event transactions", "msg/s, cluster", "tx/s", "ratio",
		"local  p50", "remote p50", "extra latency of a routed request",
		"failover", "1 kills: median",
	}
	if runtime.GOOS == "linux" {
		want = append(want, "per cluster transaction")
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("output has no %q:\n%s", w, out.String())
		}
	}
	t.Logf("\n%s", out.String())
}
