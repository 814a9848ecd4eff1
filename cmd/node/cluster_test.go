package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// testMemberTTL is the member TTL of cluster tests: a killed member drops
// out within it.
const testMemberTTL = 2 * time.Second

// member is a node process that is one member of a cluster sharing an
// external NATS server.
type member struct {
	*nodeproc.Process
	name    string
	address string // actor remote, host:port
}

func startMember(t *testing.T, name, natsURL string, extra ...string) *member {
	t.Helper()
	actorPort := freePort(t)
	p := startNodeProcess(t, append([]string{
		"--node-name", name,
		"--nats-url", natsURL,
		"--actor-port", strconv.Itoa(actorPort),
		"--member-ttl", testMemberTTL.String(),
		"--request-timeout", "5s",
		"--log-level", "warn",
	}, extra...)...)
	return &member{Process: p, name: name, address: "127.0.0.1:" + strconv.Itoa(actorPort)}
}

// members returns the addresses of the members m sees.
func (m *member) members(t *testing.T) map[string]bool {
	var res api.ClusterResponse
	status, _, err := newClient(t, m.Base).do("GET", "/v1/cluster", nil, &res)
	if err != nil || status != http.StatusOK {
		return nil
	}
	seen := map[string]bool{}
	for _, mm := range res.Members {
		seen[mm.Address] = true
	}
	return seen
}

// waitMembers waits until every one of ms sees exactly ms.
func waitMembers(t *testing.T, within time.Duration, ms ...*member) {
	t.Helper()
	eventually(t, within, fmt.Sprintf("%d members see each other", len(ms)), func() bool {
		for _, m := range ms {
			seen := m.members(t)
			if len(seen) != len(ms) {
				return false
			}
			for _, o := range ms {
				if !seen[o.address] {
					return false
				}
			}
		}
		return true
	})
}

// placement returns the address of the member hosting graphID, asked
// through m.
func placement(t *testing.T, m *member, graphID string) string {
	var res api.PlacementResponse
	status, _, err := newClient(t, m.Base).do("GET", "/v1/cluster/graphs/"+graphID, nil, &res)
	if err != nil || status != http.StatusOK {
		return ""
	}
	return res.Member.Address
}

// load writes one-node transactions to graphs through the live members,
// round robin, and records which were acknowledged.
type load struct {
	t       *testing.T
	mu      sync.Mutex
	targets []*member
	acked   map[string][]string // graph → node IDs acknowledged
	version map[string]uint64   // node ID → the version its transaction got
	stop    chan struct{}
	wg      sync.WaitGroup
	writes  atomic.Int64
}

func startLoad(t *testing.T, graphs []string, writers int, targets ...*member) *load {
	l := &load{t: t, targets: targets, acked: map[string][]string{}, version: map[string]uint64{}, stop: make(chan struct{})}
	for w := range writers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c := &client{t: t, http: &http.Client{Timeout: 10 * time.Second}}
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				g := graphs[(w+i*writers)%len(graphs)]
				l.mu.Lock()
				c.base = l.targets[(w+i)%len(l.targets)].Base
				l.mu.Unlock()
				node := fmt.Sprintf("w%d-%d", w, i)
				var res submitResult
				status, _, err := c.do("POST", "/v1/graphs/"+g+"/transactions", killTx(node), &res)
				if err == nil && status == http.StatusOK {
					l.mu.Lock()
					l.acked[g] = append(l.acked[g], node)
					l.version[node] = res.Version
					l.mu.Unlock()
					l.writes.Add(1)
				}
			}
		}()
	}
	return l
}

// retarget sends the load to these members from now on.
func (l *load) retarget(targets ...*member) {
	l.mu.Lock()
	l.targets = targets
	l.mu.Unlock()
}

func (l *load) finish() map[string][]string {
	close(l.stop)
	l.wg.Wait()
	return l.acked
}

