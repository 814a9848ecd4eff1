package natsnode_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/natsnode"
)

func testContext(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// An R3 stream keeps taking writes, and keeps what it had, when the server
// leading it goes away: the other two are a quorum.
func TestClusterSurvivesLossOfStreamLeader(t *testing.T) {
	servers, _, js := natstest.StartCluster(t, 3)
	ctx := testContext(t, 60*time.Second)

	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "R3", Subjects: []string{"r3.>"}, Replicas: 3})
	if err != nil {
		t.Fatalf("create R3 stream: %v", err)
	}
	const before = 5
	for i := range before {
		if _, err := js.Publish(ctx, "r3.x", []byte(strconv.Itoa(i))); err != nil {
			t.Fatalf("publish %d: %v", i, err)
		}
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster == nil || len(info.Cluster.Replicas) != 2 {
		t.Fatalf("stream cluster info = %+v, want a leader and 2 replicas", info.Cluster)
	}
	leader := info.Cluster.Leader
	var stopped bool
	for _, s := range servers {
		if s.Name() == leader {
			s.Shutdown()
			stopped = true
		}
	}
	if !stopped {
		t.Fatalf("stream leader %q is none of the servers", leader)
	}
	// If it led the meta group too, the two others elect a new leader.
	for _, s := range servers {
		if s.Name() != leader {
			if err := s.WaitJetStream(ctx); err != nil {
				t.Fatalf("2 of 3 servers: %v", err)
			}
		}
	}

	// The survivors elect a new stream leader; until then a publish fails.
	var ack *jetstream.PubAck
	for ack == nil {
		pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		ack, err = js.Publish(pctx, "r3.x", []byte("after"))
		cancel()
		if ctx.Err() != nil {
			t.Fatalf("no publish accepted after the leader %s stopped: %v", leader, err)
		}
	}
	if ack.Sequence != before+1 {
		t.Errorf("publish after losing the leader got sequence %d, want %d", ack.Sequence, before+1)
	}
	info, err = st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.Cluster.Leader == leader || info.Cluster.Leader == "" {
		t.Errorf("stream leader after failover = %q, want one of the surviving servers", info.Cluster.Leader)
	}
	if info.State.Msgs != before+1 {
		t.Errorf("stream holds %d messages, want %d: the replicas lost writes", info.State.Msgs, before+1)
	}
	first, err := st.GetMsg(ctx, 1)
	if err != nil || string(first.Data) != "0" {
		t.Errorf("first message after failover = %v, %v; want the one published to the old leader", first, err)
	}
}

// Start returns without the rest of the cluster; WaitJetStream waits for
// the election and says what is missing when it gives up. A new cluster
// elects its first leader with all its servers.
func TestWaitJetStreamNeedsQuorum(t *testing.T) {
	ports := natstest.FreePorts(t, 3)
	routes := make([]string, len(ports))
	for i, p := range ports {
		routes[i] = "127.0.0.1:" + strconv.Itoa(p) // bare host:port is accepted
	}
	start := func(i int) *natsnode.Server {
		s, err := natsnode.Start(natsnode.Options{
			DataDir: t.TempDir(), Port: natsnode.RandomPort, ServerName: fmt.Sprintf("q%d", i), NoLog: true,
			Cluster: natsnode.Cluster{Name: "q", Port: ports[i], Routes: routes},
		})
		if err != nil {
			t.Fatalf("start server %d: %v", i, err)
		}
		t.Cleanup(s.Shutdown)
		return s
	}
	first := start(0)
	if got, want := first.ClusterURL(), "nats-route://127.0.0.1:"+strconv.Itoa(ports[0]); got != want {
		t.Errorf("ClusterURL() = %q, want %q", got, want)
	}

	err := first.WaitJetStream(testContext(t, 500*time.Millisecond))
	if err == nil {
		t.Fatal("WaitJetStream on 1 of 3 servers succeeded; want no leader without a quorum")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "quorum") {
		t.Errorf("WaitJetStream error = %v, want a deadline error that mentions the quorum", err)
	}

	all := []*natsnode.Server{first, start(1), start(2)}
	ctx := testContext(t, 30*time.Second)
	for _, s := range all {
		if err := s.WaitJetStream(ctx); err != nil {
			t.Fatalf("WaitJetStream with the whole cluster: %v", err)
		}
	}
}

func TestWaitJetStreamStandalone(t *testing.T) {
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if err := s.WaitJetStream(testContext(t, time.Second)); err != nil {
		t.Errorf("WaitJetStream on a standalone server: %v", err)
	}
	if u := s.ClusterURL(); u != "" {
		t.Errorf("ClusterURL() of a standalone server = %q, want empty", u)
	}
}

