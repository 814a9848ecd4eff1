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
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store/natsjs"
)

// benchOptions are the knobs of `node bench`.
type benchOptions struct {
	events  int   // events submitted end to end, and published raw, per round
	txSizes []int // events per transaction, one throughput comparison each
	txSize  int   // the size being measured, and of the rebuild graph's transactions
	graphs  int   // graphs written concurrently
	rebuild int   // events of the graph rebuilt from the log
	rounds  int   // rounds of every comparison; medians are reported
}

// runBench measures graphlog against raw JetStream on this machine, in one
// run, and prints absolute figures and ratios:
//
//   - submit-and-apply throughput (grain validates, appends atomically,
//     applies) vs raw JetStream async publish of the same events' bytes;
//   - rebuilding one graph from the log (graph.Apply over store reads) vs
//     a raw ordered consumer reading the same messages.
func runBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench", flag.ContinueOnError)
	var o benchOptions
	fs.IntVar(&o.events, "events", 200_000, "events to submit end to end (and to publish raw)")
	sizes := fs.String("tx-sizes", "100,1000", "comma-separated `sizes` of transactions (events, at most 1000) to compare throughput at")
	fs.IntVar(&o.graphs, "graphs", 16, "graphs written concurrently")
	fs.IntVar(&o.rebuild, "rebuild-events", 100_000, "events of the graph rebuilt from the log")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds of each comparison, raw and graphlog interleaved (medians reported)")
	ingress := fs.Bool("ingress", true, "run the ingress during the benchmark, as every node does")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	for _, f := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 1000 {
			return fmt.Errorf("bench: --tx-sizes %q: each size must be a number from 1 to 1000", *sizes)
		}
		o.txSizes = append(o.txSizes, n)
	}
	if o.events <= 0 || o.graphs <= 0 || o.rebuild <= 0 || o.rounds <= 0 {
		return errors.New("bench: --events, --graphs, --rebuild-events and --rounds must be positive")
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

	fmt.Fprintf(out, "graphlog bench: %d events per round over %d graphs, %d rounds, medians; rebuild of a %d-event graph\n",
		o.events, o.graphs, o.rounds, o.rebuild)
	fmt.Fprintf(out, "\nthroughput: submit-and-apply through the grains vs raw JetStream async publish of the same events (~%d bytes each)\n",
		eventSize(benchEvent("n00000000")))
	fmt.Fprintf(out, "  %8s  %14s  %14s  %6s\n", "tx size", "raw events/s", "graph events/s", "ratio")
	for _, size := range o.txSizes {
		var raws, e2es, ratios []float64
		for r := range o.rounds {
			o.txSize = size
			txs := benchTransactions(o, fmt.Sprintf("t%d-r%d", size, r))
			raw, err := benchRawPublish(ctx, js, txs, progress)
			if err != nil {
				return fmt.Errorf("raw publish: %w", err)
			}
			e2e, err := benchSubmit(ctx, n, txs, progress)
			if err != nil {
				return fmt.Errorf("submit: %w", err)
			}
			fmt.Fprintf(progress, "tx size %d round %d: raw %.0f, graphlog %.0f events/s\n", size, r+1, raw, e2e)
			raws, e2es, ratios = append(raws, raw), append(e2es, e2e), append(ratios, e2e/raw)
		}
		fmt.Fprintf(out, "  %8d  %14.0f  %14.0f  %6.2f\n", size, medianOf(raws), medianOf(e2es), medianOf(ratios))
	}

	rebuildID, err := benchFillGraph(ctx, n, o, progress)
	if err != nil {
		return fmt.Errorf("filling the rebuild graph: %w", err)
	}
	fold, ordered, err := benchRebuild(ctx, log, js, rebuildID, o, progress)
	if err != nil {
		return fmt.Errorf("rebuild: %w", err)
	}
	fmt.Fprintf(out, "\nrebuild of one graph with %d events from the log vs raw JetStream ordered read of its messages\n", o.rebuild)
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

// benchTransactions builds o.events events as transactions of o.txSize
// per graph, on graphs named after run.
func benchTransactions(o benchOptions, run string) [][]*messages.Transaction {
	perGraph := make([][]*messages.Transaction, o.graphs)
	for i := 0; i*o.txSize < o.events; i++ {
		g := i % o.graphs
		graphID := fmt.Sprintf("bench-%s-%d", run, g)
		tx := &messages.Transaction{GraphId: graphID}
		for j := 0; j < o.txSize && i*o.txSize+j < o.events; j++ {
			k := i*o.txSize + j
			tx.Events = append(tx.Events, benchEvent(fmt.Sprintf("n%08d", k)))
		}
		perGraph[g] = append(perGraph[g], tx)
	}
	return perGraph
}

func benchEvent(nodeID string) *messages.Event {
	props, _ := structpb.NewStruct(map[string]any{"name": "node " + nodeID, "weight": 1.5, "tags": []any{"bench"}})
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
		NodeId: nodeID, NodeType: "item", Properties: props,
	}}}
}

