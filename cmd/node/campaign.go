package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/store/natsjs"
)

// Fault campaigns: long runs that the test suite runs in short, bounded
// versions (campaign_test.go). `node campaign kill` SIGKILLs a node, or the
// members of a three-node cluster whose nodes run the NATS servers, again
// and again under writers that resend each transaction with its ID until
// it is answered, and counts what was acknowledged, lost and applied
// twice. `node campaign soak` keeps a mixed load on one node and samples
// its memory and goroutines.

// runCampaign dispatches `node campaign <kind>`.
func runCampaign(args []string, out, progress io.Writer) error {
	if len(args) == 0 {
		return errors.New("campaign: name one: kill (SIGKILL loops under writers) or soak (sustained mixed load)")
	}
	switch args[0] {
	case "kill":
		return runKillCampaign(args[1:], out, progress)
	case "soak":
		return runSoak(args[1:], out, progress)
	}
	return fmt.Errorf("campaign: unknown campaign %q; use kill or soak", args[0])
}

// killOptions are the knobs of `node campaign kill`.
type killOptions struct {
	members   int
	kills     int
	writers   int
	graphs    int
	run       time.Duration // mean time between kills
	memberTTL time.Duration
	bound     time.Duration
	bin       string
}

// killReport is what a kill campaign counted.
type killReport struct {
	Kills        int
	LeaderKills  int // of a node whose NATS server led the event stream
	Acknowledged int
	Lost         int
	Duplicated   int
	Statuses     map[string]int // answers by status and code; "none": no answer (connection refused or cut)
	Elapsed      time.Duration
}

func runKillCampaign(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node campaign kill", flag.ContinueOnError)
	var o killOptions
	fs.IntVar(&o.members, "members", 1, "1: one node with its embedded NATS; 3: three nodes, each running one server of a NATS cluster (R3) and one member")
	fs.IntVar(&o.kills, "kills", 100, "SIGKILLs to deal")
	fs.IntVar(&o.writers, "writers", 8, "concurrent writers")
	fs.IntVar(&o.graphs, "graphs", 6, "graphs written to")
	fs.DurationVar(&o.run, "run", time.Second, "mean time the writers run between two kills")
	fs.DurationVar(&o.memberTTL, "member-ttl", 3*time.Second, "the members' --member-ttl (with --members 3)")
	fs.DurationVar(&o.bound, "max-duration", 30*time.Minute, "stop dealing kills after this long, whatever --kills says")
	fs.StringVar(&o.bin, "node-bin", "", "the node `binary` to run; empty: this one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (o.members != 1 && o.members != 3) || o.kills < 1 || o.writers < 1 || o.graphs < 1 || o.run <= 0 || o.bound <= 0 {
		return errors.New("campaign kill: --members is 1 or 3; --kills, --writers, --graphs, --run and --max-duration are positive")
	}
	r, err := killCampaign(context.Background(), o, progress)
	if err != nil {
		return err
	}
	where := "one node (embedded NATS)"
	if o.members == 3 {
		where = "three nodes, each one NATS server (R3) and one member"
	}
	fmt.Fprintf(out, "kill campaign: %s, %d writers over %d graphs resending each transaction with its ID until answered\n", where, o.writers, o.graphs)
	fmt.Fprintf(out, "  SIGKILLs %d in %s (%d of the node whose NATS server led the event stream)\n  acknowledged %d\n  lost %d\n  applied twice %d\n  answers by status and code %v\n",
		r.Kills, r.Elapsed.Round(time.Second), r.LeaderKills, r.Acknowledged, r.Lost, r.Duplicated, r.Statuses)
	if r.Lost > 0 || r.Duplicated > 0 {
		return fmt.Errorf("campaign kill: %d acknowledged transactions lost, %d applied twice", r.Lost, r.Duplicated)
	}
	return nil
}

// campaignNode is one node process of a campaign, restarted under the
// same name, data and ports after each kill.
type campaignNode struct {
	name    string
	args    []string
	natsURL string
	proc    *nodeproc.Process
}

// nodeSet runs the campaign's nodes and tells writers where to send.
type nodeSet struct {
	bin    string
	logDir string
	mu     sync.Mutex
	nodes  []*campaignNode
}

