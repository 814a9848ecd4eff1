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
// target (docs/ARCHITECTURE.md, "Reading one graph's history") is
// -natsjs.events=1000 -natsjs.noise=1000000.
var (
	benchEvents = flag.Int("natsjs.events", 1000, "events of the graph the read benchmarks read, in transactions of 10")
	benchNoise  = flag.Int("natsjs.noise", 20000, "events of other graphs, in transactions of 10, interleaved in the stream for the read benchmarks")
)

// encodedTx returns the message Append would publish for graph graphID's
// transaction of n events at version, without its headers (no
// concurrency check, no message ID).
func encodedTx(b *testing.B, graphID string, version uint64, n int) *nats.Msg {
	b.Helper()
	tx := stampedTx(b, graphID, fmt.Sprintf("t%d", version), version, n)
	return &nats.Msg{Subject: natsjs.Subject(graphID, 1), Data: entry(b, tx)}
}

// BenchmarkAppend appends transactions of 1, 10 and 100 events one after
// the other, each waiting for its ack as the grain does, and compares with
// publishing the same bytes with jetstream async publish (pipelined, no
// concurrency check, no deduplication). append/raw is the share of raw
// throughput Append reaches.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("events=%d", size), func(b *testing.B) { benchAppend(b, size) })
	}
}

func benchAppend(b *testing.B, size int) {
	ctx := context.Background()
	log, js := openLogJS(b)
	var h store.Head
	n := 0
	var appendTime time.Duration
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		tx := txOf("g", fmt.Sprintf("t%d", n), size)
		b.StartTimer()
		start := time.Now()
		var err error
		if h, err = log.Append(ctx, tx, h); err != nil {
			b.Fatal(err)
		}
		appendTime += time.Since(start)
		n++
	}
	b.StopTimer()

	msg := encodedTx(b, "raw", 1, size)
	start := time.Now()
	for range n {
		if _, err := js.PublishMsgAsync(&nats.Msg{Subject: msg.Subject, Data: msg.Data}, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("raw async publish did not complete")
	}
	rawTime := time.Since(start)

	b.ReportMetric(float64(n)/appendTime.Seconds(), "tx/s")
	b.ReportMetric(float64(n*size)/appendTime.Seconds(), "events/s")
	b.ReportMetric(float64(n*size)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/appendTime.Seconds(), "append/raw")
}

// fillStream appends events of graph "g" in transactions of txSize, with
// noise events of 1,000 other graphs (in transactions of 10, published
// raw for speed) between them, and returns the log and g's heads.
func fillStream(b *testing.B, events, noise, txSize int) (*natsjs.Log, jetstream.JetStream, []store.Head) {
	b.Helper()
	ctx := context.Background()
	log, js := openLogJS(b)
	txs := max(events/txSize, 1)
	noisePerTx := noise / 10 / txs
	var h store.Head
	var heads []store.Head
	version := map[string]uint64{}
	for t := range txs {
		for i := range noisePerTx {
			g := fmt.Sprintf("n%d", (t*7+i)%1000)
			version[g]++
			if _, err := js.PublishMsgAsync(encodedTx(b, g, version[g], 10), jetstream.WithStallWait(time.Minute)); err != nil {
				b.Fatal(err)
			}
			if i%1000 == 999 {
				<-js.PublishAsyncComplete()
			}
		}
		<-js.PublishAsyncComplete()
		var err error
		if h, err = log.Append(ctx, txOf("g", fmt.Sprintf("t%d", t), txSize), h); err != nil {
			b.Fatal(err)
		}
		heads = append(heads, h)
	}
	return log, js, heads
}

// BenchmarkRead reads one graph's events (-natsjs.events, in transactions
// of 10) from a stream shared with -natsjs.noise events of other graphs,
// with Read, and compares with a raw ordered consumer filtered on the
// graph's subject that reads the same messages. all reads every
// transaction of the graph, recent the last tenth (as after a snapshot).
// raw/read is the share of the raw consumer's speed Read reaches (Read
// decodes, the raw consumer only counts); rawdecode/read compares with a
// raw consumer that decodes each log entry. ns/op is Read's alone.
func BenchmarkRead(b *testing.B) {
	log, js, heads := fillStream(b, *benchEvents, *benchNoise, 10)
	b.Run("all", func(b *testing.B) { benchRead(b, log, js, 0, len(heads), 10) })
	from := len(heads) - max(len(heads)/10, 1)
	b.Run("recent", func(b *testing.B) { benchRead(b, log, js, heads[from-1].Sequence, len(heads)-from, 10) })
}

// BenchmarkRebuild is BenchmarkRead of 20,000 events (in transactions of
// 100) on a stream holding only that graph: a full rebuild.
func BenchmarkRebuild(b *testing.B) {
	const events, txSize = 20000, 100
	log, js, _ := fillStream(b, events, 0, txSize)
	benchRead(b, log, js, 0, events/txSize, txSize)
}

// benchRead alternates Read and the raw consumer, so that both see the
// same load on a shared machine. g has txs transactions of txSize events
// after sequence after.
func benchRead(b *testing.B, log *natsjs.Log, js jetstream.JetStream, after uint64, txs, txSize int) {
	ctx := context.Background()
	want := txs * txSize
	var readTime, rawTime, decodeTime time.Duration
	iters := 0
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		got := 0
		for tx, err := range log.Read(ctx, "g", after) {
			if err != nil {
				b.Fatal(err)
			}
			got += len(tx.Events)
		}
		if got != want {
			b.Fatalf("Read %d events, want %d", got, want)
		}
		readTime += time.Since(start)
		iters++

		b.StopTimer()
		start = time.Now()
		rawOrderedRead(b, ctx, js, after, txs, false)
		rawTime += time.Since(start)
		start = time.Now()
		if got := rawOrderedRead(b, ctx, js, after, txs, true); got != want {
			b.Fatalf("raw consumer decoded %d events, want %d", got, want)
		}
		decodeTime += time.Since(start)
		b.StartTimer()
	}
	b.ReportMetric(float64(want*iters)/readTime.Seconds(), "events/s")
	b.ReportMetric(readTime.Seconds()*1e3/float64(iters), "ms/read")
	b.ReportMetric(rawTime.Seconds()*1e3/float64(iters), "ms/raw")
	b.ReportMetric(rawTime.Seconds()/readTime.Seconds(), "raw/read")
	b.ReportMetric(decodeTime.Seconds()/readTime.Seconds(), "rawdecode/read")
}

// rawOrderedRead reads graph g's messages after sequence after with an
// ordered consumer on g's partition stream filtered on its subject, as a
// reader without direct get would, until it has msgs messages; with
// decode it also decodes each log entry, as any reader must, and returns
// the events decoded.
func rawOrderedRead(b *testing.B, ctx context.Context, js jetstream.JetStream, after uint64, msgs int, decode bool) int {
	cons, err := js.OrderedConsumer(ctx, natsjs.StreamName(natsjs.DefaultStream, natsjs.Partition("g", 1)), jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{natsjs.Subject("g", 1)},
		DeliverPolicy:  jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:    after + 1,
	})
	if err != nil {
		b.Fatal(err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		b.Fatal(err)
	}
	defer it.Stop()
	events := 0
	for range msgs {
		msg, err := it.Next()
		if err != nil {
			b.Fatal(err)
		}
		if decode {
			var e messages.LogEntry
			if err := proto.Unmarshal(msg.Data(), &e); err != nil {
				b.Fatal(err)
			}
			for _, tx := range e.Transactions {
				events += len(tx.Events)
			}
		}
	}
	return events
}