// checkGraphs checks, for every graph, that every acknowledged transaction
// is in the log exactly once, that no transaction was applied twice (each
// adds one node, so a graph has as many nodes as versions), and that the
// graph a member serves equals a fresh replay of its log.
func checkGraphs(t *testing.T, log *natsjs.Log, via *member, acked map[string][]string, graphs []string) {
	t.Helper()
	ctx := context.Background()
	c := newClient(t, via.Base)
	for _, g := range graphs {
		replayed := graph.New(g)
		adds := map[string]int{}
		for tx, err := range log.Read(ctx, g, 0) {
			if err != nil {
				t.Fatalf("reading %s: %v", g, err)
			}
			for _, ev := range tx.GetEvents() {
				if na := ev.GetNodeAdded(); na != nil {
					adds[na.GetNodeId()]++
				}
			}
			if err := replayed.Apply(tx); err != nil {
				t.Fatalf("replaying %s version %d: %v", g, tx.GetVersion(), err)
			}
		}
		for node, n := range adds {
			if n != 1 {
				t.Errorf("graph %s: node %s added %d times in the log", g, node, n)
			}
		}
		for _, node := range acked[g] {
			if adds[node] != 1 {
				t.Errorf("graph %s: acknowledged node %s is in the log %d times", g, node, adds[node])
			}
		}
		var got api.Graph
		eventually(t, 15*time.Second, "graph "+g+" served at its log's version", func() bool {
			status, _, err := c.do("GET", "/v1/graphs/"+g, nil, &got)
			return err == nil && status == http.StatusOK && got.Version == replayed.Version()
		})
		if got.Version != uint64(len(got.Nodes)) {
			t.Errorf("graph %s: version %d with %d nodes: a transaction applied twice or rejected", g, got.Version, len(got.Nodes))
		}
		if want := api.GraphJSON(replayed.State()); !sameGraph(got, want) {
			t.Errorf("graph %s served by %s differs from a fresh replay of its log", g, via.name)
		}
	}
}

func testGraphs(prefix string, n int) []string {
	gs := make([]string, n)
	for i := range gs {
		gs[i] = fmt.Sprintf("%s-%02d", prefix, i)
	}
	return gs
}

// Three members share 30 graphs under continuous writes through all of
// them. One is killed without a goodbye: its graphs answer again on the
// others within 10 s. A fourth member then joins under load and graphs move
// to it. Afterwards every acknowledged transaction is in the log exactly
// once and every graph equals a fresh replay of its log.
func TestClusterFailoverAndJoin(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	srv, _, _ := natstest.Start(t)
	natsURL := srv.ClientURL()
	a := startMember(t, "a", natsURL)
	b := startMember(t, "b", natsURL)
	c := startMember(t, "c", natsURL)
	waitMembers(t, 15*time.Second, a, b, c)

	graphs := testGraphs("fail", 30)
	l := startLoad(t, graphs, 6, a, b, c)
	eventually(t, 30*time.Second, "every graph written", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.acked) == len(graphs)
	})

	// The victim is c; find the graphs it hosts.
	var moved []string
	for _, g := range graphs {
		if placement(t, a, g) == c.address {
			moved = append(moved, g)
		}
	}
	if len(moved) == 0 {
		t.Fatalf("member c hosts none of %d graphs: placement does not spread", len(graphs))
	}
	l.retarget(a, b)
	killed := time.Now()
	c.Kill()
	var worst time.Duration
	for _, g := range moved {
		var got api.Graph
		eventually(t, 10*time.Second-time.Since(killed), "graph "+g+" answers after its member was killed", func() bool {
			status, _, err := newClient(t, a.Base).do("GET", "/v1/graphs/"+g, nil, &got)
			return err == nil && status == http.StatusOK
		})
		worst = time.Since(killed)
	}
	t.Logf("%d graphs of the killed member all answered %s after the kill", len(moved), worst.Round(time.Millisecond))
	waitMembers(t, 10*time.Second, a, b)

	// A fourth member joins under load.
	before := l.writes.Load()
	d := startMember(t, "d", natsURL)
	waitMembers(t, 15*time.Second, a, b, d)
	l.retarget(a, b, d)
	var onD []string
	eventually(t, 15*time.Second, "graphs move to the new member", func() bool {
		onD = onD[:0]
		for _, g := range graphs {
			if placement(t, b, g) == d.address {
				onD = append(onD, g)
			}
		}
		return len(onD) > 0
	})
	eventually(t, 15*time.Second, "writes go on after the join", func() bool { return l.writes.Load() > before+100 })
	acked := l.finish()
	t.Logf("%d transactions acknowledged; %d graphs moved to the new member", l.writes.Load(), len(onD))

	log, _ := openLogAt(t, natsURL)
	checkGraphs(t, log, d, acked, graphs)

	// Every acknowledged transaction sent again through another member
	// than the one that took it, after the failover and the join, is
	// answered with its first version, and applied nothing.
	cl := newClient(t, b.Base)
	for _, g := range moved {
		_, before := cl.graph(g)
		for _, node := range acked[g] {
			var res submitResult
			status, e, err := cl.do("POST", "/v1/graphs/"+g+"/transactions", killTx(node), &res)
			if err != nil || status != http.StatusOK || res.Version != l.version[node] {
				t.Fatalf("graph %s: %s sent again after the failover: %d %+v %v, version %d; want its first version %d",
					g, node, status, e, err, res.Version, l.version[node])
			}
		}
		if _, after := cl.graph(g); after.Version != before.Version {
			t.Errorf("graph %s at version %d after the resends, %d before", g, after.Version, before.Version)
		}
	}
}