func (s *nodeSet) start(n *campaignNode) error {
	f, err := os.OpenFile(filepath.Join(s.logDir, n.name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	p, err := nodeproc.Start(s.bin, n.args, f, 2*time.Minute)
	if err != nil {
		f.Close()
		return fmt.Errorf("node %s: %w; see %s", n.name, err, f.Name())
	}
	go func() { <-p.Exited(); f.Close() }()
	s.mu.Lock()
	n.proc = p
	s.mu.Unlock()
	return nil
}

// bases returns the API addresses of the nodes running.
func (s *nodeSet) bases() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, n := range s.nodes {
		if n.proc != nil && n.proc.Alive() {
			out = append(out, n.proc.Base)
		}
	}
	return out
}

// streamLeader returns the node whose NATS server leads stream, asking
// the running nodes' servers; nil if none can tell.
func (s *nodeSet) streamLeader(ctx context.Context, stream string) *campaignNode {
	s.mu.Lock()
	nodes := slices.Clone(s.nodes)
	s.mu.Unlock()
	for _, n := range nodes {
		if n.proc == nil || !n.proc.Alive() {
			continue
		}
		nc, err := nats.Connect(n.natsURL, nats.Timeout(2*time.Second), nats.NoReconnect())
		if err != nil {
			continue
		}
		name := ""
		if js, err := jetstream.New(nc); err == nil {
			qctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			if st, err := js.Stream(qctx, stream); err == nil && st.CachedInfo().Cluster != nil {
				name = st.CachedInfo().Cluster.Leader
			}
			cancel()
		}
		nc.Close()
		for _, m := range nodes {
			if m.name == name {
				return m
			}
		}
	}
	return nil
}

func (s *nodeSet) kill(n *campaignNode) {
	s.mu.Lock()
	p := n.proc
	s.mu.Unlock()
	if p != nil {
		p.Kill()
	}
}

func (s *nodeSet) stop() {
	var wg sync.WaitGroup
	for _, n := range s.nodes {
		if n.proc != nil {
			wg.Go(func() { n.proc.Stop(30 * time.Second) })
		}
	}
	wg.Wait()
}

// killCampaign runs a kill campaign and checks every graph at its end.
func killCampaign(ctx context.Context, o killOptions, progress io.Writer) (killReport, error) {
	start := time.Now()
	if o.bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return killReport{}, err
		}
		o.bin = bin
	}
	dir, err := os.MkdirTemp("", "graphlog-campaign-")
	if err != nil {
		return killReport{}, err
	}
	defer os.RemoveAll(dir)
	set := &nodeSet{bin: o.bin, logDir: dir}
	defer set.stop()
	ports, err := nodeproc.FreePorts(3 * o.members)
	if err != nil {
		return killReport{}, err
	}
	var routes []string
	for i := range o.members {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3*i+1]))
	}
	for i := range o.members {
		name := fmt.Sprintf("k%d", i+1)
		args := []string{"--node-name", name, "--data-dir", filepath.Join(dir, name),
			"--nats-listen", fmt.Sprintf("127.0.0.1:%d", ports[3*i]), "--request-timeout", "5s", "--log-level", "warn"}
		if o.members > 1 {
			args = append(args, "--nats-cluster-listen", fmt.Sprintf("127.0.0.1:%d", ports[3*i+1]), "--nats-routes", strings.Join(routes, ","),
				"--replicas", "3", "--actor-port", strconv.Itoa(ports[3*i+2]), "--member-ttl", o.memberTTL.String())
		}
		set.nodes = append(set.nodes, &campaignNode{name: name, args: args, natsURL: fmt.Sprintf("nats://127.0.0.1:%d", ports[3*i])})
	}
	if err := startAll(set, set.nodes); err != nil {
		return killReport{}, err
	}
	fmt.Fprintf(progress, "%d node(s) ready; writers start\n", o.members)

	w := newCampaignWriters(set, o.writers, o.graphs)
	defer w.stop()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	kills, leaderKills := 0, 0
	for kills < o.kills && time.Since(start) < o.bound {
		time.Sleep(time.Duration(float64(o.run) * (0.3 + 1.4*rng.Float64())))
		victim := set.nodes[rng.IntN(len(set.nodes))]
		if o.members > 1 && kills%2 == 0 {
			// Every other kill takes the event stream's NATS leader.
			if leader := set.streamLeader(ctx, natsjs.StreamName(config.Default().NATS.Stream, 0)); leader != nil {
				victim = leader
				leaderKills++
			}
		}
		set.kill(victim)
		kills++
		if o.members > 1 {
			// The others carry on while it is down for a moment.
			time.Sleep(time.Duration(rng.Int64N(int64(2 * o.memberTTL))))
		}
		if err := set.start(victim); err != nil {
			return killReport{}, err
		}
		if kills%10 == 0 || kills == o.kills {
			fmt.Fprintf(progress, "%d/%d kills, %s, %d acknowledged\n", kills, o.kills, time.Since(start).Round(time.Second), w.acknowledged())
		}
	}
	time.Sleep(o.run)
	w.stop()
	r := killReport{Kills: kills, LeaderKills: leaderKills, Statuses: w.statuses}
	r.Acknowledged, r.Lost, r.Duplicated, err = w.check(ctx, set)
	r.Elapsed = time.Since(start)
	return r, err
}

