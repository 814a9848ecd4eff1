package actors

import "github.com/graphlog/graphlog/store"

// recentCapacity is how many of a graph's latest transaction IDs a grain
// remembers to answer a resubmitted transaction.
const recentCapacity = 1024

// committed is what a grain remembers of a committed transaction: enough
// to answer its submit again.
type committed struct {
	head   store.Head
	events int
}

// recentTxs remembers the IDs of a graph's latest committed transactions,
// oldest forgotten first, so that a client that resubmits a transaction
// it got no answer for (the member died, the reply was lost) learns the
// version it got instead of applying it twice. It covers the transactions
// this activation saw: those it committed, received or read from the log
// after its snapshot.
type recentTxs struct {
	byID  map[string]committed
	order []string // ring of IDs, next at order[next]
	next  int
}

func (r *recentTxs) add(id string, c committed) {
	if id == "" {
		return
	}
	if r.byID == nil {
		r.byID = make(map[string]committed, 64)
	}
	if _, ok := r.byID[id]; ok {
		return
	}
	if len(r.order) < recentCapacity {
		r.order = append(r.order, id)
	} else {
		delete(r.byID, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % recentCapacity
	}
	r.byID[id] = c
}

func (r *recentTxs) lookup(id string) (committed, bool) {
	if id == "" {
		return committed{}, false
	}
	c, ok := r.byID[id]
	return c, ok
}
