package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store/natsjs"
)

// benchOptions are the knobs of `node bench`.
type benchOptions struct {
	txSizes  []int // events per transaction, one write comparison each
	txSize   int   // the size being built, and of the rebuild graph's transactions
	graphs   int   // graphs written concurrently
	writers  int   // concurrent writers
	duration time.Duration
	http     bool // also submit through the HTTP API
	hot      bool // also one hot graph
	rebuild  int  // events of the graph rebuilt from the log
	rounds   int  // rounds of every comparison; medians are reported
}

// runBench measures graphlog's writes and reads against raw JetStream on
// this machine, in one run, on the node's own NATS server, and prints
// absolute figures and ratios:
//
//   - for each transaction size, writers submitting to random graphs (the
//     grain validates, appends one message and applies) through the
//     cluster client and through HTTP, against as many raw publishers
//     each waiting for its ack, of messages of the transaction's encoded
//     size; for the largest size, events per second against raw async
//     publish of single events too;
//   - the same writers on one hot graph, 1-event transactions;
//   - rebuilding one graph from the log (graph.Apply over store reads)
//     against a raw ordered consumer reading and decoding the same
//     messages.
func runBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench", flag.ContinueOnError)
	var o benchOptions
	sizes := fs.String("tx-sizes", "1,10,100", "comma-separated `sizes` of transactions (events) to compare write throughput at")
	fs.IntVar(&o.graphs, "graphs", 200, "graphs written to (at random)")
	fs.IntVar(&o.writers, "writers", 16, "concurrent writers, and raw publishers")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long each writer and raw publisher run of a round lasts")
	fs.BoolVar(&o.http, "http", true, "also submit through the HTTP API")
	fs.BoolVar(&o.hot, "hot", true, "also write to one hot graph (1-event transactions)")
	fs.IntVar(&o.rebuild, "rebuild-events", 100_000, "events of the graph rebuilt from the log")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of each comparison, raw and graphlog interleaved (medians reported)")
	ingress := fs.Bool("ingress", true, "run the ingress during the benchmark, as every node does")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 5000 {
			return fmt.Errorf("bench: --tx-sizes %q: each size must be a number from 1 to 5000", *sizes)
		}
		o.txSizes = append(o.txSizes, n)
	}
	if o.graphs <= 0 || o.writers <= 0 || o.duration <= 0 || o.rebuild <= 0 || o.rounds <= 0 {
		return errors.New("bench: --graphs, --writers, --duration, --rebuild-events and --rounds must be positive")
	}
	o.txSize = o.txSizes[len(o.txSizes)-1]

	stopProfile, err := startProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx := context.Background()
	n, stop, err := benchNode(ctx, "bench", *ingress, progress)
	if err != nil {
		return err
	}
	defer stop()

	nc, err := nats.Connect(n.nats.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	log, err := natsjs.Open(ctx, js, natsjs.Config{})
	if err != nil {
		return err
	}

	fmt.Fprintf(out, "graphlog bench: %d writers, %s per run, %d rounds, medians; the node's own NATS server (file storage, R1)\n",
		o.writers, o.duration, o.rounds)
	fmt.Fprintf(out, "\nwrites: transactions/s through the cluster client (Go API) and HTTP vs raw JetStream sync publish,\n"+
		"%d publishers each waiting for its ack, of messages of the transaction's encoded size\n", o.writers)
	header := fmt.Sprintf("  %-34s %10s  %10s %5s", "", "raw msg/s", "client tx/s", "ratio")
	if o.http {
		header += fmt.Sprintf("  %10s %5s", "HTTP tx/s", "ratio")
	}
	fmt.Fprintln(out, header)
	type comparison struct {
		label string
		b     writeBench
	}
	var cases []comparison
	for _, size := range o.txSizes {
		cases = append(cases, comparison{fmt.Sprintf("%d-event tx, %d graphs (%d B)", size, o.graphs, encodedTxSize(size)),
			writeBench{txSize: size, graphs: o.graphs, writers: o.writers, duration: o.duration}})
	}
	if o.hot {
		cases = append(cases, comparison{fmt.Sprintf("1-event tx, one hot graph (%d B)", encodedTxSize(1)),
			writeBench{txSize: 1, graphs: 1, writers: o.writers, duration: o.duration}})
	}
	var largest []float64 // client tx/s of the largest size, per round
	for ci, c := range cases {
		var raws, clients, https []float64
		for r := range o.rounds {
			fmt.Fprintf(progress, "%s, round %d/%d\n", c.label, r+1, o.rounds)
			rates, err := benchWriteRound(ctx, n, js, c.b, fmt.Sprintf("c%dr%d", ci, r), o.http, progress)
			if err != nil {
				return err
			}
			raws, clients, https = append(raws, rates.raw), append(clients, rates.client), append(https, rates.http)
		}
		writeReport(out, c.label, raws, clients, https, o.http)
		if c.b.txSize == o.txSize && c.b.graphs == o.graphs {
			largest = clients
		}
	}

	// Events per second of the largest transactions, against raw async
	// publish of as many single events.
	var evRaws, evRatios []float64
	for r := range o.rounds {
		count := int(medianOf(largest) * float64(o.txSize) * o.duration.Seconds())
		count = max(count, 10_000)
		raw, err := rawAsyncPublishEvents(ctx, js, writeBench{graphs: o.graphs}, count, fmt.Sprintf("ev%d", r))
		if err != nil {
			return fmt.Errorf("raw async publish: %w", err)
		}
		fmt.Fprintf(progress, "raw async publish of %d single events: %.0f events/s\n", count, raw)
		evRaws = append(evRaws, raw)
		evRatios = append(evRatios, largest[r]*float64(o.txSize)/raw)
	}
	fmt.Fprintf(out, "\nevents/s of %d-event transactions through the cluster client: %.0f; raw async publish of single events: %.0f; ratio %.2f\n",
		o.txSize, medianOf(largest)*float64(o.txSize), medianOf(evRaws), medianOf(evRatios))

	rebuildID, err := benchFillGraph(ctx, n, o, progress)
	if err != nil {
		return fmt.Errorf("filling the rebuild graph: %w", err)
	}
	fold, ordered, err := benchRebuild(ctx, log, js, rebuildID, o, progress)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	fmt.Fprintf(out, "\nrebuild of one graph with %d events (%d-event transactions) from the log vs raw JetStream ordered read and decode of its messages\n", o.rebuild, o.txSize)
	fmt.Fprintf(out, "  raw JetStream ordered read    %10s  %10.0f events/s\n", ordered.Round(time.Microsecond), float64(o.rebuild)/ordered.Seconds())
	fmt.Fprintf(out, "  rebuild from the log (fold)   %10s  %10.0f events/s\n", fold.Round(time.Microsecond), float64(o.rebuild)/fold.Seconds())
	fmt.Fprintf(out, "  ratio (raw time / fold time)  %10.2f\n", ordered.Seconds()/fold.Seconds())
	return nil
}

