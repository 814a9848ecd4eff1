package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// eventsPage is the page size asked of GET .../events: the API's maximum.
const eventsPage = apitypes.MaxLimit

// Reconnection delays of events --follow.
const (
	followBackoffMin = time.Second
	followBackoffMax = 30 * time.Second
)

func setupEvents(fs *flag.FlagSet) runFunc {
	after := fs.Uint64("after-version", 0, "list the transactions after this `version` (0: all)")
	follow := fs.Bool("follow", false, "then print new transactions as they are committed, until interrupted")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		graphID := args[0]
		p := newEventPrinter(s, graphID, *follow)
		last, err := listEvents(ctx, s, graphID, *after, p)
		var api *apiError
		switch {
		case err == nil:
		case *follow && ctx.Err() != nil:
			return nil
		case *follow && errors.As(err, &api) && api.Status == http.StatusNotFound:
			// A graph with no events yet: wait for its first.
		default:
			return err
		}
		if !*follow {
			return p.end(last)
		}
		return followEvents(ctx, s, graphID, last, p)
	}
}

// listEvents prints every event after after, page by page, and returns the
// version of the last transaction printed (after if none).
// Each page after the first reads the log from where the last one ended
// (after_sequence), so a listing costs what it prints.
func listEvents(ctx context.Context, s *session, graphID string, after uint64, p *eventPrinter) (uint64, error) {
	var seq uint64
	for {
		q := url.Values{"after_version": {strconv.FormatUint(after, 10)}, "limit": {strconv.Itoa(eventsPage)}}
		if seq > 0 {
			q.Set("after_sequence", strconv.FormatUint(seq, 10))
		}
		var page apitypes.Events
		if _, err := s.client.getJSON(ctx, graphPath(graphID, "events"), q, &page); err != nil {
			return after, err
		}
		if len(page.Events) == 0 || page.NextAfterVersion <= after {
			return after, nil
		}
		for _, ev := range page.Events {
			if err := p.event(ev); err != nil {
				return after, err
			}
		}
		after, seq = page.NextAfterVersion, page.NextAfterSequence
	}
}

// followEvents prints transactions from the live stream until ctx ends,
// reconnecting after the last version printed when the stream drops.
func followEvents(ctx context.Context, s *session, graphID string, after uint64, p *eventPrinter) error {
	if err := s.out.Flush(); err != nil {
		return err
	}
	backoff := followBackoffMin
	connected := false
	for {
		q := url.Values{"after_version": {strconv.FormatUint(after, 10)}}
		body, err := s.client.open(ctx, http.MethodGet, graphPath(graphID, "events", "stream"), q, "text/event-stream")
		if err == nil {
			connected = true
			var got bool
			got, err = readStream(s, body, &after, p)
			body.Close()
			if got {
				backoff = followBackoffMin
			}
		}
		if ctx.Err() != nil {
			return nil // interrupted: the normal end of --follow
		}
		var api *apiError
		var bad *badStreamError
		switch {
		case errors.As(err, &api) && api.Status/100 == 4:
			return err // not found, bad request, unauthorized: retrying will not help
		case errors.As(err, &bad):
			return err
		case !connected:
			return err
		}
		why := "the server closed it"
		if err != nil && err != io.EOF {
			why = err.Error()
		}
		fmt.Fprintf(s.stderr, "graphctl: the event stream ended (%s); reconnecting in %s after version %d\n", why, backoff, after)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, followBackoffMax)
	}
}

// badStreamError is a stream event that cannot be read: reconnecting would
// read it again.
type badStreamError struct{ msg string }

func (e *badStreamError) Error() string { return e.msg }

