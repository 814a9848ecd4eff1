// Package natsjs implements graphlog's event log (store.EventLog and
// store.GraphLister) on NATS JetStream.
//
// It owns: the events stream (subjects event.store.>, atomic publish and
// direct get allowed, no limits: events are kept forever) and the
// dead-letter stream (deadletter.>); the subject scheme; the encoding of an
// event as one message (protobuf messages.Event; recorded_at and sequence
// are not stored but filled from the stream message on read); and the
// translation of NATS errors into store's sentinels, at the edge, by error
// code and error value, never by message text (errors.go).
//
// How the log keeps its promises:
//
//  1. Append publishes a transaction's events as one atomic batch
//     (jetstreamext.PublishMsgBatch; a lone event as one plain publish,
//     atomic by itself, with the same check). Its first message states
//     the last sequence the writer saw on event.store.<graph>.>
//     (Nats-Expected-Last-Subject-Sequence with
//     Nats-Expected-Last-Subject-Sequence-Subject); the server refuses the
//     whole batch if another message landed on those subjects since
//     (err_code 10071, or 10164 on a replicated stream), which Append
//     reports as store.ErrConflict. Expected sequence 0 means "the graph
//     has no events" and is accepted exactly then.
//  2. Head asks for the last message of each of the graph's subjects
//     (one direct multi-last get, event.store.<graph>.>) and takes the
//     newest: no consumer is created.
//  3. Read pages through the graph's messages with batched direct get
//     (jetstreamext.GetBatch), from the sequence asked, and groups them
//     with store.Assembler. The first page is small (a probe); most reads,
//     a graph's events after its snapshot, end there. When the probe
//     shows a long run of events that are dense in the stream (a full
//     rebuild), the rest is read with a filtered ordered consumer from
//     the next sequence, which the server delivers several times faster
//     than direct gets of messages with headers. Sparse runs stay on
//     direct get, where a consumer would mostly scan other graphs.
//
// Costs measured with nats-server 2.15.3 (see bench_test.go): a one-event
// transaction is one plain publish (sub-millisecond); a multi-event
// transaction is an atomic batch, which the server stages in a store of
// its own, on disk with fsync for a file-backed R1 stream: milliseconds
// per transaction whatever its size, so bigger transactions amortize it.
//
// It may import graph/, messages/, store/, nats.go and orbit.go's
// jetstreamext, and the standard library.
//
// Concurrency: a Log holds no mutable state of its own; all its methods
// are safe for concurrent use (Append stamps the caller's transaction,
// which therefore must not be shared between calls). Ordering between writers is decided by the
// server (optimistic concurrency), never by a lock here.
package natsjs
