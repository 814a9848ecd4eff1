package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/natsnode"
)

// clusterBenchOptions are the knobs of `node bench cluster`.
type clusterBenchOptions struct {
	members     int
	natsServers int
	replicas    int
	writers     int
	duration    time.Duration
	txSize      int
	graphs      int
	rounds      int
	probes      int
	kills       int
	memberTTL   time.Duration
	bin         string
	cpuProfile  string
}

// runClusterBench measures a cluster of member processes of this binary on
// this machine. By default three members use a three-server NATS cluster
// that this process runs (each member connected to its own server) and
// R3 streams, as a three-node deployment does; it measures:
//
//   - write throughput: writers submitting transactions of --tx-size events
//     to random graphs through HTTP, spread over every member, against as
//     many raw JetStream publishers, each waiting for its ack, of messages
//     of the transaction's encoded size to a stream of its own with the
//     same replicas on the same NATS cluster, spread over its servers;
//   - the latency of a read answered by the member hosting the graph vs
//     one routed to another member;
//   - failover: from SIGKILL of a member to the first successful read of
//     one of its graphs through another member.
func runClusterBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench cluster", flag.ContinueOnError)
	var o clusterBenchOptions
	fs.IntVar(&o.members, "members", 3, "member processes")
	fs.IntVar(&o.natsServers, "nats-servers", 3, "NATS servers, clustered, run by this process; each member connects to one of them")
	fs.IntVar(&o.replicas, "replicas", 3, "replicas of the members' streams and of the raw baseline's stream, at most --nats-servers")
	fs.IntVar(&o.writers, "writers", 16, "concurrent writers, and raw publishers")
	fs.DurationVar(&o.duration, "duration", 5*time.Second, "how long the writers and the raw publishers run in each round")
	fs.IntVar(&o.txSize, "tx-size", 10, "events per transaction, at most 1000")
	fs.IntVar(&o.graphs, "graphs", 200, "graphs written to (at random)")
	fs.IntVar(&o.rounds, "rounds", 3, "throughput rounds, raw and cluster interleaved (medians reported)")
	fs.IntVar(&o.probes, "probes", 500, "reads per latency measurement")
	fs.IntVar(&o.kills, "kills", 10, "members killed, one after another, for the failover figure")
	fs.DurationVar(&o.memberTTL, "member-ttl", 6*time.Second, "the members' --member-ttl")
	fs.StringVar(&o.bin, "node-bin", "", "the node `binary` the members run; empty: this one")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the NATS servers, writers and publishers) to this `file`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.members < 2 || o.natsServers < 1 || o.replicas < 1 || o.replicas > min(o.natsServers, config.MaxReplicas) ||
		o.writers <= 0 || o.duration <= 0 || o.txSize < 1 || o.txSize > 1000 || o.graphs <= 0 || o.rounds <= 0 || o.probes <= 0 || o.kills < 0 {
		return fmt.Errorf("bench cluster: --members must be at least 2, --replicas 1 to --nats-servers (at most %d), --tx-size 1 to 1000, --kills not negative, the others positive", config.MaxReplicas)
	}
	if o.bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return err
		}
		o.bin = bin
	}
	stopProfile, err := startProfile(o.cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	dir, err := os.MkdirTemp("", "graphlog-bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Fprintf(progress, "starting %d NATS servers...\n", o.natsServers)
	ns, err := startBenchNATS(dir, o.natsServers)
	if err != nil {
		return err
	}
	defer ns.shutdown()

	c := &benchCluster{bin: o.bin, dir: dir, ttl: o.memberTTL, replicas: o.replicas, progress: progress}
	defer c.stop()
	for i := range o.members {
		if _, err := c.start(fmt.Sprintf("m%d", i+1), ns.servers[i%len(ns.servers)].ClientURL()); err != nil {
			return err
		}
	}
	if err := c.waitFormed(30 * time.Second); err != nil {
		return err
	}
	natsDesc := "one NATS server"
	if o.natsServers > 1 {
		natsDesc = fmt.Sprintf("a cluster of %d NATS servers", o.natsServers)
	}
	fmt.Fprintf(out, "graphlog cluster bench: %d member processes and %s (run by the bench process; each member connected to its own), streams R%d,\n",
		o.members, natsDesc, o.replicas)
	fmt.Fprintf(out, "all on this machine: %d CPUs shared by everything\n", runtime.NumCPU())

	size := encodedTxSize(o.txSize)
	b := writeBench{txSize: o.txSize, graphs: o.graphs, writers: o.writers, duration: o.duration}
	fmt.Fprintf(out, "\nwrites: %d writers for %s, %d-event transactions (%d B) to random graphs of %d, HTTP submits spread over every member,\n",
		o.writers, o.duration, o.txSize, size, o.graphs)
	fmt.Fprintf(out, "vs %d raw JetStream publishers, each waiting for its ack (sync publish), of %d-byte messages to an R%d stream of their own,\n",
		o.writers, size, o.replicas)
	fmt.Fprintf(out, "spread over the NATS servers (medians of %d rounds, raw and cluster interleaved)\n", o.rounds)
	ctx := context.Background()
	var raws, got []float64
	var rawCPU, clusterCPU, memberCPU []float64 // CPU seconds per transaction or message
	for r := range o.rounds {
		run := fmt.Sprintf("cl%d", r)
		fmt.Fprintf(progress, "round %d/%d: raw sync publish...\n", r+1, o.rounds)
		before := c.cpu()
		raw, err := rawSyncPublishOn(ctx, ns.js, b, size, o.replicas, run)
		if err != nil {
			return fmt.Errorf("raw publish: %w", err)
		}
		rawUse := c.cpu().minus(before)
		fmt.Fprintf(progress, "  raw sync publish of %d-byte messages: %.0f msg/s%s\n", size, raw, rawUse)

		fmt.Fprintf(progress, "round %d/%d: HTTP submits to the members...\n", r+1, o.rounds)
		before = c.cpu()
		tx, err := c.submitTimed(ctx, b, run)
		if err != nil {
			return fmt.Errorf("submit through HTTP: %w", err)
		}
		use := c.cpu().minus(before)
		fmt.Fprintf(progress, "  cluster: %.0f tx/s (%.0f events/s), ratio %.2f%s\n", tx, tx*float64(o.txSize), tx/raw, use)
		raws, got = append(raws, raw), append(got, tx)
		if rawUse.ok && use.ok {
			rawCPU = append(rawCPU, rawUse.total()/(raw*rawUse.wall.Seconds()))
			clusterCPU = append(clusterCPU, use.total()/(tx*use.wall.Seconds()))
			memberCPU = append(memberCPU, use.membersTotal()/(tx*use.wall.Seconds()))
		}
	}
	fmt.Fprintf(out, "  raw %.0f msg/s, cluster %.0f tx/s (%.0f events/s), ratio %.2f\n",
		medianOf(raws), medianOf(got), medianOf(got)*float64(o.txSize), ratiosMedian(got, raws))
	if len(rawCPU) == o.rounds {
		fmt.Fprintf(out, "  CPU time of all the processes per raw message %.0f µs, per cluster transaction %.0f µs (%.0f µs of it in the members)\n",
			1e6*medianOf(rawCPU), 1e6*medianOf(clusterCPU), 1e6*medianOf(memberCPU))
	}

	local, remote, err := c.latency(o.probes)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nread latency (GET of a small graph, %d reads each): answered by the hosting member vs routed to another\n", o.probes)
	us := func(ds []time.Duration, p float64) time.Duration {
		return percentile(ds, p).Round(10 * time.Microsecond)
	}
	fmt.Fprintf(out, "  local  p50 %s  p99 %s\n  remote p50 %s  p99 %s\n  extra latency of a routed request: p50 %s\n",
		us(local, 0.5), us(local, 0.99), us(remote, 0.5), us(remote, 0.99), us(remote, 0.5)-us(local, 0.5))

	if o.kills > 0 {
		times, err := c.failovers(o.kills)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "\nfailover (member TTL %s): SIGKILL of the member hosting a graph to the first successful read of it through another member\n", o.memberTTL)
		fmt.Fprintf(out, "  %d kills: median %s, worst %s\n", len(times), percentile(times, 0.5).Round(time.Millisecond), slices.Max(times).Round(time.Millisecond))
	}
	return nil
}

