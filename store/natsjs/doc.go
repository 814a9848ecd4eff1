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
//     (jetstreamext.PublishMsgBatch). Its first message states the last
//     sequence the writer saw on event.store.<graph>.>
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
//     (jetstreamext.GetBatch, ReadBatch messages a request), from the
//     sequence asked, and groups them with store.Assembler.
//
// It may import graph/, messages/, store/, nats.go and orbit.go's
// jetstreamext, and the standard library.
//
// Concurrency: a Log holds no mutable state of its own; all its methods
// are safe for concurrent use. Ordering between writers is decided by the
// server (optimistic concurrency), never by a lock here.
package natsjs
