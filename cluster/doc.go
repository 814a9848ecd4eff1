// Package cluster wires graphlog's actors into a protoactor-go cluster:
// the "graph" kind (one grain per graph ID), identity lookup by rendezvous
// hash (placement.go: protoactor's disthash, indexed both ways), the
// membership provider, and Client, which programs and
// other actors use to reach a graph by ID wherever it is activated.
//
// A member's ID is new on every start; protoactor never lets a member that
// left come back under its old ID. Duplicate activations of one graph can
// exist briefly while the topology changes; the log's optimistic
// concurrency (see store) keeps them from forking a history.
//
// This package may import actors/, messages/, graph/ (for ID validation),
// store/ (for its sentinel errors) and protoactor-go.
package cluster
