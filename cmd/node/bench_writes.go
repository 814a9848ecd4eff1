package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// writeBench is one write comparison of `node bench`: writers submitting
// transactions of txSize events to graphs graphs (1: one hot graph) for a
// while, against the same number of raw JetStream publishers of messages
// of the transactions' encoded size on as many subjects.
type writeBench struct {
	txSize   int
	graphs   int
	writers  int
	duration time.Duration
}

// writeRates are one round's figures, in transactions per second.
type writeRates struct {
	raw, client, http float64
}

// benchWriteRound measures one round: raw sync publishes, then submits
// through the cluster client (the Go API other actors and services use),
// then submits through the HTTP API; each for b.duration.
func benchWriteRound(ctx context.Context, n *node, js jetstream.JetStream, b writeBench, run string, viaHTTP bool, progress io.Writer) (writeRates, error) {
	var r writeRates
	var err error
	size := encodedTxSize(b.txSize)
	if r.raw, err = rawSyncPublish(ctx, js, b, size, run); err != nil {
		return r, fmt.Errorf("raw publish: %w", err)
	}
	fmt.Fprintf(progress, "  raw sync publish of %d-byte messages: %.0f msg/s\n", size, r.raw)
	var ids atomic.Int64
	submitClient := func(ctx context.Context, graphID string) error {
		_, err := n.member.Client().Submit(ctx, benchTx(graphID, b.txSize, &ids))
		return err
	}
	if r.client, err = timedWriters(ctx, b, "client-"+run, submitClient); err != nil {
		return r, fmt.Errorf("submit through the cluster client: %w", err)
	}
	fmt.Fprintf(progress, "  submit through the cluster client: %.0f tx/s\n", r.client)
	if !viaHTTP {
		return r, nil
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.writers}}
	defer client.CloseIdleConnections()
	base := "http://" + n.httpAddr()
	submitHTTP := func(ctx context.Context, graphID string) error {
		return postBenchTx(ctx, client, base, graphID, b.txSize, &ids)
	}
	if r.http, err = timedWriters(ctx, b, "http-"+run, submitHTTP); err != nil {
		return r, fmt.Errorf("submit through HTTP: %w", err)
	}
	fmt.Fprintf(progress, "  submit through HTTP: %.0f tx/s\n", r.http)
	return r, nil
}

// postBenchTx submits a transaction of n fresh nodes to graphID through
// the HTTP API at base, as a client would.
func postBenchTx(ctx context.Context, client *http.Client, base, graphID string, n int, ids *atomic.Int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v1/graphs/"+graphID+"/transactions", bytes.NewReader(benchBody(n, ids)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(resp.Body)
		return fmt.Errorf("POST %s%s: %s %s", base, req.URL.Path, resp.Status, bytes.TrimSpace(msg))
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}

