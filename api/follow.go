package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// ReplayFollower plays a graph's history past its head, for
// GET .../replay?follow=true.
type ReplayFollower interface {
	// FollowReplay emits a keyframe with the state at from (the empty
	// graph at version 0 when from is zero), then one frame per
	// transaction after it: those committed already, then each as it is
	// committed, until ctx ends (it then returns nil) or an error stops it.
	FollowReplay(ctx context.Context, graphID string, from Moment, emit func(*messages.Frame) error) error
}

// following reports whether a replay's query asks to follow the graph
// past its head (follow=true); a malformed value is not following, and
// the handler refuses it.
func following(q url.Values) bool {
	b, err := strconv.ParseBool(q.Get("follow"))
	return err == nil && b
}

// errStreamEnded: the stream wrote its last line; nothing may follow it.
var errStreamEnded = errors.New("the stream has ended")

// followReplay handles GET .../replay?follow=true (docs/ARCHITECTURE.md,
// "Replays that follow"): the frames of a replay from from, one per transaction, that
// go on past the head as transactions are committed, until the client
// goes away. It is a live stream: it takes one of the node's and the
// client's stream slots and has no request timeout. The frames of the
// history up to the head it found when it started count against
// --max-replay-frames, as a replay's do; those that follow come as fast as
// the graph is written, and are not counted. Idle, it writes an empty line
// every streamPing, which NDJSON readers skip, so proxies keep the
// connection and a client that went away is noticed. A stream that ends
// while the client is there (the node shuts down, the log fails, the
// frame limit) ends with an error line with next_from, from which the
// same request goes on.
func (s *server) followReplay(w http.ResponseWriter, r *http.Request, graphID string) error {
	q := r.URL.Query()
	switch {
	case q.Get("to") != "":
		return fmt.Errorf("%w: a replay that follows has no end; leave out to, or follow", ErrInvalidRequest)
	case q.Get("interval") != "" || (q.Get("every") != "" && q.Get("every") != "1"):
		return fmt.Errorf("%w: a replay that follows sends one frame per transaction; leave out every and interval (or give every=1)", ErrInvalidRequest)
	}
	from, _, err := windowParams(q)
	if err != nil {
		return err
	}
	follower, ok := s.opts.History.(ReplayFollower)
	if !ok || s.opts.Log == nil {
		return fmt.Errorf("%w: this node does not follow graphs' histories", errNotServed)
	}
	release, err := s.streams.take(clientAddress(r))
	if err != nil {
		return err
	}
	defer release()
	ctx, cancel := context.WithCancel(r.Context())
	var pinger sync.WaitGroup
	defer func() {
		cancel()
		pinger.Wait()
	}()
	head, err := s.opts.Log.Head(ctx, graphID)
	if err != nil {
		return err
	}

	out := &frameWriter{w: w, rc: http.NewResponseController(w), graphID: graphID}
	started, frames := false, 0
	err = follower.FollowReplay(ctx, graphID, from, func(f *messages.Frame) error {
		if started && f.GetVersion() <= head.Version {
			if frames == s.limits.ReplayFrames {
				return fmt.Errorf("%w: a replay sends at most %d frames of history on this node (--max-replay-frames); go on with from=%d",
					graph.ErrLimit, s.limits.ReplayFrames, out.lastVersion())
			}
			frames++
		}
		if !started {
			started = true
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("X-Content-Type-Options", "nosniff")
			w.Header().Set("Cache-Control", "no-cache")
			w.Header().Set("X-Accel-Buffering", "no")
			w.WriteHeader(http.StatusOK)
			pinger.Add(1)
			go func() {
				defer pinger.Done()
				s.keepAlive(ctx, cancel, out)
			}()
		}
		return out.frame(f)
	})
	if !started || ctx.Err() != nil {
		return err // nil once the client has gone or the node closed the stream
	}
	if err == nil {
		err = fmt.Errorf("%w: the log stopped following graph %s", store.ErrUnavailable, graphID)
	}
	status, code := classify(err)
	requestInfoFrom(r.Context()).log.Warn("following replay ended early", keyGraph, graphID, keyStatus, status, keyCode, code, keyError, err)
	if rec, ok := w.(*recorder); ok {
		rec.err, rec.code = err, code
	}
	out.end(code, errorMessage(err, code, requestInfoFrom(r.Context()).requestID))
	return nil
}

// keepAlive writes an empty line when nothing else went out for
// streamPing, until ctx ends; when
// the node starts shutting down it ends the stream with a line that says
// so and where to go on from, and cancels it.
func (s *server) keepAlive(ctx context.Context, cancel context.CancelFunc, out *frameWriter) {
	// Checked five times a period, an idle stream's empty lines are one
	// to 1.2 periods apart, and one that is not idle sends none.
	t := time.NewTicker(streamPing / 5)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.opts.Closing:
			out.end(CodeUnavailable, "the node is shutting down; follow again from next_from, on another node")
			cancel()
			return
		case <-t.C:
			if out.ping() != nil {
				cancel()
				return
			}
		}
	}
}

// frameWriter writes a following replay's lines; the stream and its
// keep-alive share it.
type frameWriter struct {
	mu      sync.Mutex
	w       http.ResponseWriter
	rc      *http.ResponseController
	graphID string
	last    uint64    // the version of the last frame written
	wrote   time.Time // when the last line was written
	ended   bool
}

func (o *frameWriter) lastVersion() uint64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

func (o *frameWriter) frame(f *messages.Frame) error {
	b, err := json.Marshal(FrameJSON(o.graphID, f))
	if err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return errStreamEnded
	}
	if err := o.line(b); err != nil {
		return err
	}
	o.last = f.GetVersion()
	return nil
}

// ping writes an empty line unless a line went out within streamPing.
func (o *frameWriter) ping() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return errStreamEnded
	}
	if time.Since(o.wrote) < streamPing {
		return nil
	}
	return o.line(nil)
}

// end writes the stream's last line, an error with next_from; the client
// may be gone (then the write fails, and nobody minds).
func (o *frameWriter) end(code, msg string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.ended {
		return
	}
	o.ended = true
	b, err := json.Marshal(Frame{Version: o.last, NextFrom: o.last, Code: code, Error: msg})
	if err == nil {
		_ = o.line(b)
	}
}

func (o *frameWriter) line(b []byte) error {
	if _, err := o.w.Write(append(b, '\n')); err != nil {
		return err
	}
	o.wrote = time.Now()
	return o.rc.Flush()
}
