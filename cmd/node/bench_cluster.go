package main

import (
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
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/natsnode"
)

// clusterBenchOptions are the knobs of `node bench cluster`.
type clusterBenchOptions struct {
	members   int
	events    int
	txSize    int
	graphs    int
	rounds    int
	probes    int
	kills     int
	memberTTL time.Duration
}

// runClusterBench measures a cluster of member processes of this binary on
// this machine, sharing one NATS server started here:
//
//   - events per second applied through the cluster (HTTP submits spread
//     over every member) vs raw JetStream async publish of the same bytes;
//   - the latency of a read answered by the member hosting the graph vs
//     one routed to another member;
//   - failover: from SIGKILL of a member to the first successful read of
//     one of its graphs through another member.
func runClusterBench(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node bench cluster", flag.ContinueOnError)
	var o clusterBenchOptions
	fs.IntVar(&o.members, "members", 3, "member processes")
	fs.IntVar(&o.events, "events", 100_000, "events submitted per throughput round")
	fs.IntVar(&o.txSize, "tx-size", 1000, "events per transaction, at most 1000")
	fs.IntVar(&o.graphs, "graphs", 12, "graphs written concurrently")
	fs.IntVar(&o.rounds, "rounds", 3, "throughput rounds, raw and cluster interleaved (medians reported)")
	fs.IntVar(&o.probes, "probes", 500, "reads per latency measurement")
	fs.IntVar(&o.kills, "kills", 10, "members killed, one after another, for the failover figure")
	fs.DurationVar(&o.memberTTL, "member-ttl", 6*time.Second, "the members' --member-ttl")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.members < 2 || o.events <= 0 || o.txSize < 1 || o.txSize > 1000 || o.graphs <= 0 || o.rounds <= 0 || o.probes <= 0 || o.kills < 0 {
		return errors.New("bench cluster: --members must be at least 2, --tx-size 1 to 1000, the others positive")
	}
	bin, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "graphlog-bench-cluster-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	srv, err := natsnode.Start(natsnode.Options{DataDir: filepath.Join(dir, "nats"), Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}

	c := &benchCluster{bin: bin, dir: dir, natsURL: srv.ClientURL(), ttl: o.memberTTL, progress: progress}
	defer c.stop()
	for i := range o.members {
		if _, err := c.start(fmt.Sprintf("m%d", i+1)); err != nil {
			return err
		}
	}
	if err := c.waitFormed(30 * time.Second); err != nil {
		return err
	}
	fmt.Fprintf(out, "graphlog cluster bench: %d member processes on this machine sharing one NATS server\n", o.members)

	ctx := context.Background()
	fmt.Fprintf(out, "\nthroughput: %d events per round in %d-event transactions over %d graphs, HTTP submits spread over every member,\n", o.events, o.txSize, o.graphs)
	fmt.Fprintf(out, "vs raw JetStream async publish of the same events (medians of %d rounds)\n", o.rounds)
	var raws, got, ratios []float64
	for r := range o.rounds {
		txs := benchTransactions(benchOptions{events: o.events, txSize: o.txSize, graphs: o.graphs}, fmt.Sprintf("cl-r%d", r))
		raw, err := benchRawPublish(ctx, js, txs, progress)
		if err != nil {
			return fmt.Errorf("raw publish: %w", err)
		}
		e2e, err := c.submitAll(txs)
		if err != nil {
			return err
		}
		fmt.Fprintf(progress, "round %d: raw %.0f, cluster %.0f events/s\n", r+1, raw, e2e)
		raws, got, ratios = append(raws, raw), append(got, e2e), append(ratios, e2e/raw)
	}
	fmt.Fprintf(out, "  raw %.0f events/s, cluster %.0f events/s, ratio %.2f\n", medianOf(raws), medianOf(got), medianOf(ratios))

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

// benchCluster is a set of member processes.
type benchCluster struct {
	bin, dir, natsURL string
	ttl               time.Duration
	progress          io.Writer
	members           []*benchMember
}

type benchMember struct {
	*nodeproc.Process
	name    string
	address string // actor remote
}

// start starts a member process and waits until it is ready.
func (c *benchCluster) start(name string) (*benchMember, error) {
	actorPort, err := nodeproc.FreePort()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(c.dir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	p, err := nodeproc.Start(c.bin, []string{
		"--node-name", name,
		"--nats-url", c.natsURL,
		"--actor-port", strconv.Itoa(actorPort),
		"--member-ttl", c.ttl.String(),
		"--request-timeout", "30s",
		"--log-level", "warn",
	}, logFile, 30*time.Second)
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("member %s: %w; see %s", name, err, logPath)
	}
	go func() {
		<-p.Exited()
		logFile.Close()
	}()
	m := &benchMember{Process: p, name: name, address: "127.0.0.1:" + strconv.Itoa(actorPort)}
	c.members = append(c.members, m)
	fmt.Fprintf(c.progress, "member %s ready at %s\n", name, m.Base)
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

// submitAll submits every graph's transactions over HTTP, one writer per
// graph, each graph through its own member, and returns events per second.
func (c *benchCluster) submitAll(txs [][]*messages.Transaction) (float64, error) {
	live := c.live()
	bodies := make([][][]byte, len(txs))
	var total int64
	for g, graphTxs := range txs {
		for _, tx := range graphTxs {
			evs := make([]api.EventData, 0, len(tx.GetEvents()))
			for _, ev := range tx.GetEvents() {
				na := ev.GetNodeAdded()
				evs = append(evs, api.EventData{Type: "NodeAdded", NodeID: na.GetNodeId(), NodeType: na.GetNodeType(), Properties: na.GetProperties().AsMap()})
			}
			body, err := json.Marshal(api.TransactionRequest{Events: evs})
			if err != nil {
				return 0, err
			}
			bodies[g] = append(bodies[g], body)
			total += int64(len(evs))
		}
	}
	fmt.Fprintf(c.progress, "cluster submit of %d events...\n", total)
	var (
		wg    sync.WaitGroup
		done  atomic.Int64
		first atomic.Pointer[error]
	)
	start := time.Now()
	for g, graphBodies := range bodies {
		if len(graphBodies) == 0 {
			continue // fewer transactions than graphs
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := live[g%len(live)]
			url := m.Base + "/v1/graphs/" + txs[g][0].GetGraphId() + "/transactions"
			for i, body := range graphBodies {
				resp, err := benchHTTP.Post(url, "application/json", bytes.NewReader(body))
				if err == nil {
					if resp.StatusCode != http.StatusOK {
						msg, _ := io.ReadAll(resp.Body)
						err = fmt.Errorf("POST %s: %s: %s", url, resp.Status, bytes.TrimSpace(msg))
					}
					resp.Body.Close()
				}
				if err != nil {
					first.CompareAndSwap(nil, &err)
					return
				}
				done.Add(int64(len(txs[g][i].GetEvents())))
			}
		}()
	}
	stopProgress := reportProgress(c.progress, "  submitted", &done, total)
	wg.Wait()
	stopProgress()
	elapsed := time.Since(start)
	if err := first.Load(); err != nil {
		return 0, *err
	}
	return float64(total) / elapsed.Seconds(), nil
}

// reportProgress prints the share of total done every second until the
// returned function is called.
func reportProgress(w io.Writer, what string, done *atomic.Int64, total int64) func() {
	stop := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				fmt.Fprintf(w, "%s %3d%%\n", what, 100*done.Load()/max(total, 1))
			}
		}
	}()
	return func() { close(stop); <-finished }
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
		if _, err := c.start(victim.name); err != nil {
			return nil, err
		}
		if err := c.waitFormed(30 * time.Second); err != nil {
			return nil, err
		}
	}
	return times, nil
}
