// Package graph is graphlog's pure core: one graph's state (nodes and
// directed edges with IDs, types and JSON-like properties), the fold that
// applies committed transactions to it, the validation that decides whether
// a transaction may be committed, the canonical encoding of snapshots, the
// elements' trails (their histories) and the algorithm library queries run
// (on github.com/yourbasic/graph and gonum.org/v1/gonum/graph).
//
// The graph is a directed multigraph: parallel edges and self-loops are
// allowed. Node IDs and edge IDs are separate namespaces.
//
// # Imports and determinism
//
// The package imports only messages, protobuf, github.com/yourbasic/graph,
// gonum and the standard library. It has no clock, no logging, no
// I/O and no goroutines: the live grain, recovery, time travel and
// animation all call the same Apply, and every replay of the same log must
// produce the same state. Every output that lists elements (State, Encode,
// Neighbors, the algorithms, even which element an error names) is ordered
// by ID, never by history or map order. Encode gives equal bytes for equal
// states: for equal nodes and edges whatever history built them, and for
// the remembered transactions (below) and the trails, which are history,
// in the order the log committed them, whatever snapshots and activations
// the history went through. The random values are the hash seed of the ID
// tables (as in Go's own maps, against crafted collisions), which decides
// where an element is stored, never what any method returns; Louvain's
// order of nodes is a deterministic sequence from a seed it is given.
//
// # Memory
//
// Graphs are kept compact because a grain holds its whole graph: an edge
// is an 88-byte struct (its trail's slice header included) pointing at
// its endpoints, found by ID through a table of pointers (table.go),
// listed in its endpoints' out and in slices, with its properties in
// their canonical encoding (props.go). About 170 bytes per edge without
// properties at a million edges, its trail of one touch included
// (BenchmarkMemoryPerEdge). A graph that Decode rebuilt is smaller still:
// its IDs and properties share 8 KiB blocks instead of taking an
// allocation each, and its incidence lists are exactly sized (decode.go).
// A block lives as long as any element that uses it, so after removing
// most of a decoded graph some memory stays until the next activation.
// A remembered transaction takes about 150 bytes (with a 20-byte ID), up
// to RememberedTransactions of them, and no room is reserved for those
// not committed yet: most graphs, and every replay of a short history,
// have few.
//
// # Concurrency
//
// A Graph is not safe for concurrent use. The methods that only read
// (queries, algorithms, Check, Encode, Clone) never write to it, so they
// may run together while nothing applies. Clone gives a copy that another
// goroutine may own.
//
// # The Apply contract
//
// Apply(tx) folds one committed transaction (read back from the log, or
// just appended):
//
//  1. A nil transaction, or one whose graph_id is set and is not this
//     graph's, is refused with ErrInvalidTransaction and changes nothing:
//     it is not part of this graph's history.
//  2. tx.Version must be Version()+1. Otherwise Apply returns an error
//     wrapping ErrOutOfOrder and changes nothing; the caller skips a
//     version already applied and fetches a missing range before it.
//  3. The whole transaction is validated before anything changes, event by
//     event against the state as it would be after the events before it
//     (simulated on an overlay, the real state untouched). The envelope:
//     at least one event, every event non-nil with Version == tx.Version,
//     Index == its position, Count == len(tx.Events), GraphId == ID().
//     The payload: see the rules below, the same as Check's.
//  4. If any event fails, the transaction is rejected as a whole but keeps
//     its version: Version() becomes tx.Version and Sequence() tx.Sequence,
//     the transaction is remembered (step 6), nothing else changes, and
//     Apply returns a *RejectedError whose Err (an *EventError naming the
//     first failing event, for most failures) wraps ErrRejected,
//     ErrInvalidTransaction or ErrInvalidID. Versions stay without gaps
//     and every replay rejects the same transaction the same way.
//  5. Otherwise the events are folded in order, which cannot fail, and
//     Version() and Sequence() advance to tx.Version and tx.Sequence.
//  6. Either way, a transaction whose ID is valid (as ValidateElementID
//     has it) and not remembered yet is remembered (below).
//
// Check(events) runs step 3 for an uncommitted transaction, ignoring the
// envelope fields set on commit and accepting an empty graph_id. Commit
// is Apply for a transaction Prepare validated, without validating it
// again.
//
// # Remembered transactions
//
// A transaction ID is applied at most once, across activations
// (docs/ARCHITECTURE.md,
// "Retries are safe forever"): a client, the API or the cluster client may send a
// transaction again after an answer was lost, and the grain that gets it
// may have been activated since, on another member, from a snapshot. So
// the memory of IDs is part of the graph's state, not of the grain: the
// latest RememberedTransactions transactions that took a version with an
// ID, rejected ones included (the ID was used, and a resend must get the
// same rejection), each with its version, sequence, event count and the
// Digest of its events. It is in every snapshot and rebuilt by every fold
// of the log, so passivation, restarts and failover never forget it, and
// a graph decoded from a snapshot then folded on remembers what the fold
// of the whole log remembers. Remembered(id) is what the grain answers a
// resend with; a remembered ID with another digest is a client reusing
// it for other events, which the grain refuses. The first transaction of
// an ID is remembered, never a later one: the log may hold an ID twice
// (a resend that raced its first copy), and the first answer is the one
// that counts. Oldest is forgotten first; past that many transactions a
// resend is applied again.
//
// The digest is of what the client sent, not of the envelope the edge
// stamps anew on each resend (event IDs, times), and it is computed from
// bytes written here, not by a protobuf library, whose output may change
// between versions while digests stay in snapshots (recent.go).
//
// # Snapshot format
//
// Encode writes StateFormat in every state. A state of another format,
// and every snapshot written before the graph remembered its
// transactions has none, is refused by Decode and FromState with
// ErrSnapshotFormat (and ErrCorrupt, so callers fall back as for a corrupt
// snapshot): a graph built from it would have forgotten its transactions
// and apply a resent one again. The caller reads an older snapshot or the
// log instead (docs/ARCHITECTURE.md, Snapshots).
//
// # Rules
//
//   - Node and edge IDs are non-empty UTF-8 of at most MaxElementIDLen bytes
//     (ErrInvalidID). Types may be empty, are UTF-8 of at most MaxTypeLen
//     bytes. Properties are JSON values: finite numbers, UTF-8 strings and
//     keys, every value with a kind, nesting at most MaxPropertyDepth
//     (ErrInvalidTransaction). A nil properties Struct is an empty one.
//   - Adding a node or edge whose ID exists is rejected (ErrRejected).
//   - An edge's source and target must exist; nodes added earlier in the
//     same transaction count, nodes removed earlier in it do not.
//   - Updating or removing a missing node or edge is rejected.
//   - NodeRemoved also removes every edge into or out of the node.
//   - NodeUpdated and EdgeUpdated replace the keys in set, then remove the
//     keys in unset; unsetting a missing key is fine.
package graph
