package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// demoGraph is the graph --demo seeds.
const demoGraph = "demo"

// seedDemo writes the demo graph's history unless the graph has one: a
// small system of teams, services, databases and queues that grows,
// changes and loses a service over a dozen transactions, so the viewer has
// something to draw, to scrub through and to diff.
func seedDemo(ctx context.Context, cl *cluster.Client, log store.Reader, logger *slog.Logger) error {
	head, err := log.Head(ctx, demoGraph)
	if err != nil {
		return err
	}
	if head.Version > 0 {
		return nil
	}
	v := uint64(0)
	for i, evs := range demoHistory() {
		expected := v
		r, err := cl.Submit(ctx, &messages.Transaction{GraphId: demoGraph, ExpectedVersion: &expected,
			TransactionId: fmt.Sprintf("demo-%02d", i+1), Events: evs})
		if errors.Is(err, store.ErrConflict) {
			return nil // another node seeds it
		}
		if err != nil {
			return fmt.Errorf("seeding the demo graph, transaction %d: %w", i+1, err)
		}
		v = r.GetVersion()
	}
	logger.Info("demo graph seeded", slog.String("graph", demoGraph), slog.Uint64("version", v))
	return nil
}

func demoHistory() [][]*messages.Event {
	node := func(id, typ string, props map[string]any) *messages.Event {
		p, _ := structpb.NewStruct(props)
		return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id, NodeType: typ, Properties: p}}}
	}
	edge := func(src, typ, dst string) *messages.Event {
		return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId: src + "-" + typ + "-" + dst, SourceId: src, TargetId: dst, EdgeType: typ}}}
	}
	update := func(id string, props map[string]any) *messages.Event {
		p, _ := structpb.NewStruct(props)
		return &messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: id, Set: p}}}
	}
	remove := func(id string) *messages.Event {
		return &messages.Event{Payload: &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{NodeId: id}}}
	}
	svc := func(id, lang string) *messages.Event {
		return node(id, "service", map[string]any{"language": lang, "replicas": 2})
	}
	return [][]*messages.Event{
		{node("payments", "team", map[string]any{"lead": "Ada"}), node("catalog", "team", map[string]any{"lead": "Grace"}),
			node("platform", "team", map[string]any{"lead": "Linus"})},
		{svc("gateway", "go"), edge("platform", "owns", "gateway")},
		{svc("orders", "go"), svc("billing", "kotlin"), edge("payments", "owns", "orders"), edge("payments", "owns", "billing"),
			edge("gateway", "calls", "orders")},
		{node("orders-db", "database", map[string]any{"engine": "postgres"}), node("billing-db", "database", map[string]any{"engine": "postgres"}),
			edge("orders", "reads", "orders-db"), edge("billing", "reads", "billing-db")},
		{svc("products", "rust"), svc("search", "go"), node("products-db", "database", map[string]any{"engine": "cockroach"}),
			edge("catalog", "owns", "products"), edge("catalog", "owns", "search"), edge("products", "reads", "products-db"),
			edge("gateway", "calls", "products"), edge("gateway", "calls", "search"), edge("search", "calls", "products")},
		{node("events", "queue", map[string]any{"system": "nats"}), edge("orders", "publishes", "events"),
			edge("billing", "consumes", "events"), edge("platform", "owns", "events")},
		{update("orders", map[string]any{"replicas": 6}), update("gateway", map[string]any{"replicas": 4})},
		{svc("legacy-invoices", "java"), edge("payments", "owns", "legacy-invoices"), edge("billing", "calls", "legacy-invoices")},
		{svc("recommendations", "python"), edge("catalog", "owns", "recommendations"), edge("recommendations", "consumes", "events"),
			edge("gateway", "calls", "recommendations"), edge("recommendations", "calls", "search")},
		{svc("invoices", "go"), edge("payments", "owns", "invoices"), edge("billing", "calls", "invoices"),
			edge("invoices", "reads", "billing-db")},
		{remove("legacy-invoices")},
		{svc("auth", "go"), node("users-db", "database", map[string]any{"engine": "postgres"}), edge("platform", "owns", "auth"),
			edge("auth", "reads", "users-db"), edge("gateway", "calls", "auth")},
		{update("search", map[string]any{"language": "rust", "replicas": 3}), svc("notifications", "go"),
			edge("platform", "owns", "notifications"), edge("notifications", "consumes", "events")},
	}
}
