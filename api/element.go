package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// elementHistory serves the history of a node (edge false) or an edge
// (docs/ARCHITECTURE.md, "Element history"): the element's trail from its
// graph's grain (or a replay, as of a version or time), then the
// transactions it names, read from the log by sequence, and the element
// before the page, from the state as of the page's start.
func (s *server) elementHistory(edge bool) func(http.ResponseWriter, *http.Request) error {
	kind := "node"
	if edge {
		kind = "edge"
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		graphID, err := graphParam(r)
		if err != nil {
			return err
		}
		p := r.URL.Query()
		p.Set(kind, r.PathValue(kind))
		id, err := elementIDParam(p, kind, kind)
		if err != nil {
			return err
		}
		after, err := uintParam(r, "after")
		if err != nil {
			return err
		}
		limit := replay.DefaultHistoryLimit
		if p.Get("limit") != "" {
			n, err := strconv.Atoi(p.Get("limit"))
			if err != nil || n < 1 || n > replay.MaxHistoryLimit {
				return fmt.Errorf("%w: limit is %q; use a whole number from 1 to %d", ErrInvalidRequest, clip(p.Get("limit")), replay.MaxHistoryLimit)
			}
			limit = n
		}
		logs, ok := s.opts.Log.(store.SequenceReader)
		if !ok {
			return fmt.Errorf("%w: this node does not read histories from the log", errNotServed)
		}
		reply, err := s.ask(r, graphID, &messages.Query{Query: &messages.Query_History{History: &messages.GetHistory{
			Edge: edge, Id: id, AfterVersion: after, Limit: uint32(limit)}}})
		if err != nil {
			return err
		}
		page := reply.GetHistory()
		if page == nil {
			return unexpected(reply, "a history")
		}
		out := ElementHistory{Graph: graphID, Version: replyVersion(reply), Kind: kind, ID: id, Changes: []ElementVersion{}}
		if page.GetMore() && len(page.GetVersions()) > 0 {
			out.NextAfter = page.GetVersions()[len(page.GetVersions())-1]
		}
		if len(page.GetVersions()) == 0 {
			return writeJSON(w, http.StatusOK, out)
		}

		// The transactions, one read per message (a group commit puts
		// several versions in one).
		seqs := slices.Compact(slices.Clone(page.GetSequences()))
		msgs, err := logs.ReadAt(r.Context(), graphID, seqs)
		if err != nil {
			return err
		}
		byVersion := map[uint64]*messages.Transaction{}
		for _, txs := range msgs {
			for _, tx := range txs {
				byVersion[tx.GetVersion()] = tx
			}
		}
		st, err := s.elementAt(r, graphID, edge, id, after)
		if err != nil {
			return err
		}
		for _, v := range page.GetVersions() {
			tx, ok := byVersion[v]
			if !ok {
				return fmt.Errorf("the log holds no transaction of graph %s at version %d, which the trail of %s %q names", graphID, v, kind, id)
			}
			step := replay.StepElement(edge, id, st, tx)
			st = step.After
			shown := step.After
			if !shown.Exists {
				shown = step.Before
			}
			ev := ElementVersion{Version: v, Sequence: tx.GetSequence(), RecordedAt: timeJSON(tx.GetRecordedAt()),
				TransactionID: tx.GetTransactionId(), Change: step.Change, Type: shown.Type, Source: shown.Source, Target: shown.Target,
				Properties: propertyChangesJSON(step.Properties)}
			if evs := tx.GetEvents(); len(evs) > 0 {
				ev.Metadata = metadataJSON(evs[0].GetMetadata())
			}
			out.Changes = append(out.Changes, ev)
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// elementAt is the element as of version v (0: before the graph began).
func (s *server) elementAt(r *http.Request, graphID string, edge bool, id string, v uint64) (replay.ElementState, error) {
	if v == 0 {
		return replay.ElementState{}, nil
	}
	if s.opts.History == nil {
		return replay.ElementState{}, fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	q := &messages.Query{Query: &messages.Query_Node{Node: &messages.GetNode{NodeId: id}}}
	if edge {
		q = &messages.Query{Query: &messages.Query_Edge{Edge: &messages.GetEdge{EdgeId: id}}}
	}
	reply, err := s.opts.History.Query(r.Context(), graphID, Moment{Version: v}, q)
	if err == nil {
		err = replyError(reply.GetError())
	}
	switch {
	case isNotFound(err):
		return replay.ElementState{}, nil
	case err != nil:
		return replay.ElementState{}, err
	case edge:
		return replay.EdgeState(reply.GetEdge()), nil
	}
	return replay.NodeState(reply.GetNode()), nil
}

// uintParam reads an optional whole-number query parameter (0 when absent).
func uintParam(r *http.Request, name string) (uint64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %s is %q; use a whole number", ErrInvalidRequest, name, clip(v))
	}
	return n, nil
}

// isNotFound reports an error of something that does not exist.
func isNotFound(err error) bool {
	return errors.Is(err, graph.ErrNotFound) || errors.Is(err, store.ErrNotFound)
}
