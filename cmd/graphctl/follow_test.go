package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// events --follow prints the history, then each transaction submitted
// through the API while it runs, until canceled (Ctrl-C), which exits 0.
func TestEventsFollow(t *testing.T) {
	base := server(t)
	const g = "follow"
	ctl(t, base, socialTx, "submit", g).want(t, exitOK)

	for _, tt := range []struct {
		name    string
		graph   string // the live transaction goes there
		args    []string
		backlog string // in stdout before the live transaction
		live    func(t *testing.T, stdout string) bool
	}{
		{
			name:    "table",
			graph:   g,
			args:    []string{"events", g, "--follow"},
			backlog: "EdgeAdded    e1            ada -> bob",
			live: func(t *testing.T, stdout string) bool {
				return strings.Contains(stdout, "NodeAdded    live-table    type=late")
			},
		},
		{
			name:    "not created yet",
			graph:   "follow-new",
			args:    []string{"events", "follow-new", "--follow"},
			backlog: "VERSION  INDEX",
			live: func(t *testing.T, stdout string) bool {
				return strings.Contains(stdout, "\n1        0/1    ") && strings.Contains(stdout, "live-new")
			},
		},
		{
			name:    "json lines",
			graph:   g,
			args:    []string{"-o", "json", "events", g, "--follow", "--after-version", "1"},
			backlog: "", // after version 1: only what the table case added
			live: func(t *testing.T, stdout string) bool {
				lines := strings.Split(strings.TrimSpace(stdout), "\n")
				var ev apitypes.Event
				if err := json.Unmarshal([]byte(lines[len(lines)-1]), &ev); err != nil {
					return false
				}
				if ev.NodeID != "live-json" {
					return false
				}
				for _, l := range lines {
					if strings.Contains(l, `"node_id":"ada"`) {
						t.Errorf("--after-version 1 printed version 1: %s", l)
					}
				}
				return ev.Type == apitypes.EventNodeAdded && ev.Version >= 3 && ev.RecordedAt != "" && ev.TransactionID != ""
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var out, errOut syncBuffer
			done := make(chan int, 1)
			args := append([]string{"--server", base}, tt.args...)
			go func() { done <- runContext(ctx, args, strings.NewReader(""), &out, &errOut, noEnv) }()

			waitUntil(t, "the history printed", func() bool { return strings.Contains(out.String(), tt.backlog) })
			node := map[string]string{"table": "live-table", "json lines": "live-json", "not created yet": "live-new"}[tt.name]
			body := `{"events": [{"type": "NodeAdded", "node_id": "` + node + `", "node_type": "late"}]}`
			resp, err := http.Post(base+graphPath(tt.graph, "transactions"), "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("POST: %s", resp.Status)
			}
			waitUntil(t, "the live transaction printed", func() bool { return tt.live(t, out.String()) })

			cancel()
			select {
			case code := <-done:
				if code != exitOK {
					t.Errorf("exit code %d after cancel; stderr: %s", code, errOut.String())
				}
			case <-time.After(10 * time.Second):
				t.Fatal("events --follow did not end after cancel")
			}
		})
	}
}

func waitUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
