package actors

import (
	"context"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
)

// query answers a read of the grain's current state.
func (a *grain) query(m *messages.Query) *messages.QueryReply {
	reply, err := replay.Answer(context.Background(), a.g, m, a.cfg.Algorithms)
	if err != nil {
		return &messages.QueryReply{Error: replay.ErrorToReply(err), Version: a.g.Version(), Sequence: a.g.Sequence()}
	}
	return reply
}
