package api

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// query asks graphID's grain q and turns every kind of failure into an
// error: a transport error, a reply's error value, and a graph that has no
// events (version 0), which does not exist as far as clients can tell.
func (s *server) query(ctx context.Context, graphID string, q *messages.Query) (*messages.QueryReply, error) {
	if s.opts.Graphs == nil {
		return nil, fmt.Errorf("%w: this node has no graphs to query", errNotServed)
	}
	reply, err := s.opts.Graphs.Query(ctx, graphID, q)
	if err != nil {
		return nil, err
	}
	if reply == nil {
		return nil, errors.New("query returned neither a reply nor an error")
	}
	if err := replyError(reply.GetError()); err != nil {
		return nil, err
	}
	if replyVersion(reply) == 0 {
		return nil, graphNotFound(graphID)
	}
	return reply, nil
}

func replyVersion(reply *messages.QueryReply) uint64 {
	if v := reply.GetVersion(); v != 0 {
		return v
	}
	return reply.GetGraph().GetVersion()
}

func graphNotFound(graphID string) error {
	return fmt.Errorf("%w: graph %q has no events; create it by POSTing a transaction to /v1/graphs/%s/transactions",
		store.ErrNotFound, graphID, graphID)
}

// graphParam is the validated {graph} path value.
func graphParam(r *http.Request) (string, error) {
	id := r.PathValue("graph")
	return id, graph.ValidateGraphID(id)
}

// elementParam is a validated {node} or {edge} path value (already
// URL-decoded by the mux, so IDs with '/' or spaces are reachable encoded).
func elementParam(r *http.Request, name string) (string, error) {
	id := r.PathValue(name)
	if err := graph.ValidateElementID(name, id); err != nil {
		return "", fmt.Errorf("path: %w", err)
	}
	return id, nil
}

// unexpected reports a reply that holds a different result than asked for.
func unexpected(reply *messages.QueryReply, want string) error {
	return fmt.Errorf("query for %s answered with %T", want, reply.GetResult())
}

func (s *server) listGraphs(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	after, prefix := q.Get("after"), q.Get("prefix")
	if after != "" {
		if err := graph.ValidateGraphID(after); err != nil {
			return fmt.Errorf("after: %w", err)
		}
	}
	if prefix != "" {
		// A prefix of a graph ID is itself a valid graph ID.
		if err := graph.ValidateGraphID(prefix); err != nil {
			return fmt.Errorf("prefix: %w", err)
		}
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	if s.opts.Lister == nil {
		return fmt.Errorf("%w: this node does not list graphs", errNotServed)
	}
	// One more than asked tells whether there is a next page.
	ids, err := s.opts.Lister.ListGraphs(r.Context(), prefix, after, limit+1)
	if err != nil {
		return err
	}
	out := GraphList{Graphs: nonNil(ids)}
	if len(ids) > limit {
		out.Graphs = ids[:limit]
		out.Next = ids[limit-1]
	}
	switch d := q.Get("detail"); d {
	case "":
	case "head":
		if out.Heads, err = s.heads(r.Context(), out.Graphs); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: detail is %q; use head (or leave it out)", ErrInvalidRequest, clip(d))
	}
	return writeJSON(w, http.StatusOK, out)
}

// LastChanger tells a graph's head and when its newest event was
// recorded. The log (natsjs.Log) implements it; GET /v1/graphs?detail=head
// needs it, from Options.Log or Options.Lister.
type LastChanger interface {
	LastChange(ctx context.Context, graphID string) (store.Head, time.Time, error)
}

// heads returns the head of each graph, read concurrently (a few at a
// time).
func (s *server) heads(ctx context.Context, ids []string) (map[string]GraphHead, error) {
	lc, ok := s.opts.Log.(LastChanger)
	if !ok {
		lc, ok = s.opts.Lister.(LastChanger)
	}
	if !ok {
		return nil, fmt.Errorf("%w: this node does not read graph heads", errNotServed)
	}
	out := make(map[string]GraphHead, len(ids))
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
		slots = make(chan struct{}, 8)
	)
	for _, id := range ids {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			h, at, err := lc.LastChange(ctx, id)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				first = cmp.Or(first, err)
				return
			}
			out[id] = GraphHead{Version: h.Version, Sequence: h.Sequence, RecordedAt: at.Format(time.RFC3339Nano)}
		}()
	}
	wg.Wait()
	return out, first
}

// limitParam reads ?limit=: DefaultLimit when absent, 1 to MaxLimit.
func limitParam(r *http.Request) (int, error) {
	s := r.URL.Query().Get("limit")
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("%w: limit is %q; use a whole number from 1 to %d", ErrInvalidRequest, clip(s), MaxLimit)
	}
	return n, nil
}
