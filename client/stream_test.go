package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
)

// cutFirstStream makes the proxy cut the first live stream of path
// suffix after the first occurrence of marker.
func cutFirstStream(t *testing.T, p *proxy, suffix, marker string) *atomic.Int32 {
	var opened atomic.Int32
	inner := p.Config.Handler
	p.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, suffix) {
			inner.ServeHTTP(w, r)
			return
		}
		if opened.Add(1) > 1 {
			inner.ServeHTTP(w, r)
			return
		}
		// Read through to the node, stop after marker, drop the client.
		rec := &cuttingWriter{ResponseWriter: w, marker: []byte(marker)}
		func() {
			defer func() { _ = recover() }() // http.ErrAbortHandler from the cut
			inner.ServeHTTP(rec, r)
		}()
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
		}
	})
	return &opened
}

// cuttingWriter writes through until it has written marker, then refuses.
type cuttingWriter struct {
	http.ResponseWriter
	marker []byte
	seen   bytes.Buffer
}

func (w *cuttingWriter) Write(p []byte) (int, error) {
	if bytes.Contains(w.seen.Bytes(), w.marker) {
		panic(http.ErrAbortHandler)
	}
	w.seen.Write(p)
	n, err := w.ResponseWriter.Write(p)
	if bytes.Contains(w.seen.Bytes(), w.marker) {
		http.NewResponseController(w.ResponseWriter).Flush()
	}
	return n, err
}

func (w *cuttingWriter) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

func (w *cuttingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func TestStreamEventsGoesOnAfterABreak(t *testing.T) {
	p := newProxy(t, sharedNode(t))
	opened := cutFirstStream(t, p, "/events/stream", "event: transaction")
	c := newClient(t, p.URL)
	g := graphName(t)
	for i := range 3 {
		mustSubmit(t, c, g, tx(addNode(string(rune('a'+i)), nil)))
	}
	ctx, cancel := context.WithTimeout(ctxOf(t), 30*time.Second)
	defer cancel()
	var versions []uint64
	// Two more once the stream was cut and opened again.
	done := submitLater(c, g, func() bool { return opened.Load() >= 2 }, addNode("d", nil), addNode("e", nil))
	for tx, err := range c.StreamEvents(ctx, g, 1) {
		if err != nil {
			t.Fatalf("after versions %v: %v", versions, err)
		}
		if tx.Graph != g || len(tx.Events) != 1 {
			t.Fatalf("streamed %+v", tx)
		}
		versions = append(versions, tx.Version)
		if len(versions) == 4 {
			break
		}
	}
	if want := []uint64{2, 3, 4, 5}; !slices.Equal(versions, want) {
		t.Fatalf("streamed versions %v, want %v (each once, across the break)", versions, want)
	}
	if opened.Load() < 2 {
		t.Fatalf("the stream was opened %d times; the proxy's cut was not exercised", opened.Load())
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	// A stream of a graph ID the API refuses ends at once with the error.
	for _, err := range c.StreamEvents(ctx, strings.Repeat("x", 1000), 0) {
		wantErr(t, "a stream of a bad graph ID", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	}
	// Without the token.
	anon, err := client.New([]string{p.URL})
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range anon.StreamNewEvents(ctx, g) {
		wantErr(t, "a stream without the token", err, client.ErrUnauthorized, apitypes.CodeUnauthorized)
	}
}

func TestStreamNewEvents(t *testing.T) {
	c := newClient(t, sharedNode(t))
	g := graphName(t)
	mustSubmit(t, c, g, tx(addNode("a", nil)))
	ctx, cancel := context.WithTimeout(ctxOf(t), 30*time.Second)
	defer cancel()
	start := time.Now()
	done := submitLater(c, g, func() bool { return time.Since(start) > 300*time.Millisecond }, addNode("b", nil))
	for tx, err := range c.StreamNewEvents(ctx, g) {
		if err != nil {
			t.Fatal(err)
		}
		if tx.Version != 2 || tx.Events[0].NodeID != "b" {
			t.Fatalf("the first new transaction is %+v, want version 2", tx)
		}
		break
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestFollowReplayGoesOnAfterABreak(t *testing.T) {
	p := newProxy(t, sharedNode(t))
	// Cut after the keyframe and the first transaction's frame.
	opened := cutFirstStream(t, p, "/replay", `"version":2`)
	c := newClient(t, p.URL)
	g := graphName(t)
	for i := range 3 {
		mustSubmit(t, c, g, tx(addNode(string(rune('a'+i)), nil)))
	}
	ctx, cancel := context.WithTimeout(ctxOf(t), 30*time.Second)
	defer cancel()
	done := submitLater(c, g, func() bool { return opened.Load() >= 2 }, addNode("d", nil))
	var got []string // "k<version>" for keyframes, "f<version>" for frames
	for f, err := range c.FollowReplay(ctx, g, client.AtVersion(1)) {
		if err != nil {
			t.Fatalf("after %v: %v", got, err)
		}
		if f.State != nil {
			got = append(got, "k"+itoa(f.Version))
			continue
		}
		if len(f.Events) != 1 || len(f.Nodes.Added) != 1 {
			t.Fatalf("frame %+v", f)
		}
		got = append(got, "f"+itoa(f.Version))
		if f.Version == 4 {
			break
		}
	}
	// The keyframe at 1, frame 2 (and 3 if the node wrote it in the same
	// write), the cut; again from the last frame: its keyframe, then the
	// rest and, committed while it follows, 4. Every version once.
	want := map[string]bool{"k1 f2 k2 f3 f4": true, "k1 f2 f3 k3 f4": true}
	if !want[strings.Join(got, " ")] {
		t.Fatalf("followed %v, want one of %v", got, want)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	for _, err := range c.FollowReplay(ctx, g+"-none", client.AtVersion(3)) {
		wantErr(t, "following a graph with no such version", err, client.ErrNotFound, apitypes.CodeNotFound)
	}
}

func itoa(v uint64) string { return strconv.FormatUint(v, 10) }

// submitLater submits one transaction per event once ready holds (within
// 20 s), and sends the first error, or nil, when done.
func submitLater(c *client.Client, graphID string, ready func() bool, evs ...apitypes.EventData) <-chan error {
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for deadline := time.Now().Add(20 * time.Second); !ready(); time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				done <- errors.New("never ready to submit")
				return
			}
		}
		for _, ev := range evs {
			if _, err := c.Submit(ctx, graphID, tx(ev)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}
