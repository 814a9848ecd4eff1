package graph

import (
	"github.com/graphlog/graphlog/messages"
)

// Plan is a transaction validated against one state and not yet committed:
// what Prepare computed, kept so that Commit need not compute it again.
// A writer prepares, appends the transaction to the log, and commits the
// plan once the log has accepted it.
type Plan struct {
	base   uint64 // the version the plan was validated at
	events []*messages.Event
	prep   []prepared
	sim    *simulation // the state after the plan, for PrepareAfter
}

// Prepare is Check that keeps its work: on success the plan commits the
// same events at the next version without validating their contents again.
func (g *Graph) Prepare(events []*messages.Event) (*Plan, error) {
	return g.PrepareAfter(nil, events)
}

// PrepareAfter is Prepare against the state that prev and the plans it was
// prepared after leave, as if they were committed (nil prev: the current
// state). So a writer can validate several transactions and append them in
// one round trip (group commit), each judged as it would be alone after
// the others; it commits the plans in order. A plan prepared after one
// that is never committed is stale: Commit then validates again (Apply).
func (g *Graph) PrepareAfter(prev *Plan, events []*messages.Event) (*Plan, error) {
	base := g.version
	var parent *simulation
	if prev != nil {
		base, parent = prev.base+1, prev.sim
	}
	prep, sim, err := g.validateOn(parent, events, nil)
	if err != nil {
		return nil, err
	}
	return &Plan{base: base, events: events, prep: prep, sim: sim}, nil
}

// Commit applies tx, the committed form of a prepared transaction (its
// events may have gained envelope fields since Prepare, nothing else). If the
// state is still the one the plan was prepared on and tx carries exactly
// the plan's events, only the envelope is checked before the fold;
// otherwise Commit is Apply. Either way its result is Apply's: the fold
// stays one function and Commit only skips repeated work.
func (g *Graph) Commit(p *Plan, tx *messages.Transaction) error {
	if p == nil || tx == nil || p.base != g.version || tx.Version != g.version+1 ||
		(tx.GraphId != "" && tx.GraphId != g.id) || !sameEvents(p.events, tx.Events) || tx.ForkedFrom != nil {
		return g.Apply(tx)
	}
	for i, ev := range tx.Events {
		if err := g.checkEnvelope(i, len(tx.Events), ev, tx); err != nil {
			return g.Apply(tx)
		}
	}
	g.version, g.sequence = tx.Version, tx.Sequence
	g.remember(tx, p.prep)
	for i, ev := range tx.Events {
		g.fold(ev, p.prep[i])
	}
	return nil
}

// sameEvents reports whether a and b hold the very same event values.
func sameEvents(a, b []*messages.Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