// startProfile writes a CPU profile to path until the returned function
// is called; an empty path profiles nothing.
func startProfile(path string) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

// benchNode starts a node for a benchmark, on loopback in a temporary
// directory, logging warnings to progress; stop shuts it down and removes
// the directory.
func benchNode(ctx context.Context, name string, ingress bool, progress io.Writer) (n *node, stop func(), err error) {
	dir, err := os.MkdirTemp("", "graphlog-"+name+"-")
	if err != nil {
		return nil, nil, err
	}
	cfg := loopbackConfig(name, dir)
	cfg.HTTP.RequestTimeout = time.Minute
	cfg.Ingress.Enabled = ingress
	n, err = start(ctx, cfg, slog.New(slog.NewTextHandler(progress, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return n, func() { n.shutdown(ctx); os.RemoveAll(dir) }, nil
}

// loopbackConfig is a node that serves only this machine, on free ports,
// storing in dir: the benchmark's and the tests' node.
func loopbackConfig(name, dir string) config.Config {
	cfg := config.Default()
	cfg.NodeName = name
	cfg.DataDir = dir
	cfg.HTTP.Addr = "127.0.0.1:0"
	cfg.NATS.Listen = "127.0.0.1:-1"
	cfg.Actor.Host = "127.0.0.1"
	cfg.Actor.Port = 0
	return cfg
}

// benchFillGraph writes o.rebuild events to one graph.
func benchFillGraph(ctx context.Context, n *node, o benchOptions, progress io.Writer) (string, error) {
	const id = "bench-rebuild"
	fmt.Fprintf(progress, "writing %d events to %s...\n", o.rebuild, id)
	client := n.member.Client()
	for written := 0; written < o.rebuild; {
		tx := &messages.Transaction{GraphId: id}
		for j := 0; j < o.txSize && written < o.rebuild; j++ {
			tx.Events = append(tx.Events, benchEvent(fmt.Sprintf("r%08d", written)))
			written++
		}
		if _, err := client.Submit(ctx, tx); err != nil {
			return "", err
		}
	}
	return id, nil
}

// benchRebuild times folding the graph from the log into a fresh state
// against reading the same messages with a raw ordered consumer.
func benchRebuild(ctx context.Context, log *natsjs.Log, js jetstream.JetStream, id string, o benchOptions, progress io.Writer) (fold, ordered time.Duration, err error) {
	var folds, reads []time.Duration
	for r := range o.rounds {
		fmt.Fprintf(progress, "rebuild round %d/%d...\n", r+1, o.rounds)
		start := time.Now()
		g := graph.New(id)
		res, err := replay.Fold(ctx, log, g, 0, nil, nil)
		if err != nil {
			return 0, 0, err
		}
		folds = append(folds, time.Since(start))
		if g.NodeCount() != o.rebuild || res.Rejected != 0 {
			return 0, 0, fmt.Errorf("rebuilt graph has %d nodes (want %d), %d rejected", g.NodeCount(), o.rebuild, res.Rejected)
		}

		start = time.Now()
		n, err := orderedRead(ctx, js, log.Config(), id, o.rebuild)
		if err != nil {
			return 0, 0, err
		}
		reads = append(reads, time.Since(start))
		if n != o.rebuild {
			return 0, 0, fmt.Errorf("ordered consumer read %d messages, want %d", n, o.rebuild)
		}
	}
	return median(folds), median(reads), nil
}

// orderedRead reads graph graphID's messages with an ordered consumer, the
// fastest plain way to stream a subject's messages, and decodes them
// until it has seen want events.
func orderedRead(ctx context.Context, js jetstream.JetStream, cfg natsjs.Config, graphID string, want int) (int, error) {
	p := natsjs.Partition(graphID, cfg.Partitions)
	cons, err := js.OrderedConsumer(ctx, natsjs.StreamName(cfg.Stream, p),
		jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsjs.Subject(graphID, cfg.Partitions)}})
	if err != nil {
		return 0, err
	}
	it, err := cons.Messages()
	if err != nil {
		return 0, err
	}
	defer it.Stop()
	n := 0
	for n < want {
		m, err := it.Next()
		if err != nil {
			return n, err
		}
		entry := &messages.LogEntry{}
		if err := proto.Unmarshal(m.Data(), entry); err != nil {
			return n, err
		}
		for _, tx := range entry.Transactions {
			n += len(tx.Events)
		}
	}
	return n, nil
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}
