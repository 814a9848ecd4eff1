// Package follow hands a program the committed transactions of graphs as
// the log holds them, live, from a point it can resume from: one graph's
// (Graph), or every graph's of one partition stream (Partition), as a Go
// iterator or through a callback (Each). It is how a program outside the
// cluster builds on the log: projections, indexes, exports, triggers.
//
// # Resuming
//
// Every Transaction carries its Position: the stream sequence of its
// message and its version. A follower that records the Position of the
// last transaction it has handled and follows again from it gets every
// transaction after that one exactly once, in order per graph, and
// nothing before it, also when the two fall inside one message that
// holds several transactions (a group commit): the message is read
// again and the versions at or below the recorded one are skipped. A
// Position with only a sequence resumes after the whole message at it
// (as a sequence from the HTTP API says); one with only a version (by
// graph) finds the message that holds that version (natsjs.Log.Locate).
//
// # Guarantee
//
// By graph, versions only go up: a transaction at or below the last one
// handed (or the Position's) is never handed. By partition, transactions
// come in the stream's order, which is every graph's order of versions;
// a log written only through store.Appender (the grains, the ingress's
// producers) holds each version of a graph once, so each is handed once.
// A message no graph can read is handed as an error wrapping
// store.ErrCorrupt, and following goes on after it, as the graphs' own
// folds skip it. Nothing is skipped otherwise: an error of the log ends
// the sequence, and following again from the last Position goes on.
// See docs/ARCHITECTURE.md, "Following the log".
//
// # Concurrency and imports
//
// Each iterator runs on its caller's goroutine and holds one ordered
// consumer on the server while it runs (removed when it ends). It may
// import messages and store; the log is any implementation of the small
// interfaces here (store/natsjs's Log, opened with natsjs.Attach by a
// program that does not own the streams).
package follow