// With a user and password, routes authenticate with them: the cluster
// forms and clients need the password too; a server with another password
// is refused as a route.
func TestClusterWithPassword(t *testing.T) {
	auth := func(_ int, o *natsnode.Options) { o.User, o.Password = "graphlog", "s3cret" }
	servers, _, js := natstest.StartClusterWith(t, 3, auth, nats.UserInfo("graphlog", "s3cret"))
	ctx := testContext(t, 30*time.Second)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "P", Subjects: []string{"p"}, Replicas: 3}); err != nil {
		t.Fatalf("create R3 stream on a cluster with route passwords: %v", err)
	}

	if nc, err := nats.Connect(servers[0].ClientURL(), nats.NoReconnect()); err == nil {
		nc.Close()
		t.Error("a client without the password connected")
	} else if !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("client without the password: err = %v, want an authorization error", err)
	}

	// An intruder with the wrong password: the first server logs the
	// refused route.
	var logs syncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	intruder, err := natsnode.Start(natsnode.Options{
		DataDir: t.TempDir(), Port: natsnode.RandomPort, ServerName: "intruder", Logger: lg,
		User: "graphlog", Password: "wrong",
		Cluster: natsnode.Cluster{Name: natstest.ClusterName, Port: natsnode.RandomPort, Routes: []string{servers[0].ClusterURL()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Shutdown()
	waitLog(t, ctx, &logs, "authorization violation")
	notJoined(t, servers[0], "intruder")
}

// notJoined checks, for a second, that s has no route to the server named
// name. (That server counts a route of its own for a moment on each
// attempt, before the refusal closes it.)
func notJoined(t *testing.T, s *natsnode.Server, name string) {
	t.Helper()
	for range 10 {
		rz, err := s.NATSServer().Routez(nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rz.Routes {
			if r.RemoteName == name {
				t.Fatalf("the cluster has a route to %s: %+v", name, r)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLog polls logs until they contain want (case-insensitive).
func waitLog(t *testing.T, ctx context.Context, logs *syncBuffer, want string) {
	t.Helper()
	for !strings.Contains(strings.ToLower(logs.String()), want) {
		if ctx.Err() != nil {
			t.Fatalf("no log line with %q; the log:\n%s", want, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With TLS and a CA, routes use mutual TLS and clients must present a
// certificate the CA signed.
func TestClusterWithTLS(t *testing.T) {
	certs := natstest.NewCerts(t)
	withTLS := func(_ int, o *natsnode.Options) {
		o.TLS = natsnode.TLS{Cert: certs.Cert, Key: certs.Key, CA: certs.CA}
	}
	servers, nc, js := natstest.StartClusterWith(t, 3, withTLS,
		nats.ClientCert(certs.Cert, certs.Key), nats.RootCAs(certs.CA))
	if !strings.HasPrefix(servers[0].ClientURL(), "tls://") {
		t.Errorf("ClientURL() = %q, want a tls:// URL", servers[0].ClientURL())
	}
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Errorf("client connection is not TLS: %v", err)
	}
	for _, s := range servers {
		if n := s.NATSServer().NumRoutes(); n == 0 {
			t.Errorf("server %s has no routes", s.Name())
		}
	}
	ctx := testContext(t, 30*time.Second)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t"}, Replicas: 3}); err != nil {
		t.Fatalf("create R3 stream over TLS routes: %v", err)
	}
	if _, err := js.Publish(ctx, "t", []byte("x")); err != nil {
		t.Fatalf("publish: %v", err)
	}

	// A server whose certificate another CA signed cannot join.
	other := natstest.NewCerts(t)
	var logs syncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	intruder, err := natsnode.Start(natsnode.Options{
		DataDir: t.TempDir(), Port: natsnode.RandomPort, ServerName: "intruder", Logger: lg,
		TLS:     natsnode.TLS{Cert: other.Cert, Key: other.Key, CA: other.CA},
		Cluster: natsnode.Cluster{Name: natstest.ClusterName, Port: natsnode.RandomPort, Routes: []string{servers[0].ClusterURL()}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer intruder.Shutdown()
	waitLog(t, ctx, &logs, "tls route handshake error")
	notJoined(t, servers[0], "intruder")
}

func TestStartFailsFastWhenClusterPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	s, err := natsnode.Start(natsnode.Options{
		DataDir: t.TempDir(), Port: natsnode.RandomPort, ServerName: "busy", NoLog: true,
		Cluster: natsnode.Cluster{Name: "c", Host: "127.0.0.1", Port: port, Routes: []string{ln.Addr().String()}},
	})
	if err == nil {
		s.Shutdown()
		t.Fatalf("Start with busy cluster port %d succeeded", port)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name the cluster port", err)
	}
}

// A peer that is down is retried every second; the log reports the first
// failed attempt of each route and then only one in 30, not every one
// (every attempt is a debug line).
func TestDownPeerIsNotLoggedEverySecond(t *testing.T) {
	var logs syncBuffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	servers, _, _ := natstest.StartClusterWith(t, 2, func(i int, o *natsnode.Options) {
		if i == 0 {
			o.NoLog, o.Logger = false, lg
		} else {
			o.Cluster.Routes = o.Cluster.Routes[i : i+1] // its own: only the first server dials, and redials
		}
	})
	servers[1].Shutdown()
	ctx := testContext(t, 30*time.Second)
	waitLog(t, ctx, &logs, "router connection closed")
	const failed = "error trying to connect to route (attempt 1)"
	time.Sleep(5 * time.Second) // five more attempts
	reports := strings.Count(strings.ToLower(logs.String()), "error trying to connect to route")
	first := strings.Count(strings.ToLower(logs.String()), failed)
	if reports != first {
		t.Fatalf("%d reports of failed route attempts, %d of them first attempts: later attempts are logged too\n%s", reports, first, logs.String())
	}
}
