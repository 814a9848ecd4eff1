package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/natstest"
)

// SIGTERM with live streams open: each stream is told to end, the member
// passivates its grains (each snapshots what changed), leaves the cluster
// (the other member sees it go at once, long before its entry would
// expire) and exits 0 within a few seconds.
func TestSIGTERMWithOpenStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	srv, _, _ := natstest.Start(t)
	const ttl = "30s" // an entry left behind would linger this long
	a := startMember(t, "a", srv.ClientURL(), "--member-ttl", ttl)
	b := startMember(t, "b", srv.ClientURL(), "--member-ttl", ttl)
	waitMembers(t, 15*time.Second, a, b)

	// Graphs hosted on a, changed since their last snapshot.
	ca := newClient(t, a.Base)
	var hosted []string
	for i := 0; len(hosted) < 3 && i < 200; i++ {
		g := fmt.Sprintf("term-%d", i)
		if placement(t, a, g) == a.address {
			hosted = append(hosted, g)
		}
	}
	if len(hosted) < 3 {
		t.Fatalf("member a hosts %d of 200 graphs", len(hosted))
	}
	versions := map[string]uint64{}
	for _, g := range hosted {
		for i := range 3 {
			versions[g] = ca.mustSubmit(g, events(addNode(fmt.Sprintf("n%d", i)))).Version
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var streams []<-chan sseMessage
	for _, g := range hosted {
		streams = append(streams, readSSE(t, ctx, a.Base+"/v1/graphs/"+g+"/events/stream", nil))
	}

	start := time.Now()
	if err := a.Terminate(10 * time.Second); err != nil {
		t.Fatalf("after SIGTERM with %d open streams: %v; want exit status 0 within 10s", len(streams), err)
	}
	t.Logf("member a exited %s after SIGTERM", time.Since(start).Round(time.Millisecond))
	for i, s := range streams {
		var got []string
		for m := range s {
			got = append(got, m.event)
		}
		if len(got) == 0 || got[len(got)-1] != "end" {
			t.Errorf("stream %d got %v, want it to end with an end message", i, got)
		}
	}
	eventually(t, 3*time.Second, "member b to see member a gone, well within its 30s TTL", func() bool {
		seen := b.members(t)
		return len(seen) == 1 && seen[b.address]
	})

	cb := newClient(t, b.Base)
	for _, g := range hosted {
		var list api.Snapshots
		if st, e, err := cb.do("GET", "/v1/graphs/"+g+"/snapshots", nil, &list); err != nil || st != 200 ||
			len(list.Snapshots) == 0 || list.Snapshots[len(list.Snapshots)-1].Version != versions[g] {
			t.Errorf("snapshots of %s after member a's shutdown: %d %+v %v %+v; want the newest at version %d", g, st, e, err, list, versions[g])
		}
	}
}

// clusteredNode is a node process whose embedded NATS server is one of a
// NATS cluster, as in the compose example.
type clusteredNode struct {
	*member
	natsURL string
}

// startClusteredNodes starts n nodes, each running one server of an
// n-server NATS cluster and one member, with R3 streams and buckets.
func startClusteredNodes(t *testing.T, n int, extra ...string) []*clusteredNode {
	t.Helper()
	ports := natstest.FreePorts(t, 3*n) // client, cluster and actor port of each
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3*i+1]))
	}
	nodes := make([]*clusteredNode, n)
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("c%d", i)
		args := append([]string{
			"--node-name", name,
			"--data-dir", t.TempDir(),
			"--nats-listen", fmt.Sprintf("127.0.0.1:%d", ports[3*i]),
			"--nats-cluster-listen", fmt.Sprintf("127.0.0.1:%d", ports[3*i+1]),
			"--nats-routes", strings.Join(routes, ","),
			"--replicas", "3",
			"--actor-port", strconv.Itoa(ports[3*i+2]),
			"--request-timeout", "5s",
			"--log-level", "warn",
		}, extra...)
		wg.Go(func() { // the servers wait for each other to form the cluster
			p := startNodeProcess(t, args...)
			nodes[i] = &clusteredNode{
				member:  &member{Process: p, name: name, address: fmt.Sprintf("127.0.0.1:%d", ports[3*i+2])},
				natsURL: fmt.Sprintf("nats://127.0.0.1:%d", ports[3*i]),
			}
		})
	}
	wg.Wait()
	for _, nd := range nodes {
		if nd == nil {
			t.FailNow() // startNodeProcess reported why
		}
	}
	return nodes
}

// A NATS server cut off (its node frozen: no closed connection tells the
// others) while it leads the members bucket leaves the bucket without a
// leader until the others time it out and elect another, longer than the
// member TTL here. The surviving members must not be dropped for it: they
// stay up and in the cluster, and remove only the member that was cut
// off, which learns it was dropped when it comes back.
func TestMembersSurviveTheLossOfTheBucketsLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	const ttl = 2 * time.Second // a NATS election after a crash takes 4 to 9 s
	nodes := startClusteredNodes(t, 3, "--member-ttl", ttl.String())
	ms := []*member{nodes[0].member, nodes[1].member, nodes[2].member}
	waitMembers(t, 60*time.Second, ms...)

	nc, err := nats.Connect(nodes[0].natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := js.Stream(ctx, "KV_graphlog_members")
	if err != nil {
		t.Fatal(err)
	}
	leader := info.CachedInfo().Cluster.Leader
	var victim *clusteredNode
	var survivors []*member
	for _, nd := range nodes {
		if nd.name == leader {
			victim = nd
		} else {
			survivors = append(survivors, nd.member)
		}
	}
	if victim == nil {
		t.Fatalf("the members bucket's leader %q is none of the nodes", leader)
	}
	if err := victim.Freeze(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = victim.Thaw() })
	t.Logf("froze %s, whose NATS server led the members bucket", leader)

	for end := time.Now().Add(10 * ttl); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		for _, s := range survivors {
			if !s.Alive() {
				t.Fatalf("member %s exited after the bucket's leader crashed: it was dropped from the cluster", s.name)
			}
		}
	}
	waitMembers(t, 30*time.Second, survivors...)

	// Back, it finds itself dropped and stops, to rejoin as a new member.
	if err := victim.Thaw(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-victim.Exited():
	case <-time.After(30 * time.Second):
		t.Fatal("the member cut off did not stop when it came back")
	}
}
