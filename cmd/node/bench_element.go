package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nuid"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store/natsjs"
)

// The element-history part of `node bench history` (docs/ARCHITECTURE.md,
// "Element history"): a graph of many one-event transactions, one node of
// which is touched a fixed number of times spread over the history; its
// history is read over HTTP, whole, and timed against raw direct gets of
// the same messages.
const (
	targetElementTxs     = 1_000_000
	targetElementTouches = 100
	targetElementP99     = 50 * time.Millisecond
	elementOthers        = 1000 // nodes the other transactions update
)

type elementResult struct {
	txs, touches int
	fill         time.Duration
	activation   time.Duration // the first read, which activates the graph
	http         []time.Duration
	raw          []time.Duration // direct gets of the same messages, 16 in flight
}

// elementTx is transaction i (version i+1) of the element graph: the
// first adds the nodes, then every txs/touches-th updates "hot", the rest
// one of the others.
func elementTx(graphID string, i int, o historyOptions) *messages.Transaction {
	tx := &messages.Transaction{GraphId: graphID, TransactionId: nuid.Next(), Version: uint64(i + 1)}
	var evs []*messages.Event
	every := o.elementTxs / o.elementTouches
	switch {
	case i == 0:
		evs = append(evs, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "hot", Properties: numberProps("n", 0)}}})
		for k := range elementOthers {
			evs = append(evs, &messages.Event{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "o" + strconv.Itoa(k)}}})
		}
	case i%every == 0:
		evs = append(evs, &messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: "hot", Set: numberProps("n", float64(i))}}})
	default:
		evs = append(evs, &messages.Event{Payload: &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{NodeId: "o" + strconv.Itoa(i%elementOthers), Set: numberProps("n", float64(i))}}})
	}
	for j, ev := range evs {
		ev.EventId, ev.GraphId, ev.TransactionId, ev.Version = nuid.Next(), graphID, tx.TransactionId, tx.Version
		ev.Index, ev.Count = uint32(j), uint32(len(evs))
	}
	tx.Events = evs
	return tx
}

func (b *historyBench) elementHistory(ctx context.Context) (elementResult, error) {
	o := b.o
	res := elementResult{txs: o.elementTxs}
	const id = "element"
	fill, err := b.publish(ctx, fmt.Sprintf("element graph: %d transactions, node hot in one of every %d", o.elementTxs, o.elementTxs/o.elementTouches),
		o.elementTxs, func(i int) *messages.Transaction { return elementTx(id, i, o) }, func(i int) int { return i - 1 })
	if err != nil {
		return res, err
	}
	res.fill = fill
	url := "http://" + b.n.httpAddr() + "/v1/graphs/" + id + "/nodes/hot/history?limit=1000"
	read := func() (api.ElementHistory, time.Duration, error) {
		start := time.Now()
		var h api.ElementHistory
		resp, err := http.Get(url)
		if err != nil {
			return h, 0, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(resp.Body)
			return h, 0, fmt.Errorf("GET %s: %s: %s", url, resp.Status, body)
		}
		err = json.NewDecoder(resp.Body).Decode(&h)
		return h, time.Since(start), err
	}
	fmt.Fprintf(b.progress, "activating the element graph (a fold of %d transactions)...\n", o.elementTxs)
	first, d, err := read()
	if err != nil {
		return res, err
	}
	res.activation = d
	res.touches = len(first.Changes)
	if res.touches != o.elementTouches {
		return res, fmt.Errorf("node hot's history has %d changes, want %d", res.touches, o.elementTouches)
	}
	seqs := make([]uint64, len(first.Changes))
	for i, c := range first.Changes {
		seqs[i] = c.Sequence
	}
	stream, err := b.js.Stream(ctx, natsjs.StreamName(b.log.Config().Stream, 0))
	if err != nil {
		return res, err
	}
	for i := range o.travelSamples {
		_, d, err := read()
		if err != nil {
			return res, err
		}
		res.http = append(res.http, d)
		// The same messages, raw: direct gets, 16 in flight, no decoding.
		start := time.Now()
		var (
			wg    sync.WaitGroup
			slots = make(chan struct{}, 16)
			mu    sync.Mutex
			gerr  error
		)
		for _, seq := range seqs {
			slots <- struct{}{}
			wg.Go(func() {
				defer func() { <-slots }()
				if _, err := stream.GetMsg(ctx, seq); err != nil {
					mu.Lock()
					gerr = err
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if gerr != nil {
			return res, gerr
		}
		res.raw = append(res.raw, time.Since(start))
		if (i+1)%(o.travelSamples/5+1) == 0 {
			fmt.Fprintf(b.progress, "  element history %d/%d: %s (raw gets %s)\n", i+1, o.travelSamples, ms(d), ms(res.raw[i]))
		}
	}
	return res, nil
}

func (r elementResult) print(out io.Writer) {
	fmt.Fprintf(out, "\n5. element history: a graph of %d transactions (published in %s), one node touched by %d of them\n",
		r.txs, r.fill.Round(time.Millisecond), r.touches)
	fmt.Fprintf(out, "  first read (activates the graph: a fold of the whole log): %s\n", ms(r.activation))
	fmt.Fprintf(out, "  GET .../nodes/hot/history (all %d changes): p50 %s, p99 %s; raw direct gets of the same %d messages: p50 %s, p99 %s (ratio of p50s %.1f)\n",
		r.touches, ms(percentile(r.http, 0.5)), ms(percentile(r.http, 0.99)), r.touches,
		ms(percentile(r.raw, 0.5)), ms(percentile(r.raw, 0.99)), ratio(percentile(r.http, 0.5), percentile(r.raw, 0.5)))
	slowest := make([]int, len(r.http))
	for i := range slowest {
		slowest[i] = i
	}
	slices.SortFunc(slowest, func(a, b int) int { return cmp.Compare(r.http[b], r.http[a]) })
	fmt.Fprintf(out, "  slowest reads (sample: time):")
	for _, i := range slowest[:min(5, len(slowest))] {
		fmt.Fprintf(out, " %d: %s", i, ms(r.http[i]))
	}
	fmt.Fprintln(out)
}
