// Package replay rebuilds and reads graphs' histories without an actor
// library: the one fold loop (Fold, FoldThroughGaps, ApplyCommitted), as-of
// reads and replays of the past (History: At, Replay, Start from the
// nearest snapshot that verifies, LoadSnapshot), answers to queries on any
// state (Answer, StateView), and the one table of the codes a failure is
// known by, in a grain's reply, in Go (sentinels) and over HTTP (Codes,
// ErrorToReply, ErrorFromReply, CodeOf). Grains, the HTTP API and the
// benchmarks use it alike, so the past is read the same way whoever asks.
//
// It may import graph/, store/, messages/ and the standard library (and
// protobuf). It never writes to the log or to the snapshot store.
//
// Concurrency: History is safe for concurrent use; a *graph.Graph being
// folded belongs to its caller.
package replay
