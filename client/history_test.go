package client_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
)

// historyGraph writes three transactions: a–b, then b–c, then a's n
// changed and c removed with its edge.
func historyGraph(t *testing.T, c *client.Client) string {
	g := graphName(t)
	mustSubmit(t, c, g, tx(addNode("a", map[string]any{"n": 1}), addNode("b", nil), addEdge("ab", "a", "b", nil)))
	mustSubmit(t, c, g, tx(addNode("c", nil), addEdge("bc", "b", "c", nil)))
	mustSubmit(t, c, g, tx(apitypes.EventData{Type: apitypes.EventNodeUpdated, NodeID: "a", Set: map[string]any{"n": 2}},
		apitypes.EventData{Type: apitypes.EventEdgeRemoved, EdgeID: "bc"}, apitypes.EventData{Type: apitypes.EventNodeRemoved, NodeID: "c"}))
	return g
}

func TestHistory(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := historyGraph(t, c)

	// Events, a page at a time: whole transactions, up to the limit's
	// events (at least one transaction).
	p1, err := c.Events(ctx, g, client.EventsPage{Limit: 2})
	if err != nil || len(p1.Events) != 3 || p1.NextAfterVersion != 1 || p1.NextAfterSequence == 0 {
		t.Fatalf("events page 1: %+v, %v", p1, err)
	}
	p2, err := c.Events(ctx, g, client.EventsPage{AfterVersion: p1.NextAfterVersion, AfterSequence: p1.NextAfterSequence, Limit: 2})
	if err != nil || len(p2.Events) != 2 || p2.Events[0].Version != 2 || p2.NextAfterVersion != 2 {
		t.Fatalf("events page 2: %+v, %v", p2, err)
	}
	_, err = c.Events(ctx, g, client.EventsPage{Limit: 100000})
	wantErr(t, "a limit over the most", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// Diff.
	d, err := c.Diff(ctx, g, client.AtVersion(1), client.Moment{})
	if err != nil || d.FromVersion != 1 || d.ToVersion != 3 || len(d.Nodes.Changed) != 1 || len(d.Nodes.Added)+len(d.Nodes.Removed) != 0 {
		t.Fatalf("diff 1..now: %+v, %v", d, err)
	}
	_, err = c.Diff(ctx, g, client.Moment{}, client.AtVersion(2))
	wantErr(t, "a diff without from", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// Element history.
	nh, err := c.NodeHistory(ctx, g, "c", client.Page{})
	if err != nil || len(nh.Changes) != 2 || nh.Changes[0].Change != "added" || nh.Changes[1].Change != "removed" {
		t.Fatalf("history of c: %+v, %v", nh, err)
	}
	nh, err = c.NodeHistory(ctx, g, "a", client.Page{Limit: 1})
	if err != nil || len(nh.Changes) != 1 || nh.NextAfter != 1 {
		t.Fatalf("history of a, first page: %+v, %v", nh, err)
	}
	nh, err = c.NodeHistory(ctx, g, "a", client.Page{After: nh.NextAfter}, client.AtVersion(2))
	if err != nil || len(nh.Changes) != 0 || nh.Version != 2 {
		t.Fatalf("history of a after 1 as of 2: %+v, %v", nh, err)
	}
	eh, err := c.EdgeHistory(ctx, g, "bc", client.Page{})
	if err != nil || len(eh.Changes) != 2 || eh.Kind != "edge" {
		t.Fatalf("history of bc: %+v, %v", eh, err)
	}
	_, err = c.NodeHistory(ctx, g, "never", client.Page{})
	wantErr(t, "the history of a node that never was", err, client.ErrNotFound, apitypes.CodeNotFound)

	// Replay, every transaction.
	var frames []apitypes.Frame
	for f, err := range c.Replay(ctx, g, client.Window{Every: 1}) {
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	if len(frames) != 4 || frames[0].State == nil || frames[0].Version != 0 || frames[3].Version != 3 || len(frames[3].Events) != 3 {
		t.Fatalf("replay: %d frames: %+v", len(frames), frames)
	}
	frames = frames[:0]
	for f, err := range c.Replay(ctx, g, client.Window{From: client.AtVersion(2), Interval: time.Hour}) {
		if err != nil {
			t.Fatal(err)
		}
		frames = append(frames, f)
	}
	if len(frames) != 2 || frames[0].Version != 2 || len(frames[0].State.Nodes) != 3 || frames[1].Version != 3 {
		t.Fatalf("replay from 2 by the hour: %+v", frames)
	}
	for _, err := range c.Replay(ctx, g, client.Window{}) {
		wantErr(t, "a replay without steps", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	}

	// Earliest arrival.
	ea, err := c.EarliestArrival(ctx, g, "a", "c", client.Moment{}, client.Moment{})
	if err != nil || ea.ToVersion != 3 || len(ea.Arrivals) != 3 || len(ea.Path) != 3 || ea.Path[2].Node != "c" {
		t.Fatalf("earliest arrival a→c: %+v, %v", ea, err)
	}
	_, err = c.EarliestArrival(ctx, g, "", "", client.Moment{}, client.Moment{})
	wantErr(t, "an arrival without a source", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// Series.
	s, err := c.Series(ctx, g, client.SeriesQuery{Metric: "nodes", Window: client.Window{Every: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var counts []float64
	for _, p := range s.Points {
		counts = append(counts, p.Value.(float64))
	}
	if !slices.Equal(counts, []float64{2, 3, 2}) {
		t.Fatalf("nodes over time: %v (%+v)", counts, s)
	}
	s, err = c.Series(ctx, g, client.SeriesQuery{Metric: "degree", Node: "b", Window: client.Window{From: client.AtVersion(1), Every: 1}})
	if err != nil || len(s.Points) != 3 || s.Node != "b" || s.Points[1].Value != float64(2) {
		t.Fatalf("degree of b: %+v, %v", s, err)
	}
	_, err = c.Series(ctx, g, client.SeriesQuery{Metric: "happiness", Window: client.Window{Every: 1}})
	wantErr(t, "an unknown metric", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// Compare.
	cmp, err := c.Compare(ctx, g, client.CompareQuery{Query: "components", Before: client.AtVersion(2), Answers: true})
	if err != nil || !cmp.Changed || cmp.BeforeVersion != 2 || cmp.AfterVersion != 3 {
		t.Fatalf("components 2..now: %+v, %v", cmp, err)
	}
	before, err := client.Decode[apitypes.Components](cmp.Before)
	if err != nil || len(before.Components) != 1 || len(before.Components[0]) != 3 {
		t.Fatalf("the answer before: %+v, %v", before, err)
	}
	if _, err := client.Decode[map[string]any](cmp.Changes); err != nil {
		t.Fatalf("changes: %v", err)
	}
	cmp, err = c.Compare(ctx, g, client.CompareQuery{Query: "node", Params: map[string]string{"node": "b"}, Before: client.AtVersion(1)})
	if err != nil || cmp.Changed || cmp.Before != nil {
		t.Fatalf("node b 1..now: %+v, %v", cmp, err)
	}
	_, err = c.Compare(ctx, g, client.CompareQuery{Query: "components"})
	wantErr(t, "a comparison without before", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// A replay longer than the node's frame limit ends with an error that
	// says where to go on from.
	for range 3 {
		mustSubmit(t, c, g, tx(addNode(graphName(t), nil)))
	}
	var frames2 []apitypes.Frame
	var end error
	for f, err := range c.Replay(ctx, g, client.Window{Every: 1, To: client.AtVersion(6)}) {
		if err != nil {
			end = err
			break
		}
		frames2 = append(frames2, f)
	}
	wantErr(t, "a replay over the frame limit", end, client.ErrRejected, apitypes.CodeLimitExceeded)
	if e := end.(*client.Error); e.NextFrom != sharedMaxFrames || len(frames2) != 1+sharedMaxFrames || frames2[len(frames2)-1].Version != e.NextFrom {
		t.Fatalf("a replay over the limit: %d frames, then next_from %d", len(frames2), e.NextFrom)
	}
}

func TestForkSnapshotsAndLists(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := historyGraph(t, c)

	f, err := c.Fork(ctx, g, apitypes.ForkRequest{Into: g + "-fork", Version: 2})
	if err != nil || f.Graph != g+"-fork" || f.Version != 1 || f.ForkedFrom.Graph != g || f.ForkedFrom.Version != 2 || f.ForkedFrom.CID == "" {
		t.Fatalf("fork at 2: %+v, %v", f, err)
	}
	fg, err := c.Graph(ctx, g+"-fork")
	if err != nil || len(fg.Nodes) != 3 || fg.ForkedFrom == nil || fg.ForkedFrom.Version != 2 {
		t.Fatalf("the fork: %+v, %v", fg, err)
	}
	_, err = c.Fork(ctx, g, apitypes.ForkRequest{Into: g + "-fork"})
	wantErr(t, "a fork onto a graph that exists", err, client.ErrConflict, apitypes.CodeConflict)
	_, err = c.Fork(ctx, g+"-none", apitypes.ForkRequest{Into: g + "-fork2"})
	wantErr(t, "a fork of no graph", err, client.ErrNotFound, apitypes.CodeNotFound)

	snap, err := c.TakeSnapshot(ctx, g)
	if err != nil || snap.Version != 3 || snap.CID == "" {
		t.Fatalf("snapshot: %+v, %v", snap, err)
	}
	snaps, err := c.Snapshots(ctx, g)
	if err != nil || len(snaps.Snapshots) == 0 || snaps.Snapshots[len(snaps.Snapshots)-1] != *snap {
		t.Fatalf("snapshots: %+v, %v; took %+v", snaps, err, snap)
	}
	_, err = c.TakeSnapshot(ctx, g+"-none")
	wantErr(t, "a snapshot of no graph", err, client.ErrNotFound, apitypes.CodeNotFound)

	// Graph list: a page, then all of them a page at a time.
	for i := range 3 {
		mustSubmit(t, c, g+"-list-"+string(rune('a'+i)), tx(addNode("x", nil)))
	}
	// The list is the log's, which shows a new graph within a moment.
	var page *apitypes.GraphList
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		page, err = c.ListGraphs(ctx, client.ListOptions{Prefix: g + "-list-", Limit: 2, Heads: true})
		if err != nil || page.Next != "" || time.Now().After(deadline) {
			break
		}
	}
	if err != nil || !slices.Equal(page.Graphs, []string{g + "-list-a", g + "-list-b"}) || page.Next != g+"-list-b" || page.Heads[g+"-list-a"].Version != 1 {
		t.Fatalf("list page: %+v, %v", page, err)
	}
	page, err = c.ListGraphs(ctx, client.ListOptions{Prefix: g + "-list-", After: page.Next})
	if err != nil || !slices.Equal(page.Graphs, []string{g + "-list-c"}) || page.Next != "" {
		t.Fatalf("list page 2: %+v, %v", page, err)
	}
	var all []string
	for id, err := range c.AllGraphs(ctx, g) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, id)
	}
	if !slices.Equal(all, []string{g, g + "-fork", g + "-list-a", g + "-list-b", g + "-list-c"}) {
		t.Fatalf("all graphs under %s: %v", g, all)
	}
	_, err = c.ListGraphs(ctx, client.ListOptions{Limit: apitypes.MaxLimit + 1})
	wantErr(t, "a limit over the most", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	// Cluster, health.
	members, err := c.Members(ctx)
	if err != nil || len(members.Members) != 1 || !members.Members[0].Self {
		t.Fatalf("members: %+v, %v", members, err)
	}
	loc, err := c.Locate(ctx, g)
	if err != nil || loc.Graph != g || loc.Member.ID != members.Members[0].ID {
		t.Fatalf("locate: %+v, %v", loc, err)
	}
	_, err = c.Locate(ctx, strings.Repeat("x", 1000))
	wantErr(t, "locating a bad graph ID", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	if err := c.Health(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
}
