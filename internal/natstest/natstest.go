package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/natsnode"
)

// Start starts a fresh server on a free port with its data in a new
// temporary directory, and connects to it.
func Start(t testing.TB) (*natsnode.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	return StartIn(t, t.TempDir())
}

// StartIn starts a server keeping its data in dir, and connects to it. To
// test recovery, shut the first server down (close its connection too) and
// call StartIn again with the same dir.
func StartIn(t testing.TB, dir string) (*natsnode.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	srv, err := natsnode.Start(natsnode.Options{DataDir: dir, Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		t.Fatalf("natstest: start server in %s: %v", dir, err)
	}
	t.Cleanup(srv.Shutdown)

	// The test owns the connection's fate: no reconnecting to a server
	// that was shut down on purpose.
	nc, err := nats.Connect(srv.ClientURL(), nats.NoReconnect(), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("natstest: connect to %s: %v", srv.ClientURL(), err)
	}
	t.Cleanup(nc.Close)

	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: jetstream context: %v", err)
	}
	return srv, nc, js
}