// Transactions appended straight to the log reach their grains through the
// ingress, each partition read by one member: with six partitions and
// three members each reads two, a member killed while transactions are
// appended hands its partitions to the others, and every graph ends up
// equal to its log with nothing skipped and nothing applied twice.
func TestClusterIngressOnePerPartition(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	const partitions = 6
	srv, _, _ := natstest.Start(t)
	natsURL := srv.ClientURL()
	flags := []string{"--partitions", strconv.Itoa(partitions)}
	ms := []*member{startMember(t, "a", natsURL, flags...), startMember(t, "b", natsURL, flags...), startMember(t, "c", natsURL, flags...)}
	waitMembers(t, 15*time.Second, ms...)
	readBy := func(live []*member, want int) {
		t.Helper()
		eventually(t, 20*time.Second, fmt.Sprintf("each of %d members reads %d partitions", len(live), want), func() bool {
			for _, m := range live {
				if metricValue(t, m.Base, "graphlog_ingress_partitions") != strconv.Itoa(want) {
					return false
				}
			}
			return true
		})
	}
	readBy(ms, partitions/3)

	ctx := context.Background()
	log, err := natsjs.Open(ctx, jsAt(t, natsURL), natsjs.Config{Partitions: partitions})
	if err != nil {
		t.Fatal(err)
	}
	graphs := testGraphs("ingress", 12)
	const perGraph = 40
	acked := map[string][]string{}
	// Activate every graph first, so that the ingress has live grains to
	// deliver to (an inactive graph reads the log when it activates).
	for i, g := range graphs {
		newClient(t, ms[i%len(ms)].Base).mustSubmit(g, events(addNode("seed")))
		acked[g] = append(acked[g], "seed")
	}
	heads := map[string]store.Head{}
	for _, g := range graphs {
		h, err := log.Head(ctx, g)
		if err != nil {
			t.Fatal(err)
		}
		heads[g] = h
	}
	var killed time.Time
	for i := range perGraph {
		if i == perGraph/2 {
			ms[2].Kill()
			killed = time.Now()
		}
		for _, g := range graphs {
			node := fmt.Sprintf("n%d", i)
			tx := &messages.Transaction{GraphId: g, TransactionId: g + "-" + node,
				Events: []*messages.Event{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: node}}}}}
			h, err := log.Append(ctx, tx, heads[g])
			if err != nil {
				t.Fatalf("append to %s: %v", g, err)
			}
			heads[g] = h
			acked[g] = append(acked[g], node)
		}
	}
	live := ms[:2]
	readBy(live, partitions/2)
	feed := log.Feed()
	eventually(t, 20*time.Second, "the consumers deliver every appended transaction", func() bool {
		pending, _, err := feed.Lag(ctx, "graphlog-ingress")
		return err == nil && pending == 0
	})
	t.Logf("nothing left to deliver %s after the kill", time.Since(killed).Round(time.Millisecond))
	// What the killed member had pulled comes again after the consumers'
	// ack wait (5 s).
	eventually(t, 60*time.Second, "every delivered transaction acknowledged", func() bool {
		_, ackPending, err := feed.Lag(ctx, "graphlog-ingress")
		return err == nil && ackPending == 0
	})
	checkGraphs(t, log, ms[0], acked, graphs)
}
