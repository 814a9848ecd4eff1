package api

import (
	"bufio"
	"context"
	"iter"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/messages"
)

// idleFollower follows graphs on which nothing happens.
type idleFollower struct{}

func (idleFollower) Follow(ctx context.Context, _ string, _ uint64) iter.Seq2[*messages.Transaction, error] {
	return func(func(*messages.Transaction, error) bool) { <-ctx.Done() }
}

// openStream opens a live stream and returns its status, a reader of its
// body and a function that closes it.
func openStream(t *testing.T, base string) (int, *bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/v1/graphs/g/events/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("open stream: %v", err)
	}
	br := bufio.NewReader(res.Body)
	if res.StatusCode == 200 {
		if line, err := br.ReadString('\n'); err != nil || !strings.HasPrefix(line, ": following") {
			t.Fatalf("stream began with %q, %v", line, err)
		}
	}
	return res.StatusCode, br, func() { cancel(); res.Body.Close() }
}

func streamServer(t *testing.T, change func(*Options)) string {
	t.Helper()
	ts := newTestServer(t, func(o *Options) {
		o.Follower = idleFollower{}
		change(o)
	})
	seed(ts)
	srv := httptest.NewServer(ts.h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Live streams are counted per node and per client address: one past
// either limit is answered 429 naming it, and a closed stream frees its
// slot.
func TestStreamLimits(t *testing.T) {
	t.Run("per client", func(t *testing.T) {
		base := streamServer(t, func(o *Options) { o.Limits.Streams, o.Limits.StreamsPerClient = 10, 2 })
		_, _, close1 := openStream(t, base)
		_, _, close2 := openStream(t, base)
		defer close2()
		r := httpGet(t, base+"/v1/graphs/g/events/stream")
		if r.status != 429 || !strings.Contains(string(r.body), "--max-streams-per-client") || !strings.Contains(string(r.body), CodeTooManyStreams) {
			t.Fatalf("third stream of one client: %d %s", r.status, r.body)
		}
		close1()
		waitStatus(t, base, 200)
	})
	t.Run("per node", func(t *testing.T) {
		base := streamServer(t, func(o *Options) { o.Limits.Streams, o.Limits.StreamsPerClient = 2, 10 })
		_, _, close1 := openStream(t, base)
		_, _, close2 := openStream(t, base)
		defer close2()
		r := httpGet(t, base+"/v1/graphs/g/events/stream")
		if r.status != 429 || !strings.Contains(string(r.body), "--max-streams") {
			t.Fatalf("third stream of the node: %d %s", r.status, r.body)
		}
		close1()
		waitStatus(t, base, 200)
	})
}

// waitStatus opens streams until one is answered status (a closed
// stream's slot is freed when its handler returns, a moment after the
// client closed it).
func waitStatus(t *testing.T, base string, status int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _, closeIt := openStream(t, base)
		closeIt()
		if got == status {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream answered %d, want %d within 5s", got, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Closing ends every open stream at once with an "end" message, so that
// a node's shutdown does not wait on them.
func TestClosingEndsStreams(t *testing.T) {
	closing := make(chan struct{})
	base := streamServer(t, func(o *Options) { o.Closing = closing })
	var readers []*bufio.Reader
	for range 3 {
		status, br, closeIt := openStream(t, base)
		defer closeIt()
		if status != 200 {
			t.Fatalf("stream: %d", status)
		}
		readers = append(readers, br)
	}
	close(closing)
	for i, br := range readers {
		done := make(chan string, 1)
		go func() {
			var all strings.Builder
			for {
				line, err := br.ReadString('\n')
				all.WriteString(line)
				if err != nil {
					done <- all.String()
					return
				}
			}
		}()
		select {
		case rest := <-done:
			if !strings.Contains(rest, "event: end") {
				t.Errorf("stream %d ended without an end message: %q", i, rest)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("stream %d still open 5s after closing", i)
		}
	}
}

func httpGet(t *testing.T, url string) response {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	br := bufio.NewReader(res.Body)
	if res.StatusCode != 200 {
		_, _ = br.WriteTo(&b)
	}
	return response{status: res.StatusCode, header: res.Header, body: []byte(b.String())}
}
