package main

import (
	"bytes"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/graphlog/graphlog/internal/nodeproc"
)

// TestScaleBenchSmoke runs `node bench scale` with a few hundred graphs and
// a bound on active graphs below that: every part must complete, the
// listing must hold every graph created, and the member must keep its
// bound.
func TestScaleBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a NATS server and a node process")
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
	args := []string{"--node-bin", bin, "--graphs", "300", "--max-active-graphs", "100", "--writers", "4", "--page", "70", "--first-pages", "10"}
	if err := runScaleBench(args, &out, progress); err != nil {
		t.Fatalf("bench scale: %v\n%s", err, out.String())
	}
	t.Logf("\n%s", out.String())
	m := regexp.MustCompile(`list all by pages of 70: (\d+) graphs in (\d+) pages`).FindStringSubmatch(out.String())
	if m == nil || m[1] != "300" || m[2] != "5" {
		t.Errorf("listing: %v, want 300 graphs in 5 pages", m)
	}
	active := regexp.MustCompile(`member m1: (\d+) graphs active \(bound 100: held\), (\d+) evicted; live heap \+[0-9.]+ MB: \d+ B per active graph`).FindStringSubmatch(out.String())
	if active == nil {
		t.Fatalf("no member line with the bound held:\n%s", out.String())
	}
	if n, _ := strconv.Atoi(active[1]); n > 100 || n < 1 {
		t.Errorf("%d graphs active, want 1 to 100", n)
	}
	// 300 created and 300 read, each an activation past the first 100.
	if n, _ := strconv.Atoi(active[2]); n < 400 {
		t.Errorf("%d evictions, want at least 400", n)
	}
	for _, w := range []string{"create: ", "graphs/s", "read each once: ", "first page (10 reads) p50", "CPU per created graph", "this process (NATS servers and the load)"} {
		if !bytes.Contains(out.Bytes(), []byte(w)) {
			t.Errorf("output has no %q", w)
		}
	}
}
