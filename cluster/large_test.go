// Several members in one process race inside protoactor itself: its
// gossip swaps the remote's block list while UpdateClusterTopology reads
// it, and its remote's shutdown is unsynchronised (pointer swaps of
// immutable sets, harmless, but the race detector stops the test). These
// tests run without -race (.ci/run's second pass); the multi-member tests
// in cmd/node run members as processes.

//go:build !race

package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// startMembers starts n members on one NATS server, registered in one
// membership bucket, and waits until each sees all.
func startMembers(t *testing.T, n int) []*cluster.Member {
	t.Helper()
	_, _, js := natstest.Start(t)
	ctx := testContext(t)
	log, err := natsjs.Open(ctx, js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	var members []*cluster.Member
	for range n {
		ms, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: "members", TTL: 6 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		members = append(members, startKVMember(t, ms, actors.GrainConfig{Log: log, IOTimeout: 30 * time.Second}, nil))
	}
	deadline := time.Now().Add(20 * time.Second)
	for _, m := range members {
		for len(m.Members()) != n {
			if time.Now().After(deadline) {
				t.Fatalf("member %s sees %d members, want %d", m.ID(), len(m.Members()), n)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return members
}

// graphOn returns a graph ID whose grain lives on member host.
func graphOn(t *testing.T, via *cluster.Client, host *cluster.Member) string {
	t.Helper()
	for i := range 1000 {
		id := fmt.Sprintf("large-%d", i)
		addr, err := via.Locate(testContext(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if addr == host.Address() {
			return id
		}
	}
	t.Fatal("no graph ID of 1000 lands on the host member")
	return ""
}

func namedNode(id string) *messages.Event {
	props, err := structpb.NewStruct(map[string]any{
		"name":        "element " + id + " of a large graph read across members",
		"description": "long enough that a read of the whole graph passes gRPC's default message limit of 4 MiB",
	})
	if err != nil {
		panic(err)
	}
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: "thing", Properties: props}}}
}

// A graph of 50,000 elements, written and read through a member that does
// not host it: transactions of the largest size and answers far past
// gRPC's default 4 MiB cross the actor remote.
func TestLargeGraphAcrossMembers(t *testing.T) {
	members := startMembers(t, 2)
	host, other := members[0], members[1]
	cl := other.Client()
	id := graphOn(t, cl, host)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// 25,000 nodes and 25,000 edges, in transactions as large as fit.
	const half = 25_000
	var pending []*messages.Event
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if _, err := cl.Submit(ctx, &messages.Transaction{GraphId: id, Events: pending}); err != nil {
			t.Fatalf("submit of %d events through the other member: %v", len(pending), err)
		}
		pending = nil
	}
	for i := range half {
		pending = append(pending, namedNode(fmt.Sprintf("n%05d", i)))
		if len(pending) == 3000 {
			flush()
		}
	}
	flush()
	for i := range half {
		pending = append(pending, addEdge(fmt.Sprintf("e%05d", i), fmt.Sprintf("n%05d", i), fmt.Sprintf("n%05d", (i+1)%half)))
		if len(pending) == 10000 {
			flush()
		}
	}
	flush()

	r, err := cl.Query(ctx, id, getGraph)
	if err != nil {
		t.Fatalf("read of the whole graph through the other member: %v", err)
	}
	g := r.GetGraph()
	if len(g.GetNodes()) != half || len(g.GetEdges()) != half {
		t.Fatalf("read %d nodes and %d edges, want %d each", len(g.GetNodes()), len(g.GetEdges()), half)
	}
	if size := proto.Size(r); size <= 4<<20 {
		t.Fatalf("the answer is %d bytes, within gRPC's default limit: the test shows nothing", size)
	}

	// One transaction as large as the log takes, through the other member:
	// events in hundreds while it fits, then one fewer until it does.
	tx := &messages.Transaction{GraphId: id}
	encoded := func() int {
		stamped := proto.Clone(tx).(*messages.Transaction)
		stamped.TransactionId, stamped.Version = "t-0123456789abcdef0123456789", 3
		for j, e := range stamped.Events {
			e.EventId = fmt.Sprintf("e-0123456789abcdef01234567%d", j)
		}
		data, err := store.EncodeEntry(stamped)
		if err != nil {
			t.Fatal(err)
		}
		return len(data)
	}
	const fits = natsjs.DefaultMaxTransactionBytes - 4096
	for encoded() <= fits {
		for range 100 {
			tx.Events = append(tx.Events, namedNode(fmt.Sprintf("big%06d", len(tx.Events))))
		}
	}
	for encoded() > fits {
		tx.Events = tx.Events[:len(tx.Events)-1]
	}
	if size := proto.Size(tx); size <= 4<<20/8 {
		t.Fatalf("the large transaction is only %d bytes", size)
	}
	reply, err := cl.Submit(ctx, tx)
	if err != nil {
		t.Fatalf("submit of a transaction of %d events (%d bytes) through the other member: %v", len(tx.Events), proto.Size(tx), err)
	}
	if reply.GetEvents() != uint32(len(tx.Events)) {
		t.Fatalf("applied %d events, want %d", reply.GetEvents(), len(tx.Events))
	}
}
