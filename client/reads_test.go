package client_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
)

func TestSubmitAndReadsPresentAndPast(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := graphName(t)

	res := mustSubmit(t, c, g, tx(addNode("a", map[string]any{"n": 1}), addNode("b", nil), addNode("c", nil),
		addEdge("ab", "a", "b", map[string]any{"w": 2}), addEdge("bc", "b", "c", nil)))
	if res.Graph != g || res.Version != 1 || res.Events != 5 || res.Sequence == 0 {
		t.Fatalf("first submit answered %+v", res)
	}
	evs, err := c.Events(ctx, g, client.EventsPage{})
	if err != nil {
		t.Fatal(err)
	}
	v1At, err := time.Parse(time.RFC3339Nano, evs.Events[0].RecordedAt)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the second transaction is recorded later
	res2 := mustSubmit(t, c, g, apitypes.TransactionRequest{ExpectedVersion: ptr(uint64(1)), Events: []apitypes.EventData{
		{Type: apitypes.EventNodeUpdated, NodeID: "a", Set: map[string]any{"n": 2}},
		{Type: apitypes.EventEdgeRemoved, EdgeID: "bc"},
	}})
	if res2.Version != 2 || res2.Sequence <= res.Sequence {
		t.Fatalf("second submit answered %+v after %+v", res2, res)
	}

	now, err := c.Graph(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if now.Version != 2 || len(now.Nodes) != 3 || len(now.Edges) != 1 {
		t.Fatalf("graph now: %+v", now)
	}
	for _, at := range []client.Moment{client.AtVersion(1), client.AtTime(v1At)} {
		then, err := c.Graph(ctx, g, at)
		if err != nil {
			t.Fatalf("graph at %v: %v", at, err)
		}
		if then.Version != 1 || len(then.Edges) != 2 {
			t.Fatalf("graph at %v: %+v", at, then)
		}
		a, err := c.Node(ctx, g, "a", at)
		if err != nil || a.Properties["n"] != float64(1) {
			t.Fatalf("node a at %v: %+v, %v", at, a, err)
		}
		bc, err := c.Edge(ctx, g, "bc", at)
		if err != nil || bc.Source != "b" || bc.Target != "c" {
			t.Fatalf("edge bc at %v: %+v, %v", at, bc, err)
		}
	}
	a, err := c.Node(ctx, g, "a")
	if err != nil || a.Properties["n"] != float64(2) {
		t.Fatalf("node a now: %+v, %v", a, err)
	}
	ab, err := c.Edge(ctx, g, "ab")
	if err != nil || ab.Properties["w"] != float64(2) {
		t.Fatalf("edge ab now: %+v, %v", ab, err)
	}
	nb, err := c.Neighbors(ctx, g, "b", client.Both)
	if err != nil || len(nb.Neighbors) != 1 || nb.Neighbors[0].Node.ID != "a" || nb.Neighbors[0].Direction != "in" {
		t.Fatalf("neighbors of b now: %+v, %v", nb, err)
	}
	nb, err = c.Neighbors(ctx, g, "b", client.Out, client.AtVersion(1))
	if err != nil || len(nb.Neighbors) != 1 || nb.Neighbors[0].Node.ID != "c" {
		t.Fatalf("neighbors of b out at 1: %+v, %v", nb, err)
	}

	_, err = c.Node(ctx, g, "zz")
	wantErr(t, "a missing node", err, client.ErrNotFound, apitypes.CodeNotFound)
	_, err = c.Edge(ctx, g, "bc")
	wantErr(t, "a removed edge", err, client.ErrNotFound, apitypes.CodeNotFound)
	_, err = c.Graph(ctx, g+"-none")
	wantErr(t, "a graph with no events", err, client.ErrNotFound, apitypes.CodeNotFound)
	_, err = c.Graph(ctx, g, client.AtVersion(9))
	wantErr(t, "a version past the head", err, client.ErrNotFound, "")
	_, err = c.Neighbors(ctx, g, "b", "sideways")
	wantErr(t, "a bad direction", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	_, err = c.Graph(ctx, g, client.AtVersion(1), client.AtVersion(2))
	if !errors.Is(err, client.ErrInvalid) {
		t.Fatalf("two moments: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSubmitErrors(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := graphName(t)
	mustSubmit(t, c, g, tx(addNode("a", nil)))

	_, err := c.Submit(ctx, g, apitypes.TransactionRequest{ExpectedVersion: ptr(uint64(5)), Events: []apitypes.EventData{addNode("b", nil)}})
	wantErr(t, "a stale expected_version", err, client.ErrConflict, apitypes.CodeConflict)
	_, err = c.Submit(ctx, g, tx(addEdge("e", "a", "missing", nil)))
	wantErr(t, "an edge to a missing node", err, client.ErrRejected, apitypes.CodeRejected)
	_, err = c.Submit(ctx, g, tx(apitypes.EventData{Type: "NodeExploded", NodeID: "a"}))
	wantErr(t, "an unknown event type", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	_, err = c.Submit(ctx, g, tx(addNode("big", map[string]any{"blob": string(make([]byte, sharedMaxBody))})))
	wantErr(t, "a body over --max-body-bytes", err, client.ErrTooLarge, apitypes.CodeTooLarge)

	// One ID, two transactions: the second is refused, not applied.
	first := apitypes.TransactionRequest{TransactionID: "tx-1", Events: []apitypes.EventData{addNode("b", nil)}}
	r1 := mustSubmit(t, c, g, first)
	again := mustSubmit(t, c, g, first) // a resend is answered as committed
	if *again != *r1 {
		t.Fatalf("a resend answered %+v; the first answer was %+v", again, r1)
	}
	_, err = c.Submit(ctx, g, apitypes.TransactionRequest{TransactionID: "tx-1", Events: []apitypes.EventData{addNode("c", nil)}})
	wantErr(t, "an ID used for other events", err, client.ErrConflict, apitypes.CodeDuplicateTransactionID)
	now, err := c.Graph(ctx, g)
	if err != nil || now.Version != 2 || len(now.Nodes) != 2 {
		t.Fatalf("after the refusals the graph is %+v, %v; want version 2 with a and b", now, err)
	}

	// Without the token, or with another one.
	for _, opts := range [][]client.Option{nil, {client.WithToken("wrong")}} {
		anon, err := client.New([]string{sharedNode(t)}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		_, err = anon.Graph(ctx, g)
		wantErr(t, "no token", err, client.ErrUnauthorized, apitypes.CodeUnauthorized)
		if err := anon.Health(ctx); err != nil {
			t.Fatalf("health needs no token: %v", err)
		}
	}
}

func TestDryRun(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := graphName(t)
	mustSubmit(t, c, g, tx(addNode("a", nil), addNode("b", nil)))

	ans, err := c.DryRun(ctx, g, tx(addEdge("ab", "a", "b", nil)),
		apitypes.WhatIfQuery{Query: "components"},
		apitypes.WhatIfQuery{Query: "node", Params: map[string]string{"node": "zz"}})
	if err != nil {
		t.Fatal(err)
	}
	if ans.BaseVersion != 1 || ans.Version != 2 || ans.Committed || len(ans.Edges.Added) != 1 || len(ans.Answers) != 2 {
		t.Fatalf("dry run answered %+v", ans)
	}
	comps, err := client.Decode[apitypes.Components](ans.Answers[0].Answer)
	if err != nil || len(comps.Components) != 1 || len(comps.Components[0]) != 2 {
		t.Fatalf("components after the dry run: %+v, %v", comps, err)
	}
	if e := ans.Answers[1].Error; e == nil || e.Code != apitypes.CodeNotFound {
		t.Fatalf("a read of a missing node answered %+v", ans.Answers[1])
	}
	now, err := c.Graph(ctx, g)
	if err != nil || now.Version != 1 || len(now.Edges) != 0 {
		t.Fatalf("a dry run changed the graph: %+v, %v", now, err)
	}
	_, err = c.DryRun(ctx, g, tx(addEdge("e", "a", "missing", nil)))
	wantErr(t, "a dry run the rules refuse", err, client.ErrRejected, apitypes.CodeRejected)
	_, err = c.DryRun(ctx, g, tx(addNode("c", nil)), apitypes.WhatIfQuery{Query: "no-such-read"})
	wantErr(t, "a dry run with an unknown read", err, client.ErrInvalid, "")
}

func TestAlgorithms(t *testing.T) {
	c := newClient(t, sharedNode(t))
	ctx := ctxOf(t)
	g := graphName(t)
	mustSubmit(t, c, g, tx(addNode("a", nil), addNode("b", nil), addNode("c", nil), addNode("d", nil),
		addEdge("ab", "a", "b", map[string]any{"w": 5}), addEdge("bc", "b", "c", map[string]any{"w": 1}),
		addEdge("ac", "a", "c", map[string]any{"w": 10})))

	list, err := c.Algorithms(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(list.Algorithms, func(a apitypes.AlgorithmInfo) bool { return a.Name == "pagerank" && len(a.Params) > 0 }) {
		t.Fatalf("the library has no pagerank: %+v", list)
	}
	ans, err := c.RunAlgorithm(ctx, g, "pagerank", map[string]string{"damping": "0.85"})
	if err != nil {
		t.Fatal(err)
	}
	pr, err := client.Decode[struct {
		Scores []struct {
			Node  string  `json:"node"`
			Score float64 `json:"score"`
		} `json:"scores"`
	}](ans.Result)
	if err != nil || ans.Algorithm != "pagerank" || ans.Version != 1 || len(pr.Scores) != 4 {
		t.Fatalf("pagerank answered %+v (%+v), %v", ans, pr, err)
	}
	_, err = c.RunAlgorithm(ctx, g, "pagerank", map[string]string{"damping": "7"})
	wantErr(t, "a parameter out of bounds", err, client.ErrInvalid, apitypes.CodeInvalidArgument)
	_, err = c.RunAlgorithm(ctx, g, "no-such-algorithm", nil)
	if !errors.Is(err, client.ErrNotFound) && !errors.Is(err, client.ErrInvalid) {
		t.Fatalf("an unknown algorithm: %v", err)
	}

	p, err := c.ShortestPath(ctx, g, "a", "c", "")
	if err != nil || !slices.Equal(p.Nodes, []string{"a", "c"}) {
		t.Fatalf("fewest edges: %+v, %v", p, err)
	}
	p, err = c.ShortestPath(ctx, g, "a", "c", "w")
	if err != nil || !slices.Equal(p.Nodes, []string{"a", "b", "c"}) || p.Cost != 6 {
		t.Fatalf("least weight: %+v, %v", p, err)
	}
	_, err = c.ShortestPath(ctx, g, "c", "a", "")
	wantErr(t, "no path", err, client.ErrNotFound, apitypes.CodeNotFound)

	comps, err := c.Components(ctx, g, client.Weak)
	if err != nil || len(comps.Components) != 2 {
		t.Fatalf("weak components: %+v, %v", comps, err)
	}
	comps, err = c.Components(ctx, g, client.Strong, client.AtVersion(1))
	if err != nil || len(comps.Components) != 4 || comps.Kind != "strong" {
		t.Fatalf("strong components: %+v, %v", comps, err)
	}
	_, err = c.Components(ctx, g, "medium")
	wantErr(t, "a bad kind", err, client.ErrInvalid, apitypes.CodeInvalidArgument)

	order, err := c.TopologicalOrder(ctx, g)
	if err != nil || len(order.Order) != 4 || slices.Index(order.Order, "a") > slices.Index(order.Order, "b") {
		t.Fatalf("topological order: %+v, %v", order, err)
	}
	mustSubmit(t, c, g, tx(addEdge("ca", "c", "a", nil)))
	_, err = c.TopologicalOrder(ctx, g)
	wantErr(t, "an order of a graph with a cycle", err, client.ErrRejected, apitypes.CodeCycle)
}
