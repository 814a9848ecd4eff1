// Package natsnode runs a NATS server with JetStream inside the graphlog
// process, using the server as a Go library. It owns the server's lifecycle
// (start, wait until ready, shut down) and the translation of graphlog's
// few server settings into server.Options; it does not connect clients:
// callers connect to ClientURL with nats.go.
//
// It may import the standard library and github.com/nats-io/nats-server/v2
// only; nothing of graphlog imports it but cmd/node and test helpers.
//
// Durability. JetStream writes every message to its file store at once but
// asks the operating system to flush (fsync) only every SyncInterval, two
// minutes by default. An acked write survives a crash of the process but can
// be lost on power loss or a kernel crash within that interval (Jepsen, NATS
// 2.12.1, 2025). SyncAlways fsyncs every write: nothing acked is lost on
// power loss, at the cost of write throughput (each append waits for the
// disk). In a replicated (R3) cluster the replicas make loss of an acked
// write much less likely, which is why the interval is the server's default.
//
// Clustering. A Server runs standalone today. Options is where route
// settings (cluster name, listen address, seed routes) will go when the
// embedded server joins a NATS cluster; Start already applies options in one
// place (serverOptions) so that they can be added there.
//
// Concurrency: Start and Shutdown may be called from any goroutine;
// Shutdown is idempotent and waits until the server has stopped.
package natsnode
