package cluster

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/eventstream"
)

// placement is the identity lookup of the members: a graph's grain lives
// on the member of highest rendezvous weight for its identity, whose
// placement actor spawns it on first request. It is protoactor's disthash
// lookup (github.com/asynkron/protoactor-go/cluster/identitylookup/disthash,
// Apache License 2.0) with one change: the placement actor indexes its
// grains by PID as well as by identity. disthash finds the identity of a
// stopped grain by scanning every grain the member hosts, so with 100,000
// active grains each passivation cost a scan of 100,000 entries on one
// actor, and a member passivating to stay within --max-active-graphs
// created fewer than 700 graphs a second (docs/ARCHITECTURE.md, "Memory
// follows the active set"). The actor's name and messages are disthash's,
// so members of either kind place grains alike.
type placement struct {
	cluster *pcluster.Cluster
	actor   *actor.PID
	sub     *eventstream.Subscription
	rdv     atomic.Pointer[pcluster.Rendezvous]
}

var _ pcluster.IdentityLookup = (*placement)(nil)

// placementActorName is disthash's.
const placementActorName = "partition-activator"

func newPlacement() *placement { return &placement{} }

func (p *placement) Setup(c *pcluster.Cluster, _ []string, _ bool) {
	p.cluster = c
	p.rdv.Store(pcluster.NewRendezvous())
	system := c.ActorSystem
	props := actor.PropsFromProducer(func() actor.Actor {
		return &placementActor{cluster: c, byIdentity: map[string]placed{}, byPID: map[string]string{}, props: map[string]*actor.Props{}}
	})
	p.actor, _ = system.Root.SpawnNamed(props, placementActorName)
	p.sub = system.EventStream.Subscribe(func(ev any) {
		if t, ok := ev.(*pcluster.ClusterTopology); ok {
			rdv := pcluster.NewRendezvous()
			rdv.UpdateMembers(t.Members)
			p.rdv.Store(rdv)
			system.Root.Send(p.actor, t)
		}
	})
}

func (p *placement) Shutdown() {
	system := p.cluster.ActorSystem
	system.EventStream.Unsubscribe(p.sub)
	if err := system.Root.PoisonFuture(p.actor).Wait(); err != nil {
		p.cluster.Logger().Error("placement actor did not stop", slog.Any("error", err))
	}
}

// Get asks the identity's owner for its grain's PID, spawning it there if
// needed; nil when no member owns it or the owner does not answer.
func (p *placement) Get(identity *pcluster.ClusterIdentity) *actor.PID {
	owner := p.rdv.Load().GetByClusterIdentity(identity)
	if owner == "" {
		return nil
	}
	req := &pcluster.ActivationRequest{ClusterIdentity: identity}
	res, err := p.cluster.ActorSystem.Root.RequestFuture(actor.NewPID(owner, placementActorName), req, 5*time.Second).Result()
	if err != nil {
		return nil
	}
	typed, ok := res.(*pcluster.ActivationResponse)
	if !ok {
		return nil
	}
	return typed.Pid
}

// RemovePid tells every member that a grain's PID is no longer valid.
func (p *placement) RemovePid(identity *pcluster.ClusterIdentity, pid *actor.PID) {
	p.cluster.MemberList.BroadcastEvent(&pcluster.ActivationTerminated{Pid: pid, ClusterIdentity: identity}, true)
}

// placed is one grain a placement actor spawned.
type placed struct {
	id  *pcluster.ClusterIdentity
	pid *actor.PID
}

// placementActor spawns the grains this member owns and forgets them when
// they stop.
type placementActor struct {
	cluster    *pcluster.Cluster
	byIdentity map[string]placed // identity key → grain
	byPID      map[string]string // PID ID → identity key
	// props holds one spawning props per kind. protoactor clones the
	// kind's props for every activation to give the grain its identity,
	// and the grain keeps the clone (a few hundred bytes each, with its
	// middleware chains, for as long as it lives); ours give the identity
	// from spawning, which Spawn reads before it returns (props' OnInit
	// runs inside it, on this actor's goroutine).
	props    map[string]*actor.Props
	spawning *pcluster.ClusterIdentity
}

// propsOf returns the spawning props of a kind.
func (a *placementActor) propsOf(kind *pcluster.ActivatedKind) *actor.Props {
	p, ok := a.props[kind.Kind]
	if !ok {
		p = kind.Props.Clone(actor.WithOnInit(func(ctx actor.Context) {
			pcluster.SetClusterIdentity(ctx, a.spawning)
		}))
		a.props[kind.Kind] = p
	}
	return p
}

func (a *placementActor) Receive(ctx actor.Context) {
	switch m := ctx.Message().(type) {
	case *actor.Stopping:
		a.stopAll(ctx)
	case *actor.Terminated:
		a.terminated(m.Who)
	case *pcluster.ActivationRequest:
		a.activate(ctx, m)
	case *pcluster.ClusterTopology:
		a.rebalance(ctx, m)
	}
}

func (a *placementActor) activate(ctx actor.Context, req *pcluster.ActivationRequest) {
	key := req.ClusterIdentity.AsKey()
	if g, ok := a.byIdentity[key]; ok {
		ctx.Respond(&pcluster.ActivationResponse{Pid: g.pid})
		return
	}
	kind := a.cluster.GetClusterKind(req.ClusterIdentity.Kind)
	if kind == nil {
		ctx.Logger().Error("activation of an unknown kind", slog.String("kind", req.ClusterIdentity.Kind))
		ctx.Respond(&pcluster.ActivationResponse{Failed: true})
		return
	}
	a.spawning = req.ClusterIdentity
	pid := ctx.SpawnPrefix(a.propsOf(kind), req.ClusterIdentity.Identity)
	a.spawning = nil
	kind.Inc()
	a.byIdentity[key] = placed{id: req.ClusterIdentity, pid: pid}
	a.byPID[pid.Id] = key
	ctx.Respond(&pcluster.ActivationResponse{Pid: pid})
}

func (a *placementActor) terminated(pid *actor.PID) {
	key, ok := a.byPID[pid.Id]
	if !ok {
		return
	}
	g := a.byIdentity[key]
	delete(a.byPID, pid.Id)
	delete(a.byIdentity, key)
	if kind := a.cluster.GetClusterKind(g.id.Kind); kind != nil {
		kind.Dec()
	}
	a.cluster.MemberList.BroadcastEvent(&pcluster.ActivationTerminated{Pid: pid, ClusterIdentity: g.id}, true)
}

// rebalance stops the grains that another member owns now; they activate
// there on their next request.
func (a *placementActor) rebalance(ctx actor.Context, t *pcluster.ClusterTopology) {
	rdv := pcluster.NewRendezvous()
	rdv.UpdateMembers(t.Members)
	self := a.cluster.ActorSystem.Address()
	for key, g := range a.byIdentity {
		if rdv.GetByIdentity(key) != self {
			ctx.Poison(g.pid)
		}
	}
}

func (a *placementActor) stopAll(ctx actor.Context) {
	futures := make(map[string]*actor.Future, len(a.byIdentity))
	for key, g := range a.byIdentity {
		futures[key] = ctx.PoisonFuture(g.pid)
	}
	for key, f := range futures {
		if err := f.Wait(); err != nil {
			ctx.Logger().Error("grain did not stop", slog.String("identity", key), slog.Any("error", err))
		}
	}
}
