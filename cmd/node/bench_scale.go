package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// scaleBenchOptions are the knobs of `node bench scale`.
type scaleBenchOptions struct {
	graphs      int
	members     int
	replicas    int
	writers     int
	maxActive   int
	partitions  int
	page        int
	firstPages  int
	maxDuration time.Duration
	bin         string
}

// runScaleBench measures what a graph costs when there are many: it runs
// member processes of this binary over NATS servers this process runs,
// creates --graphs small graphs through HTTP (one node each), reads each
// once, lists them all by pages, and prints per graph: memory on each
// member and on the NATS servers, CPU time on each, creation and
// activation rates and list latency. With more graphs than
// --max-active-graphs it shows the members keeping their bound.
func runScaleBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench scale", flag.ContinueOnError)
	var o scaleBenchOptions
	fs.IntVar(&o.graphs, "graphs", 1_000_000, "graphs created, read and listed")
	fs.IntVar(&o.members, "members", 1, "member processes; with more than one, as many NATS servers in a cluster")
	fs.IntVar(&o.replicas, "replicas", 0, "replicas of the streams; 0: 3 with 3 or more members, else 1")
	fs.IntVar(&o.writers, "writers", 16, "concurrent HTTP clients, spread over the members")
	fs.IntVar(&o.maxActive, "max-active-graphs", 100_000, "the members' --max-active-graphs")
	fs.IntVar(&o.partitions, "partitions", 1, "the members' --partitions")
	fs.IntVar(&o.page, "page", api.MaxLimit, "graphs per page of the listing")
	fs.IntVar(&o.firstPages, "first-pages", 200, "reads of the listing's first page, for its latency")
	fs.DurationVar(&o.maxDuration, "max-duration", 2*time.Hour, "stop with an error past this `duration`")
	fs.StringVar(&o.bin, "node-bin", "", "the node `binary` the members run; empty: this one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.replicas == 0 {
		o.replicas = 1
		if o.members >= 3 {
			o.replicas = 3
		}
	}
	if o.graphs <= 0 || o.members <= 0 || o.writers <= 0 || o.maxActive < 0 || o.firstPages <= 0 || o.maxDuration <= 0 ||
		o.page < 1 || o.page > api.MaxLimit || o.partitions < 1 || o.partitions > config.MaxPartitions ||
		o.replicas < 1 || o.replicas > min(o.members, config.MaxReplicas) {
		return fmt.Errorf("bench scale: --graphs, --members, --writers, --first-pages and --max-duration must be positive, --page 1 to %d, --partitions 1 to %d, --replicas 1 to --members", api.MaxLimit, config.MaxPartitions)
	}
	if o.bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return err
		}
		o.bin = bin
	}
	ctx, cancel := context.WithTimeoutCause(context.Background(), o.maxDuration,
		fmt.Errorf("bench scale: --max-duration %s passed", o.maxDuration))
	defer cancel()
	dir, err := os.MkdirTemp("", "graphlog-bench-scale-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(progress, "starting %d NATS server(s)...\n", o.members)
	ns, err := startBenchNATS(dir, o.members)
	if err != nil {
		return err
	}
	defer ns.shutdown()
	c := &benchCluster{bin: o.bin, dir: dir, ttl: 6 * time.Second, replicas: o.replicas, progress: progress, extra: []string{
		"--max-active-graphs", strconv.Itoa(o.maxActive),
		"--grain-idle-timeout", "24h", // only the bound passivates
		"--partitions", strconv.Itoa(o.partitions),
	}}
	defer c.stop()
	for i := range o.members {
		if _, err := c.start(fmt.Sprintf("m%d", i+1), ns.servers[i].ClientURL()); err != nil {
			return err
		}
	}
	if o.members > 1 {
		if err := c.waitFormed(30 * time.Second); err != nil {
			return err
		}
	}
	s := &scaleRun{o: o, c: c, progress: progress,
		http: &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.writers}}}

	fmt.Fprintf(out, "graphlog scale bench: %d graphs of one node each, %d member process(es) with --max-active-graphs %d, %d NATS server(s) in this process, R%d, %d partition(s); %d CPUs shared by everything\n",
		o.graphs, o.members, o.maxActive, o.members, o.replicas, o.partitions, runtime.NumCPU())
	stateBytes, err := graphStateBytes(10_000)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "a graph of one node, as a graph.Graph alone (its own state): %.0f B\n", stateBytes)

	before, err := s.sample()
	if err != nil {
		return err
	}
	created, err := s.each(ctx, "created", s.create)
	if err != nil {
		return err
	}
	afterCreate, err := s.sample()
	if err != nil {
		return err
	}
	read, err := s.each(ctx, "read", s.read)
	if err != nil {
		return err
	}
	afterRead, err := s.sample()
	if err != nil {
		return err
	}
	listed, pages, err := s.listAll(ctx)
	if err != nil {
		return err
	}
	first, err := s.firstPage(ctx)
	if err != nil {
		return err
	}

	n := float64(o.graphs)
	fmt.Fprintf(out, "\ncreate: %.0f graphs/s (one 1-event transaction each, HTTP)\n", n/created.Seconds())
	fmt.Fprintf(out, "read each once: %.0f graphs/s, %s activations\n", n/read.Seconds(), s.deltaSum(afterRead, afterCreate, "graphlog_activations_total"))
	fmt.Fprintf(out, "list all by pages of %d: %d graphs in %d pages, %s (%.0f graphs/s); page p50 %s, p99 %s; first page (%d reads) p50 %s, p99 %s\n",
		o.page, listed, len(pages), sumDurations(pages).Round(time.Millisecond), float64(listed)/sumDurations(pages).Seconds(),
		percentile(pages, 0.5).Round(time.Microsecond), percentile(pages, 0.99).Round(time.Microsecond),
		o.firstPages, percentile(first, 0.5).Round(time.Microsecond), percentile(first, 0.99).Round(time.Microsecond))
	if listed != o.graphs {
		return fmt.Errorf("bench scale: the listing holds %d graphs, %d were created", listed, o.graphs)
	}

	fmt.Fprintf(out, "\nper process (after the reads):\n")
	for i, m := range c.members {
		active := afterRead.members[i]["graphlog_active_graphs"]
		live := afterRead.members[i]["go_gc_heap_live_bytes"] - before.members[i]["go_gc_heap_live_bytes"]
		perActive := live / max(active, 1)
		budget := "held"
		if o.maxActive > 0 && active > float64(o.maxActive) {
			budget = "NOT held"
		}
		fmt.Fprintf(out, "  member %s: %.0f graphs active (bound %d: %s), %s evicted; live heap +%.1f MB: %.0f B per active graph, %.0f B beyond its state; resident %.0f MB\n",
			m.name, active, o.maxActive, budget, s.delta(afterRead, before, i, "graphlog_evictions_total"),
			live/1e6, perActive, perActive-stateBytes, afterRead.members[i]["process_resident_memory_bytes"]/1e6)
		fmt.Fprintf(out, "    CPU per created graph %.0f µs, per read %.0f µs\n",
			1e6*(afterCreate.members[i]["process_cpu_seconds_total"]-before.members[i]["process_cpu_seconds_total"])/n,
			1e6*(afterRead.members[i]["process_cpu_seconds_total"]-afterCreate.members[i]["process_cpu_seconds_total"])/n)
	}
	natsLive := afterRead.selfLive - before.selfLive
	fmt.Fprintf(out, "  this process (NATS servers and the load): live heap +%.1f MB, %.0f B per graph (each graph is one subject per stream replica%s); CPU per created graph %.0f µs, per read %.0f µs\n",
		natsLive/1e6, natsLive/n, map[bool]string{true: ", over the servers", false: ""}[o.members > 1],
		1e6*(afterCreate.selfCPU-before.selfCPU)/n, 1e6*(afterRead.selfCPU-afterCreate.selfCPU)/n)
	return nil
}

