package natsjs_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// nextMessage waits for the subscription's next message.
func nextMessage(t *testing.T, sub store.Subscription) store.Message {
	t.Helper()
	ctx, cancel := context.WithTimeout(testContext(t), 10*time.Second)
	defer cancel()
	m, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return m
}

// The feed over a log of 3 partitions delivers one message per
// transaction, however many events it has, naming its graph and its
// stream sequence; each graph's in its log order.
func TestFeedDeliversOneMessagePerTransaction(t *testing.T) {
	const partitions = 3
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{Partitions: partitions})
	heads := map[string]store.Head{}
	want := map[string][]uint64{}
	inPartition := map[int]bool{}
	sizes := []int{1, 40, 3, 250}
	const txs = 24
	for i := range txs {
		id := fmt.Sprintf("feed-%d", i%8)
		inPartition[natsjs.Partition(id, partitions)] = true
		h, err := log.Append(ctx, txOf(id, "t"+strconv.Itoa(i), sizes[i%len(sizes)]), heads[id])
		if err != nil {
			t.Fatal(err)
		}
		heads[id] = h
		want[id] = append(want[id], h.Sequence)
	}
	if len(inPartition) != partitions {
		t.Fatalf("the graphs fill partitions %v only; choose other IDs", inPartition)
	}
	var stored uint64
	for _, name := range partitionStreams(log.Config()) {
		stored += streamMsgs(t, js, name)
	}
	if stored != txs {
		t.Fatalf("the streams hold %d messages for %d transactions, want one each", stored, txs)
	}

	feed := log.Feed()
	sub, err := feed.Subscribe(ctx, "ingress", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	got := map[string][]uint64{}
	var delivered []store.Message
	for range txs {
		m := nextMessage(t, sub)
		id, err := m.GraphID()
		if err != nil {
			t.Fatalf("GraphID of the message on %s: %v", m.Subject(), err)
		}
		if m.Subject() != natsjs.Subject(id, partitions) {
			t.Errorf("message of graph %s on subject %s, want %s", id, m.Subject(), natsjs.Subject(id, partitions))
		}
		got[id] = append(got[id], m.Sequence())
		delivered = append(delivered, m)
	}
	for id, seqs := range want {
		if !slices.Equal(got[id], seqs) {
			t.Errorf("feed delivered graph %s at sequences %v, want %v", id, got[id], seqs)
		}
	}
	// All delivered, none acknowledged: the lag is all ack-pending.
	if n, err := sub.Pending(ctx); err != nil || n != 0 {
		t.Errorf("Pending after every message was delivered = %d, %v; want 0", n, err)
	}
	if pending, ackPending, err := feed.Lag(ctx, "ingress"); err != nil || pending != 0 || ackPending != txs {
		t.Errorf("Lag before acks = %d, %d, %v; want 0 pending and %d awaiting an ack", pending, ackPending, err, txs)
	}
	for _, m := range delivered {
		if err := m.Ack(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Ack does not wait for the server to record it.
	waitFor(t, 10*time.Second, "acks recorded", func() (bool, string) {
		pending, ackPending, err := feed.Lag(ctx, "ingress")
		return err == nil && pending == 0 && ackPending == 0, fmt.Sprintf("lag %d, %d, %v", pending, ackPending, err)
	})

	// What is appended later is delivered too.
	id := "feed-0"
	h, err := log.Append(ctx, txOf(id, "late", 100), heads[id])
	if err != nil {
		t.Fatal(err)
	}
	m := nextMessage(t, sub)
	if gid, err := m.GraphID(); err != nil || gid != id || m.Sequence() != h.Sequence {
		t.Errorf("late message: graph %q (%v) sequence %d, want %s at %d", gid, err, m.Sequence(), id, h.Sequence)
	}
	if err := m.Ack(ctx); err != nil {
		t.Fatal(err)
	}
}

// Lag sums the durable consumers of every partition.
func TestFeedLagSumsPartitions(t *testing.T) {
	const partitions = 3
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{Partitions: partitions})
	perPartition := make([]uint64, partitions)
	heads := map[string]store.Head{}
	for i := range 15 {
		id := fmt.Sprintf("lag-%d", i%6)
		h, err := log.Append(ctx, txOf(id, "t"+strconv.Itoa(i), 2), heads[id])
		if err != nil {
			t.Fatal(err)
		}
		heads[id] = h
		perPartition[natsjs.Partition(id, partitions)]++
	}
	nonEmpty := 0
	for _, n := range perPartition {
		if n > 0 {
			nonEmpty++
		}
	}
	if nonEmpty < 2 {
		t.Fatalf("transactions per partition %v: want at least two partitions used", perPartition)
	}
	feed := log.Feed()
	if _, _, err := feed.Lag(ctx, "lag"); err == nil {
		t.Error("Lag of consumers that do not exist gave no error")
	}
	// Consumers that nobody pulls from, so that the lag stays put: made by
	// hand, as Subscribe makes them.
	for p := range partitions {
		_, err := js.CreateOrUpdateConsumer(ctx, natsjs.StreamName(natsjs.DefaultStream, p), jetstream.ConsumerConfig{
			Durable: "lag", FilterSubject: natsjs.PartitionPrefix(p) + "*", AckPolicy: jetstream.AckExplicitPolicy,
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if pending, ackPending, err := feed.Lag(ctx, "lag"); err != nil || pending != 15 || ackPending != 0 {
		t.Errorf("Lag = %d, %d, %v; want 15 pending (%v by partition), 0 awaiting an ack", pending, ackPending, err, perPartition)
	}
}

// A message on a partition's subject whose graph belongs to another
// partition (or is no valid graph) can never be read by its graph: its
// GraphID is corrupt, and DeadLetter keeps it, body and all, in the
// dead-letter stream.
func TestFeedMisplacedMessageIsCorruptAndDeadLettered(t *testing.T) {
	const partitions = 2
	ctx := testContext(t)
	log, js := openLogJS(t, natsjs.Config{Partitions: partitions})
	misplaced := graphOfPartition(t, "bad-partition-graph", 1, partitions)
	good := graphOfPartition(t, "good", 0, partitions)

	hGood, err := log.Append(ctx, txOf(good, "t1", 2), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string][]byte{}
	seqs := map[string]uint64{}
	for _, subject := range []string{natsjs.PartitionPrefix(0) + misplaced, natsjs.PartitionPrefix(0) + "bad:id"} {
		body := entry(t, stampedTx(t, misplaced, "t1", 1, 2))
		ack, err := js.Publish(ctx, subject, body)
		if err != nil {
			t.Fatal(err)
		}
		if ack.Stream != natsjs.StreamName(natsjs.DefaultStream, 0) {
			t.Fatalf("raw message on %s stored in %s, want partition 0's stream", subject, ack.Stream)
		}
		bodies[subject], seqs[subject] = body, ack.Sequence
	}

	feed := log.Feed()
	sub, err := feed.Subscribe(ctx, "ingress", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	for range 1 + len(bodies) {
		m := nextMessage(t, sub)
		subject := m.Subject()
		id, gidErr := m.GraphID()
		if _, bad := bodies[subject]; !bad {
			if gidErr != nil || id != good || m.Sequence() != hGood.Sequence {
				t.Errorf("message on %s: graph %q, %v, sequence %d; want %s at %d", subject, id, gidErr, m.Sequence(), good, hGood.Sequence)
			}
			if err := m.Ack(ctx); err != nil {
				t.Fatal(err)
			}
			continue
		}
		var ce *store.CorruptError
		if !errors.Is(gidErr, store.ErrCorrupt) || !errors.Is(gidErr, graph.ErrInvalidID) || !errors.As(gidErr, &ce) ||
			ce.Subject != subject || ce.Sequence != seqs[subject] || m.Sequence() != seqs[subject] {
			t.Errorf("GraphID of the message on %s = %q, %v; want a *store.CorruptError at sequence %d", subject, id, gidErr, seqs[subject])
			continue
		}
		if err := feed.DeadLetter(ctx, m, "cannot apply:\n"+gidErr.Error()); err != nil {
			t.Fatalf("DeadLetter of the message on %s: %v", subject, err)
		}
		if err := m.Term(); err != nil {
			t.Fatal(err)
		}
		dlq, err := js.Stream(ctx, natsjs.DefaultDeadLetterStream)
		if err != nil {
			t.Fatal(err)
		}
		dl, err := dlq.GetLastMsgForSubject(ctx, natsjs.DeadLetterSubject(subject))
		if err != nil {
			t.Fatalf("dead letter of %s: %v", subject, err)
		}
		if string(dl.Data) != string(bodies[subject]) ||
			dl.Header.Get(natsjs.HeaderOriginalSubject) != subject ||
			dl.Header.Get(natsjs.HeaderOriginalSequence) != strconv.FormatUint(seqs[subject], 10) ||
			dl.Header.Get(natsjs.HeaderReason) != "cannot apply: "+gidErr.Error() {
			t.Errorf("dead letter of %s: %d bytes (want the %d of the original), headers %v", subject, len(dl.Data), len(bodies[subject]), dl.Header)
		}
	}
	// Terminated and acknowledged: nothing left for the ingress.
	waitFor(t, 10*time.Second, "acks and terms recorded", func() (bool, string) {
		pending, ackPending, err := feed.Lag(ctx, "ingress")
		return err == nil && pending == 0 && ackPending == 0, fmt.Sprintf("lag %d, %d, %v", pending, ackPending, err)
	})
	// The misplaced message is no part of the graph's history.
	if h, err := log.Head(ctx, misplaced); err != nil || h != (store.Head{}) {
		t.Errorf("Head(%s) = %+v, %v; want the zero Head", misplaced, h, err)
	}
	for tx, err := range log.Read(ctx, misplaced, 0) {
		t.Errorf("Read(%s) yielded %v, %v; want nothing", misplaced, tx, err)
	}
}

// A message the ingress asks to have again (Nak) is delivered again.
func TestFeedNakRedelivers(t *testing.T) {
	ctx := testContext(t)
	log := openLog(t, natsjs.Config{Partitions: 2})
	h, err := log.Append(ctx, txOf("g", "t1", 3), store.Head{})
	if err != nil {
		t.Fatal(err)
	}
	sub, err := log.Feed().Subscribe(ctx, "ingress", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Stop()
	m := nextMessage(t, sub)
	if err := m.Nak(0); err != nil {
		t.Fatal(err)
	}
	again := nextMessage(t, sub)
	if id, err := again.GraphID(); err != nil || id != "g" || again.Sequence() != h.Sequence {
		t.Fatalf("redelivered message: graph %q, %v, sequence %d; want g at %d", id, err, again.Sequence(), h.Sequence)
	}
	if err := again.Ack(ctx); err != nil {
		t.Fatal(err)
	}
}

// A subscription that stops gives back what it pulled and did not hand
// out: the next reader of the partition (another member, when ownership
// moves) gets those messages at once, not after the consumer's ack wait,
// and the message handed out and acknowledged does not come again.
func TestFeedStopGivesBackPulledMessages(t *testing.T) {
	ctx := testContext(t)
	log, _ := openLogJS(t, natsjs.Config{Partitions: 2})
	const txs = 20
	heads := map[string]store.Head{}
	for i := range txs {
		id := fmt.Sprintf("back-%d", i%4)
		h, err := log.Append(ctx, txOf(id, "t"+strconv.Itoa(i), 1), heads[id])
		if err != nil {
			t.Fatal(err)
		}
		heads[id] = h
	}
	feed := log.Feed()
	first, err := feed.Subscribe(ctx, "ingress", []int{0, 1})
	if err != nil {
		t.Fatal(err)
	}
	m := nextMessage(t, first)
	if err := m.Ack(ctx); err != nil {
		t.Fatal(err)
	}
	first.Stop()

	second, err := feed.Subscribe(ctx, "ingress", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Stop()
	start := time.Now()
	// Sequences are per partition stream: a message is its subject's
	// partition and its sequence.
	key := func(m store.Message) string { return fmt.Sprint(m.Subject(), m.Sequence()) }
	seen := map[string]bool{key(m): true}
	for len(seen) < txs {
		next := nextMessage(t, second)
		if key(next) == key(m) {
			t.Fatalf("the acknowledged message (%s) came again", key(m))
		}
		seen[key(next)] = true
		if err := next.Ack(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("the messages the first subscription held came after %s: they waited for the ack wait", took)
	}
	if _, err := feed.Subscribe(ctx, "ingress", []int{2}); err == nil {
		t.Fatal("Subscribe to partition 2 of a log of 2 succeeded")
	}
}

// The ack wait is short because a live subscription keeps what it holds:
// a message held past the ack wait is not delivered to another reader of
// the partition, while one held by a reader that died (its connection
// gone, as when its member is killed) comes to the next reader about one
// ack wait later.
func TestFeedKeepsHeldMessagesAndFreesTheDeads(t *testing.T) {
	ctx := testContext(t)
	const ackWait = time.Second
	srv, _, js := natstest.Start(t)
	cfg := natsjs.Config{Partitions: 2, AckWait: ackWait}
	log, err := natsjs.Open(ctx, js, cfg)
	if err != nil {
		t.Fatal(err)
	}
	heldID, orphanID := graphOfPartition(t, "held", 0, 2), graphOfPartition(t, "orphan", 1, 2)
	for _, id := range []string{heldID, orphanID} {
		if _, err := log.Append(ctx, txOf(id, "t1", 1), store.Head{}); err != nil {
			t.Fatal(err)
		}
	}

	// The reader that dies, on its own connection.
	nc, err := nats.Connect(srv.ClientURL(), nats.NoReconnect())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js2, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	dying, err := natsjs.Open(ctx, js2, cfg)
	if err != nil {
		t.Fatal(err)
	}
	first, err := log.Feed().Subscribe(ctx, "ingress", []int{0})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Stop()
	held := nextMessage(t, first)
	if id, _ := held.GraphID(); id != heldID {
		t.Fatalf("first message is of graph %q; want %s", id, heldID)
	}
	second, err := dying.Feed().Subscribe(ctx, "ingress", []int{1})
	if err != nil {
		t.Fatal(err)
	}
	orphan := nextMessage(t, second)
	if id, _ := orphan.GraphID(); id != orphanID {
		t.Fatalf("second reader's message is of graph %q; want %s", id, orphanID)
	}
	nc.Close() // the second reader dies holding its message
	killed := time.Now()
	// Its partition moves to the reader that lives.
	moved, err := log.Feed().Subscribe(ctx, "ingress", []int{1})
	if err != nil {
		t.Fatal(err)
	}
	defer moved.Stop()
	merged := make(chan store.Message)
	for _, sub := range []store.Subscription{first, moved} {
		go func() {
			for {
				m, err := sub.Next(ctx)
				if err != nil {
					return
				}
				select {
				case merged <- m:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	// Four ack waits: the held message must not come again, the orphan
	// must come to the reader that lives.
	wctx, cancel := context.WithTimeout(ctx, 4*ackWait)
	defer cancel()
	var came time.Duration
	for wctx.Err() == nil {
		var m store.Message
		select {
		case m = <-merged:
		case <-wctx.Done():
			continue
		}
		id, _ := m.GraphID()
		switch id {
		case heldID:
			t.Fatalf("the message held for %s came again: the subscription did not keep it", time.Since(killed))
		case orphanID:
			if came == 0 {
				came = time.Since(killed)
			}
			if err := m.Ack(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if came == 0 {
		t.Fatalf("the message the dead reader held did not come within %s", 4*ackWait)
	}
	t.Logf("the dead reader's message came %s after it died (ack wait %s)", came, ackWait)
	if err := held.Ack(ctx); err != nil {
		t.Fatal(err)
	}
}
