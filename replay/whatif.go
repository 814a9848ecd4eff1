package replay

import (
	"context"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// MaxWhatIfQueries bounds the queries one WhatIf asks on its result.
const MaxWhatIfQueries = 16

// WhatIf answers what tx would do to g, storing nothing and leaving g as
// it is (docs/ARCHITECTURE.md, "What-if"): it judges tx as a submit on g
// would (the expected version, the graph's rules), applies it to a copy
// of g, and answers the changes, the version tx would get and the queries
// on the resulting state, each within b. The caller has settled what a
// submit settles first: that g is the graph's latest state, and that tx's
// ID is not one g committed already. tx is not modified.
//
// A transaction the rules refuse is an error wrapping graph.ErrRejected
// (an *graph.EventError names the event), one expecting another version
// store.ErrConflict, as a submit's would be. A query that fails does not
// fail the others: its reply carries its error.
func WhatIf(ctx context.Context, g *graph.Graph, tx *messages.Transaction, queries []*messages.Query, b Bounds) (*messages.WhatIfResult, error) {
	if err := checkWhatIfQueries(queries); err != nil {
		return nil, err
	}
	if tx.ExpectedVersion != nil && tx.GetExpectedVersion() != g.Version() {
		return nil, fmt.Errorf("%w: expected version %d, graph %s is at version %d", store.ErrConflict, tx.GetExpectedVersion(), g.ID(), g.Version())
	}
	if err := g.Check(tx.GetEvents()); err != nil {
		return nil, err
	}
	stamped := proto.CloneOf(tx)
	if err := store.Stamp(stamped, store.Head{Version: g.Version(), Sequence: g.Sequence()}); err != nil {
		return nil, err
	}
	after := g.Clone()
	capture := after.Capture(stamped.GetEvents())
	if err := after.Apply(stamped); err != nil {
		// Check passed on the same state: Apply cannot refuse.
		return nil, fmt.Errorf("transaction passed the rules but did not apply to a copy of graph %s: %w", g.ID(), err)
	}
	res := &messages.WhatIfResult{Version: after.Version(), Changes: after.ChangesSince(capture)}
	res.Answers = answerAll(ctx, after, queries, b)
	return res, nil
}

// WhatIfCommitted answers a what-if of a transaction g committed already,
// at version: a submit would change nothing, so the answer has no changes
// and its queries read g as it is.
func WhatIfCommitted(ctx context.Context, g *graph.Graph, version uint64, queries []*messages.Query, b Bounds) (*messages.WhatIfResult, error) {
	if err := checkWhatIfQueries(queries); err != nil {
		return nil, err
	}
	return &messages.WhatIfResult{Version: version, Committed: true, Changes: &messages.GraphDiff{}, Answers: answerAll(ctx, g, queries, b)}, nil
}

// checkWhatIfQueries refuses more queries than a what-if answers, and
// queries that are not reads.
func checkWhatIfQueries(queries []*messages.Query) error {
	if len(queries) > MaxWhatIfQueries {
		return fmt.Errorf("%w: %d queries on a what-if's result; ask at most %d", graph.ErrInvalidArgument, len(queries), MaxWhatIfQueries)
	}
	for i, q := range queries {
		if _, nested := q.GetQuery().(*messages.Query_WhatIf); nested || q.GetQuery() == nil {
			return fmt.Errorf("%w: query %d of a what-if is %s; ask reads of the resulting state (a what-if of a what-if is one transaction with both's events)",
				graph.ErrInvalidArgument, i, queryName(q))
		}
	}
	return nil
}

// answerAll answers each query on g, an error as its reply.
func answerAll(ctx context.Context, g *graph.Graph, queries []*messages.Query, b Bounds) []*messages.QueryReply {
	var out []*messages.QueryReply
	for _, q := range queries {
		reply, err := Answer(ctx, g, q, b)
		if err != nil {
			reply = &messages.QueryReply{Error: ErrorToReply(err), Version: g.Version()}
		}
		out = append(out, reply)
	}
	return out
}

// queryName names a query's kind for errors.
func queryName(q *messages.Query) string {
	if q.GetQuery() == nil {
		return "empty"
	}
	return string(q.ProtoReflect().WhichOneof(q.ProtoReflect().Descriptor().Oneofs().ByName("query")).Name())
}
