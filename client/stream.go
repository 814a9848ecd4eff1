package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// Live streams (StreamEvents, FollowReplay) last until ctx ends or the
// loop that ranges over them stops. When the stream breaks (the node shuts
// down and says so, the connection is lost, the node cannot follow the
// log for a moment) they go on where they were, on the next server when
// the one in use is gone, without yielding anything twice; after as many
// failures in a row as a submit's attempts, they yield the error and
// end. An error ends every iterator: nothing follows it.

// StreamEvents yields each transaction committed to a graph after the
// version after (0: its whole history, then what is committed), as it is
// committed.
func (c *Client) StreamEvents(ctx context.Context, graphID string, after uint64) iter.Seq2[apitypes.StreamedTransaction, error] {
	return c.streamEvents(ctx, graphID, &after)
}

// StreamNewEvents yields each transaction committed to a graph after the
// stream started, as it is committed.
func (c *Client) StreamNewEvents(ctx context.Context, graphID string) iter.Seq2[apitypes.StreamedTransaction, error] {
	return c.streamEvents(ctx, graphID, nil)
}

func (c *Client) streamEvents(ctx context.Context, graphID string, after *uint64) iter.Seq2[apitypes.StreamedTransaction, error] {
	return func(yield func(apitypes.StreamedTransaction, error) bool) {
		path := GraphPath(graphID, "events", "stream")
		var lastID string // version:sequence of the last transaction yielded
		failures := 0
		for {
			q := url.Values{}
			hdr := http.Header{"Accept": {"text/event-stream"}}
			switch {
			case lastID != "":
				// The stream's own resumption: the node reads the log from
				// that sequence rather than from the graph's start.
				hdr.Set("Last-Event-ID", lastID)
			case after != nil:
				q.Set("after_version", strconv.FormatUint(*after, 10))
			}
			resp, err := c.send(ctx, http.MethodGet, path, q, nil, hdr)
			if err == nil {
				var got bool
				var stop bool
				got, stop, err = readEvents(resp.Body, c.Server(), path, &lastID, yield)
				resp.Body.Close()
				withRequestID(err, resp)
				if stop {
					return
				}
				if got {
					failures = 0
				}
			}
			if !c.resume(ctx, err, &failures) {
				if ctx.Err() != nil {
					err = fmt.Errorf("GET %s: %w", path, ctx.Err())
				}
				yield(apitypes.StreamedTransaction{}, err)
				return
			}
		}
	}
}

// errStreamEnded: the node closed a live stream, saying so (it is
// shutting down).
var errStreamEnded = errors.New("the node ended the stream")

// readEvents yields the transactions of one event stream and returns why
// it ended: the caller stopped (stop), or err (never nil) says how.
func readEvents(body io.Reader, server, path string, lastID *string, yield func(apitypes.StreamedTransaction, error) bool) (got, stop bool, err error) {
	sse := newSSEReader(body)
	for {
		ev, err := sse.next()
		if err != nil {
			return got, false, &ConnError{Method: http.MethodGet, Path: path, Servers: []string{server}, Sent: true, Err: err}
		}
		switch ev.Name {
		case "transaction":
			var tx apitypes.StreamedTransaction
			if err := json.Unmarshal([]byte(ev.Data), &tx); err != nil {
				return got, false, fmt.Errorf("GET %s: a transaction is not the expected JSON: %w", path, err)
			}
			got = true
			if ev.ID != "" {
				*lastID = ev.ID
			}
			if !yield(tx, nil) {
				return got, true, nil
			}
		case "end":
			return got, false, &Error{Status: http.StatusServiceUnavailable, Code: apitypes.CodeUnavailable,
				Message: errStreamEnded.Error(), Method: http.MethodGet, Path: path}
		case "error":
			var er apitypes.ErrorResponse
			_ = json.Unmarshal([]byte(ev.Data), &er)
			return got, false, streamError(http.MethodGet, path, er.Code, er.Error)
		}
	}
}

// resume decides whether a live stream that ended with err goes on: when
// err says the node or the connection failed, fewer times in a row than
// a submit's attempts, and ctx has not ended. It then moves on to the
// next server if the one in use failed, and waits a moment.
func (c *Client) resume(ctx context.Context, err error, failures *int) bool {
	if ctx.Err() != nil || !errors.Is(err, ErrUnavailable) {
		return false
	}
	*failures++
	if *failures >= c.attempts {
		return false
	}
	var conn *ConnError
	if !errors.As(err, &conn) || conn.Sent {
		c.moveOn(c.Server())
	}
	wait := c.backoff << (*failures - 1)
	return sleep(ctx, min(wait, maxBackoff)) == nil
}