// eventSize is the stored size of an event like those the bench writes,
// with its envelope filled in.
func eventSize(ev *messages.Event) int {
	e := proto.Clone(ev).(*messages.Event)
	e.EventId, e.TransactionId, e.GraphId = "fn0T4In4rPoKeoIWSmBiLD", "fn0T4In4rPoKeoIWSmBiGW", "bench-0"
	e.Version, e.Index, e.Count = 1000, 50, 100
	b, _ := proto.Marshal(e)
	return len(b)
}

// benchRawPublish publishes the same number of events of the same size to
// a stream of its own with async publish, and returns events per second.
func benchRawPublish(ctx context.Context, js jetstream.JetStream, txs [][]*messages.Transaction, progress io.Writer) (float64, error) {
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "BENCH_RAW", Subjects: []string{"bench.raw.>"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, err
	}
	defer js.DeleteStream(ctx, "BENCH_RAW") //nolint:errcheck // best effort: the directory goes anyway
	var msgs []*nats.Msg
	for _, graphTxs := range txs {
		for _, tx := range graphTxs {
			for _, ev := range tx.GetEvents() {
				e := proto.Clone(ev).(*messages.Event)
				e.EventId, e.TransactionId, e.GraphId = "fn0T4In4rPoKeoIWSmBiLD", "fn0T4In4rPoKeoIWSmBiGW", tx.GetGraphId()
				e.Version, e.Index, e.Count = 1000, 50, 100
				data, err := proto.Marshal(e)
				if err != nil {
					return 0, err
				}
				msgs = append(msgs, &nats.Msg{Subject: "bench.raw." + tx.GetGraphId() + ".NodeAdded", Data: data})
			}
		}
	}
	fmt.Fprintf(progress, "raw publish of %d events...\n", len(msgs))
	start := time.Now()
	for i, m := range msgs {
		if _, err := js.PublishMsgAsync(m); err != nil {
			return 0, err
		}
		if (i+1)%(len(msgs)/10+1) == 0 {
			fmt.Fprintf(progress, "  raw publish %3d%%\n", 100*(i+1)/len(msgs))
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return 0, errors.New("raw publish acks did not arrive within 5 minutes")
	}
	return float64(len(msgs)) / time.Since(start).Seconds(), nil
}

// benchSubmit submits every graph's transactions through the grains, one
// writer per graph, and returns events per second.
func benchSubmit(ctx context.Context, n *node, txs [][]*messages.Transaction, progress io.Writer) (float64, error) {
	client := n.member.Client()
	var total, done atomic.Int64
	for _, g := range txs {
		for _, tx := range g {
			total.Add(int64(len(tx.GetEvents())))
		}
	}
	fmt.Fprintf(progress, "submit of %d events through %d graphs...\n", total.Load(), len(txs))
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(progress, "  submitted %3d%%\n", 100*done.Load()/total.Load())
			}
		}
	}()
	start := time.Now()
	for _, graphTxs := range txs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tx := range graphTxs {
				if _, err := client.Submit(ctx, tx); err != nil {
					errOnce.Do(func() { first = err })
					return
				}
				done.Add(int64(len(tx.GetEvents())))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stop)
	if first != nil {
		return 0, first
	}
	return float64(done.Load()) / elapsed.Seconds(), nil
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
		res, err := actors.Fold(ctx, log, g, 0, nil, nil)
		if err != nil {
			return 0, 0, err
		}
		folds = append(folds, time.Since(start))
		if g.NodeCount() != o.rebuild || res.Rejected != 0 {
			return 0, 0, fmt.Errorf("rebuilt graph has %d nodes (want %d), %d rejected", g.NodeCount(), o.rebuild, res.Rejected)
		}

		start = time.Now()
		n, err := orderedRead(ctx, js, natsjs.GraphFilter(id), o.rebuild)
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

// orderedRead reads want messages on filter with an ordered consumer, the
// fastest plain way to stream a subject's messages.
func orderedRead(ctx context.Context, js jetstream.JetStream, filter string, want int) (int, error) {
	cons, err := js.OrderedConsumer(ctx, natsjs.DefaultStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
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
		ev := &messages.Event{}
		if err := proto.Unmarshal(m.Data(), ev); err != nil {
			return n, err
		}
		n++
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
