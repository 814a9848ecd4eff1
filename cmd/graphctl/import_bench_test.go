package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

// BenchmarkImportCSV imports a 100,000-edge CSV edge list through graphctl
// (in this process) into a fresh graph of a real node (a child process) per
// iteration, with the import's defaults, and reports its edges and events
// per second.
//
// The baseline, on the same machine in the same run, is what the log
// would cost without graphlog: raw JetStream async publish (nats.go's
// PublishAsync, default window) of the same events as single messages,
// one message per event, each of the size the event has in the log (its
// protobuf encoding inside its transaction's message), to a file-backed
// stream of its own on the node's NATS server. The events and their sizes
// are read back from the graph's messages after each import. ratio is
// import events/s ÷ raw publish events/s (the issue asks ≥ 0.5).
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

	var importTime, rawTime time.Duration
	var events int
	b.ResetTimer()
	for i := range b.N {
		graphID := "bench-" + strconv.Itoa(i)
		start := time.Now()
		ctl(b, node.Base, "", "import", graphID, csvPath, "--format", "csv", "--progress-interval", "0").want(b, exitOK)
		took := time.Since(start)
		importTime += took

		b.StopTimer()
		sizes, txs, err := eventSizes(ctx, js, graphID)
		if err != nil {
			b.Fatal(err)
		}
		raw, err := rawPublish(ctx, js, sizes)
		if err != nil {
			b.Fatal(err)
		}
		rawTime += raw
		events += len(sizes)
		total := 0
		for _, s := range sizes {
			total += s
		}
		b.Logf("import %d: %d edges, %d events (~%d bytes each) in %d transactions in %s: %.0f edges/s, %.0f events/s; "+
			"raw async publish of %d messages of the same sizes in %s: %.0f events/s; ratio %.2f",
			i, edgeCount, len(sizes), total/len(sizes), txs, took.Round(time.Millisecond), edgeCount/took.Seconds(), float64(len(sizes))/took.Seconds(),
			len(sizes), raw.Round(time.Millisecond), float64(len(sizes))/raw.Seconds(), raw.Seconds()/took.Seconds())
		b.StartTimer()
	}
	b.ReportMetric(float64(edgeCount*b.N)/importTime.Seconds(), "edges/s")
	b.ReportMetric(float64(events)/importTime.Seconds(), "events/s")
	b.ReportMetric(float64(events)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/importTime.Seconds(), "ratio")
}

// eventSizes reads graphID's messages from the log and returns the size of
// each of its events as the log stores it, and how many transactions
// there are.
func eventSizes(ctx context.Context, js jetstream.JetStream, graphID string) ([]int, int, error) {
	cons, err := js.OrderedConsumer(ctx, "EVENTS-0", jetstream.OrderedConsumerConfig{FilterSubjects: []string{"event.store.*." + graphID}})
	if err != nil {
		return nil, 0, err
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return nil, 0, err
	}
	pending := info.NumPending
	var sizes []int
	txs := 0
	for pending > 0 {
		batch, err := cons.Fetch(int(min(pending, 1000)), jetstream.FetchMaxWait(10*time.Second))
		if err != nil {
			return nil, 0, err
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			var entry messages.LogEntry
			if err := proto.Unmarshal(msg.Data(), &entry); err != nil {
				return nil, 0, fmt.Errorf("%s: %v", msg.Subject(), err)
			}
			for _, tx := range entry.Transactions {
				txs++
				for _, ev := range tx.Events {
					sizes = append(sizes, proto.Size(ev))
				}
			}
		}
		if err := batch.Error(); err != nil {
			return nil, 0, err
		}
		if n == 0 {
			return nil, 0, fmt.Errorf("%d messages of %s did not arrive", pending, graphID)
		}
		pending -= uint64(n)
	}
	if len(sizes) == 0 {
		return nil, 0, fmt.Errorf("no events of %s in the log", graphID)
	}
	return sizes, txs, nil
}

// rawPublish async-publishes one message per size, of that size, to a
// file-backed stream of its own and returns how long until the last
// acknowledgement.
func rawPublish(ctx context.Context, js jetstream.JetStream, sizes []int) (time.Duration, error) {
	const name = "BENCH_IMPORT_RAW"
	stream, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{"bench.import.>"}, Storage: jetstream.FileStorage})
	if err != nil {
		return 0, err
	}
	defer js.DeleteStream(ctx, name) //nolint:errcheck // best effort: the node's directory goes anyway
	largest := 0
	for _, s := range sizes {
		largest = max(largest, s)
	}
	data := []byte(strings.Repeat("x", largest))
	start := time.Now()
	for _, s := range sizes {
		if _, err := js.PublishAsync("bench.import.raw", data[:s], jetstream.WithStallWait(time.Minute)); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("acks of %d raw messages did not arrive within 5 minutes", len(sizes))
	}
	took := time.Since(start)
	info, err := stream.Info(ctx)
	if err != nil {
		return 0, err
	}
	if info.State.Msgs != uint64(len(sizes)) {
		return 0, fmt.Errorf("the raw stream holds %d messages of the %d published", info.State.Msgs, len(sizes))
	}
	return took, nil
}
