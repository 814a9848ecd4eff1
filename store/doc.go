// Package store owns the ports through which graphlog reaches its durable
// state, and their errors: EventLog (append with optimistic concurrency, and
// per-graph reads) and GraphLister. Implementations live in sub-packages
// named after what they depend on: store/natsjs (NATS JetStream) and
// store/memory (an in-memory fake for tests). store/storetest is the
// conformance suite every implementation runs.
//
// Shared by every implementation, so that they accept, stamp and group
// alike: Stamp (checks and stamps a transaction for Append, in place),
// Committed (fills in the sequences once stored), Assembler (groups a
// graph's events, read in order, into transactions; pure, also for the
// ingress) and CorruptError (a stored message that cannot be decoded).
// MaxEventsPerTransaction is the server's atomic batch limit.
//
// Subjects: events of graph G are stored on event.store.G.<EventType>; all
// of G's subjects match event.store.G.>, the filter that optimistic
// concurrency and per-graph reads use.
//
// This package may import graph/, messages/ and nats.go (in natsjs).
// Every I/O method takes a context first and is safe for concurrent use.
package store