// benchNATS is the NATS cluster of `node bench cluster`, run in this
// process, with a connection to each server.
type benchNATS struct {
	servers []*natsnode.Server
	conns   []*nats.Conn
	js      []jetstream.JetStream
}

// startBenchNATS starts n NATS servers with their data under dir, as one
// NATS cluster if n > 1, and waits until JetStream has a leader.
func startBenchNATS(dir string, n int) (_ *benchNATS, err error) {
	ns := &benchNATS{}
	defer func() {
		if err != nil {
			ns.shutdown()
		}
	}()
	var routes []string
	ports := map[int]bool{}
	for len(ports) < n && n > 1 {
		p, err := nodeproc.FreePort()
		if err != nil {
			return nil, err
		}
		if !ports[p] {
			ports[p] = true
			routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
		}
	}
	for i := range n {
		o := natsnode.Options{
			DataDir:    filepath.Join(dir, fmt.Sprintf("nats%d", i+1)),
			Port:       natsnode.RandomPort,
			ServerName: fmt.Sprintf("s%d", i+1),
			NoLog:      true,
		}
		if n > 1 {
			port, _ := strconv.Atoi(routes[i][strings.LastIndexByte(routes[i], ':')+1:])
			o.Cluster = natsnode.Cluster{Name: "graphlog-bench", Host: "127.0.0.1", Port: port, Routes: routes}
		}
		srv, err := natsnode.Start(o)
		if err != nil {
			return nil, fmt.Errorf("NATS server %d of %d: %w", i+1, n, err)
		}
		ns.servers = append(ns.servers, srv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, srv := range ns.servers {
		if err := srv.WaitJetStream(ctx); err != nil {
			return nil, err
		}
		nc, err := nats.Connect(srv.ClientURL())
		if err != nil {
			return nil, err
		}
		ns.conns = append(ns.conns, nc)
		js, err := jetstream.New(nc)
		if err != nil {
			return nil, err
		}
		ns.js = append(ns.js, js)
	}
	return ns, nil
}

func (ns *benchNATS) shutdown() {
	for _, nc := range ns.conns {
		nc.Close()
	}
	var wg sync.WaitGroup
	for _, srv := range ns.servers {
		wg.Go(srv.Shutdown)
	}
	wg.Wait()
}

// rawSyncPublishOn is rawSyncPublish on a stream of the given replicas,
// with the publishes spread over jss (one per NATS server) in turn.
func rawSyncPublishOn(ctx context.Context, jss []jetstream.JetStream, b writeBench, size, replicas int, run string) (float64, error) {
	stream := "BENCH_RAW_" + run
	subjects := "bench.raw." + run + "."
	if _, err := jss[0].CreateStream(ctx, jetstream.StreamConfig{
		Name: stream, Subjects: []string{subjects + ">"}, Storage: jetstream.FileStorage, Replicas: replicas,
	}); err != nil {
		return 0, err
	}
	defer jss[0].DeleteStream(context.Background(), stream) //nolint:errcheck // best effort: the directory goes anyway
	data := bytes.Repeat([]byte{'x'}, size)
	var next atomic.Uint64
	return timedWriters(ctx, b, run, func(ctx context.Context, graphID string) error {
		js := jss[next.Add(1)%uint64(len(jss))]
		_, err := js.PublishMsg(ctx, &nats.Msg{Subject: subjects + graphID, Data: data})
		return err
	})
}

// benchCluster is a set of member processes.
type benchCluster struct {
	bin, dir string
	ttl      time.Duration
	replicas int
	progress io.Writer
	members  []*benchMember
	// extra are more flags for every member.
	extra []string
}

type benchMember struct {
	*nodeproc.Process
	name    string
	natsURL string
	address string // actor remote
}

// start starts a member process connected to the NATS server at natsURL
// and waits until it is ready.
func (c *benchCluster) start(name, natsURL string) (*benchMember, error) {
	actorPort, err := nodeproc.FreePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(c.dir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	p, err := nodeproc.Start(c.bin, append([]string{
		"--node-name", name,
		"--nats-url", natsURL,
		"--replicas", strconv.Itoa(c.replicas),
		"--actor-port", strconv.Itoa(actorPort),
		"--member-ttl", c.ttl.String(),
		"--request-timeout", "30s",
		"--log-level", "warn",
	}, c.extra...), logFile, time.Minute)
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("member %s: %w; see %s", name, err, logPath)
	}
	go func() {
		<-p.Exited()
		logFile.Close()
	}()
	m := &benchMember{Process: p, name: name, natsURL: natsURL, address: "127.0.0.1:" + strconv.Itoa(actorPort)}
	c.members = append(c.members, m)
	fmt.Fprintf(c.progress, "member %s ready at %s, on NATS %s\n", name, m.Base, natsURL)
	return m, nil
}

func (c *benchCluster) stop() {
	var wg sync.WaitGroup
	for _, m := range c.members {
		wg.Go(func() { m.Stop(40 * time.Second) })
	}
	wg.Wait()
}

// live returns the members not killed.
func (c *benchCluster) live() []*benchMember {
	var out []*benchMember
	for _, m := range c.members {
		if m.Alive() {
			out = append(out, m)
		}
	}
	return out
}

// waitFormed waits until every live member sees exactly the live members.
func (c *benchCluster) waitFormed(within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		live := c.live()
		ok := true
		for _, m := range live {
			var res api.ClusterResponse
			if err := getJSON(m.Base+"/v1/cluster", &res); err != nil || len(res.Members) != len(live) {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the %d members did not see each other within %s", len(live), within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

var benchHTTP = &http.Client{Timeout: time.Minute}

func getJSON(url string, out any) error {
	resp, err := benchHTTP.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// submitTimed runs b.writers writers for b.duration, each submitting
// transactions of b.txSize events to random graphs of b.graphs through
// HTTP, every request to the next live member in turn, and returns
// transactions per second.
func (c *benchCluster) submitTimed(ctx context.Context, b writeBench, run string) (float64, error) {
	live := c.live()
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: b.writers}}
	defer client.CloseIdleConnections()
	var ids atomic.Int64
	var next atomic.Uint64
	return timedWriters(ctx, b, run, func(ctx context.Context, graphID string) error {
		m := live[next.Add(1)%uint64(len(live))]
		return postBenchTx(ctx, client, m.Base, graphID, b.txSize, &ids)
	})
}

// cpuUse is CPU seconds used: by each member process (its
// process_cpu_seconds_total) and by this process (the NATS servers, the
// writers and the raw publishers), at a time or between two times. ok is
// false where they cannot be read (not Linux).
type cpuUse struct {
	members []float64
	self    float64
	at      time.Time
	wall    time.Duration // of a difference
	ok      bool
}

// cpu reads the CPU time used so far by the live members and this process.
func (c *benchCluster) cpu() cpuUse {
	u := cpuUse{at: time.Now(), ok: true}
	self, err := selfCPUSeconds()
	if err != nil {
		u.ok = false
	}
	u.self = self
	for _, m := range c.live() {
		v, err := metricOf(m.Base, "process_cpu_seconds_total")
		if err != nil {
			u.ok = false
		}
		u.members = append(u.members, v)
	}
	return u
}

// minus is the CPU time used between earlier and u.
func (u cpuUse) minus(earlier cpuUse) cpuUse {
	d := cpuUse{self: u.self - earlier.self, wall: u.at.Sub(earlier.at), ok: u.ok && earlier.ok && len(u.members) == len(earlier.members)}
	if !d.ok {
		return d
	}
	for i := range u.members {
		d.members = append(d.members, u.members[i]-earlier.members[i])
	}
	return d
}

func (u cpuUse) membersTotal() float64 {
	var s float64
	for _, v := range u.members {
		s += v
	}
	return s
}

func (u cpuUse) total() float64 { return u.self + u.membersTotal() }

// String describes a difference as cores busy, for progress lines.
func (u cpuUse) String() string {
	if !u.ok || u.wall <= 0 {
		return ""
	}
	cores := func(s float64) string { return fmt.Sprintf("%.2f", s/u.wall.Seconds()) }
	var ms []string
	for _, v := range u.members {
		ms = append(ms, cores(v))
	}
	return fmt.Sprintf("; CPU cores busy: this process (NATS servers, load) %s, members %s", cores(u.self), strings.Join(ms, " + "))
}

// selfCPUSeconds is the user and system CPU time this process used, from
// /proc/self/stat.
func selfCPUSeconds() (float64, error) {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, err
	}
	// The command name, field 2, is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, in clock ticks (USER_HZ, 100
	// on Linux).
	s := string(raw)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("/proc/self/stat: too few fields")
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (utime + stime) / 100, nil
}

// metricOf reads one unlabelled metric from the node at base.
func metricOf(base, name string) (float64, error) {
	resp, err := benchHTTP.Get(base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			return strconv.ParseFloat(strings.TrimSpace(v), 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("%s/metrics has no %s", base, name)
}

// latency creates small graphs and reads each through the member hosting
// it and through another one, alternating.
func (c *benchCluster) latency(probes int) (local, remote []time.Duration, err error) {
	live := c.live()
	byAddress := map[string]*benchMember{}
	for _, m := range live {
		byAddress[m.address] = m
	}
	fmt.Fprintf(c.progress, "latency: %d reads each, local and routed...\n", probes)
	const graphs = 30
	type target struct{ graph, local, remote string }
	var targets []target
	for i := range graphs {
		g := fmt.Sprintf("latency-%02d", i)
		if err := c.submitOne(live[0], g); err != nil {
			return nil, nil, err
		}
		host, err := c.placement(live[0], g)
		if err != nil {
			return nil, nil, err
		}
		h := byAddress[host]
		if h == nil {
			return nil, nil, fmt.Errorf("graph %s is placed on %s, which is not a live member", g, host)
		}
		other := live[(slices.Index(live, h)+1)%len(live)]
		targets = append(targets, target{g, h.Base, other.Base})
	}
	probe := func(base, g string) (time.Duration, error) {
		start := time.Now()
		resp, err := benchHTTP.Get(base + "/v1/graphs/" + g)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %s", g, resp.Status)
		}
		return time.Since(start), nil
	}
	for i := range probes {
		t := targets[i%len(targets)]
		d, err := probe(t.local, t.graph)
		if err != nil {
			return nil, nil, err
		}
		local = append(local, d)
		if d, err = probe(t.remote, t.graph); err != nil {
			return nil, nil, err
		}
		remote = append(remote, d)
	}
	return local, remote, nil
}

func (c *benchCluster) submitOne(m *benchMember, graphID string) error {
	body := `{"events":[{"type":"NodeAdded","node_id":"n"}]}`
	resp, err := benchHTTP.Post(m.Base+"/v1/graphs/"+graphID+"/transactions", "application/json", bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusUnprocessableEntity { // 422: it exists
		return fmt.Errorf("POST to %s: %s", graphID, resp.Status)
	}
	return nil
}

func (c *benchCluster) placement(m *benchMember, graphID string) (string, error) {
	var p api.PlacementResponse
	if err := getJSON(m.Base+"/v1/cluster/graphs/"+graphID, &p); err != nil {
		return "", err
	}
	return p.Member.Address, nil
}

// failovers kills a member hosting a graph, times how long until the graph
// answers through another member, restarts the member under its name, and
// does it again kills times.
func (c *benchCluster) failovers(kills int) ([]time.Duration, error) {
	var times []time.Duration
	for k := range kills {
		live := c.live()
		observer := live[0]
		var victim *benchMember
		var graphID string
		for i := 0; victim == nil && i < 100; i++ {
			g := fmt.Sprintf("failover-%d-%d", k, i)
			if err := c.submitOne(observer, g); err != nil {
				return nil, err
			}
			host, err := c.placement(observer, g)
			if err != nil {
				return nil, err
			}
			for _, m := range live[1:] {
				if m.address == host {
					victim, graphID = m, g
				}
			}
		}
		if victim == nil {
			return nil, errors.New("no graph placed on another member in 100 tries")
		}
		victim.Kill()
		killed := time.Now()
		for {
			resp, err := (&http.Client{Timeout: 30 * time.Second}).Get(observer.Base + "/v1/graphs/" + graphID)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(killed) > 2*time.Minute {
				return nil, fmt.Errorf("graph %s did not answer within 2 minutes of the kill", graphID)
			}
			time.Sleep(10 * time.Millisecond)
		}
		took := time.Since(killed)
		times = append(times, took)
		fmt.Fprintf(c.progress, "kill %d: %s answered %s after %s was killed\n", k+1, graphID, took.Round(time.Millisecond), victim.name)
		if _, err := c.start(victim.name, victim.natsURL); err != nil {
			return nil, err
		}
		if err := c.waitFormed(30 * time.Second); err != nil {
			return nil, err
		}
	}
	return times, nil
}