// timedWriters runs b.writers goroutines calling write on random graphs of
// b.graphs (named after run) for b.duration and returns calls per second.
// The first error stops the run.
func timedWriters(ctx context.Context, b writeBench, run string, write func(ctx context.Context, graphID string) error) (float64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	graphs := make([]string, b.graphs)
	for i := range graphs {
		graphs[i] = fmt.Sprintf("bench-%s-%d", run, i)
	}
	var (
		done    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	deadline := time.Now().Add(b.duration)
	start := time.Now()
	for w := range b.writers {
		wg.Go(func() {
			rnd := rand.New(rand.NewPCG(uint64(w), 1))
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if err := write(ctx, graphs[rnd.IntN(len(graphs))]); err != nil {
					errOnce.Do(func() { first = err; cancel() })
					return
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return float64(done.Load()) / time.Since(start).Seconds(), nil
}

// rawSyncPublish is the baseline: b.writers publishers, each waiting for
// its ack before the next publish (as a grain does), of size-byte
// messages on b.graphs subjects of a stream of its own, for b.duration.
func rawSyncPublish(ctx context.Context, js jetstream.JetStream, b writeBench, size int, run string) (float64, error) {
	stream := "BENCH_RAW_" + run
	subjects := "bench.raw." + run + "."
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{subjects + ">"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, err
	}
	defer js.DeleteStream(context.Background(), stream) //nolint:errcheck // best effort: the directory goes anyway
	data := bytes.Repeat([]byte{'x'}, size)
	return timedWriters(ctx, b, run, func(ctx context.Context, graphID string) error {
		_, err := js.PublishMsg(ctx, &nats.Msg{Subject: subjects + graphID, Data: data})
		return err
	})
}

// rawAsyncPublishEvents is the baseline of events per second: count
// single-event messages published asynchronously on b.graphs subjects.
func rawAsyncPublishEvents(ctx context.Context, js jetstream.JetStream, b writeBench, count int, run string) (float64, error) {
	stream := "BENCH_RAW_EV_" + run
	subjects := "bench.rawev." + run + "."
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{subjects + ">"}, Storage: jetstream.FileStorage}); err != nil {
		return 0, err
	}
	defer js.DeleteStream(context.Background(), stream) //nolint:errcheck // best effort
	data := bytes.Repeat([]byte{'x'}, encodedTxSize(1))
	start := time.Now()
	for i := range count {
		// A slow server (or a race-instrumented test) may take longer
		// than the default 200 ms to make room among the pending acks;
		// waiting is what a baseline of the broker's speed should do.
		msg := &nats.Msg{Subject: fmt.Sprintf("%s%d", subjects, i%b.graphs), Data: data}
		if _, err := js.PublishMsgAsync(msg, jetstream.WithStallWait(time.Minute)); err != nil {
			return 0, err
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		return 0, fmt.Errorf("raw async publish acks did not arrive within 5 minutes")
	}
	return float64(count) / time.Since(start).Seconds(), nil
}

// benchProps are the properties of every node the write benchmark adds.
// One value shared by every event: writers are clients, whose cost of
// building requests is not what is measured, and nothing writes to it.
var benchProps = benchEvent("n000000000").GetNodeAdded().GetProperties()

// benchTx is a transaction of n NodeAdded events with fresh node IDs.
func benchTx(graphID string, n int, ids *atomic.Int64) *messages.Transaction {
	tx := &messages.Transaction{GraphId: graphID, Events: make([]*messages.Event, n)}
	for i := range tx.Events {
		tx.Events[i] = &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId: benchNodeID(ids), NodeType: "item", Properties: benchProps}}}
	}
	return tx
}

// benchNodeID is a fresh node ID, n and nine digits.
func benchNodeID(ids *atomic.Int64) string {
	n := strconv.FormatInt(ids.Add(1), 10)
	return "n" + strings.Repeat("0", max(9-len(n), 0)) + n
}

// benchPropsJSON is benchProps as the HTTP API takes them.
var benchPropsJSON = func() string {
	b, err := json.Marshal(map[string]any{"name": "node n000000000", "weight": 1.5, "tags": []any{"bench"}})
	if err != nil {
		panic(err)
	}
	return string(b)
}()

// benchBody is the HTTP form of benchTx's transaction.
func benchBody(n int, ids *atomic.Int64) []byte {
	b := make([]byte, 0, n*(len(benchPropsJSON)+80)+16)
	b = append(b, `{"events":[`...)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"type":"NodeAdded","node_id":"`...)
		b = append(b, benchNodeID(ids)...)
		b = append(b, `","node_type":"item","properties":`...)
		b = append(b, benchPropsJSON...)
		b = append(b, '}')
	}
	return append(b, "]}"...)
}

// encodedTxSize is the size of the log message of a benchTx of n events:
// its body as stored, and the IDs the edge stamps.
func encodedTxSize(n int) int {
	var ids atomic.Int64
	tx := benchTx("bench-graph-000", n, &ids)
	tx.TransactionId = "fn0T4In4rPoKeoIWSmBiGW"
	for _, ev := range tx.Events {
		ev.EventId = "fn0T4In4rPoKeoIWSmBiLD"
	}
	if err := store.Stamp(tx, store.Head{Version: 1000}); err != nil {
		panic(err)
	}
	data, err := store.EncodeEntry(tx)
	if err != nil {
		panic(err)
	}
	return len(data)
}

// writeReport prints one comparison's medians.
func writeReport(out io.Writer, label string, raws, clients, https []float64, viaHTTP bool) {
	raw := medianOf(raws)
	line := fmt.Sprintf("  %-34s %10.0f  %10.0f %5.2f", label, raw, medianOf(clients), ratiosMedian(clients, raws))
	if viaHTTP {
		line += fmt.Sprintf("  %10.0f %5.2f", medianOf(https), ratiosMedian(https, raws))
	}
	fmt.Fprintln(out, strings.TrimRight(line, " "))
}

// ratiosMedian is the median of the rounds' ratios a[i]/b[i].
func ratiosMedian(a, b []float64) float64 {
	if len(a) == 0 {
		return 0
	}
	rs := make([]float64, len(a))
	for i := range a {
		rs[i] = a[i] / b[i]
	}
	return medianOf(rs)
}

// benchEvent adds node nodeID with the bench's properties.
func benchEvent(nodeID string) *messages.Event {
	props, _ := structpb.NewStruct(map[string]any{"name": "node " + nodeID, "weight": 1.5, "tags": []any{"bench"}})
	return &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
		NodeId: nodeID, NodeType: "item", Properties: props,
	}}}
}
