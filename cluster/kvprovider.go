package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"

	"github.com/graphlog/graphlog/store"
)

// kvProvider is the membership of a cluster whose members register
// themselves in a store.Membership (a NATS KV bucket): no host list to
// keep. A member refreshes its entry every third of the TTL. One that
// stops refreshing (killed, cut off) is removed by another member, whose
// own refreshes have worked for a whole TTL meanwhile, so that an outage
// of the store (a leader election) drops nobody; every member's watch
// then drops it. Clients only watch.
type kvProvider struct {
	members store.Membership
	logger  *slog.Logger
	// onLost is called once when this member learns it was dropped: its
	// entry expired. protoactor never lets a member ID back in, so the
	// member must stop and rejoin under a new ID.
	onLost func(error)

	name    string // of this node, unique in the cluster
	ingress bool   // this member runs the ingress
	c       *pcluster.Cluster
	view    *topology
	id      string
	value   []byte // this member's announcement
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	// refreshing orders refreshes of the entry: the store refreshes at the
	// revision it last wrote, so two at once would make the second look
	// expired.
	refreshing sync.Mutex

	mu      sync.Mutex // orders topology updates with Shutdown
	stopped bool
	known   map[string]string // member ID → address, as last reported
	lost    sync.Once

	// Liveness: when this member's watch last saw each entry change, and
	// since when its own refreshes have worked without a failure.
	live    sync.Mutex
	seen    map[string]seenEntry
	okSince time.Time // zero while refreshes fail
}

// seenEntry is an entry's last revision and when the watch showed it.
type seenEntry struct {
	revision uint64
	at       time.Time
}

var _ pcluster.ClusterProvider = (*kvProvider)(nil)

// announcement is the value of a member's entry.
type announcement struct {
	// Name is the node name: a member that restarts under the same name
	// replaces its previous incarnation at once, instead of after the TTL.
	Name  string   `json:"name"`
	Host  string   `json:"host"`
	Port  int      `json:"port"`
	Kinds []string `json:"kinds"`
}

// opTimeout bounds one call to the membership store.
const opTimeout = 5 * time.Second

func (p *kvProvider) StartMember(c *pcluster.Cluster) error {
	p.c, p.id = c, c.ActorSystem.ID
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		return err
	}
	value, err := json.Marshal(announcement{Name: p.name, Host: host, Port: port, Kinds: announcedKinds(c, p.ingress)})
	if err != nil {
		return err
	}
	p.value = value
	p.okSince = time.Now()
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	rctx, rcancel := context.WithTimeout(ctx, opTimeout)
	defer rcancel()
	if err := p.members.Register(rctx, p.id, value); err != nil {
		return fmt.Errorf("registering member %s: %w", p.id, err)
	}
	var previous []string
	err = p.members.Watch(ctx, func(entries []store.MemberEntry) {
		if previous == nil {
			previous = p.previousIncarnations(entries)
		}
		p.update(entries)
	})
	if err != nil {
		return fmt.Errorf("watching members: %w", err)
	}
	for _, id := range previous {
		p.logger.Info("removing this node's previous member entry", slog.String("previous", id))
		if err := p.members.Deregister(rctx, id); err != nil {
			p.logger.Warn("previous member entry not removed; it expires on its own", slog.String("previous", id), slog.Any("error", err))
		}
	}
	p.wg.Add(1)
	go p.heartbeat(ctx)
	return nil
}

// refresh rewrites this member's entry, restarting its TTL.
func (p *kvProvider) refresh(ctx context.Context) error {
	p.refreshing.Lock()
	defer p.refreshing.Unlock()
	return p.members.Refresh(ctx, p.id, p.value)
}

// previousIncarnations lists the entries of other members under this
// node's name: earlier runs of this node that did not leave (killed).
// Were one of them alive (two nodes given one name), it would learn it
// was dropped and stop.
func (p *kvProvider) previousIncarnations(entries []store.MemberEntry) []string {
	ids := []string{}
	for _, e := range entries {
		var a announcement
		if e.ID != p.id && json.Unmarshal(e.Value, &a) == nil && a.Name != "" && a.Name == p.name {
			ids = append(ids, e.ID)
		}
	}
	return ids
}

func (p *kvProvider) StartClient(c *pcluster.Cluster) error {
	p.c = c
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	if err := p.members.Watch(ctx, p.update); err != nil {
		return fmt.Errorf("watching members: %w", err)
	}
	return nil
}

// Shutdown stops the heartbeat and the watch and, for a member, removes
// its entry so the others drop it at once instead of after the TTL. The
// topology is left as it is: the actor system stops right after.
func (p *kvProvider) Shutdown(bool) error {
	p.mu.Lock()
	p.stopped = true
	p.mu.Unlock()
	if p.cancel != nil {
		p.cancel()
	}
	p.wg.Wait()
	if p.id == "" {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if err := p.members.Deregister(ctx, p.id); err != nil {
		p.logger.Warn("member entry not removed; the others drop it when it expires", slog.Any("error", err))
	}
	return nil
}

// heartbeat refreshes the member's entry until ctx ends or the entry is
// found expired. A refresh that fails for another reason (NATS briefly
// unreachable) is retried: only the store can tell that the entry expired.
func (p *kvProvider) heartbeat(ctx context.Context) {
	defer p.wg.Done()
	every := p.members.TTL() / 3
	t := time.NewTicker(every)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, every)
		err := p.refresh(rctx)
		cancel()
		p.refreshed(err == nil)
		switch {
		case err == nil:
			if failing {
				p.logger.Info("member heartbeat works again")
				failing = false
			}
			p.dropSilent(ctx)
		case errors.Is(err, store.ErrMemberExpired):
			p.markLost(err)
			return
		case ctx.Err() != nil:
			return
		default:
			if !failing {
				p.logger.Warn("member heartbeat failed; retrying", slog.Any("error", err))
				failing = true
			}
		}
	}
}

