package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/remote"
	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// Client sends transactions and queries to graphs by ID, wherever in the
// cluster their grains live. Errors a grain replies with come back as Go
// errors wrapping the sentinels of graph and store (see
// replay.ReplyError), so callers decide with errors.Is. It is safe for
// concurrent use.
type Client struct {
	c       *pcluster.Cluster
	timeout time.Duration
	members *memberWatch
}

func newClient(c *pcluster.Cluster, view *topology, timeout time.Duration) *Client {
	return &Client{c: c, timeout: timeout, members: newMemberWatch(c, view)}
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
	return reply, replay.ErrorFromReply(reply.GetError())
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
	return reply, replay.ErrorFromReply(reply.GetError())
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
//
// It resolves the grain's PID (cached), sends, and waits for the reply,
// the caller's context or the request timeout. When the message cannot be
// delivered (dead letter) or the member hosting the grain leaves the
// cluster while the request waits, it tries again on the grain's new
// member, so a killed member costs a request the time it takes the
// cluster to drop it, not a timeout. Trying again is safe for every
// message: reads are idempotent, deliveries skip versions applied, and a
// submit whose transaction ID the graph committed is answered as the first
// time.
func request[R proto.Message](ctx context.Context, cl *Client, graphID string, msg proto.Message) (R, error) {
	var zero R
	deadline := time.Now().Add(cl.timeout)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	unavailable := func(why any) (R, error) {
		return zero, fmt.Errorf("%w: request to graph %s: %v; retry later", store.ErrUnavailable, graphID, why)
	}
	backoff := 10 * time.Millisecond
	for attempt := 1; ; attempt++ {
		remaining := time.Until(deadline)
		if ctx.Err() != nil || remaining <= 0 {
			return unavailable(context.DeadlineExceeded)
		}
		if attempt > 1 {
			sleepCtx(ctx, min(backoff, remaining))
			backoff = min(2*backoff, 500*time.Millisecond)
		}
		pid := cl.pid(ctx, graphID, time.Until(deadline))
		if pid == nil {
			continue // no member can host it yet (the topology is changing)
		}
		resp, err, retry := cl.await(ctx, pid, msg, time.Until(deadline))
		if retry {
			cl.c.PidCache.RemoveByValue(graphID, actors.GrainKind, pid)
			continue
		}
		if err != nil {
			return unavailable(err)
		}
		r, ok := resp.(R)
		if !ok {
			return zero, fmt.Errorf("graph %s answered with an unexpected %T", graphID, resp)
		}
		return r, nil
	}
}

// pid returns the PID of graphID's grain, from the cache or from identity
// lookup (which activates the grain on its member); nil if there is none
// now. A lookup waiting on a member that the cluster drops meanwhile is
// abandoned, so the next try asks the graph's new member.
func (cl *Client) pid(ctx context.Context, graphID string, timeout time.Duration) *actor.PID {
	if pid, ok := cl.c.PidCache.Get(graphID, actors.GrainKind); ok && pid != nil {
		return pid
	}
	changed, _ := cl.members.watch("")
	done := make(chan *actor.PID, 1)
	go func() { done <- cl.c.Get(graphID, actors.GrainKind) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case pid := <-done:
		if pid != nil {
			cl.c.PidCache.Set(graphID, actors.GrainKind, pid)
		}
		return pid
	case <-changed:
	case <-ctx.Done():
	case <-t.C:
	}
	return nil
}

// await sends msg to pid and waits for the answer. retry reports that the
// message may not have been handled and should go to the grain's new
// place: it was a dead letter, or pid's member left the cluster.
func (cl *Client) await(ctx context.Context, pid *actor.PID, msg proto.Message, timeout time.Duration) (resp any, err error, retry bool) {
	if dl, ok := ctx.Deadline(); ok {
		timeout = min(timeout, max(time.Until(dl), time.Millisecond))
	}
	f := cl.c.ActorSystem.Root.RequestFuture(pid, msg, timeout)
	if pid.Address == cl.c.ActorSystem.Address() {
		// A grain of this member: it cannot leave the cluster under the
		// request, and the future ends by the caller's deadline, so wait
		// on it alone (no watcher goroutine per request).
		r, err := f.Result()
		switch {
		case err == nil:
			return r, nil, false
		case errors.Is(err, actor.ErrDeadLetter):
			return nil, nil, true
		case errors.Is(err, actor.ErrTimeout) && ctx.Err() != nil:
			return nil, ctx.Err(), false
		}
		return nil, err, false
	}
	type answer struct {
		resp any
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		r, err := f.Result()
		done <- answer{r, err}
	}()
	for {
		changed, alive := cl.members.watch(pid.Address)
		if !alive {
			return nil, nil, true
		}
		select {
		case a := <-done:
			switch {
			case a.err == nil:
				return a.resp, nil, false
			case errors.Is(a.err, actor.ErrDeadLetter), errors.Is(a.err, remote.ErrDeadLetter):
				return nil, nil, true
			default:
				return nil, a.err, false
			}
		case <-changed:
		case <-ctx.Done():
			return nil, ctx.Err(), false
		}
	}
}

// memberWatch knows the addresses of the cluster's members and signals
// every change, so that requests waiting on a member that left give up on
// it.
type memberWatch struct {
	mu      sync.Mutex
	members map[string]bool
	changed chan struct{} // closed at the next change
}

func newMemberWatch(c *pcluster.Cluster, view *topology) *memberWatch {
	w := &memberWatch{changed: make(chan struct{})}
	c.ActorSystem.EventStream.Subscribe(func(evt any) {
		if t, ok := evt.(*pcluster.ClusterTopology); ok {
			w.update(t.GetMembers())
		}
	})
	w.update(view.list())
	return w
}

func (w *memberWatch) update(members []*pcluster.Member) {
	next := make(map[string]bool, len(members))
	for _, m := range members {
		next[m.Address()] = true
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.members = next
	close(w.changed)
	w.changed = make(chan struct{})
}

// watch reports whether address is a member, and a channel closed at the
// next change of members.
func (w *memberWatch) watch(address string) (changed <-chan struct{}, alive bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Before the first topology, assume every address is alive.
	return w.changed, w.members == nil || len(w.members) == 0 || w.members[address]
}

func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
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
	if err := replay.ErrorFromReply(reply.GetError()); err != nil {
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
