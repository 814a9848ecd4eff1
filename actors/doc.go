// Package actors holds graphlog's actors, thin adapters between the actor
// system, the pure core (graph) and the log (store):
//
//   - the graph grain (kind "graph", one per graph ID): on activation it
//     folds its graph's log; Submit validates with graph, appends with store
//     (optimistic concurrency on the graph's subjects), applies once the log
//     has acked and replies with the new version and sequence; Deliver
//     applies a committed transaction from the ingress, skipping duplicates
//     and repairing gaps from the log; Query answers reads and algorithms.
//     It passivates when idle.
//   - the ingress: a durable consumer of the log that groups events into
//     transactions per graph and delivers them to grains, acknowledging
//     only after the grain applied them; what can never apply is
//     dead-lettered.
//   - Fold, the one replay loop used by activation, gap repair and replays
//     of the past.
//
// No domain rule lives here: graph decides, store persists. Each actor's
// state is touched only on its own goroutine (Receive); the ingress's
// reader goroutine only sends messages to it. Calls to the log carry a
// timeout from GrainConfig.
//
// This package may import graph/, store/, messages/, metrics/ and
// protoactor-go.
package actors
