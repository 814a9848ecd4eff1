// Package actors holds graphlog's actors, thin adapters between the actor
// system, the pure core (graph) and the log (store):
//
//   - the graph grain (kind "graph", one per graph ID): on activation it
//     folds its graph's log; Submit validates with graph, appends with store
//     (optimistic concurrency on the graph's subject), applies once the log
//     has acked and replies with the new version and sequence. Submits that
//     queue while an append is in flight are committed together, in one
//     message (group commit, groupcommit.go). A transaction ID the graph
//     remembers is answered as the first time. Deliver is the ingress's
//     notice of a transaction at a stream sequence: one the grain has read
//     is a duplicate; otherwise it reads its log. Query answers reads and
//     algorithms. It passivates when idle.
//   - the ingress: headers-only durable consumers of the log (one per
//     partition) whose notices it hands to grains, acknowledging only
//     after the grain has read the log that far; a notice a grain of the
//     same member has read already (ReadMarks) is acknowledged at once.
//     A subject that names no graph of its partition is dead-lettered.
//
// The fold loop, replays of the past and the table of error codes are
// package replay's; grains use them as the API does.
//
// No domain rule lives here: graph decides, store persists. Each actor's
// state is touched only on its own goroutine (Receive); the ingress's
// reader goroutine only sends messages to it. Calls to the log carry a
// timeout from GrainConfig.
//
// This package may import replay/, graph/, store/, messages/, metrics/
// and protoactor-go.
package actors
