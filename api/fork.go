package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/nats-io/nuid"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Forker gives the state of a graph at a moment and the CID of its
// canonical encoding there (graph.Encode), for forks. The node's History
// implements it.
type Forker interface {
	StateAt(ctx context.Context, graphID string, m Moment) (state *messages.GraphState, cid string, err error)
}

var forkFields = []string{"into", "version", "as_of", "transaction_id", "metadata"}

// fork handles POST /v1/graphs/{graph}/fork (docs/ARCHITECTURE.md,
// "Forks"): the new graph's first transaction adds the source's nodes and
// edges as they were at the moment asked, and names the source, its
// version and the CID of its state there. It expects the new graph to
// have no events, so a fork never lands on a graph that exists.
func (s *server) fork(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	top, err := object(body, "request body", forkFields)
	if err != nil {
		return err
	}
	var req ForkRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidRequest, err)
	}
	if err := graph.ValidateGraphID(req.Into); err != nil {
		return fmt.Errorf("into: %w", err)
	}
	if req.Into == graphID {
		return fmt.Errorf("%w: into is the graph forked; name a new graph", ErrInvalidRequest)
	}
	var m Moment
	switch {
	case req.Version != 0 && req.AsOf != "":
		return fmt.Errorf("%w: give version or as_of, not both", ErrInvalidRequest)
	case req.Version != 0:
		m.Version = req.Version
	case req.AsOf != "":
		t, err := parseTime(req.AsOf)
		if err != nil {
			return fmt.Errorf("%w: as_of is %q; use an RFC 3339 time such as 2026-01-02T15:04:05Z", ErrInvalidRequest, clip(req.AsOf))
		}
		m.Time = pastTime(t)
	}
	if req.TransactionID != "" {
		if err := checkTransactionID(req.TransactionID); err != nil {
			return err
		}
	} else {
		req.TransactionID = nuid.Next()
	}
	md, err := decodeMetadata(top)
	if err != nil {
		return err
	}
	forker, ok := s.opts.History.(Forker)
	if !ok || s.opts.Graphs == nil {
		return fmt.Errorf("%w: this node does not fork graphs", errNotServed)
	}
	if m.isZero() {
		// The present: the grain's latest version, then that version.
		reply, err := s.query(r.Context(), graphID, &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}})
		if err != nil {
			return err
		}
		m.Version = replyVersion(reply)
	}
	state, cid, err := forker.StateAt(r.Context(), graphID, m)
	if err != nil {
		return err
	}
	var meta *messages.Metadata
	if md != nil {
		meta = &messages.Metadata{CorrelationId: md.CorrelationID, CausationId: md.CausationID, Author: md.Author}
	}
	from := &messages.Lineage{GraphId: graphID, Version: state.GetVersion(), Cid: cid}
	txs, err := forkCopy(req.Into, req.TransactionID, state, from, meta, s.maxEvents, s.opts.MaxTransactionBytes)
	if err != nil {
		return err
	}
	var reply *messages.SubmitReply
	for i, tx := range txs {
		stampCorrelation(tx, requestInfoFrom(r.Context()).correlationID)
		reply, err = s.opts.Graphs.Submit(r.Context(), tx)
		if err == nil {
			err = replyError(reply.GetError())
		}
		if err != nil && i > 0 {
			return fmt.Errorf("the fork stopped after %d of its %d transactions: %w; send the same request with transaction_id %q to finish it",
				i, len(txs), err, req.TransactionID)
		}
		if err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusOK, ForkResult{Graph: req.Into, Version: reply.GetVersion(), Sequence: reply.GetSequence(),
		Events: len(state.GetNodes()) + len(state.GetEdges()), ForkedFrom: *LineageJSON(txs[0].GetForkedFrom())})
}
