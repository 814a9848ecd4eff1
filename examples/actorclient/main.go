// Command actorclient uses graphs the way another actor system does: it
// joins the cluster as a client-only member (it hosts no graphs and runs
// no ingress), and sends transactions and queries to graphs by ID as actor
// messages (messages.Submit and messages.Query, what the HTTP API sends,
// through cluster.Client), wherever in the cluster their grains live.
//
// Start a node, then run it against the node's NATS server:
//
//	go run ./cmd/node
//	go run ./examples/actorclient --graph chain --count 3
//
// Each run grows a chain in the graph: it reads the graph's version v,
// adds node n<v+1> and an edge from n<v> to it expecting version v
// (optimistic concurrency: a conflict is read again and retried), shows a
// transaction the graph's rules refuse, then asks for the graph, the
// neighbours of the last node and the path along the chain.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "actorclient:", err)
		os.Exit(1)
	}
}

type options struct {
	natsURL string
	bucket  string
	host    string
	graphID string
	count   int
	timeout time.Duration
}

func parse(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("actorclient", flag.ContinueOnError)
	fs.StringVar(&o.natsURL, "nats-url", "nats://127.0.0.1:4222", "NATS server of the cluster (a node's embedded server listens on 127.0.0.1:4222 by default)")
	fs.StringVar(&o.bucket, "cluster-bucket", config.Default().Cluster.Bucket, "KV bucket the members register in (the nodes' --cluster-bucket)")
	fs.StringVar(&o.host, "actor-host", "127.0.0.1", "address this program's actor remote listens on; the members send replies there")
	fs.StringVar(&o.graphID, "graph", "chain", "graph to write and read")
	fs.IntVar(&o.count, "count", 3, "transactions to submit")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Second, "how long the whole run may take")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if err := graph.ValidateGraphID(o.graphID); err != nil {
		return o, err
	}
	if o.count < 0 {
		return o, fmt.Errorf("--count is %d; use 0 or more", o.count)
	}
	return o, nil
}

func run(ctx context.Context, args []string, out io.Writer) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	nc, err := nats.Connect(o.natsURL, nats.Name("graphlog actorclient"))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", o.natsURL, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	// The members' registry as they configured it: a client changes
	// nothing of it, it only watches who the members are.
	members, err := natsjs.LookupMembership(ctx, js, o.bucket, nil)
	if err != nil {
		return err
	}
	node, err := cluster.StartClient(cluster.ClientConfig{Host: o.host, Membership: members, RequestTimeout: 10 * time.Second})
	if err != nil {
		return err
	}
	defer node.Shutdown()
	c := node.Client()

	for range o.count {
		reply, err := grow(ctx, c, o.graphID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "submitted to %s: version %d, sequence %d, %d events\n", o.graphID, reply.GetVersion(), reply.GetSequence(), reply.GetEvents())
	}

	// The graph's rules refuse a transaction as a whole; the reply's error
	// matches the sentinels of graph and store (replay.ReplyError).
	_, err = c.Submit(ctx, &messages.Transaction{GraphId: o.graphID, Events: []*messages.Event{
		edgeAdded("dangling", "n1", "nowhere")}})
	switch {
	case errors.Is(err, graph.ErrRejected):
		fmt.Fprintf(out, "refused, as it should be: %v\n", err)
	case err != nil:
		return err
	default:
		return errors.New("an edge to a missing node was accepted")
	}

	g, err := c.Query(ctx, o.graphID, &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}})
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintf(out, "graph %s has no transactions\n", o.graphID)
		return nil
	}
	if err != nil {
		return err
	}
	state := g.GetGraph()
	fmt.Fprintf(out, "graph %s: version %d, %d nodes, %d edges\n", o.graphID, g.GetVersion(), len(state.GetNodes()), len(state.GetEdges()))
	last := fmt.Sprintf("n%d", len(state.GetNodes()))

	nb, err := c.Query(ctx, o.graphID, &messages.Query{Query: &messages.Query_Neighbors{Neighbors: &messages.GetNeighbors{
		NodeId: last, Direction: messages.Direction_DIRECTION_BOTH}}})
	if err != nil {
		return err
	}
	for _, n := range nb.GetNeighbors().GetNeighbors() {
		fmt.Fprintf(out, "neighbour of %s: %s\n", last, n.GetNode().GetId())
	}

	path, err := c.Query(ctx, o.graphID, &messages.Query{Query: &messages.Query_ShortestPath{ShortestPath: &messages.GetShortestPath{
		From: "n1", To: last}}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "path n1 → %s: %v\n", last, path.GetPath().GetNodes())
	return nil
}

// grow adds the next node of the chain, and the edge to it, as the
// transaction after the version it read; another writer between the read
// and the write makes it a conflict, and it reads again.
func grow(ctx context.Context, c *cluster.Client, graphID string) (*messages.SubmitReply, error) {
	for {
		var version uint64
		reply, err := c.Query(ctx, graphID, &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}})
		switch {
		case errors.Is(err, store.ErrNotFound): // no transactions yet: version 0
		case err != nil:
			return nil, err
		default:
			version = reply.GetVersion()
		}
		// A chain of n nodes has n-1 edges; its next node is n<n+1>.
		n := len(reply.GetGraph().GetNodes())
		events := []*messages.Event{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: fmt.Sprintf("n%d", n+1), NodeType: "step"}}}}
		if n > 0 {
			events = append(events, edgeAdded(fmt.Sprintf("e%d", n+1), fmt.Sprintf("n%d", n), fmt.Sprintf("n%d", n+1)))
		}
		submitted, err := c.Submit(ctx, &messages.Transaction{GraphId: graphID, ExpectedVersion: &version, Events: events})
		if errors.Is(err, store.ErrConflict) {
			continue
		}
		return submitted, err
	}
}

func edgeAdded(id, from, to string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
		EdgeId: id, SourceId: from, TargetId: to, EdgeType: "next"}}}
}
