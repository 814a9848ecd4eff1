// Package store owns the ports through which graphlog reaches its durable
// state, and their errors: EventLog (append with optimistic concurrency, and
// per-graph reads) and GraphLister. Implementations live in sub-packages
// named after what they depend on: store/natsjs (NATS JetStream) and
// store/memory (an in-memory fake for tests). store/storetest is the
// conformance suite every implementation runs.
//
// Shared by every implementation, so that they accept, stamp and store
// alike: Stamp (checks and stamps a transaction for Append, in place),
// Committed (fills in the sequence once stored), EncodeEntry and
// DecodeEntry (the body of one log message: one transaction, or several
// consecutive ones of a group commit; see docs/ARCHITECTURE.md, "Log
// format") and CorruptError (a stored message that cannot be decoded).
//
// Log format v2: every transaction of graph G is ONE message on G's own
// literal subject, event.store.<partition>.G, where partition is
// FNV-1a-32(G) mod the log's partition count (natsjs.Partition). Optimistic
// concurrency states the last sequence of that one subject; per-graph
// reads get that subject's messages by direct get.
//
// This package may import graph/, messages/ and nats.go (in natsjs).
// Every I/O method takes a context first and is safe for concurrent use.
package store