// refreshed notes whether a refresh of this member's entry worked.
func (p *kvProvider) refreshed(ok bool) {
	p.live.Lock()
	defer p.live.Unlock()
	switch {
	case !ok:
		p.okSince = time.Time{}
	case p.okSince.IsZero():
		p.okSince = time.Now()
	}
}

// see notes the entries a watch shows: those whose revision changed were
// refreshed now.
func (p *kvProvider) see(entries []store.MemberEntry) {
	p.live.Lock()
	defer p.live.Unlock()
	now := time.Now()
	next := make(map[string]seenEntry, len(entries))
	for _, e := range entries {
		s, ok := p.seen[e.ID]
		if !ok || s.revision != e.Revision {
			s = seenEntry{revision: e.Revision, at: now}
		}
		next[e.ID] = s
	}
	p.seen = next
}

// silent returns the members whose entries have not changed for a TTL,
// with the revision they are at, when this member can judge: its own
// refreshes have worked for at least a TTL (the store was up, so the
// others could refresh too), and its watch shows them (it is not behind).
func (p *kvProvider) silent() map[string]uint64 {
	p.live.Lock()
	defer p.live.Unlock()
	ttl, now := p.members.TTL(), time.Now()
	if p.okSince.IsZero() || now.Sub(p.okSince) < ttl {
		return nil
	}
	if self, ok := p.seen[p.id]; !ok || now.Sub(self.at) > 2*ttl/3 {
		return nil
	}
	var out map[string]uint64
	for id, s := range p.seen {
		if id != p.id && now.Sub(s.at) > ttl {
			if out == nil {
				out = map[string]uint64{}
			}
			out[id] = s.revision
		}
	}
	return out
}

// dropSilent removes the entries of members that stopped refreshing
// (docs/ARCHITECTURE.md, "Membership"); every member's watch then drops
// them. Several members may try at once: the first removes the entry, and
// none removes one written again meanwhile.
func (p *kvProvider) dropSilent(ctx context.Context) {
	for id, rev := range p.silent() {
		dctx, cancel := context.WithTimeout(ctx, opTimeout)
		err := p.members.Drop(dctx, id, rev)
		cancel()
		if err != nil {
			p.logger.Info("a silent member was not removed", slog.String("member", id), slog.Any("error", err))
			continue
		}
		p.logger.Warn("removed a member that stopped refreshing its entry", slog.String("member", id),
			slog.Duration("ttl", p.members.TTL()))
	}
}

// update turns the registered members into the cluster topology.
func (p *kvProvider) update(entries []store.MemberEntry) {
	if p.id != "" {
		p.see(entries)
	}
	members := make(pcluster.Members, 0, len(entries))
	self := p.id == ""
	for _, e := range entries {
		var a announcement
		if err := json.Unmarshal(e.Value, &a); err != nil || a.Host == "" || a.Port <= 0 {
			p.logger.Warn("member entry ignored: not an announcement", slog.String("member", e.ID), slog.Any("error", err))
			continue
		}
		self = self || e.ID == p.id
		members = append(members, &pcluster.Member{Id: e.ID, Host: a.Host, Port: int32(a.Port), Kinds: a.Kinds})
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.stopped {
		return
	}
	if !self {
		p.confirmLost()
		return
	}
	p.logChanges(members)
	p.view.apply(p.c, members)
}

// confirmLost asks the store whether this member's entry is gone, when a
// watch shows the members without it. Only the store's leader can say: a
// watch may be served by a replica still catching up, which misses a
// member that registered a moment ago. A refresh is judged by the leader:
// if it works, the view lagged and is not applied (the next one will have
// this member); if the entry expired (the heartbeat could not refresh it
// in time), the others have dropped this member already.
func (p *kvProvider) confirmLost() {
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	switch err := p.refresh(ctx); {
	case err == nil:
		p.logger.Info("a members view without this member was stale; it is registered", slog.String("member", p.id))
	case errors.Is(err, store.ErrMemberExpired):
		p.markLost(fmt.Errorf("member %s: %w", p.id, err))
	default:
		p.logger.Warn("a members view lacks this member and the store cannot confirm it; the heartbeat will tell",
			slog.String("member", p.id), slog.Any("error", err))
	}
}

// logChanges logs the members that joined and left since the last update.
func (p *kvProvider) logChanges(members pcluster.Members) {
	now := make(map[string]string, len(members))
	for _, m := range members {
		now[m.Id] = m.Address()
		if _, ok := p.known[m.Id]; !ok && p.known != nil {
			p.logger.Info("member joined", slog.String("member", m.Id), slog.String("address", m.Address()))
		}
	}
	for id, addr := range p.known {
		if _, ok := now[id]; !ok {
			p.logger.Info("member left", slog.String("member", id), slog.String("address", addr))
		}
	}
	if p.known == nil {
		p.logger.Info("cluster members", slog.Int("count", len(now)))
	}
	p.known = now
}

func (p *kvProvider) markLost(err error) {
	p.lost.Do(func() {
		p.logger.Error("this member was dropped from the cluster", slog.String("member", p.id), slog.Any("error", err))
		if p.onLost != nil {
			go p.onLost(err)
		}
	})
}
