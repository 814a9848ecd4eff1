package actors_test

import (
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store/natsjs"
)

// The ingress, on a real member and a real log: what is appended to the log
// directly reaches the grains, what cannot decode is dead-lettered, every
// message ends acknowledged, and the actor stops promptly.
func TestIngress(t *testing.T) {
	log, js := openLog(t)
	m := metrics.New(nil)
	member := startMember(t, actors.GrainConfig{Log: log, Metrics: m})
	cl := member.Client()
	ctx := testContext(t)
	root := member.System().Root
	const durable = "ingress-test"
	spawn := func() *actor.PID {
		return root.Spawn(actors.NewIngressProps(actors.IngressConfig{
			Subscriber:     log.Feed(),
			DeadLetters:    log.Feed(),
			Grains:         cl,
			Durable:        durable,
			Workers:        2,
			RetryDelay:     200 * time.Millisecond,
			FlushAfter:     300 * time.Millisecond,
			DeliverTimeout: 10 * time.Second,
			Logger:         testLogger(),
			Metrics:        m,
		}))
	}
	pid := spawn()
	t.Cleanup(func() { _ = root.StopFuture(pid).Wait() })

	// Direct appends to a graph whose grain is active: only the ingress
	// can bring them to it (a query does not read the log).
	mustSubmit(t, cl, txOf("live", addNode("a")))
	appendDirect(t, log, "live", addNode("b"))
	appendDirect(t, log, "live", addNode("c"), addEdge("bc", "b", "c"))
	eventually(t, 10*time.Second, "direct appends applied by the active grain", func() bool {
		s := state(t, cl, "live")
		return s.GetVersion() == 3 && slices.Equal(nodeIDs(s), []string{"a", "b", "c"}) && slices.Equal(edgeIDs(s), []string{"bc"})
	})

	// A transaction whose events never all arrive is handed over after
	// FlushAfter; the grain reads it from the log, where it is incomplete
	// and so rejected whole, keeping its version.
	mustSubmit(t, cl, txOf("partial", addNode("a")))
	part := addNode("p")
	part.GraphId, part.TransactionId, part.Version, part.Index, part.Count = "partial", "cut", 2, 0, 2
	data, err := proto.Marshal(part)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "event.store.partial.NodeAdded", data); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the incomplete transaction reached the grain", func() bool {
		return state(t, cl, "partial").GetVersion() == 2
	})
	if s := state(t, cl, "partial"); !slices.Equal(nodeIDs(s), []string{"a"}) {
		t.Fatalf("incomplete transaction changed the graph: nodes %v", nodeIDs(s))
	}
	if r := mustSubmit(t, cl, txOf("partial", addNode("b"))); r.GetVersion() != 3 {
		t.Fatalf("submit after the incomplete transaction gave version %d, want 3", r.GetVersion())
	}

	// Messages that can never apply go to the dead-letter stream.
	uncommitted, err := proto.Marshal(&messages.Event{GraphId: "env", Payload: addNode("x").Payload}) // version 0
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string][]byte{
		"event.store.junk.NodeAdded":    []byte("\xff\xff not an event"),
		"event.store.bad!id.NodeAdded":  []byte("\xff\xff not an event"),
		"event.store.env.NodeAdded":     uncommitted,
		"event.store.other.EdgeRemoved": mustMarshal(t, &messages.Event{GraphId: "not-other", Version: 1, Count: 1, Payload: removeEdge("e").Payload}),
	}
	badSeqs := map[string]uint64{}
	for _, subject := range slices.Sorted(maps.Keys(bad)) {
		ack, err := js.Publish(ctx, subject, bad[subject])
		if err != nil {
			t.Fatal(err)
		}
		badSeqs[subject] = ack.Sequence
	}
	// The graph behind them is not blocked.
	appendDirect(t, log, "live", addNode("d"))
	eventually(t, 10*time.Second, "the graph behind the bad messages applied", func() bool {
		return state(t, cl, "live").GetVersion() == 4
	})

	dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "dead letters stored", func() bool {
		info, err := dlq.Info(ctx)
		return err == nil && info.State.Msgs >= uint64(len(bad))
	})
	cons, err := js.Consumer(ctx, natsjs.DefaultStream, durable)
	if err != nil {
		t.Fatal(err)
	}
	var info *jetstream.ConsumerInfo
	eventually(t, 10*time.Second, "every message of the log acknowledged", func() bool {
		info, err = cons.Info(ctx)
		return err == nil && info.NumAckPending == 0 && info.NumPending == 0
	})
	events, err := js.Stream(ctx, natsjs.DefaultStream)
	if err != nil {
		t.Fatal(err)
	}
	si, err := events.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.AckFloor.Stream != si.State.LastSeq {
		t.Fatalf("consumer acked up to sequence %d, the stream ends at %d", info.AckFloor.Stream, si.State.LastSeq)
	}
	dinfo, err := dlq.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if dinfo.State.Msgs != uint64(len(bad)) {
		t.Fatalf("%d dead letters, want %d: a bad message was dead-lettered more than once or a good one too", dinfo.State.Msgs, len(bad))
	}
	for seq := uint64(1); seq <= dinfo.State.Msgs; seq++ {
		msg, err := dlq.GetMsg(ctx, seq)
		if err != nil {
			t.Fatal(err)
		}
		subject := msg.Header.Get(natsjs.HeaderOriginalSubject)
		want, ok := bad[subject]
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
	if got := metricValue(t, m.DeadLetters); got != float64(len(bad)) {
		t.Errorf("%v dead letters counted, want %d", got, len(bad))
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

func mustMarshal(t testing.TB, m proto.Message) []byte {
	t.Helper()
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
