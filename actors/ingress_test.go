package actors_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store/natsjs"
)

// The ingress, on a real member and a real log: what is appended to the log
// directly reaches the grains, a stored transaction that breaks the rules
// is rejected whole and keeps its version, undecodable bytes on a graph's
// subject are skipped, a subject that names no graph is dead-lettered,
// every message ends acknowledged, and the actor stops promptly.
func TestIngress(t *testing.T) {
	log, js := openLog(t)
	m := metrics.New(nil)
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: m})
	cl := member.Client()
	ctx := testContext(t)
	root := member.System().Root
	const durable = "ingress-test"
	grains := &countingDeliverer{Deliverer: cl}
	spawn := func() *actor.PID {
		return root.Spawn(actors.NewIngressProps(actors.IngressConfig{
			Subscriber:     log.Feed(),
			DeadLetters:    log.Feed(),
			Grains:         grains,
			Marks:          member.ReadMarks(),
			Durable:        durable,
			Workers:        2,
			RetryDelay:     200 * time.Millisecond,
			DeliverTimeout: 10 * time.Second,
			Logger:         testLogger(),
			Metrics:        m,
		}))
	}
	pid := spawn()
	t.Cleanup(func() { _ = root.StopFuture(pid).Wait() })

	// What the grains write themselves they have read: the ingress
	// acknowledges it without asking them.
	for i := range 20 {
		mustSubmit(t, cl, txOf("own", addNode(fmt.Sprint("n", i))))
	}
	eventually(t, 10*time.Second, "the grain's own transactions acknowledged", func() bool {
		pending, ackPending, err := log.Feed().Lag(ctx, durable)
		return err == nil && pending == 0 && ackPending == 0
	})
	// A notice can overtake the ack of its own append; that one is asked.
	if n := grains.calls.Load(); n > 5 {
		t.Fatalf("the ingress asked the grains %d times about the 20 transactions they wrote themselves", n)
	}

	// Direct appends to a graph whose grain is active: only the ingress
	// can bring them to it (a query does not read the log).
	mustSubmit(t, cl, txOf("live", addNode("a")))
	appendDirect(t, log, "live", addNode("b"))
	appendDirect(t, log, "live", addNode("c"), addEdge("bc", "b", "c"))
	eventually(t, 10*time.Second, "direct appends applied by the active grain", func() bool {
		s := state(t, cl, "live")
		return s.GetVersion() == 3 && slices.Equal(nodeIDs(s), []string{"a", "b", "c"}) && slices.Equal(edgeIDs(s), []string{"bc"})
	})

	// A transaction stored past the normal path that breaks the rules (an
	// edge to a missing node) is rejected whole and keeps its version.
	mustSubmit(t, cl, txOf("rejected", addNode("a")))
	bad := &messages.Transaction{GraphId: "rejected", TransactionId: "past", Version: 2,
		Events: []*messages.Event{addNode("p"), addEdge("e", "p", "missing")}}
	if _, err := js.Publish(ctx, natsjs.Subject("rejected", natstest.Partitions()), mustEntry(t, bad)); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the stored transaction reached the grain", func() bool {
		return state(t, cl, "rejected").GetVersion() == 2
	})
	if s := state(t, cl, "rejected"); !slices.Equal(nodeIDs(s), []string{"a"}) {
		t.Fatalf("rejected transaction changed the graph: nodes %v", nodeIDs(s))
	}
	if r := mustSubmit(t, cl, txOf("rejected", addNode("b"))); r.GetVersion() != 3 {
		t.Fatalf("submit after the rejected transaction gave version %d, want 3", r.GetVersion())
	}

	// Bytes that are no entry, on a graph's own subject, are skipped by
	// the graph's reads; they never block the graph.
	if _, err := js.Publish(ctx, natsjs.Subject("junk", natstest.Partitions()), []byte("\xff\xff not an entry")); err != nil {
		t.Fatal(err)
	}
	// Subjects that name no graph can never be read by one: they go to
	// the dead-letter stream.
	deadLetters := map[string][]byte{
		natsjs.PartitionPrefix(0) + "bad!id": []byte("\xff\xff not an entry"),
		natsjs.PartitionPrefix(0) + "bad~id": mustEntry(t, bad),
	}
	badSeqs := map[string]uint64{}
	for _, subject := range slices.Sorted(maps.Keys(deadLetters)) {
		ack, err := js.Publish(ctx, subject, deadLetters[subject])
		if err != nil {
			t.Fatal(err)
		}
		badSeqs[subject] = ack.Sequence
	}
	// The graphs behind them are not blocked.
	appendDirect(t, log, "live", addNode("d"))
	eventually(t, 10*time.Second, "the graph behind the bad messages applied", func() bool {
		return state(t, cl, "live").GetVersion() == 4
	})
	if r := mustSubmit(t, cl, txOf("junk", addNode("a"))); r.GetVersion() != 1 {
		t.Fatalf("submit to the graph with undecodable bytes gave version %d, want 1", r.GetVersion())
	}

	dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "dead letters stored", func() bool {
		info, err := dlq.Info(ctx)
		return err == nil && info.State.Msgs >= uint64(len(deadLetters))
	})
	eventually(t, 10*time.Second, "every message of the log acknowledged", func() bool {
		pending, ackPending, err := log.Feed().Lag(ctx, durable)
		return err == nil && pending == 0 && ackPending == 0
	})
	// Every partition's consumer acknowledged up to its stream's end.
	for p := range natstest.Partitions() {
		name := natsjs.StreamName(natsjs.DefaultStream, p)
		cons, err := js.Consumer(ctx, name, durable)
		if err != nil {
			t.Fatal(err)
		}
		info, err := cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		events, err := js.Stream(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		si, err := events.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.AckFloor.Stream != si.State.LastSeq {
			t.Fatalf("consumer on %s acked up to sequence %d, the stream ends at %d", name, info.AckFloor.Stream, si.State.LastSeq)
		}
	}
	dinfo, err := dlq.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dinfo.State.Msgs != uint64(len(deadLetters)) {
		t.Fatalf("%d dead letters, want %d: a bad message was dead-lettered more than once or a good one too", dinfo.State.Msgs, len(deadLetters))
	}
	for seq := uint64(1); seq <= dinfo.State.Msgs; seq++ {
		msg, err := dlq.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		subject := msg.Header.Get(natsjs.HeaderOriginalSubject)
		want, ok := deadLetters[subject]
		if !ok || msg.Subject != natsjs.DeadLetterSubject(subject) || string(msg.Data) != string(want) {
			t.Errorf("dead letter %d: subject %q, original %q, data %q", seq, msg.Subject, subject, msg.Data)
			continue
		}
		if got := msg.Header.Get(natsjs.HeaderOriginalSequence); got != strconv.FormatUint(badSeqs[subject], 10) {
			t.Errorf("dead letter of %s names sequence %s, want %d", subject, got, badSeqs[subject])
		}
		if msg.Header.Get(natsjs.HeaderReason) == "" {
			t.Errorf("dead letter of %s has no reason", subject)
		}
	}
	if got := metricValue(t, m.DeadLetters); got != float64(len(deadLetters)) {
		t.Errorf("%v dead letters counted, want %d", got, len(deadLetters))
	}

	// Stopping returns promptly, and a new ingress on the same durable
	// consumer goes on where it stopped.
	start := time.Now()
	if err := root.StopFuture(pid).Wait(); err != nil {
		t.Fatalf("stopping the ingress: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("stopping the ingress took %v", d)
	}
	appendDirect(t, log, "live", addNode("e"))
	pid = spawn()
	eventually(t, 15*time.Second, "the restarted ingress delivered the new transaction", func() bool {
		return state(t, cl, "live").GetVersion() == 5
	})
}

// countingDeliverer counts the notices the ingress hands to grains.
type countingDeliverer struct {
	actors.Deliverer
	calls atomic.Int64
}

func (d *countingDeliverer) Deliver(ctx context.Context, tx *messages.Transaction) (*messages.DeliverReply, error) {
	d.calls.Add(1)
	return d.Deliverer.Deliver(ctx, tx)
}

// mustEntry is the body of a log message holding txs, as written past the
// normal path: no checks.
func mustEntry(t testing.TB, txs ...*messages.Transaction) []byte {
	t.Helper()
	b, err := proto.Marshal(&messages.LogEntry{Transactions: txs})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
