package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
)

// sseMessage is one Server-Sent Events message.
type sseMessage struct {
	id, event, data string
}

// readSSE sends every message of the stream at url to the returned
// channel until ctx ends.
func readSSE(t *testing.T, ctx context.Context, url string, header http.Header) <-chan sseMessage {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("GET %s: %s %s", url, resp.Status, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseMessage, 16)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var m sseMessage
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m.event != "" {
					out <- m
				}
				m = sseMessage{}
			case strings.HasPrefix(line, "id: "):
				m.id = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				m.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				m.data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return out
}

func nextTransaction(t *testing.T, msgs <-chan sseMessage) api.StreamedTransaction {
	t.Helper()
	select {
	case m, ok := <-msgs:
		if !ok {
			t.Fatal("the event stream ended")
		}
		if m.event != "transaction" {
			t.Fatalf("event %q (%s), want transaction", m.event, m.data)
		}
		var tx api.StreamedTransaction
		if err := json.Unmarshal([]byte(m.data), &tx); err != nil {
			t.Fatalf("data %q: %v", m.data, err)
		}
		if m.id != fmt.Sprintf("%d:%d", tx.Version, tx.Sequence) {
			t.Fatalf("message id %q for version %d at sequence %d", m.id, tx.Version, tx.Sequence)
		}
		return tx
	case <-time.After(15 * time.Second):
		t.Fatal("no transaction on the event stream within 15s")
	}
	return api.StreamedTransaction{}
}

// The event stream sends every transaction committed after the point the
// client asks for, as it is committed, and outlives the request timeout.
func TestEventStream(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.HTTP.RequestTimeout = 2 * time.Second
	cfg.HTTP.Token = "s3cret"
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	auth := http.Header{"Authorization": {"Bearer s3cret"}}
	do := func(method, path string, body any) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(mustJSON(t, body)))
		req.Header.Set("Authorization", "Bearer s3cret")
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %s", method, path, resp.Status)
		}
	}
	submit := func(evs ...map[string]any) { do("POST", "/v1/graphs/live/transactions", events(evs...)) }
	submit(addNode("a"))
	submit(addNode("b"))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// From now on: only what comes next.
	now := readSSE(t, ctx, base+"/v1/graphs/live/events/stream", auth)
	// From the start, with the token as EventSource sends it.
	all := readSSE(t, ctx, base+"/v1/graphs/live/events/stream?after_version=0&access_token=s3cret", nil)
	// A reconnect after version 1, with the id of its message and with a
	// bare version.
	resumed := readSSE(t, ctx, base+"/v1/graphs/live/events/stream", http.Header{"Authorization": {"Bearer s3cret"}, "Last-Event-Id": {"1:1"}})
	resumedBare := readSSE(t, ctx, base+"/v1/graphs/live/events/stream", http.Header{"Authorization": {"Bearer s3cret"}, "Last-Event-Id": {"1"}})

	for want := uint64(1); want <= 2; want++ {
		if tx := nextTransaction(t, all); tx.Version != want {
			t.Fatalf("stream from the start: version %d, want %d", tx.Version, want)
		}
	}
	if tx := nextTransaction(t, resumed); tx.Version != 2 {
		t.Fatalf("stream resumed after version 1 sent version %d first", tx.Version)
	}
	if tx := nextTransaction(t, resumedBare); tx.Version != 2 {
		t.Fatalf("stream resumed after bare version 1 sent version %d first", tx.Version)
	}
	time.Sleep(cfg.HTTP.RequestTimeout + 500*time.Millisecond) // streams outlive the request timeout
	submit(addNode("c"), addEdge("e", "a", "c"))
	for name, s := range map[string]<-chan sseMessage{"now": now, "all": all, "resumed": resumed, "resumed bare": resumedBare} {
		tx := nextTransaction(t, s)
		if tx.Version != 3 || tx.Graph != "live" || len(tx.Events) != 2 || tx.Events[1].Type != "EdgeAdded" ||
			tx.Events[1].SourceID != "a" || tx.Events[1].TargetID != "c" || tx.RecordedAt == "" || tx.TransactionID == "" {
			t.Fatalf("stream %s: %+v, want version 3 with its two events", name, tx)
		}
	}

	// Without the token: 401.
	resp, err := http.Get(base + "/v1/graphs/live/events/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("stream without a token: %s", resp.Status)
	}

	// The graph list with heads says where each graph is.
	var list api.GraphList
	req, _ := http.NewRequest("GET", base+"/v1/graphs?detail=head", nil)
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err = c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	h, ok := list.Heads["live"]
	if !ok || h.Version != 3 || h.Sequence == 0 {
		t.Fatalf("heads %+v, want live at version 3", list.Heads)
	}
	if at, err := time.Parse(time.RFC3339Nano, h.RecordedAt); err != nil || time.Since(at) > time.Minute {
		t.Fatalf("head recorded_at %q: %v", h.RecordedAt, err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	s, err := jsonOf(v)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
