package natstest

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/nodeproc"
	"github.com/graphlog/graphlog/natsnode"
)

// ClusterName is the NATS cluster name of the servers StartCluster starts.
const ClusterName = "natstest"

// clusterReadyTimeout bounds how long StartCluster waits for JetStream to
// elect a leader and place a replicated stream.
const clusterReadyTimeout = 60 * time.Second

// StartCluster starts n clustered servers (named s0, s1, …) on free ports,
// each with its data in a new temporary directory and routes to all the
// others, waits until JetStream can place a stream with min(n, 3)
// replicas, and connects to them all: the connection moves to another
// server when the one it uses shuts down.
func StartCluster(t testing.TB, n int) ([]*natsnode.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	return StartClusterWith(t, n, nil)
}

// StartClusterWith is StartCluster with configure called on each server's
// options (i counts from 0) before it starts, to add credentials or TLS.
// opts are added to the connection's options.
func StartClusterWith(t testing.TB, n int, configure func(i int, o *natsnode.Options), opts ...nats.Option) ([]*natsnode.Server, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	if n < 1 {
		t.Fatalf("natstest: StartCluster with %d servers; start at least 1", n)
	}
	// Routes need known addresses, so the route ports are picked first.
	ports := FreePorts(t, n)
	routes := make([]string, n)
	for i, p := range ports {
		routes[i] = "nats-route://127.0.0.1:" + strconv.Itoa(p)
	}
	dir := t.TempDir()
	servers := make([]*natsnode.Server, n)
	urls := make([]string, n)
	for i := range n {
		o := natsnode.Options{
			DataDir:    filepath.Join(dir, fmt.Sprintf("s%d", i)),
			Port:       natsnode.RandomPort,
			ServerName: fmt.Sprintf("s%d", i),
			NoLog:      true,
			Cluster: natsnode.Cluster{
				Name:   ClusterName,
				Host:   "127.0.0.1",
				Port:   ports[i],
				Routes: routes,
			},
		}
		if configure != nil {
			configure(i, &o)
		}
		srv, err := natsnode.Start(o)
		if err != nil {
			t.Fatalf("natstest: start clustered server %d of %d: %v", i+1, n, err)
		}
		t.Cleanup(srv.Shutdown)
		servers[i] = srv
		urls[i] = srv.ClientURL()
	}

	ctx, cancel := context.WithTimeout(context.Background(), clusterReadyTimeout)
	defer cancel()
	for _, srv := range servers {
		if err := srv.WaitJetStream(ctx); err != nil {
			t.Fatalf("natstest: %v", err)
		}
	}

	copts := append([]nats.Option{
		nats.Timeout(5 * time.Second),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(50 * time.Millisecond),
	}, opts...)
	nc, err := nats.Connect(strings.Join(urls, ","), copts...)
	if err != nil {
		t.Fatalf("natstest: connect to %v: %v", urls, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatalf("natstest: jetstream context: %v", err)
	}
	if err := waitReplicated(ctx, js, min(n, 3)); err != nil {
		t.Fatalf("natstest: cluster of %d servers: %v", n, err)
	}
	return servers, nc, js
}

// waitReplicated creates and deletes a stream with the given replicas
// until that works: after the meta leader is elected, the other servers
// may still be registering as peers.
func waitReplicated(ctx context.Context, js jetstream.JetStream, replicas int) error {
	const name = "NATSTEST_READY"
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := js.CreateStream(actx, jetstream.StreamConfig{
			Name:     name,
			Subjects: []string{"natstest.ready"},
			Replicas: replicas,
			Storage:  jetstream.MemoryStorage,
		})
		if err == nil {
			err = js.DeleteStream(actx, name)
		}
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("an R%d stream could not be placed: %w", replicas, err)
		case <-t.C:
		}
	}
}

// FreePorts returns n distinct TCP ports that were free a moment ago on
// 127.0.0.1, below the kernel's ephemeral range (nodeproc.FreePorts), so
// that servers other tests start on port 0 do not take them first.
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports, err := nodeproc.FreePorts(n)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return ports
}
