// Package store owns the ports through which graphlog reaches its durable
// state, and their errors: EventLog (append with optimistic concurrency, and
// per-graph reads) and GraphLister. Implementations live in sub-packages
// named after what they depend on: store/natsjs (NATS JetStream) and
// store/memory (an in-memory fake for tests). store/storetest is the
// conformance suite every implementation runs.
//
// Subjects: events of graph G are stored on event.store.G.<EventType>; all
// of G's subjects match event.store.G.>, the filter that optimistic
// concurrency and per-graph reads use.
//
// This package may import graph/, messages/ and nats.go (in natsjs).
// Every I/O method takes a context first and is safe for concurrent use.
package store
