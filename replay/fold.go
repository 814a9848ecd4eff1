package replay

import (
	"context"
	"errors"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// FoldResult counts what a fold did with the transactions it read.
type FoldResult struct {
	Applied    int // applied with changes
	Rejected   int // failed the graph's rules: applied as no-ops, version kept
	Duplicates int // at or below the graph's version: skipped
	OutOfOrder int // above the next version: the log itself has a gap
	Corrupt    int // undecodable messages, skipped
	// Events counts the events of the transactions applied or rejected:
	// those that moved the graph's version.
	Events int
	// LastSequence is the stream sequence of the last message read, a
	// transaction's or an undecodable one's (0 if none). Appends state it
	// as the graph's last sequence: an undecodable message still occupies
	// the graph's subjects.
	LastSequence uint64
}

// Fold brings g up to date with the log: it reads g's graph's transactions
// after stream sequence after (at least g.Sequence()) and applies them in order, stopping before the first
// one for which stop returns true (nil: read to the end). It is the one
// replay loop of the project: activation, gap repair and, with a stop,
// replays to a past version or time all use it.
//
// Problems that belong to a single stored transaction (rejected by the
// rules, out of order, undecodable) do not stop the fold; each is passed to
// onIssue (which may be nil) and counted. Only a failure to read the log is
// returned, with g holding everything applied before it.
func Fold(ctx context.Context, log store.Reader, g *graph.Graph, after uint64, stop func(*messages.Transaction) bool, onIssue func(*messages.Transaction, error)) (FoldResult, error) {
	var res FoldResult
	after = max(after, g.Sequence())
	report := func(tx *messages.Transaction, err error) {
		if onIssue != nil {
			onIssue(tx, err)
		}
	}
	for tx, err := range log.Read(ctx, g.ID(), after) {
		if err != nil {
			var corrupt *store.CorruptError
			if errors.As(err, &corrupt) {
				res.LastSequence = max(res.LastSequence, corrupt.Sequence)
			}
			if errors.Is(err, store.ErrCorrupt) {
				res.Corrupt++
				report(nil, err)
				continue
			}
			return res, err
		}
		if stop != nil && stop(tx) {
			break
		}
		res.LastSequence = max(res.LastSequence, tx.GetSequence())
		switch err := ApplyCommitted(g, tx); {
		case err == nil:
			res.Applied++
			res.Events += len(tx.GetEvents())
		case errors.Is(err, errDuplicate):
			res.Duplicates++
		case errors.Is(err, graph.ErrOutOfOrder):
			res.OutOfOrder++
			report(tx, err)
		default:
			res.Rejected++
			res.Events += len(tx.GetEvents())
			report(tx, err)
		}
	}
	return res, nil
}

// Re-reads of the log when a read shows a gap in a graph's versions.
const (
	gapRereads   = 3
	gapRereadGap = 200 * time.Millisecond // times the attempt
)

// FoldThroughGaps is Fold that first takes a gap in the versions read (a
// transaction beyond the next version) for a stale read: every replica of
// a stream answers direct gets, and one still catching up can miss
// transactions that the log has. The read stops before the gap and is
// tried again a little later (onReread, if not nil, is told); a gap still
// there after gapRereads tries is a write past the normal path, which Fold
// skips and reports. The result adds up the reads.
func FoldThroughGaps(ctx context.Context, log store.Reader, g *graph.Graph, after uint64, stop func(*messages.Transaction) bool,
	onIssue func(*messages.Transaction, error), onReread func(attempt int)) (FoldResult, error) {
	var total FoldResult
	for attempt := 1; ; attempt++ {
		gap := false
		stopAtGap := func(tx *messages.Transaction) bool {
			if stop != nil && stop(tx) {
				return true
			}
			gap = attempt <= gapRereads && tx.GetVersion() > g.Version()+1
			return gap
		}
		res, err := Fold(ctx, log, g, after, stopAtGap, onIssue)
		total.add(res)
		after = max(after, res.LastSequence)
		if err != nil || !gap {
			return total, err
		}
		if onReread != nil {
			onReread(attempt)
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(time.Duration(attempt) * gapRereadGap):
		}
	}
}

func (r *FoldResult) add(o FoldResult) {
	r.Applied += o.Applied
	r.Rejected += o.Rejected
	r.Duplicates += o.Duplicates
	r.OutOfOrder += o.OutOfOrder
	r.Corrupt += o.Corrupt
	r.Events += o.Events
	r.LastSequence = max(r.LastSequence, o.LastSequence)
}

var errDuplicate = errors.New("duplicate: version already applied")

// ApplyCommitted applies a committed transaction to g with the receiver's
// rules of docs/ARCHITECTURE.md, "Versions": a version at or below g's is a
// duplicate
// (errDuplicate, nothing changes); the next version is applied, and if the
// graph's rules reject it, it still takes its version and the returned
// error is a *graph.RejectedError; a higher version is a gap, which the
// caller repairs from the log (graph.ErrOutOfOrder).
func ApplyCommitted(g *graph.Graph, tx *messages.Transaction) error {
	if tx.GetVersion() <= g.Version() {
		return errDuplicate
	}
	return g.Apply(tx)
}
