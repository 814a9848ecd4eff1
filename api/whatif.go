package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
)

// whatIfFields are the body fields of a dry run: a transaction's, and the
// queries on its result.
var whatIfFields = append(append([]string(nil), transactionFields...), "queries")

// whatIf handles a dry run (docs/ARCHITECTURE.md, "What-if").
func (s *server) whatIf(w http.ResponseWriter, r *http.Request, graphID string, body []byte) error {
	top, err := object(body, "request body", whatIfFields)
	if err != nil {
		return err
	}
	tx, err := decodeTransaction(graphID, top, s.maxEvents)
	if err != nil {
		return err
	}
	stampCorrelation(tx, requestInfoFrom(r.Context()).correlationID)
	asked, err := decodeWhatIfQueries(top)
	if err != nil {
		return err
	}
	q := &messages.WhatIf{Transaction: tx}
	for i, a := range asked {
		m, err := a.read.query(a.params)
		if err != nil {
			return fmt.Errorf("queries[%d]: %w", i, err)
		}
		q.Queries = append(q.Queries, m)
	}
	if s.opts.Graphs == nil {
		return fmt.Errorf("%w: this node has no graphs to ask", errNotServed)
	}
	reply, err := s.opts.Graphs.Query(r.Context(), graphID, &messages.Query{Query: &messages.Query_WhatIf{WhatIf: q}})
	if err != nil {
		return err
	}
	if err := replyError(reply.GetError()); err != nil {
		return err
	}
	res := reply.GetWhatIf()
	if res == nil {
		return unexpected(reply, "a what-if")
	}
	out := WhatIfAnswer{Graph: graphID, BaseVersion: reply.GetVersion(), Version: res.GetVersion(), Committed: res.GetCommitted(),
		Answers: make([]WhatIfResult, len(asked))}
	out.Nodes, out.Edges = DiffJSON(res.GetChanges())
	if len(res.GetAnswers()) != len(asked) {
		return fmt.Errorf("a what-if of %d queries answered %d", len(asked), len(res.GetAnswers()))
	}
	for i, a := range res.GetAnswers() {
		out.Answers[i].Query = asked[i].name
		err := replyError(a.GetError())
		if err == nil {
			out.Answers[i].Answer, err = asked[i].read.answer(graphID, asked[i].params, a)
		}
		if err != nil {
			_, code := classify(err)
			out.Answers[i].Error = &ErrorResponse{Error: errorMessage(err, code, requestInfoFrom(r.Context()).requestID), Code: code}
		}
	}
	return writeJSON(w, http.StatusOK, out)
}

// askedRead is a what-if's query, decoded.
type askedRead struct {
	name   string
	read   *read
	params url.Values
}

func decodeWhatIfQueries(top map[string]json.RawMessage) ([]askedRead, error) {
	raw, ok := present(top, "queries")
	if !ok {
		return nil, nil
	}
	var qs []json.RawMessage
	if err := json.Unmarshal(raw, &qs); err != nil {
		return nil, fmt.Errorf("%w: queries must be a list of query objects (it is %s)", ErrInvalidRequest, kind(raw))
	}
	if len(qs) > replay.MaxWhatIfQueries {
		return nil, fmt.Errorf("%w: %d queries; a what-if asks at most %d", ErrInvalidRequest, len(qs), replay.MaxWhatIfQueries)
	}
	out := make([]askedRead, len(qs))
	for i, raw := range qs {
		at := fmt.Sprintf("queries[%d]", i)
		fields, err := object(raw, at, []string{"query", "params"})
		if err != nil {
			return nil, err
		}
		name, err := stringField(fields, at, "query")
		if err != nil {
			return nil, err
		}
		params := url.Values{}
		if raw, ok := present(fields, "params"); ok {
			var m map[string]string
			if err := json.Unmarshal(raw, &m); err != nil {
				return nil, fmt.Errorf("%w: %s.params must be an object of strings, as a query string gives them (it is %s)", ErrInvalidRequest, at, kind(raw))
			}
			for k, v := range m {
				params.Set(k, v)
			}
		}
		rd, err := namedRead(name, params)
		if err != nil {
			return nil, fmt.Errorf("%s.query: %w", at, err)
		}
		out[i] = askedRead{name: name, read: rd, params: params}
	}
	return out, nil
}

// namedRead is the read a what-if or a comparison names: one of reads,
// or an algorithm of the library as its route names it, which params
// then names for the algorithm read.
func namedRead(name string, params url.Values) (*read, error) {
	rd, ok := reads[name]
	switch {
	case name == "" || name == algorithmRead.name:
		return nil, fmt.Errorf("%w: the query is %q; name a read (graph, node, edge, neighbors, shortest-path, components, topological-order) or an algorithm of GET /v1/algorithms",
			ErrInvalidRequest, clip(name))
	case !ok:
		rd = algorithmRead
		params.Set("algorithm", name)
	}
	return rd, nil
}

// boolParam reads an optional true/false query parameter.
func boolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("%w: %s is %q; use true or false", ErrInvalidRequest, name, clip(v))
	}
	return b, nil
}
