// Package messages holds the protobuf definitions of everything graphlog
// stores or sends between actors: events and their envelope, transactions,
// the graph state (also the snapshot format), commands, queries and replies.
//
// The .pb.go file is generated and committed; see generate.go for the one
// command that regenerates it. Stored formats are forever: never reuse or
// renumber a field.
//
// This package imports only protobuf.
package messages
