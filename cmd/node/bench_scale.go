package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
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
	kill        bool
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
	fs.BoolVar(&o.kill, "kill", true, "with several members, SIGKILL the last one while the others write, and time the ingress catching up")
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
	// The directory learns of graphs from the ingress: wait for it.
	caughtUp, err := s.ingressCaughtUp(ctx, ns, 2*time.Minute)
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
	fmt.Fprintf(out, "ingress caught up %s after the reads\n", caughtUp.Round(time.Millisecond))
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
	if o.members > 1 {
		if err := s.partitionsLine(out, afterRead); err != nil {
			return err
		}
	}
	natsLive := afterRead.selfLive - before.selfLive
	fmt.Fprintf(out, "  this process (NATS servers and the load): live heap +%.1f MB, %.0f B per graph (each graph is one subject per stream replica%s); CPU per created graph %.0f µs, per read %.0f µs\n",
		natsLive/1e6, natsLive/n, map[bool]string{true: ", over the servers", false: ""}[o.members > 1],
		1e6*(afterCreate.selfCPU-before.selfCPU)/n, 1e6*(afterRead.selfCPU-afterCreate.selfCPU)/n)
	if o.members > 1 && o.kill {
		return s.killOne(ctx, out, ns)
	}
	return nil
}

// ingressCaughtUp waits until the ingress consumers have nothing left to
// deliver or acknowledge, and reports how long that took.
func (s *scaleRun) ingressCaughtUp(ctx context.Context, ns *benchNATS, within time.Duration) (time.Duration, error) {
	log, err := natsjs.Open(ctx, ns.js[0], natsjs.Config{Partitions: s.o.partitions, Replicas: s.o.replicas})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	for {
		pending, ackPending, err := log.Feed().Lag(ctx, config.Default().Ingress.Consumer)
		if err == nil && pending == 0 && ackPending == 0 {
			return time.Since(start), nil
		}
		if time.Since(start) > within {
			return 0, fmt.Errorf("bench scale: the ingress has %d messages to deliver and %d to acknowledge %s after the reads (%v)", pending, ackPending, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// partitionsLine prints how many partitions each member's ingress reads,
// and how far the most and least loaded are from the mean.
func (s *scaleRun) partitionsLine(out io.Writer, at scaleSample) error {
	var parts []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, m := range s.c.members {
		v := at.members[i]["graphlog_ingress_partitions"]
		parts = append(parts, fmt.Sprintf("%s %.0f", m.name, v))
		lo, hi = min(lo, v), max(hi, v)
	}
	mean := float64(s.o.partitions) / float64(len(s.c.members))
	fmt.Fprintf(out, "  ingress partitions read: %s (of %d; most %+.0f%%, least %+.0f%% from the mean)\n",
		strings.Join(parts, ", "), s.o.partitions, 100*(hi/mean-1), 100*(lo/mean-1))
	return nil
}

// killOne writes a second transaction to graphs through every member but
// the last, SIGKILLs the last one meanwhile, times until the ingress has
// delivered everything again, and checks every graph: each transaction
// acknowledged is there once.
func (s *scaleRun) killOne(ctx context.Context, out io.Writer, ns *benchNATS) error {
	victim := s.c.members[len(s.c.members)-1]
	survivors := s.c.members[:len(s.c.members)-1]
	log, err := natsjs.Open(ctx, ns.js[0], natsjs.Config{Partitions: s.o.partitions, Replicas: s.o.replicas})
	if err != nil {
		return err
	}
	feed := log.Feed()
	graphs := min(s.o.graphs, 20_000)
	var next atomic.Int64
	acked := make([]atomic.Bool, graphs)
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	var failed atomic.Value
	for w := range s.o.writers {
		base := survivors[w%len(survivors)].Base
		wg.Go(func() {
			for wctx.Err() == nil {
				i := int(next.Add(1)-1) % graphs
				if acked[i].Load() {
					if next.Load() > int64(2*graphs) {
						return
					}
					continue
				}
				body := `{"transaction_id":"t2","events":[{"type":"NodeAdded","node_id":"m"}]}`
				if err := s.call(wctx, http.MethodPost, base+"/v1/graphs/"+scaleGraphID(i)+"/transactions", body); err != nil {
					if wctx.Err() == nil {
						failed.Store(err)
					}
					return
				}
				acked[i].Store(true)
			}
		})
	}
	time.Sleep(2 * time.Second)
	fmt.Fprintf(s.progress, "killing member %s\n", victim.name)
	victim.Kill()
	killed := time.Now()
	s.c.members = survivors // the cluster's stop still stops the victim: it is dead
	defer func() { s.c.members = append(survivors, victim) }()
	var pendingZero, ackZero time.Duration
	for pendingZero == 0 || ackZero == 0 {
		if time.Since(killed) > 2*time.Minute {
			return fmt.Errorf("bench scale: the ingress did not catch up within 2 minutes of the kill")
		}
		pending, ackPending, err := feed.Lag(ctx, config.Default().Ingress.Consumer)
		if err == nil && pending == 0 && pendingZero == 0 && time.Since(killed) > time.Second {
			pendingZero = time.Since(killed)
		}
		if err == nil && pending == 0 && ackPending == 0 && ackZero == 0 && pendingZero != 0 {
			ackZero = time.Since(killed)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		return fmt.Errorf("bench scale: writing while a member was killed: %w", err)
	}
	if err := s.c.waitFormed(30 * time.Second); err != nil {
		return err
	}
	after, err := s.sample()
	if err != nil {
		return err
	}
	writes, lost, twice := 0, 0, 0
	for i := range graphs {
		want := uint64(1)
		if acked[i].Load() {
			want, writes = 2, writes+1
		}
		var g api.Graph
		if err := getJSONWith(ctx, s.http, survivors[i%len(survivors)].Base+"/v1/graphs/"+scaleGraphID(i), &g); err != nil {
			return err
		}
		switch {
		case g.Version < want || len(g.Nodes) < int(want):
			lost++
		case g.Version > want || len(g.Nodes) > int(want):
			twice++
		}
	}
	fmt.Fprintf(out, "\nmember %s SIGKILLed while %d writers added a transaction to graphs through the others:\n", victim.name, s.o.writers)
	fmt.Fprintf(out, "  ingress: nothing left to deliver %s after the kill, nothing left unacknowledged %s after (the consumers' ack wait is %s)\n",
		pendingZero.Round(100*time.Millisecond), ackZero.Round(100*time.Millisecond), natsjs.DefaultAckWait)
	if err := s.partitionsLine(out, after); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d graphs checked, %d second transactions acknowledged: %d lost, %d applied twice\n", graphs, writes, lost, twice)
	if lost+twice > 0 {
		return fmt.Errorf("bench scale: %d graphs lost a transaction, %d applied one twice", lost, twice)
	}
	return nil
}

func getJSONWith(ctx context.Context, client *http.Client, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
	}
	return json.NewDecoder(resp.Body).Decode(out)
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

// call sends a request, resending it for up to a minute on 503 or a lost
// connection (a member busy, moving a graph or killed) as a client would;
// the transaction ID makes a resent create safe.
func (s *scaleRun) call(ctx context.Context, method, url, body string) error {
	deadline := time.Now().Add(time.Minute)
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewBufferString(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.http.Do(req)
		retry := err != nil && ctx.Err() == nil
		if err == nil {
			msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(msg))
			retry = resp.StatusCode == http.StatusServiceUnavailable
		}
		if !retry || time.Now().After(deadline) {
			return err
		}
		time.Sleep(min(time.Duration(attempt)*100*time.Millisecond, time.Second))
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
	"graphlog_active_graphs", "graphlog_activations_total", "graphlog_evictions_total", "graphlog_ingress_partitions"}

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
