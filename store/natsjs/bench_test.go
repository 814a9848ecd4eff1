package natsjs_test

import (
	"context"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// Sizes of the read benchmarks. The defaults finish in seconds; the design
// target (DESIGN invariant 7) is -natsjs.events=1000 -natsjs.noise=1000000.
var (
	benchEvents = flag.Int("natsjs.events", 1000, "events of the graph the read benchmarks read")
	benchNoise  = flag.Int("natsjs.noise", 20000, "events of other graphs interleaved in the stream for the read benchmarks")
)

const benchTxSize = 100

// encodedTx returns the messages Append would publish for a stamped
// transaction of n events, without the batch headers.
func encodedTx(b *testing.B, graphID string, version uint64, n int) []*nats.Msg {
	b.Helper()
	tx := txOf(graphID, fmt.Sprintf("t%d", version), n)
	if err := store.Stamp(tx, store.Head{Version: version - 1}, store.MaxEventsPerTransaction); err != nil {
		b.Fatal(err)
	}
	msgs := make([]*nats.Msg, n)
	for i, ev := range tx.Events {
		subject, err := natsjs.Subject(graphID, ev)
		if err != nil {
			b.Fatal(err)
		}
		data, err := proto.Marshal(ev)
		if err != nil {
			b.Fatal(err)
		}
		msgs[i] = &nats.Msg{Subject: subject, Data: data}
	}
	return msgs
}

// BenchmarkAppend appends transactions of 100 events one after the other,
// each waiting for its ack as the grain does, and compares with publishing
// the same bytes with jetstream async publish (pipelined, no atomicity, no
// concurrency check). raw/append is the share of raw throughput Append
// reaches.
func BenchmarkAppend(b *testing.B) {
	ctx := context.Background()
	log, js := openLogJS(b)
	txs := make([]*messages.Transaction, 0, 64)

	var h store.Head
	b.ReportAllocs()
	start := time.Now()
	n := 0
	for b.Loop() {
		if len(txs) == 0 {
			b.StopTimer()
			for range cap(txs) {
				txs = append(txs, txOf("g", "t", benchTxSize))
			}
			b.StartTimer()
		}
		tx := txs[len(txs)-1]
		txs = txs[:len(txs)-1]
		var err error
		if h, err = log.Append(ctx, tx, h); err != nil {
			b.Fatal(err)
		}
		n++
	}
	appendTime := time.Since(start)
	b.StopTimer()

	msgs := encodedTx(b, "raw", 1, benchTxSize)
	start = time.Now()
	for range n {
		for _, m := range msgs {
			if _, err := js.PublishMsgAsync(&nats.Msg{Subject: m.Subject, Data: m.Data}); err != nil {
				b.Fatal(err)
			}
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("raw async publish did not complete")
	}
	rawTime := time.Since(start)

	b.ReportMetric(float64(n*benchTxSize)/appendTime.Seconds(), "events/s")
	b.ReportMetric(float64(n*benchTxSize)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/appendTime.Seconds(), "append/raw")
}

// fillStream appends events of graph "g" in transactions of 10, with noise
// events of 1,000 other graphs published around them, and returns the log.
func fillStream(b *testing.B, events, noise int) (*natsjs.Log, jetstream.JetStream) {
	b.Helper()
	ctx := context.Background()
	log, js := openLogJS(b)
	const txSize = 10
	txs := events / txSize
	if txs == 0 {
		txs = 1
	}
	noisePerTx := noise / txs
	var h store.Head
	version := map[string]uint64{}
	for t := range txs {
		// Noise as other graphs' transactions, published raw for speed.
		for i := 0; i < noisePerTx; {
			g := fmt.Sprintf("n%d", (t*7+i)%1000)
			version[g]++
			size := min(txSize, noisePerTx-i)
			for _, m := range encodedTx(b, g, version[g], size) {
				if _, err := js.PublishMsgAsync(m); err != nil {
					b.Fatal(err)
				}
			}
			i += size
		}
		<-js.PublishAsyncComplete()
		var err error
		if h, err = log.Append(ctx, txOf("g", fmt.Sprintf("t%d", t), txSize), h); err != nil {
			b.Fatal(err)
		}
	}
	return log, js
}

// BenchmarkRead reads all of one graph's events (-natsjs.events) from a
// stream shared with -natsjs.noise events of other graphs, with Read, and
// compares with a raw ordered consumer filtered on the graph that only
// counts the same messages. raw/read is the share of the raw consumer's
// speed Read reaches (decoding and grouping included).
func BenchmarkRead(b *testing.B) {
	benchRead(b, *benchEvents, *benchNoise)
}

// BenchmarkRebuild is BenchmarkRead on a stream holding only the graph: a
// full rebuild, where Read's batched direct get competes with the ordered
// consumer on equal terms.
func BenchmarkRebuild(b *testing.B) {
	benchRead(b, max(*benchEvents, 20000), 0)
}

func benchRead(b *testing.B, events, noise int) {
	ctx := context.Background()
	log, js := fillStream(b, events, noise)
	want := (events / 10) * 10

	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	iters := 0
	for b.Loop() {
		got := 0
		for tx, err := range log.Read(ctx, "g", 0) {
			if err != nil {
				b.Fatal(err)
			}
			got += len(tx.Events)
		}
		if got != want {
			b.Fatalf("Read %d events, want %d", got, want)
		}
		iters++
	}
	readTime := time.Since(start) / time.Duration(iters)
	b.StopTimer()

	const rawRuns = 5
	start = time.Now()
	for range rawRuns {
		if got := rawOrderedRead(b, ctx, js, want); got != want {
			b.Fatalf("raw consumer read %d events, want %d", got, want)
		}
	}
	rawTime := time.Since(start) / rawRuns

	b.ReportMetric(float64(want)/readTime.Seconds(), "events/s")
	b.ReportMetric(readTime.Seconds()*1e3, "ms/read")
	b.ReportMetric(rawTime.Seconds()*1e3, "ms/raw")
	b.ReportMetric(rawTime.Seconds()/readTime.Seconds(), "raw/read")
}

// rawOrderedRead reads graph g's messages with an ordered consumer, as a
// reader without direct get would, and counts them.
func rawOrderedRead(b *testing.B, ctx context.Context, js jetstream.JetStream, want int) int {
	cons, err := js.OrderedConsumer(ctx, natsjs.DefaultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{natsjs.GraphFilter("g")},
	})
	if err != nil {
		b.Fatal(err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		b.Fatal(err)
	}
	defer it.Stop()
	got := 0
	for got < want {
		if _, err := it.Next(); err != nil {
			b.Fatal(err)
		}
		got++
	}
	return got
}
