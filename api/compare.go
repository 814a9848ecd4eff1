package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/graphlog/graphlog/internal/answerdiff"
	"github.com/graphlog/graphlog/messages"
)

// compareParams are the parameters of a comparison that are not its
// read's.
var compareParams = []string{"query", "before", "after", "answers", "as_of", "version"}

// compare handles GET .../compare?query=q&before=X[&after=Y]
// [&answers=true][&params of q] (docs/ARCHITECTURE.md, "How an answer
// changed"): q is a read or an algorithm as a what-if names them; before
// is a version or a time, after one too or the present by default. (Not
// from and to: shortest paths take those.)
func (s *server) compare(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for _, name := range []string{"as_of", "version"} {
		if q.Has(name) {
			return fmt.Errorf("%w: a comparison reads two moments, before and after; it takes no %s", ErrInvalidRequest, name)
		}
	}
	var before, after Moment
	for _, m := range []struct {
		name string
		at   *Moment
	}{{"before", &before}, {"after", &after}} {
		if v := q.Get(m.name); v != "" {
			if *m.at, err = parseMoment(m.name, v); err != nil {
				return err
			}
		}
	}
	if before.isZero() {
		return fmt.Errorf("%w: give before, the version or time to compare with (after is the present unless given)", ErrInvalidRequest)
	}
	withAnswers, err := boolParam(r, "answers")
	if err != nil {
		return err
	}
	name := q.Get("query")
	params := url.Values{}
	for k, vs := range q {
		if !slices.Contains(compareParams, k) {
			params[k] = vs
		}
	}
	rd, err := namedRead(name, params)
	if err != nil {
		return err
	}
	query, err := rd.query(params)
	if err != nil {
		return err
	}
	out := Comparison{Graph: graphID, Query: name}
	var answers [2]any
	for i, at := range []struct {
		m       Moment
		version *uint64
		what    string
	}{{before, &out.BeforeVersion, "before"}, {after, &out.AfterVersion, "after"}} {
		answers[i], *at.version, err = s.answerAt(r.Context(), graphID, at.m, rd, params, query)
		if err != nil {
			return fmt.Errorf("the answer at %s: %w", at.what, err)
		}
	}
	out.Changes, out.Changed = answerdiff.Between(answers[0], answers[1])
	if withAnswers {
		out.Before, out.After = answers[0], answers[1]
	}
	return writeJSON(w, http.StatusOK, out)
}

// answerAt is rd's answer at m as answerdiff compares it (decoded JSON,
// without the graph and version every answer names), and the version it
// was read at.
func (s *server) answerAt(ctx context.Context, graphID string, m Moment, rd *read, params url.Values, q *messages.Query) (any, uint64, error) {
	reply, err := s.askAt(ctx, graphID, m, q)
	if err != nil {
		return nil, 0, err
	}
	answer, err := rd.answer(graphID, params, reply)
	if err != nil {
		return nil, 0, err
	}
	data, err := json.Marshal(answer)
	if err != nil {
		return nil, 0, err
	}
	v, err := answerdiff.Decode(data)
	if err != nil {
		return nil, 0, err
	}
	if top, ok := v.(map[string]any); ok {
		delete(top, "graph")
		delete(top, "version")
	}
	return v, replyVersion(reply), nil
}

// askAt answers a read of graphID at m: the present (the zero Moment)
// from the grain, the past from a replay beside it.
func (s *server) askAt(ctx context.Context, graphID string, m Moment, q *messages.Query) (*messages.QueryReply, error) {
	if m.isZero() {
		return s.query(ctx, graphID, q)
	}
	if s.opts.History == nil {
		return nil, fmt.Errorf("%w: this node does not serve history", errNotServed)
	}
	return s.opts.History.Query(ctx, graphID, m, q)
}
