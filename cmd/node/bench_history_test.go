package main

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestHistoryBenchSmoke runs `node bench history` at tiny sizes: every part
// must complete, check its reads and report.
func TestHistoryBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node and writes a few thousand events")
	}
	var out bytes.Buffer
	var progress io.Writer = io.Discard
	if testing.Verbose() {
		progress = &testWriter{t}
	}
	args := []string{
		"--graphs", "12", "--events-per-graph", "40", "--sample", "4",
		// Transactions of 7 events: the last one is short, and snapshots
		// every 500 events fall inside transactions; with the node's
		// retention (one per 2000 events, the newest 3) some are pruned.
		"--travel-events", "3000", "--travel-tx-size", "7", "--travel-nodes", "50", "--snapshot-every", "500", "--travel-samples", "5",
		"--snapshot-edges", "2000", "--rounds", "1",
		"--element-txs", "500", "--element-touches", "20",
	}
	if err := runHistoryBench(args, &out, progress); err != nil {
		t.Fatalf("bench history: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"1. cold activation", "2. time travel", "3. full rebuild", "4. snapshot", "summary",
		"3000 events in 429 transactions of 7 events",
		"6 snapshots taken", "4 kept by the node's default retention",
		"History.At a random time (5 samples)", "History.At a random version (5 samples)",
		"HTTP GET one node ?version= a random version (5 samples)",
		"2. time travel p99, HTTP one node, random version",
		"5. element history: a graph of 500 transactions", "all 20 changes", "5. element history p99 (20 changes, 500 transactions)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output has no %q:\n%s", want, out.String())
		}
	}
}

type testWriter struct{ t testing.TB }

func (w *testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestBenchSmoke runs `node bench` at tiny sizes: every comparison must
// complete and report a figure and a ratio.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a node and writes for a few seconds")
	}
	var out bytes.Buffer
	var progress io.Writer = io.Discard
	if testing.Verbose() {
		progress = &testWriter{t}
	}
	args := []string{"--tx-sizes", "1,10", "--graphs", "4", "--writers", "2", "--duration", "200ms", "--rounds", "1", "--rebuild-events", "500"}
	if err := runBench(args, &out, progress); err != nil {
		t.Fatalf("bench: %v\n%s", err, out.String())
	}
	for _, want := range []string{"1-event tx, 4 graphs", "10-event tx, 4 graphs", "one hot graph", "events/s of 10-event transactions", "ratio (raw time / fold time)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output has no %q:\n%s", want, out.String())
		}
	}
}
