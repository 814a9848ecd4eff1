package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/graphlog/graphlog/api"
)

// followReplay opens GET .../replay?follow=true at path and sends every
// frame (an empty keep-alive line is none) to the returned channel until
// ctx ends or the stream does.
func followReplay(t *testing.T, ctx context.Context, base, path string) <-chan api.Frame {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		resp.Body.Close()
		t.Fatalf("GET %s: %s %s", path, resp.Status, resp.Header.Get("Content-Type"))
	}
	out := make(chan api.Frame, 64)
	go func() {
		defer resp.Body.Close()
		defer close(out)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if strings.TrimSpace(sc.Text()) == "" {
				continue
			}
			var f api.Frame
			if err := json.Unmarshal(sc.Bytes(), &f); err != nil {
				t.Errorf("a line of %s is not a frame: %q: %v", path, sc.Text(), err)
				return
			}
			out <- f
		}
	}()
	return out
}

func nextFrame(t *testing.T, frames <-chan api.Frame) api.Frame {
	t.Helper()
	select {
	case f, ok := <-frames:
		if !ok {
			t.Fatal("the following replay ended")
		}
		return f
	case <-time.After(10 * time.Second):
		t.Fatal("no frame within 10s")
	}
	return api.Frame{}
}

// checkFrame checks a frame of one transaction against what the API says
// of that version: its changes are GET .../diff from the version before,
// its events those GET .../events lists for it.
func checkFrame(t *testing.T, c *client, graphID string, f api.Frame) {
	t.Helper()
	if f.State != nil || f.Error != "" || f.Nodes == nil || f.Edges == nil {
		t.Fatalf("frame of version %d: %+v; want the events and changes of one transaction", f.Version, f)
	}
	var d api.Diff
	path := fmt.Sprintf("/v1/graphs/%s/diff?from=%d&to=%d", graphID, f.Version-1, f.Version)
	if f.Version == 1 {
		// Version 0 is no moment of the diff: the first transaction
		// changed everything there is at version 1.
		var g api.Graph
		if status, e, err := c.do("GET", "/v1/graphs/"+graphID+"?version=1", nil, &g); err != nil || status != 200 {
			t.Fatalf("GET version 1: %d %+v %v", status, e, err)
		}
		d.Nodes = api.NodeChanges{Added: g.Nodes, Removed: []api.Node{}, Changed: []api.ElementChange{}}
		d.Edges = api.EdgeChanges{Added: g.Edges, Removed: []api.Edge{}, Changed: []api.ElementChange{}}
	} else if status, e, err := c.do("GET", path, nil, &d); err != nil || status != 200 {
		t.Fatalf("GET %s: %d %+v %v", path, status, e, err)
	}
	if !reflect.DeepEqual(*f.Nodes, d.Nodes) || !reflect.DeepEqual(*f.Edges, d.Edges) {
		t.Fatalf("frame of version %d changed\n nodes %+v\n edges %+v\nGET %s says\n nodes %+v\n edges %+v",
			f.Version, *f.Nodes, *f.Edges, path, d.Nodes, d.Edges)
	}
	var page api.Events
	path = fmt.Sprintf("/v1/graphs/%s/events?after_version=%d&limit=1", graphID, f.Version-1)
	if status, e, err := c.do("GET", path, nil, &page); err != nil || status != 200 {
		t.Fatalf("GET %s: %d %+v %v", path, status, e, err)
	}
	if len(page.Events) != len(f.Events) || len(f.Events) == 0 {
		t.Fatalf("frame of version %d has %d events, the log %d", f.Version, len(f.Events), len(page.Events))
	}
	for i, ev := range f.Events {
		if ev.Version != f.Version || ev.EventID != page.Events[i].EventID {
			t.Fatalf("frame of version %d, event %d: %+v; the log has %+v", f.Version, i, ev, page.Events[i])
		}
	}
}