// scaleRun is one run of the scale bench.
type scaleRun struct {
	o        scaleBenchOptions
	c        *benchCluster
	http     *http.Client
	progress io.Writer
}

func scaleGraphID(i int) string { return fmt.Sprintf("s%08d", i) }

// each runs do for every graph, spread over the writers and the members,
// and reports how long it took.
func (s *scaleRun) each(ctx context.Context, what string, do func(ctx context.Context, base, graphID string) error) (time.Duration, error) {
	start := time.Now()
	var next, done atomic.Int64
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for w := range s.o.writers {
		base := s.c.members[w%len(s.c.members)].Base
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= s.o.graphs || ctx.Err() != nil {
					return
				}
				if err := do(ctx, base, scaleGraphID(i)); err != nil {
					cancel(err)
					return
				}
				done.Add(1)
			}
		})
	}
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(s.progress, "  %s %d of %d (%.0f/s)\n", what, d, s.o.graphs, float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	wg.Wait()
	close(stop)
	if err := context.Cause(ctx); err != nil {
		return 0, fmt.Errorf("bench scale: %s: %w", what, err)
	}
	return time.Since(start), nil
}

func (s *scaleRun) create(ctx context.Context, base, graphID string) error {
	body := `{"transaction_id":"t1","events":[{"type":"NodeAdded","node_id":"n"}]}`
	return s.call(ctx, http.MethodPost, base+"/v1/graphs/"+graphID+"/transactions", body)
}

