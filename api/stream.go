package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// streamPing is how often an idle event stream sends a comment, so proxies
// and clients see the connection alive.
const streamPing = 15 * time.Second

// streamEvents handles GET /v1/graphs/{graph}/events/stream: Server-Sent
// Events, one message per committed transaction after after_version (or
// the Last-Event-ID a reconnecting client sends; without either, after
// the graph's current version), as they are committed, until the client
// goes away.
func (s *server) streamEvents(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	after, afterSeq, given, err := streamStart(r)
	if err != nil {
		return err
	}
	if s.opts.Follower == nil || s.opts.Log == nil {
		return fmt.Errorf("%w: this node does not follow the event log", errNotServed)
	}
	release, err := s.streams.take(clientAddress(r))
	if err != nil {
		return err
	}
	defer release()
	rc := http.NewResponseController(w)
	ctx := r.Context()
	head, err := s.opts.Log.Head(ctx, graphID)
	if err != nil {
		return err
	}
	if !given {
		after = head.Version
	}
	// Following from the head's sequence skips reading the history when
	// the client is up to date; a reconnect that names the sequence it got
	// to (Last-Event-ID version:sequence) reads from there, the message
	// there again since it may hold more than one transaction; otherwise
	// the graph is read from its start and what the client has is skipped.
	var from uint64
	switch {
	case after >= head.Version:
		from = head.Sequence
	case afterSeq > 0:
		from = afterSeq - 1
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	out := &sseWriter{w: w, rc: rc}
	if err := out.comment("following " + graphID); err != nil {
		return nil
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var pinger sync.WaitGroup
	pinger.Add(1)
	go func() {
		defer pinger.Done()
		t := time.NewTicker(streamPing)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-s.opts.Closing:
				// The node is going: tell the client, which reconnects
				// (to another node) with its Last-Event-ID.
				_ = out.message("end", "", StreamEnd{Reason: "the node is shutting down; reconnect with Last-Event-ID to go on"})
				cancel()
				return
			case <-t.C:
				if out.comment("ping") != nil {
					cancel()
					return
				}
			}
		}
	}()
	defer pinger.Wait()

	log := requestInfoFrom(ctx).log
	for tx, err := range s.opts.Follower.Follow(ctx, graphID, from) {
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) {
				log.Error("skipping an undecodable event", keyGraph, graphID, keyError, err.Error())
				continue
			}
			if ctx.Err() != nil {
				return nil // the client went away, or the node is going
			}
			log.Warn("event stream ended", keyGraph, graphID, keyError, err.Error())
			_ = out.message("error", "", ErrorResponse{Error: err.Error(), Code: CodeUnavailable})
			return nil
		}
		if tx.GetVersion() <= after {
			continue
		}
		id := strconv.FormatUint(tx.GetVersion(), 10) + ":" + strconv.FormatUint(tx.GetSequence(), 10)
		if err := out.message("transaction", id, streamedJSON(tx)); err != nil {
			return nil // the client went away
		}
	}
	return nil
}

// streamSlots counts the live streams open on the node and per client
// address, within their limits.
type streamSlots struct {
	mu             sync.Mutex
	max, perClient int
	open           int
	byClient       map[string]int
}

func newStreamSlots(max, perClient int) *streamSlots {
	return &streamSlots{max: max, perClient: perClient, byClient: make(map[string]int)}
}

// take opens a slot for client, or says which limit is reached; release
// gives it back.
func (s *streamSlots) take(client string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.open >= s.max:
		return nil, fmt.Errorf("%w: this node serves at most %d live streams at once (--max-streams); retry later or on another node",
			errTooManyStreams, s.max)
	case s.byClient[client] >= s.perClient:
		return nil, fmt.Errorf("%w: a client may keep at most %d live streams open on this node (--max-streams-per-client); close one first",
			errTooManyStreams, s.perClient)
	}
	s.open++
	s.byClient[client]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.open--
			if s.byClient[client]--; s.byClient[client] == 0 {
				delete(s.byClient, client)
			}
		})
	}, nil
}

// clientAddress is the host a request came from, which stream limits count
// by. Behind a proxy every client shares the proxy's address: raise
// --max-streams-per-client there.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// streamStart reads where a stream starts: after_version, else the
// Last-Event-ID of a reconnect: the last version the client got, and the
// stream sequence it was read at ("version:sequence", the id of every
// message this stream sends; a bare version is accepted too).
func streamStart(r *http.Request) (after, afterSeq uint64, given bool, err error) {
	v, name := r.URL.Query().Get("after_version"), "after_version"
	if v == "" {
		v, name = r.Header.Get("Last-Event-ID"), "Last-Event-ID"
	}
	if v == "" {
		return 0, 0, false, nil
	}
	bad := fmt.Errorf("%w: %s is %q; use a version, a whole number, 0 or more (or version:sequence, a message's id)", ErrInvalidRequest, name, clip(v))
	version, seq, hasSeq := strings.Cut(v, ":")
	if after, err = strconv.ParseUint(version, 10, 64); err != nil {
		return 0, 0, false, bad
	}
	if hasSeq {
		if afterSeq, err = strconv.ParseUint(seq, 10, 64); err != nil {
			return 0, 0, false, bad
		}
	}
	return after, afterSeq, true, nil
}

func streamedJSON(tx *messages.Transaction) StreamedTransaction {
	out := StreamedTransaction{
		Graph: tx.GetGraphId(), Version: tx.GetVersion(), Sequence: tx.GetSequence(),
		RecordedAt: timeJSON(tx.GetRecordedAt()), TransactionID: tx.GetTransactionId(),
		Events: make([]Event, 0, len(tx.GetEvents())),
	}
	for _, ev := range tx.GetEvents() {
		out.Events = append(out.Events, EventJSON(ev))
	}
	return out
}

// sseWriter writes Server-Sent Events; the ping goroutine and the stream
// share it.
type sseWriter struct {
	mu sync.Mutex
	w  http.ResponseWriter
	rc *http.ResponseController
}

func (s *sseWriter) comment(text string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := fmt.Fprintf(s.w, ": %s\n\n", text); err != nil {
		return err
	}
	return s.rc.Flush()
}

func (s *sseWriter) message(event, id string, data any) error {
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id != "" {
		if _, err := fmt.Fprintf(s.w, "id: %s\n", id); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(s.w, "event: %s\ndata: %s\n\n", event, b); err != nil {
		return err
	}
	return s.rc.Flush()
}
