package natsjs

import (
	"context"
	"errors"
	"iter"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// headerNumPending is set by the server on each message of a batched direct
// get: how many matching messages remain after it.
const headerNumPending = "Nats-Num-Pending"

// When a read has more than denseMinPages pages of ReadBatch messages left
// and at least one in denseRatio of the stream's remaining messages is the
// graph's, Read continues with a filtered ordered consumer: the server
// serves a consumer several times faster per message than a direct get of
// messages with headers (every transaction carries its message ID), and at that density
// skipping the other graphs' messages costs less than that. Below it the
// consumer's scan of the stream is the slow path (docs/ARCHITECTURE.md,
// "Reading one graph's history").
const (
	denseMinPages = 2
	denseRatio    = 8
	// probeBatch bounds the first page of a read.
	probeBatch = 256
	// consumerPull is how many messages the consumer asks for at a time.
	// It is fixed, not ReadBatch: with pulls of a few messages, nats.go
	// 1.55's ordered consumer was seen to stall until its heartbeat check
	// (10 s) reset it.
	consumerPull = 1000
	// consumerIdle is how long the server keeps an ordered consumer of a
	// read or a follower after its client stopped pulling. nats.go's
	// default is 5 minutes: every live stream a client closed kept a
	// consumer (three goroutines) on the server that long. A follower
	// waiting for news keeps a pull request pending, which counts as
	// activity however long it waits.
	consumerIdle = 5 * time.Second
)

// consumerReads counts reads that switched to a consumer, for tests.
var consumerReads atomic.Int64

// Read yields graph graphID's transactions after stream sequence
// afterSequence; see store.Reader. It asks the server for ReadBatch of the
// graph's messages at a time (batched direct get, no consumer) until the
// server reports none pending, so it reads to the end as of its last
// request; a long run of a graph dense in the stream it reads with an
// ordered consumer instead (see denseRatio), to the end as the consumer
// reports it.
func (l *Log) Read(ctx context.Context, graphID string, afterSequence uint64) iter.Seq2[*messages.Transaction, error] {
	return func(yield func(*messages.Transaction, error) bool) {
		if err := graph.ValidateGraphID(graphID); err != nil {
			yield(nil, &Error{Op: opRead, GraphID: graphID, Err: err})
			return
		}
		r := l.newReader(ctx, graphID, yield)
		r.run(afterSequence + 1)
	}
}

func (l *Log) newReader(ctx context.Context, graphID string, yield func(*messages.Transaction, error) bool) *reader {
	p := Partition(graphID, l.cfg.Partitions)
	return &reader{l: l, ctx: ctx, graphID: graphID, stream: l.streams[p], filter: PartitionPrefix(p) + graphID, yield: yield}
}

// reader is the state of one Read.
type reader struct {
	l       *Log
	ctx     context.Context
	graphID string
	stream  jetstream.Stream // the graph's partition's
	filter  string           // the graph's subject
	yield   func(*messages.Transaction, error) bool
}

// run reads from sequence next to the end. It returns false if the
// consumer of Read stopped or an error ended the read.
func (r *reader) run(next uint64) bool {
	// The first page is a probe: most reads (a graph's events after its
	// snapshot) end within it, and for the others its pending count
	// decides how to read the rest before much is read by direct get.
	batch := min(r.l.cfg.ReadBatch, probeBatch)
	buf := make([]*jetstream.RawStreamMsg, 0, batch)
	for probe := true; ; probe = false {
		page, pending, err := r.l.fetch(r.ctx, r.stream.CachedInfo().Config.Name, r.filter, next, batch, buf[:0])
		if err != nil {
			return r.fail(err)
		}
		for _, m := range page {
			next = m.Sequence + 1
			if !r.handle(m.Subject, m.Sequence, m.Time, m.Data) {
				return false
			}
		}
		if pending == 0 {
			return true
		}
		if probe && r.dense(next, pending) {
			return r.consume(next)
		}
		batch = r.l.cfg.ReadBatch
	}
}

// handle decodes one message and yields its transactions.
func (r *reader) handle(subject string, seq uint64, at time.Time, data []byte) bool {
	txs, err := decode(r.graphID, subject, seq, at, data)
	if err != nil {
		return r.yield(nil, err)
	}
	for _, tx := range txs {
		if !r.yield(tx, nil) {
			return false
		}
	}
	return true
}

func (r *reader) fail(err error) bool {
	r.yield(nil, &Error{Op: opRead, GraphID: r.graphID, Err: err})
	return false
}

// fetch appends to buf up to batch messages matching filter from
// sequence from on, and reports how many more match after them (unknown
// counts as one). The whole answer is taken before any is processed, so a
// slow consumer of Read never holds a request open past its timeout.
func (l *Log) fetch(ctx context.Context, stream, filter string, from uint64, batch int, buf []*jetstream.RawStreamMsg) ([]*jetstream.RawStreamMsg, uint64, error) {
	msgs, err := jetstreamext.GetBatch(ctx, l.js, stream, batch,
		jetstreamext.GetBatchSeq(from), jetstreamext.GetBatchSubject(filter))
	if err != nil {
		return nil, 0, translate(err)
	}
	for m, err := range msgs {
		if errors.Is(err, jetstreamext.ErrNoMessages) {
			return buf, 0, nil
		}
		if err != nil {
			return nil, 0, translate(err)
		}
		buf = append(buf, m)
	}
	if len(buf) == 0 {
		// The server always answers, with messages or "no messages".
		return nil, 0, noAnswer(ctx)
	}
	// The answer may have been cut by the byte limit or a timeout; the
	// last message says how many remain.
	pending, err := strconv.ParseUint(buf[len(buf)-1].Header.Get(headerNumPending), 10, 64)
	if err != nil {
		pending = 1
	}
	return buf, pending, nil
}

// dense reports whether the pending messages from sequence next are worth
// reading with a consumer. It costs a stream info request, made only for
// long reads.
func (r *reader) dense(next, pending uint64) bool {
	if pending < uint64(denseMinPages*r.l.cfg.ReadBatch) {
		return false
	}
	info, err := r.stream.Info(r.ctx)
	if err != nil || info.State.LastSeq < next {
		return false // direct get will report what is wrong
	}
	span := info.State.LastSeq - next + 1
	return pending*denseRatio >= span
}

// consume reads from sequence next to the end with a filtered ordered
// consumer, which the server deletes when it goes idle.
func (r *reader) consume(next uint64) bool {
	consumerReads.Add(1)
	cons, err := r.l.js.OrderedConsumer(r.ctx, r.stream.CachedInfo().Config.Name, jetstream.OrderedConsumerConfig{
		FilterSubjects:    []string{r.filter},
		DeliverPolicy:     jetstream.DeliverByStartSequencePolicy,
		OptStartSeq:       next,
		InactiveThreshold: consumerIdle,
	})
	if err != nil {
		return r.fail(translate(err))
	}
	msgs, err := cons.Messages(jetstream.PullMaxMessages(consumerPull))
	if err != nil {
		return r.fail(translate(err))
	}
	defer msgs.Stop()

	// A server that goes silent shows as missed heartbeats (ErrNoHeartbeat,
	// after seconds); a per-message timer would cost more than a decode.
	var wait []jetstream.NextOpt
	if r.ctx.Done() != nil {
		wait = append(wait, jetstream.NextContext(r.ctx))
	}
	for {
		msg, err := msgs.Next(wait...)
		if err != nil {
			return r.fail(translate(err))
		}
		md, err := msg.Metadata()
		if err != nil {
			return r.fail(err)
		}
		if !r.handle(msg.Subject(), md.Sequence.Stream, md.Timestamp, msg.Data()) {
			return false
		}
		if md.NumPending == 0 {
			return true
		}
	}
}
