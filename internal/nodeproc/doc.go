// Package nodeproc runs graphlog nodes as child processes, for the tests
// and benchmarks that kill a node with SIGKILL or run several cluster
// members: it builds the node binary once, starts nodes with their HTTP API
// on a free loopback port, waits until they are ready and stops them.
//
// It imports nothing of graphlog: a node is driven only by its flags and
// its HTTP API, as an operator drives it. A Process is safe for use by
// several goroutines.
package nodeproc
