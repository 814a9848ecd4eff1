package cluster_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// startMember starts a member on loopback whose grains keep their graphs
// in a log on a fresh NATS server.
func startMember(t testing.TB, m *metrics.Metrics) (*cluster.Member, *natsjs.Log) {
	t.Helper()
	_, _, js := natstest.Start(t)
	log, err := natsjs.Open(testContext(t), js, natsjs.Config{Partitions: natstest.Partitions()})
	if err != nil {
		t.Fatal(err)
	}
	member, err := cluster.StartMember(cluster.MemberConfig{
		Host:           "127.0.0.1",
		Port:           0,
		Grain:          actors.GrainConfig{Log: log, Metrics: m},
		RequestTimeout: 20 * time.Second,
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatalf("StartMember: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		member.Shutdown(ctx)
	})
	return member, log
}

func addNode(id string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: id}}}
}

func addEdge(id, src, dst string) *messages.Event {
	return &messages.Event{Payload: &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{EdgeId: id, SourceId: src, TargetId: dst}}}
}

func counter(t testing.TB, c prometheus.Counter) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

var getGraph = &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}}

// calls are the client's four requests, each for graph id.
func calls(cl *cluster.Client, id string) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"Submit": func(ctx context.Context) error {
			_, err := cl.Submit(ctx, &messages.Transaction{GraphId: id, Events: []*messages.Event{addNode("a")}})
			return err
		},
		"Query": func(ctx context.Context) error {
			_, err := cl.Query(ctx, id, getGraph)
			return err
		},
		"Deliver": func(ctx context.Context) error {
			_, err := cl.Deliver(ctx, &messages.Transaction{GraphId: id, Version: 1, Events: []*messages.Event{addNode("a")}})
			return err
		},
		"Passivate": func(ctx context.Context) error { return cl.Passivate(ctx, id) },
	}
}

