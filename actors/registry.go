package actors

import (
	"context"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/graphlog/graphlog/messages"
)

// Registry knows the grains active on one member, least recently used
// last. With a limit it keeps the member within it: each activation past
// the limit asks the least recently used grain to passivate (snapshot and
// stop). It also passivates the grains idle for the idle timeout
// (RunIdleSweeps): the least recently used are the idle ones, so one
// sweep per member replaces a timer per grain (docs/ARCHITECTURE.md,
// "Memory follows the active set"). A graceful shutdown passivates every grain it
// knows: stopping the actor system alone would drop them without a word.
type Registry struct {
	limit int
	mu    sync.Mutex
	// used is the sentinel of a circular list of the grains that are not
	// leaving, most recently used next to it.
	used lruEntry
	// inUse counts the grains of used; leaving those asked to passivate.
	inUse, leaving int
	evicted        func()
}

// lruEntry is one grain's place in the registry. The grain holds it, so
// the registry keeps no map: a few words per grain.
type lruEntry struct {
	prev, next *lruEntry
	pid        *actor.PID
	used       int64 // when last used, Unix nanoseconds
}

// evict asks a grain to passivate: it was idle for the idle timeout, or
// the member is at its limit of active graphs. It is local: the registry
// and its grains share a member.
type evict struct{ idle bool }

// NewRegistry returns an empty registry that keeps at most limit grains
// active (0: no limit); evicted, if set, is called for each grain it asks
// to passivate.
func NewRegistry(limit int, evicted func()) *Registry {
	r := &Registry{limit: max(limit, 0), evicted: evicted}
	r.used.prev, r.used.next = &r.used, &r.used
	return r
}

// add registers a grain that is activating, as the most recently used,
// and asks the least recently used ones to passivate while the member is
// over its limit. It returns the grain's entry.
func (r *Registry) add(sender actor.SenderContext, pid *actor.PID) *lruEntry {
	if r == nil {
		return nil
	}
	e := &lruEntry{pid: pid, used: time.Now().UnixNano()}
	var victims []*actor.PID
	r.mu.Lock()
	r.pushFront(e)
	r.inUse++
	for r.limit > 0 && r.inUse > r.limit {
		last := r.used.prev
		r.unlink(last)
		r.inUse--
		r.leaving++
		last.prev = last // marks it leaving (see remove)
		victims = append(victims, last.pid)
	}
	r.mu.Unlock()
	for _, v := range victims {
		sender.Send(v, evict{})
		if r.evicted != nil {
			r.evicted()
		}
	}
	return e
}

// touch makes a grain the most recently used.
func (r *Registry) touch(e *lruEntry) {
	if r == nil || e == nil {
		return
	}
	now := time.Now().UnixNano()
	r.mu.Lock()
	if e.prev != e { // not leaving
		e.used = now
		r.unlink(e)
		r.pushFront(e)
	}
	r.mu.Unlock()
}

// RunIdleSweeps asks the grains unused for idle to passivate, looking
// every idle/4 (at least every 10 s), until ctx ends.
func (r *Registry) RunIdleSweeps(ctx context.Context, sender actor.SenderContext, idle time.Duration) {
	if r == nil || idle <= 0 {
		return
	}
	t := time.NewTicker(min(max(idle/4, time.Millisecond), 10*time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.sweep(sender, idle)
		}
	}
}

// sweep asks the grains unused for idle to passivate: they are the least
// recently used, at the end of the list.
func (r *Registry) sweep(sender actor.SenderContext, idle time.Duration) {
	cutoff := time.Now().Add(-idle).UnixNano()
	var victims []*actor.PID
	r.mu.Lock()
	for last := r.used.prev; last != &r.used && last.used <= cutoff; last = r.used.prev {
		r.unlink(last)
		r.inUse--
		r.leaving++
		last.prev = last // marks it leaving
		victims = append(victims, last.pid)
	}
	r.mu.Unlock()
	for _, v := range victims {
		sender.Send(v, evict{idle: true})
	}
}

// remove forgets a grain that stopped.
func (r *Registry) remove(e *lruEntry) {
	if r == nil || e == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.prev == e {
		r.leaving--
	} else {
		r.unlink(e)
		r.inUse--
	}
	e.prev, e.next = nil, nil
}

// Len is how many grains are registered, those leaving included.
func (r *Registry) Len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inUse + r.leaving
}

func (r *Registry) pushFront(e *lruEntry) {
	e.prev, e.next = &r.used, r.used.next
	r.used.next.prev = e
	r.used.next = e
}

func (r *Registry) unlink(e *lruEntry) {
	e.prev.next, e.next.prev = e.next, e.prev
}

// PassivateAll asks every registered grain that is not leaving already to
// passivate and waits for them, up to ctx's deadline.
func (r *Registry) PassivateAll(ctx context.Context, root *actor.RootContext) {
	r.mu.Lock()
	pids := make([]*actor.PID, 0, r.inUse)
	for e := r.used.next; e != &r.used; e = e.next {
		pids = append(pids, e.pid)
	}
	r.mu.Unlock()
	timeout := 30 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	futures := make([]*actor.Future, 0, len(pids))
	for _, pid := range pids {
		futures = append(futures, root.RequestFuture(pid, &messages.Passivate{}, timeout))
	}
	for _, f := range futures {
		_, _ = f.Result() // a grain that does not answer in time is dropped: the log has its state
	}
}
