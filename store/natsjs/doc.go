// Package natsjs implements graphlog's event log (store.EventLog,
// store.GraphLister, store.Follower, and the ingress's store.Subscriber and
// store.DeadLetterer) on NATS JetStream.
//
// It owns: the partition streams <Stream>-<p> (subjects
// event.store.<p>.*, direct get allowed, deletes and purges denied, no
// limits: transactions are kept forever; metadata records the log format
// and the partition count) and the dead-letter stream (deadletter.>); the
// subject scheme (subjects.go); and the translation of NATS errors into
// store's sentinels, at the edge, by error code and error value, never by
// message text (errors.go).
//
// How the log keeps its promises (docs/ARCHITECTURE.md, "Log format"):
//
//  1. Append stores a transaction as ONE message, the body
//     store.EncodeEntry writes, on the graph's literal subject
//     event.store.<partition>.<graph>, with two headers:
//     Nats-Expected-Last-Subject-Sequence, the last sequence the writer
//     saw on that subject (0: the graph has none), which the server checks
//     on its fast path and refuses with err_code 10071 (10164 on a
//     replicated stream), reported as store.ErrConflict; and Nats-Msg-Id
//     <graph>/<transaction ID>, which makes the stream answer a resend
//     within its duplicate window with the first ack, reported as
//     store.ErrDuplicate. A single message is atomic by itself; no atomic
//     batch is used (the server stages each in a store of its own).
//     A transaction over MaxTransactionBytes is refused before anything is
//     sent (store.ErrTooLarge).
//  2. Head is one direct get of the last message on the graph's subject.
//  3. Read pages through the graph's messages with batched direct get
//     (jetstreamext.GetBatch), from the sequence asked, and decodes each
//     (store.DecodeEntry). The first page is small (a probe); most reads,
//     a graph's transactions after its snapshot, end there. When the probe
//     shows a long run of messages that are dense in the stream (a full
//     rebuild), the rest is read with a filtered ordered consumer from the
//     next sequence, which the server delivers faster than direct gets of
//     messages with headers. Sparse runs stay on direct get, where a
//     consumer would mostly scan other graphs.
//  4. The ingress's Feed runs one durable headers-only consumer per
//     partition: it learns graph and sequence from subject and metadata,
//     and the grain reads a body only when it has not read it, so the
//     transactions the grains wrote themselves cost it little.
//  5. Programs outside the cluster follow the log (package follow) with
//     FollowPartition, a filtered ordered consumer of a partition stream,
//     and Follow; Locate finds the message of a graph's version by a
//     binary search of direct gets; Attach opens the log as the nodes
//     made it, creating and updating nothing (docs/ARCHITECTURE.md,
//     "Following the log").
//
// Costs measured with nats-server 2.15.3 (`node bench`): an append is one
// synchronous publish, whatever the transaction's size.
//
// It may import graph/, messages/, store/, nats.go and orbit.go's
// jetstreamext, and the standard library.
//
// Concurrency: a Log holds no mutable state after Open; all its methods
// are safe for concurrent use (Append stamps the caller's transaction,
// which therefore must not be shared between calls). Ordering between
// writers is decided by the server (optimistic concurrency), never by a
// lock here.
package natsjs
