// Package natstest starts real embedded NATS servers with JetStream for
// tests: graphlog's integration tests run against a real server, never a
// mock of NATS. Start gives one standalone server (R1 streams only);
// StartCluster gives a cluster of servers that holds replicated (R3)
// streams and survives the loss of one server; NewCerts writes a test CA
// and certificate for TLS.
//
// It may import natsnode, nats.go and the standard library; only tests
// import it. Every server and connection it returns is closed by
// t.Cleanup; closing them earlier (to restart on the same directory) is
// allowed.
package natstest
