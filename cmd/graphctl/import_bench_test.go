package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// BenchmarkImportCSV imports a 100,000-edge CSV edge list through graphctl
// into a fresh graph of a real node per iteration and reports edges per
// second. As a baseline on the same machine in the same run, it then
// publishes as many raw JetStream messages as the import stored, of the
// same average stored size, with async publish to a stream of its own on
// the node's NATS server; ratio is raw publish time / import time.
//
//	go test -run '^$' -bench BenchmarkImportCSV -benchtime 3x ./cmd/graphctl
func BenchmarkImportCSV(b *testing.B) {
	const (
		nodeCount = 20_000
		edgeCount = 100_000
	)
	node := ownNode(b)
	csvPath := filepath.Join(b.TempDir(), "big.csv")
	writeEdgeCSV(b, csvPath, nodeCount, edgeCount)

	ctx := context.Background()
	nc, err := nats.Connect(node.natsURL)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		b.Fatal(err)
	}
	events, err := js.Stream(ctx, "EVENTS-0")
	if err != nil {
		b.Fatal(err)
	}

	var importTime, rawTime time.Duration
	b.ResetTimer()
	for i := range b.N {
		before, err := events.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		ctl(b, node.Base, "", "import", "bench-"+strconv.Itoa(i), csvPath, "--format", "csv", "--progress-interval", "0").want(b, exitOK)
		took := time.Since(start)
		importTime += took

		b.StopTimer()
		after, err := events.Info(ctx)
		if err != nil {
			b.Fatal(err)
		}
		msgs := after.State.Msgs - before.State.Msgs
		size := int((after.State.Bytes - before.State.Bytes) / msgs)
		raw, err := rawPublish(ctx, js, int(msgs), size)
		if err != nil {
			b.Fatal(err)
		}
		rawTime += raw
		b.Logf("import %d: %d edges, %d events of ~%d bytes in %s (%.0f edges/s); raw publish of the same in %s",
			i, edgeCount, msgs, size, took.Round(time.Millisecond), edgeCount/took.Seconds(), raw.Round(time.Millisecond))
		b.StartTimer()
	}
	b.ReportMetric(float64(edgeCount*b.N)/importTime.Seconds(), "edges/s")
	b.ReportMetric(rawTime.Seconds()/importTime.Seconds(), "ratio")
}

// rawPublish async-publishes n messages of size bytes to a stream of its
// own and returns how long until the last acknowledgement.
func rawPublish(ctx context.Context, js jetstream.JetStream, n, size int) (time.Duration, error) {
	const name = "BENCH_IMPORT_RAW"
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"bench.import.>"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, err
	}
	defer js.DeleteStream(ctx, name) //nolint:errcheck // best effort: the node's directory goes anyway
	data := make([]byte, size)
	start := time.Now()
	for range n {
		if _, err := js.PublishAsync("bench.import.raw", data); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("acks of %d raw messages did not arrive within 5 minutes", n)
	}
	return time.Since(start), nil
}
