package cluster

import (
	"context"
	"fmt"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Client sends transactions and queries to graphs by ID, wherever in the
// cluster their grains live. Errors a grain replies with come back as Go
// errors wrapping the sentinels of graph and store (see
// actors.ReplyError), so callers decide with errors.Is. It is safe for
// concurrent use.
type Client struct {
	c       *pcluster.Cluster
	timeout time.Duration
}

func newClient(c *pcluster.Cluster, timeout time.Duration) *Client {
	return &Client{c: c, timeout: timeout}
}

// Submit validates, appends and applies tx on its graph and returns the new
// version and sequence once the grain has applied it (read-your-writes).
// Missing transaction and event IDs are stamped here, at the edge.
func (cl *Client) Submit(ctx context.Context, tx *messages.Transaction) (*messages.SubmitReply, error) {
	if err := graph.ValidateGraphID(tx.GetGraphId()); err != nil {
		return nil, err
	}
	stampIDs(tx)
	reply, err := request[*messages.SubmitReply](ctx, cl, tx.GetGraphId(), &messages.Submit{Transaction: tx})
	if err != nil {
		return nil, err
	}
	return reply, actors.ErrorFromReply(reply.GetError())
}

// Query reads a graph's current state.
func (cl *Client) Query(ctx context.Context, graphID string, q *messages.Query) (*messages.QueryReply, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, err
	}
	reply, err := request[*messages.QueryReply](ctx, cl, graphID, q)
	if err != nil {
		return nil, err
	}
	return reply, actors.ErrorFromReply(reply.GetError())
}

// Deliver hands a committed transaction read from the log to its grain.
func (cl *Client) Deliver(ctx context.Context, tx *messages.Transaction) (*messages.DeliverReply, error) {
	if err := graph.ValidateGraphID(tx.GetGraphId()); err != nil {
		return nil, err
	}
	return request[*messages.DeliverReply](ctx, cl, tx.GetGraphId(), &messages.Deliver{Transaction: tx})
}

// Passivate stops a graph's grain; the next request activates it again.
func (cl *Client) Passivate(ctx context.Context, graphID string) error {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return err
	}
	_, err := request[*messages.PassivateReply](ctx, cl, graphID, &messages.Passivate{})
	return err
}

// request sends msg to the grain of graphID and returns its reply, which
// must be of type R.
func request[R proto.Message](ctx context.Context, cl *Client, graphID string, msg proto.Message) (R, error) {
	var zero R
	timeout := cl.timeout
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if ctx.Err() != nil || timeout <= 0 {
		return zero, fmt.Errorf("%w: request to graph %s: %v", store.ErrUnavailable, graphID, context.DeadlineExceeded)
	}
	resp, err := cl.c.Request(graphID, actors.GrainKind, msg, pcluster.WithTimeout(timeout))
	if err != nil {
		return zero, fmt.Errorf("%w: request to graph %s failed: %v; retry later", store.ErrUnavailable, graphID, err)
	}
	r, ok := resp.(R)
	if !ok {
		return zero, fmt.Errorf("graph %s answered with an unexpected %T", graphID, resp)
	}
	return r, nil
}

// stampIDs gives the transaction and its events IDs where they have none.
func stampIDs(tx *messages.Transaction) {
	if tx.GetTransactionId() == "" {
		tx.TransactionId = nuid.Next()
	}
	for _, ev := range tx.GetEvents() {
		if ev.GetEventId() == "" {
			ev.EventId = nuid.Next()
		}
	}
}

// Snapshot makes a graph's grain store a snapshot of its current state now
// and returns what was stored.
func (cl *Client) Snapshot(ctx context.Context, graphID string) (*messages.SnapshotRef, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, err
	}
	reply, err := request[*messages.TakeSnapshotReply](ctx, cl, graphID, &messages.TakeSnapshot{})
	if err != nil {
		return nil, err
	}
	if err := actors.ErrorFromReply(reply.GetError()); err != nil {
		return nil, err
	}
	return reply.GetSnapshot(), nil
}

// Locate returns the actor address (host:port) of the member hosting
// graphID's grain, activating it there if it is not active.
func (cl *Client) Locate(ctx context.Context, graphID string) (string, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return "", err
	}
	type result struct{ addr string }
	done := make(chan result, 1)
	go func() {
		pid := cl.c.Get(graphID, actors.GrainKind)
		if pid == nil {
			done <- result{}
			return
		}
		done <- result{pid.Address}
	}()
	select {
	case r := <-done:
		if r.addr == "" {
			return "", fmt.Errorf("%w: graph %s could not be placed on a member; retry later", store.ErrUnavailable, graphID)
		}
		return r.addr, nil
	case <-ctx.Done():
		return "", fmt.Errorf("%w: locating graph %s: %v", store.ErrUnavailable, graphID, ctx.Err())
	}
}
