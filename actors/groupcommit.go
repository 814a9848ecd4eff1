package actors

import (
	"errors"
	"log/slog"
	"time"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// Group commit. A grain does not append a submit as it arrives: it queues
// it and sends itself a flush, which the mailbox delivers after every
// message already waiting. So the flush finds every submit that arrived
// while the last append was in flight, and appends them in one message, one
// round trip (store.Appender.AppendGroup), each validated after the ones
// before it (graph.PrepareAfter) as if they had been committed. A lone
// submit is a group of one and takes the plain path. Nothing is answered
// before the log acked it (docs/ARCHITECTURE.md, "Durability"); versions
// stay consecutive
// and each transaction keeps its own ID.

// maxGroup bounds the transactions of one group commit.
const maxGroup = 128

// flushSubmits tells a grain to commit the submits it queued.
type flushSubmits struct{}

// queuedSubmit is a submit waiting for its group, with whom to answer.
type queuedSubmit struct {
	tx     *messages.Transaction
	sender *actor.PID
	start  time.Time
}

// enqueue queues a submit and makes sure a flush follows it.
func (a *grain) enqueue(ctx actor.Context, tx *messages.Transaction) {
	a.queue = append(a.queue, queuedSubmit{tx: tx, sender: ctx.Sender(), start: time.Now()})
	if !a.flushScheduled {
		a.flushScheduled = true
		ctx.Send(ctx.Self(), flushSubmits{})
	}
}

// flush commits every queued submit, in groups, and answers each.
func (a *grain) flush(ctx actor.Context) {
	a.flushScheduled = false
	queue := a.queue
	a.queue = nil
	for len(queue) > 0 {
		n := groupLen(queue)
		group := queue[:n]
		queue = queue[n:]
		for i, reply := range a.submitGroup(group) {
			ctx.Send(group[i].sender, reply)
		}
	}
}

// groupLen is how many of the queued submits, from the first, go in one
// group: up to maxGroup, and never one transaction ID twice (the second
// must be judged after the first is committed: it is a resend).
func groupLen(queue []queuedSubmit) int {
	seen := make(map[string]bool, min(len(queue), maxGroup))
	for i, q := range queue {
		id := q.tx.GetTransactionId()
		if i == maxGroup || (id != "" && seen[id]) {
			return i
		}
		seen[id] = true
	}
	return len(queue)
}

// submitGroup commits a group of submits and returns their answers, in
// order. Resends are answered from the graph's memory. The others, from
// the first, go in one append as long as each prepares after the ones
// before it on the grain's state; the first that does not is submitted
// alone (with the catch-ups and retries that judge it on the log's state),
// and the rest form the next group. If the log refuses a group (another
// writer won, the group is too large, its first ID is in the log), its
// transactions are submitted alone instead. Only an append whose outcome
// is unknown answers its group with its error: a resend with the same IDs
// is safe.
func (a *grain) submitGroup(group []queuedSubmit) []*messages.SubmitReply {
	replies := make([]*messages.SubmitReply, len(group))
	if len(group) == 1 {
		replies[0] = a.timedSubmit(group[0])
		return replies
	}
	for next := 0; next < len(group); {
		var (
			txs   []*messages.Transaction
			plans []*graph.Plan
			at    []int // index in group of txs[k]
			prev  *graph.Plan
			stop  = len(group)
		)
		for i := next; i < len(group); i++ {
			tx := group[i].tx
			if c, ok := a.g.Remembered(tx.GetTransactionId()); ok {
				replies[i] = resubmitted(tx, c)
				continue
			}
			if a.checkShape(tx) != nil || (tx.ExpectedVersion != nil && tx.GetExpectedVersion() != a.g.Version()+uint64(len(txs))) {
				stop = i
				break
			}
			plan, err := a.g.PrepareAfter(prev, tx.GetEvents())
			if err != nil {
				stop = i
				break
			}
			txs, plans, at, prev = append(txs, tx), append(plans, plan), append(at, i), plan
		}
		if len(txs) > 0 && !a.appendGroup(group, txs, plans, at, replies) {
			for _, i := range at {
				replies[i] = a.timedSubmit(group[i])
			}
		}
		if stop < len(group) {
			replies[stop] = a.timedSubmit(group[stop])
		}
		next = stop + 1
	}
	return replies
}

// appendGroup appends txs, prepared as plans, in one message and fills in
// their answers. It reports false, having answered none, if the log
// refused the group in a way that each transaction alone may not be.
func (a *grain) appendGroup(group []queuedSubmit, txs []*messages.Transaction, plans []*graph.Plan, at []int, replies []*messages.SubmitReply) bool {
	if len(txs) == 1 {
		return false // the plain path
	}
	ioctx, cancel := a.ioContext()
	a.cfg.Marks.writing(a.id, a.self, true)
	head, err := a.cfg.Log.AppendGroup(ioctx, txs, a.head())
	a.cfg.Marks.writing(a.id, a.self, false)
	cancel()
	switch {
	case err == nil:
		a.committedGroup(group, txs, plans, at, head, replies)
		return true
	case errors.Is(err, store.ErrConflict):
		a.cfg.Metrics.Conflict()
		return false
	case errors.Is(err, store.ErrDuplicate), errors.Is(err, store.ErrTooLarge):
		return false
	}
	for _, i := range at {
		a.debugLog("submit refused", txAttrs(group[i].tx, slog.Any(keyError, err))...)
		replies[i] = &messages.SubmitReply{Error: replay.ErrorToReply(err)}
	}
	return true
}

// committedGroup applies a group the log has stored at head, and fills in
// its answers.
func (a *grain) committedGroup(group []queuedSubmit, txs []*messages.Transaction, plans []*graph.Plan, at []int, head store.Head, replies []*messages.SubmitReply) {
	a.logSeq = head.Sequence
	a.cfg.Marks.set(a.id, a.self, head.Sequence)
	for k, tx := range txs {
		if err := a.g.Commit(plans[k], tx); err != nil {
			// Each plan passed on this very state, so this is a bug; the
			// log stays the truth: rebuild from it rather than serve a
			// guess. The transactions are in the log, so the rebuilt
			// graph remembers them.
			a.logger().Error("appended transaction did not apply; rebuilding from the log", txAttrs(tx, slog.Any(keyError, err))...)
			a.g, a.logSeq, a.snap.events = graph.New(a.id), 0, 0
			if err := a.catchUp(); err != nil {
				for _, i := range at[k:] {
					replies[i] = &messages.SubmitReply{Error: replay.ErrorToReply(err)}
				}
				return
			}
			for _, i := range at[k:] {
				c, _ := a.g.Remembered(group[i].tx.GetTransactionId())
				replies[i] = resubmitted(group[i].tx, c)
			}
			return
		}
		n := len(tx.GetEvents())
		a.changed(n)
		if a.debug() {
			a.debugLog("transaction committed", txAttrs(tx, slog.Uint64(keyVersion, tx.GetVersion()), slog.Int(keyEvents, n), slog.Int("group", len(txs)))...)
		}
		a.cfg.Metrics.Appended(n)
		a.cfg.Metrics.Applied()
		a.cfg.Metrics.ObserveSubmit(time.Since(group[at[k]].start))
		replies[at[k]] = &messages.SubmitReply{Version: tx.GetVersion(), Sequence: head.Sequence, Events: uint32(n)}
	}
}

// timedSubmit is submit, its latency counted from when it was queued.
func (a *grain) timedSubmit(q queuedSubmit) *messages.SubmitReply {
	return a.submit(q.tx, q.start)
}