// readStream prints the transactions of one connection to the stream,
// advancing *after, until the stream ends. got reports whether any
// transaction arrived.
func readStream(s *session, body io.Reader, after *uint64, p *eventPrinter) (got bool, err error) {
	r := newSSEReader(body)
	for {
		ev, err := r.next()
		if err != nil {
			return got, err
		}
		switch ev.Name {
		case "transaction":
			var tx apitypes.StreamedTransaction
			if err := json.Unmarshal([]byte(ev.Data), &tx); err != nil {
				return got, &badStreamError{msg: fmt.Sprintf("event stream: transaction %q is not the expected JSON: %v", ev.ID, err)}
			}
			if tx.Version == 0 {
				tx.Version, _ = strconv.ParseUint(ev.ID, 10, 64)
			}
			if tx.Version != 0 && tx.Version <= *after {
				continue // printed before a reconnection
			}
			for _, e := range tx.Events {
				if e.Version == 0 {
					e.Version = tx.Version
				}
				if e.TransactionID == "" {
					e.TransactionID = tx.TransactionID
				}
				if e.RecordedAt == "" {
					e.RecordedAt = tx.RecordedAt
				}
				if err := p.event(e); err != nil {
					return got, err
				}
			}
			if tx.Version > *after {
				*after = tx.Version
			}
			got = true
			if err := s.out.Flush(); err != nil {
				return got, err
			}
		case "error":
			var er apitypes.ErrorResponse
			if json.Unmarshal([]byte(ev.Data), &er) == nil && er.Error != "" {
				fmt.Fprintf(s.stderr, "graphctl: the server reports: %s\n", er.Error)
			}
		}
	}
}

// eventPrinter prints events as rows, as one JSON document (a listing) or
// one event per line (--follow).
type eventPrinter struct {
	s       *session
	graphID string
	lines   bool // -o json with --follow: one event per line
	table   *streamTable
	n       int // events printed into the JSON document
}

func newEventPrinter(s *session, graphID string, follow bool) *eventPrinter {
	p := &eventPrinter{s: s, graphID: graphID, lines: s.json && follow}
	if !s.json {
		p.table = newStreamTable(s.out, []int{7, 5, 20, 11, 12}, "VERSION", "INDEX", "RECORDED AT", "TYPE", "ID", "DETAIL")
	}
	return p
}

func (p *eventPrinter) event(ev apitypes.Event) error {
	switch {
	case p.table != nil:
		p.table.row(strconv.FormatUint(ev.Version, 10), fmt.Sprintf("%d/%d", ev.Index, ev.Count),
			shortTime(ev.RecordedAt), ev.Type, eventElement(ev.EventData), eventDetail(ev.EventData))
		return nil
	case p.lines:
		return writeJSONLine(p.s.out, ev)
	}
	// One document, written as it goes: {"graph":…,"events":[…],"next_after_version":…}.
	if p.n == 0 {
		if err := p.open(); err != nil {
			return err
		}
	} else if _, err := io.WriteString(p.s.out, ","); err != nil {
		return err
	}
	p.n++
	b, err := json.Marshal(ev)
	if err != nil {
		return err
	}
	_, err = p.s.out.Write(b)
	return err
}

func (p *eventPrinter) open() error {
	g, _ := json.Marshal(p.graphID)
	_, err := fmt.Fprintf(p.s.out, `{"graph":%s,"events":[`, g)
	return err
}

// end closes a listing.
func (p *eventPrinter) end(last uint64) error {
	if !p.s.json || p.lines {
		return nil
	}
	if p.n == 0 {
		if err := p.open(); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(p.s.out, `],"next_after_version":%d}`+"\n", last)
	return err
}

// shortTime drops sub-second digits from an RFC 3339 time, for tables.
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339)
}

func eventElement(d apitypes.EventData) string {
	if d.NodeID != "" {
		return d.NodeID
	}
	return d.EdgeID
}

func eventDetail(d apitypes.EventData) string {
	switch d.Type {
	case apitypes.EventNodeAdded:
		return nodeDetail(d.NodeType, d.Properties)
	case apitypes.EventEdgeAdded:
		return edgeDetail(d.SourceID, d.TargetID, d.EdgeType, d.Properties)
	case apitypes.EventNodeUpdated, apitypes.EventEdgeUpdated:
		var parts []string
		if len(d.Set) > 0 {
			parts = append(parts, "set "+compact(d.Set))
		}
		if len(d.Unset) > 0 {
			parts = append(parts, "unset "+strings.Join(d.Unset, ", "))
		}
		return strings.Join(parts, " ")
	}
	return ""
}
