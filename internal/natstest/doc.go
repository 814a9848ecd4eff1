// Package natstest starts real embedded NATS servers with JetStream for
// tests: graphlog's integration tests run against a real server, never a
// mock of NATS.
//
// It may import natsnode, nats.go and the standard library; only tests
// import it. Every server and connection it returns is closed by
// t.Cleanup; closing them earlier (to restart on the same directory) is
// allowed.
package natstest
