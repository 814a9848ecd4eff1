package store

import "github.com/graphlog/graphlog/messages"

// Assembler groups one graph's committed events, taken in stream order,
// into transactions: consecutive events with the same version form one
// transaction, which is complete when it holds as many events as its first
// event's count. It is pure: every reader of the log (per-graph reads,
// ingress, replay) groups the same events the same way.
//
// A group that ends before it is complete (the version changes, or the
// events run out) is handed over as it is: a malformed stored transaction
// is for graph.Apply to reject as a whole (DESIGN invariant 5), not for the
// reader to mend or drop.
//
// An Assembler is not safe for concurrent use.
type Assembler struct {
	graphID string
	cur     *messages.Transaction
	want    uint32
}

// NewAssembler returns an Assembler for the events of graphID.
func NewAssembler(graphID string) *Assembler {
	return &Assembler{graphID: graphID}
}

// Add takes the next event, whose Sequence and RecordedAt are filled in.
// It returns ended, a transaction cut short by ev's different version, and
// completed, the transaction that ev completes; either or both may be nil.
// When both are set, ended comes first in the log.
func (a *Assembler) Add(ev *messages.Event) (ended, completed *messages.Transaction) {
	if a.cur != nil && a.cur.Version != ev.GetVersion() {
		ended = a.Flush()
	}
	if a.cur == nil {
		a.cur = &messages.Transaction{
			TransactionId: ev.GetTransactionId(),
			GraphId:       a.graphID,
			Version:       ev.GetVersion(),
		}
		a.want = ev.GetCount()
		if a.want > 0 {
			a.cur.Events = make([]*messages.Event, 0, min(a.want, 1024))
		}
	}
	a.cur.Events = append(a.cur.Events, ev)
	a.cur.Sequence = ev.GetSequence()
	a.cur.RecordedAt = ev.GetRecordedAt()
	if uint32(len(a.cur.Events)) == a.want {
		completed = a.Flush()
	}
	return ended, completed
}

// Flush returns the transaction being assembled, complete or not, and
// starts afresh; nil if there is none. Call it when the events run out.
func (a *Assembler) Flush() *messages.Transaction {
	tx := a.cur
	a.cur, a.want = nil, 0
	return tx
}

// Pending reports whether a transaction is being assembled.
func (a *Assembler) Pending() bool { return a.cur != nil }
