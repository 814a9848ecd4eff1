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

// BenchmarkAppend appends transactions of 1, 10 and 100 events one after
// the other, each waiting for its ack as the grain does, and compares with
// publishing the same bytes with jetstream async publish (pipelined, not
// atomic, no concurrency check). append/raw is the share of raw throughput
// Append reaches.
func BenchmarkAppend(b *testing.B) {
	for _, size := range []int{1, 10, benchTxSize} {
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
		tx := txOf("g", "t", size)
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

	msgs := encodedTx(b, "raw", 1, size)
	start := time.Now()
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

	b.ReportMetric(float64(n*size)/appendTime.Seconds(), "events/s")
	b.ReportMetric(float64(n*size)/rawTime.Seconds(), "raw-events/s")
	b.ReportMetric(rawTime.Seconds()/appendTime.Seconds(), "append/raw")
}

// fillStream appends events of graph "g" in transactions of txSize, with
// noise events of 1,000 other graphs published between them, and returns
// the log.
func fillStream(b *testing.B, events, noise, txSize int) (*natsjs.Log, jetstream.JetStream, []store.Head) {
	b.Helper()
	ctx := context.Background()
	log, js := openLogJS(b)
	txs := max(events/txSize, 1)
	noisePerTx := noise / txs
	var h store.Head
	var heads []store.Head
	version := map[string]uint64{}
	for t := range txs {
		// Noise as other graphs' transactions of 10, published raw for
		// speed.
		for i := 0; i < noisePerTx; {
			g := fmt.Sprintf("n%d", (t*7+i)%1000)
			version[g]++
			size := min(10, noisePerTx-i)
			for _, m := range encodedTx(b, g, version[g], size) {
				if _, err := js.PublishMsgAsync(m); err != nil {
					b.Fatal(err)
				}
			}
			i += size
			if i%1000 == 0 {
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
// graph that reads the same messages. all reads every event of the graph,
// recent the last tenth (as after a snapshot). raw/read is the share of
// the raw consumer's speed Read reaches (Read decodes and groups, the raw
// consumer only counts); rawdecode/read compares with a raw consumer that
// decodes each event. ns/op is Read's alone.
func BenchmarkRead(b *testing.B) {
	log, js, heads := fillStream(b, *benchEvents, *benchNoise, 10)
	want := len(heads) * 10
	b.Run("all", func(b *testing.B) { benchRead(b, log, js, 0, want) })
	from := len(heads) - max(len(heads)/10, 1)
	b.Run("recent", func(b *testing.B) { benchRead(b, log, js, heads[from-1].Sequence, (len(heads)-from)*10) })
}

// BenchmarkRebuild is BenchmarkRead of 20,000 events (in transactions of
// 100) on a stream holding only that graph: a full rebuild.
func BenchmarkRebuild(b *testing.B) {
	const events = 20000
	log, js, _ := fillStream(b, events, 0, 100)
	benchRead(b, log, js, 0, events)
}

// benchRead alternates Read and the raw consumer, so that both see the
// same load on a shared machine.
func benchRead(b *testing.B, log *natsjs.Log, js jetstream.JetStream, after uint64, want int) {
	ctx := context.Background()
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
		if got := rawOrderedRead(b, ctx, js, after, want, false); got != want {
			b.Fatalf("raw consumer read %d events, want %d", got, want)
		}
		rawTime += time.Since(start)
		start = time.Now()
		if got := rawOrderedRead(b, ctx, js, after, want, true); got != want {
			b.Fatalf("raw consumer read %d events, want %d", got, want)
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
// ordered consumer, as a reader without direct get would, and counts them;
// with decode it also decodes each into an event, as any reader must.
func rawOrderedRead(b *testing.B, ctx context.Context, js jetstream.JetStream, after uint64, want int, decode bool) int {
	cons, err := js.OrderedConsumer(ctx, natsjs.DefaultStream, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{natsjs.GraphFilter("g")},
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
	got := 0
	for got < want {
		msg, err := it.Next()
		if err != nil {
			b.Fatal(err)
		}
		if decode {
			if err := proto.Unmarshal(msg.Data(), &messages.Event{}); err != nil {
				b.Fatal(err)
			}
		}
		got++
	}
	return got
}