// Window is a stretch of a graph's history and how to cut it into steps:
// From (the zero Moment: the beginning) to To (zero: the present), one
// step per Every transactions' events or per Interval of recorded time,
// one of the two.
type Window struct {
	From, To Moment
	Every    int
	Interval time.Duration
}

func (w Window) set(q url.Values) {
	w.From.set(q, "from")
	w.To.set(q, "to")
	if w.Every != 0 {
		q.Set("every", strconv.Itoa(w.Every))
	}
	if w.Interval != 0 {
		q.Set("interval", w.Interval.String())
	}
}

// Replay yields a graph's history as frames: first a keyframe with the
// state at w.From (Frame.State), then one per step with its events and
// what they changed. A replay the node ends early (its frame limit, the
// request's time) yields an *Error whose NextFrom is the version to go on
// from.
func (c *Client) Replay(ctx context.Context, graphID string, w Window) iter.Seq2[apitypes.Frame, error] {
	return func(yield func(apitypes.Frame, error) bool) {
		path := GraphPath(graphID, "replay")
		q := url.Values{}
		w.set(q)
		resp, err := c.send(ctx, http.MethodGet, path, q, nil, http.Header{"Accept": {"application/x-ndjson"}})
		if err != nil {
			yield(apitypes.Frame{}, err)
			return
		}
		defer resp.Body.Close()
		_, stop, err := readFrames(resp.Body, c.Server(), path, yield)
		withRequestID(err, resp)
		if stop || err == io.EOF {
			return
		}
		if ctx.Err() != nil {
			err = fmt.Errorf("GET %s: %w", path, ctx.Err())
		}
		yield(apitypes.Frame{}, err)
	}
}

// FollowReplay yields a graph's history from from (the zero Moment: the
// beginning) as frames, one per transaction, and goes on past its head as
// transactions are committed: first a keyframe with the state at from
// (Frame.State), then each transaction's events and changes. When it goes
// on after a break, it starts again with a keyframe at the last version
// yielded.
func (c *Client) FollowReplay(ctx context.Context, graphID string, from Moment) iter.Seq2[apitypes.Frame, error] {
	return func(yield func(apitypes.Frame, error) bool) {
		path := GraphPath(graphID, "replay")
		failures := 0
		for {
			q := url.Values{"follow": {"true"}}
			from.set(q, "from")
			resp, err := c.send(ctx, http.MethodGet, path, q, nil, http.Header{"Accept": {"application/x-ndjson"}})
			if err == nil {
				var last uint64
				var stop bool
				last, stop, err = readFrames(resp.Body, c.Server(), path, yield)
				resp.Body.Close()
				withRequestID(err, resp)
				if stop {
					return
				}
				if last != 0 {
					failures = 0
					from = AtVersion(last)
				}
				if err == io.EOF { // the stream ended without its last line
					err = &ConnError{Method: http.MethodGet, Path: path, Servers: []string{c.Server()}, Sent: true, Err: io.ErrUnexpectedEOF}
				}
			}
			if !c.resume(ctx, err, &failures) {
				if ctx.Err() != nil {
					err = fmt.Errorf("GET %s: %w", path, ctx.Err())
				}
				yield(apitypes.Frame{}, err)
				return
			}
		}
	}
}

// readFrames yields the frames of a replay and returns the version of the
// last one and why it ended: the caller stopped (stop), the stream ended
// (io.EOF), its last line was an error (an *Error with NextFrom), or the
// connection failed.
func readFrames(body io.Reader, server, path string, yield func(apitypes.Frame, error) bool) (last uint64, stop bool, err error) {
	dec := json.NewDecoder(body)
	for {
		var f apitypes.Frame
		if err := dec.Decode(&f); err != nil {
			if err == io.EOF {
				return last, false, io.EOF
			}
			var syn *json.SyntaxError
			if errors.As(err, &syn) {
				return last, false, fmt.Errorf("GET %s: a frame is not the expected JSON: %w", path, err)
			}
			return last, false, &ConnError{Method: http.MethodGet, Path: path, Servers: []string{server}, Sent: true, Err: err}
		}
		if f.Code != "" || f.Error != "" {
			e := streamError(http.MethodGet, path, f.Code, f.Error)
			e.NextFrom = f.NextFrom
			return last, false, e
		}
		last = f.Version
		if !yield(f, nil) {
			return last, true, nil
		}
	}
}

// withRequestID gives an error that came inside a stream the request ID
// of the stream's answer.
func withRequestID(err error, resp *http.Response) {
	var e *Error
	if errors.As(err, &e) && e.RequestID == "" {
		e.RequestID = resp.Header.Get(apitypes.HeaderRequestID)
	}
}