func (s *scaleRun) read(ctx context.Context, base, graphID string) error {
	return s.call(ctx, http.MethodGet, base+"/v1/graphs/"+graphID, "")
}

// call sends a request, resending it on 503 (a member busy or moving a
// graph) as a client would; the transaction ID makes a resent create safe.
func (s *scaleRun) call(ctx context.Context, method, url, body string) error {
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewBufferString(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.http.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case resp.StatusCode == http.StatusServiceUnavailable && attempt < 10:
			time.Sleep(time.Duration(attempt) * 100 * time.Millisecond)
		default:
			return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(msg))
		}
	}
}

// listAll pages through the whole listing of the first member, timing
// each page.
func (s *scaleRun) listAll(ctx context.Context) (listed int, pages []time.Duration, err error) {
	after := ""
	for {
		start := time.Now()
		var l api.GraphList
		if err := s.list(ctx, after, &l); err != nil {
			return 0, nil, err
		}
		pages = append(pages, time.Since(start))
		listed += len(l.Graphs)
		if len(pages)%100 == 0 {
			fmt.Fprintf(s.progress, "  listed %d graphs in %d pages\n", listed, len(pages))
		}
		if l.Next == "" {
			return listed, pages, nil
		}
		after = l.Next
	}
}

// firstPage reads the listing's first page again and again.
func (s *scaleRun) firstPage(ctx context.Context) ([]time.Duration, error) {
	var ds []time.Duration
	for range s.o.firstPages {
		start := time.Now()
		var l api.GraphList
		if err := s.list(ctx, "", &l); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
	}
	return ds, nil
}

func (s *scaleRun) list(ctx context.Context, after string, out *api.GraphList) error {
	q := url.Values{"limit": {strconv.Itoa(s.o.page)}}
	if after != "" {
		q.Set("after", after)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.c.members[0].Base+"/v1/graphs?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("GET /v1/graphs: %s: %s", resp.Status, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// scaleSample is what the bench reads of every process at one point.
type scaleSample struct {
	members           []map[string]float64
	selfLive, selfCPU float64
}

var scaleMetrics = []string{"go_gc_heap_live_bytes", "process_resident_memory_bytes", "process_cpu_seconds_total",
	"graphlog_active_graphs", "graphlog_activations_total", "graphlog_evictions_total"}

// sample reads the members' metrics and this process's live heap (after
// a collection) and CPU time.
func (s *scaleRun) sample() (scaleSample, error) {
	var out scaleSample
	for _, m := range s.c.members {
		vals := map[string]float64{}
		for _, name := range scaleMetrics {
			v, err := metricOf(m.Base, name)
			if err != nil {
				return out, err
			}
			vals[name] = v
		}
		out.members = append(out.members, vals)
	}
	out.selfLive = liveHeap()
	cpu, err := selfCPUSeconds()
	out.selfCPU = cpu
	return out, err
}

func (s *scaleRun) delta(later, earlier scaleSample, member int, name string) string {
	return strconv.FormatFloat(later.members[member][name]-earlier.members[member][name], 'f', 0, 64)
}

func (s *scaleRun) deltaSum(later, earlier scaleSample, name string) string {
	var sum float64
	for i := range later.members {
		sum += later.members[i][name] - earlier.members[i][name]
	}
	return strconv.FormatFloat(sum, 'f', 0, 64)
}

// liveHeap is this process's heap after a collection.
func liveHeap() float64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return float64(sample[0].Value.Uint64())
}

// graphStateBytes is the live heap of one small graph alone (a graph.Graph
// with one node committed), measured over n of them in this process.
func graphStateBytes(n int) (float64, error) {
	before := liveHeap()
	gs := make([]*graph.Graph, n)
	for i := range gs {
		g := graph.New(scaleGraphID(i))
		tx := &messages.Transaction{GraphId: g.ID(), TransactionId: "t1", RecordedAt: timestamppb.Now(),
			Events: []*messages.Event{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "n"}}}}}
		if err := store.Stamp(tx, store.Head{}); err != nil {
			return 0, err
		}
		tx.Sequence = uint64(i + 1)
		if err := g.Apply(tx); err != nil {
			return 0, err
		}
		gs[i] = g
	}
	after := liveHeap()
	runtime.KeepAlive(gs)
	return (after - before - float64(n)*8) / float64(n), nil // less the slice
}

func sumDurations(ds []time.Duration) time.Duration {
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s
}
