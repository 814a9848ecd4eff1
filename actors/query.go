package actors

import (
	"bytes"
	"context"
	"fmt"

	"github.com/asynkron/protoactor-go/actor"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// query answers a read of the grain's current state.
func (a *grain) query(ctx actor.Context, m *messages.Query) *messages.QueryReply {
	if w, ok := m.GetQuery().(*messages.Query_WhatIf); ok {
		return a.whatIf(ctx, w.WhatIf)
	}
	reply, err := replay.Answer(context.Background(), a.g, m, a.cfg.Algorithms)
	if err != nil {
		return &messages.QueryReply{Error: replay.ErrorToReply(err), Version: a.g.Version(), Sequence: a.g.Sequence()}
	}
	return reply
}

// whatIf answers what a transaction would do, judged as its submit would
// be: after the submits queued before it, on the log's latest state when
// it expects another version, and as a resend when the graph committed
// its ID already (docs/ARCHITECTURE.md, "What-if").
func (a *grain) whatIf(ctx actor.Context, w *messages.WhatIf) *messages.QueryReply {
	fail := func(err error) *messages.QueryReply {
		return &messages.QueryReply{Error: replay.ErrorToReply(err), Version: a.g.Version(), Sequence: a.g.Sequence()}
	}
	tx := w.GetTransaction()
	if err := a.checkShape(tx); err != nil {
		return fail(err)
	}
	a.flush(ctx)
	if tx.ExpectedVersion != nil && tx.GetExpectedVersion() != a.g.Version() {
		if err := a.catchUp(); err != nil {
			return fail(err)
		}
	}
	if c, ok := a.g.Remembered(tx.GetTransactionId()); ok {
		if !bytes.Equal(c.Digest, graph.Digest(tx.GetEvents())) {
			return fail(fmt.Errorf("%w: transaction ID %q was committed at version %d with other events; give a new transaction a new ID",
				store.ErrDuplicateTransactionID, tx.GetTransactionId(), c.Version))
		}
		res, err := replay.WhatIfCommitted(context.Background(), a.g, c.Version, w.GetQueries(), a.cfg.Algorithms)
		if err != nil {
			return fail(err)
		}
		return &messages.QueryReply{Version: a.g.Version(), Sequence: a.g.Sequence(), Result: &messages.QueryReply_WhatIf{WhatIf: res}}
	}
	res, err := replay.WhatIf(context.Background(), a.g, tx, w.GetQueries(), a.cfg.Algorithms)
	if err != nil {
		return fail(err)
	}
	return &messages.QueryReply{Version: a.g.Version(), Sequence: a.g.Sequence(), Result: &messages.QueryReply_WhatIf{WhatIf: res}}
}
