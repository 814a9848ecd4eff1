// Package memory is an in-memory store.EventLog and store.GraphLister with
// the semantics of store/natsjs: one sequence shared by all graphs (like
// one stream), optimistic concurrency on the graph's last sequence, one
// message per transaction (or group) stamped and encoded by the same
// store.Stamp and store.EncodeEntry, transaction IDs answered as
// duplicates (a duplicate window that never closes), recorded time from an
// injected clock. It is for tests of
// the packages that use the log; it keeps nothing across processes.
//
// It may import graph/, messages/, store/ and the standard library.
//
// Concurrency: all methods are safe for concurrent use; one mutex orders
// appends, as the stream does. Transactions are copied in and out, so callers
// never share memory with the log.
package memory
