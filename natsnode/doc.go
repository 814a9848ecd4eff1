// Package natsnode runs a NATS server with JetStream inside the graphlog
// process, using the server as a Go library. It owns the server's lifecycle
// (start, wait until ready, shut down) and the translation of graphlog's
// few server settings into server.Options; it does not connect clients:
// callers connect to ClientURL with nats.go.
//
// It may import the standard library, github.com/nats-io/nats-server/v2 and
// the server's own github.com/nats-io/nkeys only; nothing of graphlog
// imports it but cmd/node and test helpers.
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
// Replicas. A standalone server can hold only R1 streams. With
// Options.Cluster the server is one member of a NATS cluster (routes to the
// other servers), and streams and Object Stores may have up to as many
// replicas as there are servers: R3 on three servers survives the loss of
// one. Start returns once this server accepts clients; JetStream in a
// cluster works only after the servers have elected a meta leader, which
// Server.WaitJetStream waits for. A new cluster needs all of its servers
// for that first election, later a quorum (2 of 3).
//
// Security. Options.User and Password, or Options.Nkey (a public user
// key), are required of every client. User and Password also authenticate
// routes; an nkey does not, so a cluster secured by nkey alone needs TLS
// with a CA on its routes or a private network for its cluster port.
// Options.TLS puts the client listener and the routes behind TLS; with a CA,
// clients must present a certificate it signed, and routes always use
// mutual TLS.
//
// Concurrency: Start, WaitJetStream and Shutdown may be called from any
// goroutine; Shutdown is idempotent and waits until the server has stopped.
package natsnode