func TestClient(t *testing.T) {
	m := metrics.New(nil)
	member, log := startMember(t, m)
	cl := member.Client()
	ctx := testContext(t)

	if member.ID() == "" {
		t.Error("member has no ID")
	}
	if _, port, err := net.SplitHostPort(member.Address()); err != nil || port == "0" {
		t.Errorf("member address %q: want the port it listens on (%v)", member.Address(), err)
	}

	t.Run("invalid graph IDs are refused before sending", func(t *testing.T) {
		// With a context that has already ended, a request that was sent
		// would fail as unavailable: ErrInvalidID shows it was not.
		done, cancel := context.WithCancel(context.Background())
		cancel()
		for _, id := range []string{"", "a.b", "a*", "a>", "a b", "event.store.x.>", "ü", strings.Repeat("x", graph.MaxGraphIDLen+1)} {
			for name, call := range calls(cl, id) {
				if err := call(done); !errors.Is(err, graph.ErrInvalidID) || errors.Is(err, store.ErrUnavailable) {
					t.Errorf("%s to graph %q: %v, want ErrInvalidID", name, id, err)
				}
			}
			tx := &messages.Transaction{GraphId: id, Events: []*messages.Event{addNode("a")}}
			if _, err := cl.Submit(ctx, tx); !errors.Is(err, graph.ErrInvalidID) {
				t.Errorf("Submit to graph %q: %v, want ErrInvalidID", id, err)
			}
			if tx.TransactionId != "" || tx.Events[0].EventId != "" {
				t.Errorf("refused transaction for %q was stamped: %v", id, tx)
			}
		}
		if _, err := cl.Submit(ctx, nil); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("Submit(nil): %v, want ErrInvalidID", err)
		}
		if n := counter(t, m.Activations); n != 0 {
			t.Errorf("%v grains activated by refused requests", n)
		}
	})

	t.Run("an ended context fails fast as unavailable", func(t *testing.T) {
		expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		canceled, cancel2 := context.WithCancel(context.Background())
		cancel2()
		for ctxName, c := range map[string]context.Context{"expired": expired, "canceled": canceled} {
			for name, call := range calls(cl, "late") {
				start := time.Now()
				err := call(c)
				if !errors.Is(err, store.ErrUnavailable) {
					t.Errorf("%s with an %s context: %v, want ErrUnavailable", name, ctxName, err)
				}
				if d := time.Since(start); d > time.Second {
					t.Errorf("%s with an %s context took %v", name, ctxName, d)
				}
			}
		}
		if h, err := log.Head(ctx, "late"); err != nil || h != (store.Head{}) {
			t.Errorf("graph late has head %+v (%v) after requests that were never sent", h, err)
		}
		if n := counter(t, m.Activations); n != 0 {
			t.Errorf("%v grains activated by requests that were never sent", n)
		}
	})

	t.Run("missing IDs are stamped, given ones kept", func(t *testing.T) {
		const id = "stamped"
		given := addNode("b")
		given.EventId = "event-given"
		tx := &messages.Transaction{GraphId: id, Events: []*messages.Event{addNode("a"), given, addNode("c")}}
		r, err := cl.Submit(ctx, tx)
		if err != nil {
			t.Fatal(err)
		}
		tx2 := &messages.Transaction{GraphId: id, TransactionId: "tx-given", Events: []*messages.Event{addNode("d")}}
		if _, err := cl.Submit(ctx, tx2); err != nil {
			t.Fatal(err)
		}
		var stored []*messages.Transaction
		for s, err := range log.Read(ctx, id, 0) {
			if err != nil {
				t.Fatal(err)
			}
			stored = append(stored, s)
		}
		if len(stored) != 2 || stored[0].GetVersion() != r.GetVersion() {
			t.Fatalf("log holds %d transactions, want 2", len(stored))
		}
		first := stored[0]
		if first.GetTransactionId() == "" || first.GetTransactionId() != tx.GetTransactionId() {
			t.Errorf("stored transaction ID %q, the client's transaction has %q; want a stamped one", first.GetTransactionId(), tx.GetTransactionId())
		}
		var ids []string
		for _, ev := range first.GetEvents() {
			if ev.GetEventId() == "" {
				t.Errorf("event %d stored without an ID", ev.GetIndex())
			}
			ids = append(ids, ev.GetEventId())
		}
		if ids[1] != "event-given" {
			t.Errorf("given event ID became %q", ids[1])
		}
		if slices.Sort(ids); len(slices.Compact(ids)) != 3 {
			t.Errorf("event IDs are not distinct: %v", ids)
		}
		if got := stored[1].GetTransactionId(); got != "tx-given" {
			t.Errorf("given transaction ID became %q", got)
		}
	})

	t.Run("grain errors come back as sentinels", func(t *testing.T) {
		const id = "errs"
		if _, err := cl.Submit(ctx, &messages.Transaction{GraphId: id, Events: []*messages.Event{
			addNode("a"), addNode("b"), addEdge("ab", "a", "b"), addEdge("ba", "b", "a"),
		}}); err != nil {
			t.Fatal(err)
		}
		v := uint64(0)
		tests := []struct {
			name string
			call func() error
			want error
		}{
			{"stale expected_version", func() error {
				_, err := cl.Submit(ctx, &messages.Transaction{GraphId: id, ExpectedVersion: &v, Events: []*messages.Event{addNode("c")}})
				return err
			}, store.ErrConflict},
			{"edge to a missing node", func() error {
				_, err := cl.Submit(ctx, &messages.Transaction{GraphId: id, Events: []*messages.Event{addEdge("x", "a", "nope")}})
				return err
			}, graph.ErrRejected},
			{"missing node", func() error {
				_, err := cl.Query(ctx, id, &messages.Query{Query: &messages.Query_Node{Node: &messages.GetNode{NodeId: "nope"}}})
				return err
			}, graph.ErrNotFound},
			{"unknown direction", func() error {
				_, err := cl.Query(ctx, id, &messages.Query{Query: &messages.Query_Neighbors{Neighbors: &messages.GetNeighbors{NodeId: "a", Direction: 9}}})
				return err
			}, graph.ErrInvalidArgument},
			{"weight property missing", func() error {
				_, err := cl.Query(ctx, id, &messages.Query{Query: &messages.Query_ShortestPath{ShortestPath: &messages.GetShortestPath{From: "a", To: "b", Weight: "w"}}})
				return err
			}, graph.ErrInvalidWeight},
			{"cycle", func() error {
				_, err := cl.Query(ctx, id, &messages.Query{Query: &messages.Query_TopologicalOrder{TopologicalOrder: &messages.GetTopologicalOrder{}}})
				return err
			}, graph.ErrCycle},
			{"graph without events", func() error {
				_, err := cl.Query(ctx, "empty", getGraph)
				return err
			}, graph.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				err := tt.call()
				if !errors.Is(err, tt.want) {
					t.Fatalf("got %v, want an error wrapping %v", err, tt.want)
				}
				var re *replay.ReplyError
				if !errors.As(err, &re) {
					t.Fatalf("%v is not the grain's reply (%T)", err, err)
				}
			})
		}
	})
}

// A member whose port is taken fails to start with an error; protoactor
// panics there, and StartMember must not.
func TestStartMemberPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	m, err := cluster.StartMember(cluster.MemberConfig{Host: "127.0.0.1", Port: port, Logger: slog.New(slog.DiscardHandler)})
	if err == nil {
		t.Cleanup(func() { m.Shutdown(context.Background()) })
		t.Fatalf("StartMember on port %d, which is in use, succeeded", port)
	}
	if m != nil {
		t.Errorf("StartMember failed (%v) but returned a member", err)
	}
}