// startAll starts nodes at once (the NATS servers of a cluster wait for
// each other).
func startAll(set *nodeSet, nodes []*campaignNode) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { errs[i] = set.start(n) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// campaignWriters each add one node per transaction to their graph,
// resending a transaction with its ID, to any node running, until it is
// answered 200: a resend is safe (docs/ARCHITECTURE.md, "Retries are safe
// forever").
type campaignWriters struct {
	set      *nodeSet
	graphs   int
	done     chan struct{}
	stopOnce sync.Once
	wg       sync.WaitGroup
	client   *http.Client

	mu       sync.Mutex
	acked    map[string][]string // graph → nodes acknowledged
	statuses map[string]int
}

func newCampaignWriters(set *nodeSet, writers, graphs int) *campaignWriters {
	w := &campaignWriters{set: set, graphs: graphs, done: make(chan struct{}), client: &http.Client{Timeout: 10 * time.Second},
		acked: map[string][]string{}, statuses: map[string]int{}}
	for i := range writers {
		w.wg.Go(func() { w.write(i) })
	}
	return w
}

func (w *campaignWriters) write(i int) {
	g := fmt.Sprintf("campaign-%d", i%w.graphs)
	rng := rand.New(rand.NewPCG(uint64(i), 2))
	for n := 0; ; n++ {
		node := fmt.Sprintf("w%d-%d", i, n)
		body, _ := json.Marshal(map[string]any{"transaction_id": "tx-" + node,
			"events": []any{map[string]any{"type": "NodeAdded", "node_id": node, "node_type": "thing"}}})
		for {
			select {
			case <-w.done:
				return
			default:
			}
			bases := w.set.bases()
			if len(bases) == 0 {
				time.Sleep(50 * time.Millisecond)
				continue
			}
			status, answer := -1, "none"
			resp, err := w.client.Post(bases[rng.IntN(len(bases))]+"/v1/graphs/"+g+"/transactions", "application/json", bytes.NewReader(body))
			if err == nil {
				status, answer = resp.StatusCode, strconv.Itoa(resp.StatusCode)
				var e api.ErrorResponse
				if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Code != "" {
					answer += " " + e.Code
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			w.mu.Lock()
			w.statuses[answer]++
			if status == http.StatusOK {
				w.acked[g] = append(w.acked[g], node)
			}
			w.mu.Unlock()
			if status == http.StatusOK {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func (w *campaignWriters) stop() {
	w.stopOnce.Do(func() { close(w.done) })
	w.wg.Wait()
}

func (w *campaignWriters) acknowledged() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for _, nodes := range w.acked {
		n += len(nodes)
	}
	return n
}

// check reads every graph through a running node, waiting for the nodes to
// answer, and counts the acknowledged transactions whose node is missing
// (lost) and the versions beyond one per node (a transaction applied
// twice takes a version and adds nothing: its node exists).
func (w *campaignWriters) check(ctx context.Context, set *nodeSet) (acked, lost, duplicated int, err error) {
	for i := range w.graphs {
		g := fmt.Sprintf("campaign-%d", i)
		var got api.Graph
		deadline := time.Now().Add(2 * time.Minute)
		for {
			var last error
			if got, last = readGraph(ctx, w.client, set.bases(), g); last == nil {
				break
			}
			if time.Now().After(deadline) {
				return 0, 0, 0, fmt.Errorf("campaign: reading graph %s after the campaign: %w", g, last)
			}
			time.Sleep(500 * time.Millisecond)
		}
		have := make(map[string]bool, len(got.Nodes))
		for _, n := range got.Nodes {
			have[n.ID] = true
		}
		for _, n := range w.acked[g] {
			acked++
			if !have[n] {
				lost++
			}
		}
		duplicated += int(got.Version) - len(got.Nodes)
	}
	return acked, lost, duplicated, nil
}

// readGraph reads graph g through the first of bases that answers.
func readGraph(ctx context.Context, client *http.Client, bases []string, g string) (api.Graph, error) {
	err := errors.New("no node is running")
	for _, base := range bases {
		req, rerr := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/graphs/"+g, nil)
		if rerr != nil {
			return api.Graph{}, rerr
		}
		resp, derr := client.Do(req)
		if derr != nil {
			err = derr
			continue
		}
		var out api.Graph
		derr = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK && derr == nil {
			return out, nil
		}
		err = fmt.Errorf("GET %s: status %d", g, resp.StatusCode)
	}
	return api.Graph{}, err
}

// soakOptions are the knobs of `node campaign soak`.
type soakOptions struct {
	duration time.Duration
	every    time.Duration
	writers  int
	readers  int
	graphs   int
	bin      string
}

// soakSample is one reading of the node's metrics.
type soakSample struct {
	at         time.Duration
	rss        float64
	goroutines float64
	active     float64
}

func runSoak(args []string, out, progress io.Writer) error {
	fs := flag.NewFlagSet("node campaign soak", flag.ContinueOnError)
	var o soakOptions
	fs.DurationVar(&o.duration, "duration", 2*time.Minute, "how long the load lasts")
	fs.DurationVar(&o.every, "sample", 5*time.Second, "how often memory and goroutines are sampled")
	fs.IntVar(&o.writers, "writers", 4, "concurrent writers")
	fs.IntVar(&o.readers, "readers", 4, "concurrent readers (reads now and in the past, replays, event pages, reads of missing graphs, live streams)")
	fs.IntVar(&o.graphs, "graphs", 50, "graphs written to, each of 100 nodes whose properties the writers update")
	fs.StringVar(&o.bin, "node-bin", "", "the node `binary` to run; empty: this one")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.duration <= 0 || o.every <= 0 || o.writers < 1 || o.readers < 0 || o.graphs < 1 {
		return errors.New("campaign soak: --duration, --sample, --writers and --graphs are positive, --readers not negative")
	}
	samples, err := soak(context.Background(), o, progress)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "soak: %d writers and %d readers for %s on one node (graph idle timeout 10s)\n", o.writers, o.readers, o.duration)
	fmt.Fprintf(out, "  %8s %12s %11s %13s\n", "at", "resident MB", "goroutines", "active graphs")
	for _, s := range samples {
		fmt.Fprintf(out, "  %8s %12.1f %11.0f %13.0f\n", s.at.Round(time.Second), s.rss/1e6, s.goroutines, s.active)
	}
	v := judgeSoak(samples)
	fmt.Fprintln(out, "  "+v.summary)
	if !v.flat {
		return errors.New("campaign soak: memory or goroutines grew past the active set")
	}
	return nil
}

// soakVerdict says whether a soak's memory and goroutines stayed flat:
// after the first third (warm-up), the resident memory of the last third
// is within 25% (and 32 MB) of the middle third's, and the goroutines of
// the last sample within 50% (and 100) of the middle third's highest.
type soakVerdict struct {
	flat    bool
	summary string
}

func judgeSoak(samples []soakSample) soakVerdict {
	if len(samples) < 6 {
		return soakVerdict{false, fmt.Sprintf("only %d samples: run longer, or sample more often", len(samples))}
	}
	third := len(samples) / 3
	mid, last := samples[third:2*third], samples[2*third:]
	maxOf := func(ss []soakSample, f func(soakSample) float64) float64 {
		m := 0.0
		for _, s := range ss {
			m = max(m, f(s))
		}
		return m
	}
	rss := func(s soakSample) float64 { return s.rss }
	gor := func(s soakSample) float64 { return s.goroutines }
	midRSS, lastRSS := maxOf(mid, rss), maxOf(last, rss)
	midGor, endGor := maxOf(mid, gor), samples[len(samples)-1].goroutines
	memOK := lastRSS <= max(1.25*midRSS, midRSS+32e6)
	gorOK := endGor <= max(1.5*midGor, midGor+100)
	return soakVerdict{memOK && gorOK, fmt.Sprintf("resident memory: highest %.1f MB in the middle third, %.1f MB in the last (%s); goroutines: highest %.0f in the middle third, %.0f at the end (%s)",
		midRSS/1e6, lastRSS/1e6, okWord(memOK), midGor, endGor, okWord(gorOK))}
}

func okWord(ok bool) string {
	if ok {
		return "flat"
	}
	return "GREW"
}

// soak runs one node under a mixed load for o.duration and samples it.
func soak(ctx context.Context, o soakOptions, progress io.Writer) ([]soakSample, error) {
	if o.bin == "" {
		bin, err := os.Executable()
		if err != nil {
			return nil, err
		}
		o.bin = bin
	}
	dir, err := os.MkdirTemp("", "graphlog-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	port, err := nodeproc.FreePort()
	if err != nil {
		return nil, err
	}
	set := &nodeSet{bin: o.bin, logDir: dir}
	n := &campaignNode{name: "soak", args: []string{"--node-name", "soak", "--data-dir", filepath.Join(dir, "data"),
		"--nats-listen", fmt.Sprintf("127.0.0.1:%d", port), "--grain-idle-timeout", "10s", "--log-level", "warn"}}
	set.nodes = []*campaignNode{n}
	if err := set.start(n); err != nil {
		return nil, err
	}
	defer set.stop()
	base := n.proc.Base
	client := &http.Client{Timeout: 30 * time.Second}

	if err := soakSeed(ctx, client, base, o.graphs); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i := range o.writers {
		wg.Go(func() { soakWriter(ctx, client, base, i, o.graphs) })
	}
	for i := range o.readers {
		wg.Go(func() { soakReader(ctx, client, base, i, o.graphs) })
	}
	start := time.Now()
	var samples []soakSample
	t := time.NewTicker(o.every)
	defer t.Stop()
	for time.Since(start) < o.duration {
		<-t.C
		m, err := scrape(ctx, client, base)
		if err != nil {
			cancel()
			wg.Wait()
			return samples, fmt.Errorf("campaign soak: reading the node's metrics: %w", err)
		}
		s := soakSample{at: time.Since(start), rss: m["process_resident_memory_bytes"], goroutines: m["go_goroutines"], active: m["graphlog_active_graphs"]}
		samples = append(samples, s)
		fmt.Fprintf(progress, "%s: %.1f MB resident, %.0f goroutines, %.0f active graphs\n", s.at.Round(time.Second), s.rss/1e6, s.goroutines, s.active)
	}
	cancel()
	wg.Wait()
	return samples, nil
}

// soakNodes is how many nodes each graph of a soak holds: writers update
// them, so the graphs keep their size and memory should too.
const soakNodes = 100

// soakSeed gives every graph of a soak its nodes.
func soakSeed(ctx context.Context, client *http.Client, base string, graphs int) error {
	var evs []string
	for n := range soakNodes {
		evs = append(evs, fmt.Sprintf(`{"type":"NodeAdded","node_id":"n%d","node_type":"thing"}`, n))
	}
	body := `{"events":[` + strings.Join(evs, ",") + `]}`
	for g := range graphs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/v1/graphs/soak-%d/transactions", base, g), strings.NewReader(body))
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("seeding graph soak-%d: status %d", g, resp.StatusCode)
		}
	}
	return nil
}

func soakWriter(ctx context.Context, client *http.Client, base string, i, graphs int) {
	rng := rand.New(rand.NewPCG(uint64(i), 3))
	for n := 0; ctx.Err() == nil; n++ {
		g := fmt.Sprintf("soak-%d", rng.IntN(graphs))
		body := fmt.Sprintf(`{"events":[{"type":"NodeUpdated","node_id":"n%d","set":{"writer":%d,"n":%d}}]}`, rng.IntN(soakNodes), i, n)
		soakDo(ctx, client, http.MethodPost, base+"/v1/graphs/"+g+"/transactions", body)
	}
}

func soakReader(ctx context.Context, client *http.Client, base string, i, graphs int) {
	rng := rand.New(rand.NewPCG(uint64(i), 4))
	for n := 0; ctx.Err() == nil; n++ {
		g := base + "/v1/graphs/" + fmt.Sprintf("soak-%d", rng.IntN(graphs))
		switch n % 6 {
		case 0:
			soakDo(ctx, client, http.MethodGet, g, "")
		case 1:
			soakDo(ctx, client, http.MethodGet, g+"?version=1", "")
		case 2:
			soakDo(ctx, client, http.MethodGet, g+"/replay?every=5&to=20", "")
		case 3:
			soakDo(ctx, client, http.MethodGet, g+"/events?limit=20", "")
		case 4:
			soakDo(ctx, client, http.MethodGet, base+"/v1/graphs/missing-"+strconv.Itoa(rng.IntN(1_000_000)), "")
		case 5:
			// A live stream, open for a moment.
			sctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
			soakDo(sctx, client, http.MethodGet, g+"/events/stream", "")
			cancel()
		}
	}
}

func soakDo(ctx context.Context, client *http.Client, method, url, body string) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return
	}
	resp, err := client.Do(req)
	if err != nil {
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// scrape reads the node's /metrics: every unlabelled sample by name.
func scrape(ctx context.Context, client *http.Client, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, " ")
		if !ok || strings.ContainsRune(name, '{') {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			out[name] = v
		}
	}
	if !slices.ContainsFunc([]string{"process_resident_memory_bytes", "go_goroutines"}, func(k string) bool { _, ok := out[k]; return ok }) {
		return nil, errors.New("the metrics lack process_resident_memory_bytes and go_goroutines")
	}
	return out, nil
}
