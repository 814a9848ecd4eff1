package client_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/client"
)

func Example() {
	ctx := context.Background()
	c, err := client.New([]string{"http://node-a:8080", "http://node-b:8080"}, client.WithToken("secret"))
	if err != nil {
		log.Fatal(err)
	}

	// A transaction: two nodes and an edge. Submit gives it an ID and
	// resends it if the answer is lost, which never applies it twice.
	res, err := c.Submit(ctx, "roads", apitypes.TransactionRequest{Events: []apitypes.EventData{
		{Type: apitypes.EventNodeAdded, NodeID: "oslo", NodeType: "city"},
		{Type: apitypes.EventNodeAdded, NodeID: "bergen", NodeType: "city"},
		{Type: apitypes.EventEdgeAdded, EdgeID: "e1", SourceID: "oslo", TargetID: "bergen", EdgeType: "road",
			Properties: map[string]any{"km": 463}},
	}})
	switch {
	case errors.Is(err, client.ErrRejected):
		log.Fatalf("refused, nothing applied: %v", err)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("version", res.Version)

	// The graph now, and as it was at version 1.
	g, err := c.Graph(ctx, "roads")
	if err != nil {
		log.Fatal(err)
	}
	before, err := c.Graph(ctx, "roads", client.AtVersion(1))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(g.Nodes), len(before.Nodes))

	path, err := c.ShortestPath(ctx, "roads", "oslo", "bergen", "km")
	if errors.Is(err, client.ErrNotFound) {
		fmt.Println("no road")
	} else if err == nil {
		fmt.Println(path.Nodes, path.Cost)
	}
}

func ExampleClient_RunAlgorithm() {
	ctx := context.Background()
	c, err := client.New([]string{"http://localhost:8080"})
	if err != nil {
		log.Fatal(err)
	}
	ans, err := c.RunAlgorithm(ctx, "roads", "pagerank", map[string]string{"damping": "0.85"})
	if err != nil {
		log.Fatal(err)
	}
	// The result is the algorithm's result type of package graph, as JSON
	// (graph.PageRankResult); decode what you need of it.
	res, err := client.Decode[struct {
		Scores []struct {
			Node  string  `json:"node"`
			Score float64 `json:"score"`
		} `json:"scores"`
		Converged bool `json:"converged"`
	}](ans.Result)
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range res.Scores {
		fmt.Println(s.Node, s.Score)
	}
}

func ExampleClient_StreamNewEvents() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.New([]string{"http://node-a:8080", "http://node-b:8080"})
	if err != nil {
		log.Fatal(err)
	}
	// Each transaction as it is committed; the stream goes on by itself
	// when a node goes away, on the other one.
	for tx, err := range c.StreamNewEvents(ctx, "roads") {
		if err != nil {
			log.Print(err)
			break
		}
		fmt.Println(tx.Version, len(tx.Events))
	}
}

func ExampleClient_FollowReplay() {
	ctx := context.Background()
	c, err := client.New([]string{"http://localhost:8080"})
	if err != nil {
		log.Fatal(err)
	}
	for f, err := range c.FollowReplay(ctx, "roads", client.AtVersion(10)) {
		if err != nil {
			log.Fatal(err)
		}
		if f.State != nil {
			fmt.Println("state at", f.Version, "has", len(f.State.Nodes), "nodes")
			continue
		}
		fmt.Println("version", f.Version, "added", len(f.Nodes.Added), "nodes")
	}
}