// A replay that follows goes on past the head: after the keyframe and the
// history, one frame per transaction as it is committed, each with the
// changes GET .../diff gives between its version and the one before,
// group commits and a graph that did not exist yet included; the node's
// shutdown ends it with a line naming where to go on from.
func TestFollowingReplay(t *testing.T) {
	n, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("f", events(typedNode("a", "person", map[string]any{"name": "Ada"}), addNode("b"), addEdge("ab", "a", "b")))
	c.mustSubmit("f", events(addNode("c"), addEdge("bc", "b", "c")))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	frames := followReplay(t, ctx, base, "/v1/graphs/f/replay?from=1&follow=true")
	key := nextFrame(t, frames)
	var at1 api.Graph
	if status, e, err := c.do("GET", "/v1/graphs/f?version=1", nil, &at1); err != nil || status != 200 {
		t.Fatalf("GET version 1: %d %+v %v", status, e, err)
	}
	if key.State == nil || key.Version != 1 || !reflect.DeepEqual(*key.State, at1) {
		t.Fatalf("keyframe %+v; want the state at version 1, %+v", key, at1)
	}
	// The history after from, then the present as it is committed.
	if f := nextFrame(t, frames); f.Version != 2 {
		t.Fatalf("first frame after the keyframe is version %d, want 2", f.Version)
	} else {
		checkFrame(t, c, "f", f)
	}
	live := []map[string]any{
		events(typedNode("d", "person", nil), addEdge("cd", "c", "d"), addEdge("da", "d", "a")),
		events(map[string]any{"type": "NodeUpdated", "node_id": "a", "set": map[string]any{"age": 36, "nick": nil}, "unset": []string{"name"}},
			map[string]any{"type": "EdgeUpdated", "edge_id": "ab", "set": map[string]any{"w": 2}}),
		events(map[string]any{"type": "NodeRemoved", "node_id": "b"}),                           // and its edges ab and bc
		events(map[string]any{"type": "EdgeRemoved", "edge_id": "cd"}, addEdge("cd", "d", "c")), // the same ID, turned round
		events(addNode("e"), map[string]any{"type": "NodeRemoved", "node_id": "e"}),             // nothing, in the end
	}
	for i, tx := range live {
		res := c.mustSubmit("f", tx)
		f := nextFrame(t, frames)
		if f.Version != res.Version || res.Version != uint64(3+i) {
			t.Fatalf("transaction %d got version %d; the frame after it is of version %d", i, res.Version, f.Version)
		}
		checkFrame(t, c, "f", f)
	}
	// Transactions submitted at once may share one message (group
	// commit): still one frame each, in order.
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			c.mustSubmit("f", events(addNode(fmt.Sprintf("g%d", i)), addEdge(fmt.Sprintf("ag%d", i), "a", fmt.Sprintf("g%d", i))))
		})
	}
	wg.Wait()
	for v := uint64(8); v <= 15; v++ {
		f := nextFrame(t, frames)
		if f.Version != v {
			t.Fatalf("frame of version %d, want %d", f.Version, v)
		}
		checkFrame(t, c, "f", f)
	}

	// A graph with no transactions yet: the empty keyframe, then its first.
	fresh := followReplay(t, ctx, base, "/v1/graphs/fresh/replay?follow=true")
	if k := nextFrame(t, fresh); k.State == nil || k.Version != 0 || len(k.State.Nodes) != 0 {
		t.Fatalf("keyframe of a graph with no transactions: %+v", k)
	}
	c.mustSubmit("fresh", events(addNode("x"), addNode("y"), addEdge("xy", "x", "y")))
	checkFrame(t, c, "fresh", nextFrame(t, fresh))

	// Asked wrongly: 400 before anything streams.
	for _, q := range []string{"follow=true&to=3", "follow=true&every=10", "follow=true&interval=1s", "follow=yes", "follow=true&from=0"} {
		status, e, err := c.do("GET", "/v1/graphs/f/replay?"+q, nil, nil)
		if err != nil || status != http.StatusBadRequest || e.Code != api.CodeInvalidArgument || e.Error == "" {
			t.Errorf("replay?%s: %d %+v %v; want 400 invalid_argument", q, status, e, err)
		}
	}
	if status, e, _ := c.do("GET", "/v1/graphs/f/replay?follow=true&from=99", nil, nil); status != http.StatusNotFound {
		t.Errorf("following from a version the graph never reached: %d %+v; want 404", status, e)
	}

	// The node shuts down: the stream ends with an error line and
	// next_from, the version of its last frame.
	sctx, scancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer scancel()
	n.shutdown(sctx)
	var last api.Frame
	for f := range frames {
		last = f
	}
	if last.Code != api.CodeUnavailable || last.NextFrom != 15 || last.Error == "" {
		t.Fatalf("the stream ended with %+v; want an unavailable line with next_from 15", last)
	}
}

// A client keeps at most --max-streams-per-client live streams, replays
// that follow and event streams together.
func TestFollowingReplayTakesAStreamSlot(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.HTTP.MaxStreamsPerClient = 2
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	c.mustSubmit("s", events(addNode("a")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	followReplay(t, ctx, base, "/v1/graphs/s/replay?follow=true")
	readSSE(t, ctx, base+"/v1/graphs/s/events/stream", nil)
	status, e, err := c.do("GET", "/v1/graphs/s/replay?follow=true", nil, nil)
	if err != nil || status != http.StatusTooManyRequests || e.Code != api.CodeTooManyStreams {
		t.Fatalf("a third stream: %d %+v %v; want 429 too_many_streams", status, e, err)
	}
	// A replay that does not follow is no stream.
	if status, e, err := c.do("GET", "/v1/graphs/s/replay?every=1", nil, nil); err != nil || status != http.StatusOK {
		t.Fatalf("a replay beside two streams: %d %+v %v", status, e, err)
	}
}

// The frames of history up to the head a replay that follows found when
// it started count against --max-replay-frames, as a replay's do; past
// the limit the stream ends with a line naming it and where to go on
// from. Frames of transactions committed while it follows are not
// counted.
func TestFollowingReplayFrameLimit(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.HTTP.MaxReplayFrames = 2
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	for i := range 4 {
		c.mustSubmit("l", events(addNode(fmt.Sprintf("n%d", i))))
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got []uint64
	var last api.Frame
	for f := range followReplay(t, ctx, base, "/v1/graphs/l/replay?from=1&follow=true") {
		got = append(got, f.Version)
		last = f
	}
	if !slices.Equal(got, []uint64{1, 2, 3, 3}) || last.Code != api.CodeLimitExceeded || last.NextFrom != 3 ||
		!strings.Contains(last.Error, "--max-replay-frames") {
		t.Fatalf("frames of versions %v, ending with %+v; want 1 (keyframe), 2, 3, then a limit_exceeded line with next_from 3", got, last)
	}

	// Going on from there: one frame of history, then as many as are
	// committed.
	frames := followReplay(t, ctx, base, "/v1/graphs/l/replay?from=3&follow=true")
	if k := nextFrame(t, frames); k.Version != 3 || k.State == nil {
		t.Fatalf("keyframe %+v; want the state at version 3", k)
	}
	if f := nextFrame(t, frames); f.Version != 4 {
		t.Fatalf("frame of version %d, want 4", f.Version)
	}
	for v := uint64(5); v <= 8; v++ {
		c.mustSubmit("l", events(addNode(fmt.Sprintf("m%d", v))))
		if f := nextFrame(t, frames); f.Version != v || f.Error != "" {
			t.Fatalf("frame %+v, want version %d", f, v)
		}
	}
}
