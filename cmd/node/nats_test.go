package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/natsnode"
)

// natsSeedFile writes a new nkey user seed to a file and returns the file
// and the public key.
func natsSeedFile(t *testing.T) (string, string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	seed, _ := kp.Seed()
	pub, _ := kp.PublicKey()
	file := filepath.Join(t.TempDir(), "user.nk")
	if err := os.WriteFile(file, append(seed, '\n'), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, pub
}

// natsStartEmbedded starts the embedded server cfg describes, as the node
// does.
func natsStartEmbedded(t *testing.T, cfg config.Config) *natsnode.Server {
	t.Helper()
	opts, err := embeddedOptions(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("embeddedOptions: %v", err)
	}
	s, err := natsnode.Start(opts)
	if err != nil {
		t.Fatalf("start embedded server: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// natsConnect connects to url as a node with cfg does.
func natsConnect(t *testing.T, cfg config.Config, url string) (*nats.Conn, error) {
	t.Helper()
	opts, err := connectOptions(cfg, testLogger(t))
	if err != nil {
		t.Fatalf("connectOptions: %v", err)
	}
	nc, err := nats.Connect(url, opts...)
	if err == nil {
		t.Cleanup(nc.Close)
	}
	return nc, err
}

// natsJetStreamWorks waits for JetStream on nc and writes to a stream with
// the given replicas.
func natsJetStreamWorks(t *testing.T, nc *nats.Conn, stream string, replicas int) {
	t.Helper()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := waitJetStream(ctx, js, testLogger(t)); err != nil {
		t.Fatalf("waitJetStream: %v", err)
	}
	subject := strings.ToLower(stream)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{subject}, Replicas: replicas}); err != nil {
		t.Fatalf("create R%d stream: %v", replicas, err)
	}
	if _, err := js.Publish(ctx, subject, []byte("x")); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func TestEmbeddedOptionsMapsConfig(t *testing.T) {
	seedFile, pub := natsSeedFile(t)
	cfg := loopbackConfig("n1", "/var/lib/graphlog")
	cfg.NATS.Listen = "0.0.0.0:4333"
	cfg.NATS.SyncAlways = true
	cfg.NATS.SyncInterval = 3 * time.Second
	cfg.NATS.ClusterName = "prod"
	cfg.NATS.ClusterListen = ":6222"
	cfg.NATS.ClusterAdvertise = "n1.example:6222"
	cfg.NATS.Routes = "nats-route://n1.example:6222, n2.example:6222 ,,nats-route://n3.example:6222"
	cfg.NATS.NkeySeedFile = seedFile
	cfg.NATS.TLS = config.TLS{Cert: "c.pem", Key: "k.pem", CA: "ca.pem"}

	o, err := embeddedOptions(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	want := natsnode.Options{
		DataDir:      filepath.Join("/var/lib/graphlog", "nats"),
		Host:         "0.0.0.0",
		Port:         4333,
		ServerName:   "n1",
		SyncAlways:   true,
		SyncInterval: 3 * time.Second,
		MaxPayload:   1 << 20,
		Nkey:         pub,
		TLS:          natsnode.TLS{Cert: "c.pem", Key: "k.pem", CA: "ca.pem"},
		Cluster: natsnode.Cluster{
			Name:      "prod",
			Host:      "0.0.0.0",
			Port:      6222,
			Advertise: "n1.example:6222",
			Routes:    []string{"nats-route://n1.example:6222", "n2.example:6222", "nats-route://n3.example:6222"},
		},
	}
	o.Logger = nil
	if fmt.Sprintf("%+v", o) != fmt.Sprintf("%+v", want) {
		t.Errorf("embeddedOptions =\n%+v\nwant\n%+v", o, want)
	}

	// Random ports, user and password, no cluster.
	cfg = loopbackConfig("n2", t.TempDir())
	cfg.NATS.Listen = "127.0.0.1:0"
	cfg.NATS.User, cfg.NATS.Password = "u", "p"
	o, err = embeddedOptions(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if o.Port != natsnode.RandomPort || o.User != "u" || o.Password != "p" || o.Cluster.Enabled() || o.Nkey != "" {
		t.Errorf("embeddedOptions = %+v, want a random port, user u, password p and no cluster", o)
	}

	cfg.NATS.ClusterListen = "10.0.0.1:0"
	cfg.NATS.Routes = "10.0.0.2:6222"
	if o, err = embeddedOptions(cfg, testLogger(t)); err != nil || o.Cluster.Port != natsnode.RandomPort || o.Cluster.Host != "10.0.0.1" {
		t.Errorf("cluster listen 10.0.0.1:0: Cluster = %+v, %v; want host 10.0.0.1 and a random port", o.Cluster, err)
	}
}

func TestEmbeddedOptionsErrors(t *testing.T) {
	dir := t.TempDir()
	accountSeed := filepath.Join(dir, "account.nk")
	acc, _ := nkeys.CreateAccount()
	seed, _ := acc.Seed()
	if err := os.WriteFile(accountSeed, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.nk")
	if err := os.WriteFile(garbage, []byte("not a seed\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name   string
		change func(c *config.Config)
		want   []string // phrases the error must contain
	}{
		{"missing seed file", func(c *config.Config) { c.NATS.NkeySeedFile = filepath.Join(dir, "none.nk") }, []string{"--nats-nkey-seed-file", "none.nk"}},
		{"account seed", func(c *config.Config) { c.NATS.NkeySeedFile = accountSeed }, []string{"--nats-nkey-seed-file", "user seed"}},
		{"no seed", func(c *config.Config) { c.NATS.NkeySeedFile = garbage }, []string{"--nats-nkey-seed-file", "user seed"}},
		{"CA without certificate", func(c *config.Config) { c.NATS.TLS.CA = "ca.pem" }, []string{"--nats-tls-cert", "embedded"}},
		{"cluster without routes", func(c *config.Config) { c.NATS.ClusterListen = "127.0.0.1:6222" }, []string{"--nats-routes", "nats-route://"}},
		{"cluster TLS without CA", func(c *config.Config) {
			c.NATS.ClusterListen = "127.0.0.1:6222"
			c.NATS.Routes = "127.0.0.1:6222"
			c.NATS.TLS = config.TLS{Cert: "c.pem", Key: "k.pem"}
		}, []string{"--nats-tls-ca", "mutual TLS"}},
		{"bad cluster listen", func(c *config.Config) { c.NATS.ClusterListen = "6222"; c.NATS.Routes = "127.0.0.1:6222" }, []string{"--nats-cluster-listen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loopbackConfig("n", dir)
			tt.change(&cfg)
			_, err := embeddedOptions(cfg, testLogger(t))
			if err == nil {
				t.Fatalf("embeddedOptions succeeded; want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), string(seed)) {
				t.Errorf("error reveals the seed: %v", err)
			}
		})
	}
}

func TestConnectOptionsErrors(t *testing.T) {
	certs := natstest.NewCerts(t)
	tests := []struct {
		name string
		nats config.NATS
		want []string
	}{
		{"missing seed file", config.NATS{NkeySeedFile: "/nonexistent/user.nk"}, []string{"--nats-nkey-seed-file", "/nonexistent/user.nk"}},
		{"certificate file missing", config.NATS{TLS: config.TLS{Cert: "/nonexistent/c.pem", Key: certs.Key}}, []string{"--nats-tls-cert", "/nonexistent/c.pem"}},
		{"key not PEM", config.NATS{TLS: config.TLS{Cert: certs.Cert, Key: natsWriteFile(t, "k.pem", "junk")}}, []string{"--nats-tls-key"}},
		{"CA file missing", config.NATS{TLS: config.TLS{CA: "/nonexistent/ca.pem"}}, []string{"--nats-tls-ca", "/nonexistent/ca.pem"}},
		{"CA file not PEM", config.NATS{TLS: config.TLS{CA: natsWriteFile(t, "ca.pem", "junk")}}, []string{"--nats-tls-ca", "PEM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loopbackConfig("n", t.TempDir())
			cfg.NATS = tt.nats
			_, err := connectOptions(cfg, testLogger(t))
			if err == nil {
				t.Fatalf("connectOptions succeeded; want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func natsWriteFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConnectWithPassword(t *testing.T) {
	cfg := loopbackConfig("n", t.TempDir())
	cfg.NATS.User, cfg.NATS.Password = "graphlog", "s3cret"
	s := natsStartEmbedded(t, cfg)

	nc, err := natsConnect(t, cfg, s.ClientURL())
	if err != nil {
		t.Fatalf("connect with the configured password: %v", err)
	}
	natsJetStreamWorks(t, nc, "PW", 1)

	for name, change := range map[string]func(c *config.Config){
		"no credentials": func(c *config.Config) { c.NATS.User, c.NATS.Password = "", "" },
		"wrong password": func(c *config.Config) { c.NATS.Password = "guess" },
	} {
		other := cfg
		change(&other)
		if _, err := natsConnect(t, other, s.ClientURL()); !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("connect with %s: err = %v, want an authorization error", name, err)
		}
	}
}

func TestConnectWithNkey(t *testing.T) {
	seedFile, _ := natsSeedFile(t)
	cfg := loopbackConfig("n", t.TempDir())
	cfg.NATS.NkeySeedFile = seedFile
	s := natsStartEmbedded(t, cfg)

	nc, err := natsConnect(t, cfg, s.ClientURL())
	if err != nil {
		t.Fatalf("connect with the configured seed: %v", err)
	}
	natsJetStreamWorks(t, nc, "NK", 1)

	otherSeed, _ := natsSeedFile(t)
	other := cfg
	other.NATS.NkeySeedFile = otherSeed
	if _, err := natsConnect(t, other, s.ClientURL()); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("connect with another seed: err = %v, want an authorization error", err)
	}
	other.NATS.NkeySeedFile = ""
	if _, err := natsConnect(t, other, s.ClientURL()); !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("connect without a seed: err = %v, want an authorization error", err)
	}
}

func TestConnectWithTLS(t *testing.T) {
	certs := natstest.NewCerts(t)
	cfg := loopbackConfig("n", t.TempDir())
	cfg.NATS.TLS = config.TLS{Cert: certs.Cert, Key: certs.Key, CA: certs.CA}
	s := natsStartEmbedded(t, cfg)
	if !strings.HasPrefix(s.ClientURL(), "tls://") {
		t.Errorf("ClientURL() = %q, want tls://", s.ClientURL())
	}

	nc, err := natsConnect(t, cfg, s.ClientURL())
	if err != nil {
		t.Fatalf("connect to the embedded server over TLS: %v", err)
	}
	if _, err := nc.TLSConnectionState(); err != nil {
		t.Errorf("connection is not TLS: %v", err)
	}
	natsJetStreamWorks(t, nc, "TLS", 1)

	// The same server as an external one: its certificate is checked
	// against the CA and the host name (127.0.0.1 is in it).
	external := cfg
	external.NATS.URL = s.ClientURL()
	if _, err := natsConnect(t, external, s.ClientURL()); err != nil {
		t.Errorf("connect to the server as an external one: %v", err)
	}
	wrongCA := external
	wrongCA.NATS.TLS.CA = certs.OtherCA
	if _, err := natsConnect(t, wrongCA, s.ClientURL()); err == nil {
		t.Error("a node trusting another CA accepted the server's certificate")
	}

	// No client certificate: the server's CA makes it required.
	noCert := external
	noCert.NATS.TLS = config.TLS{CA: certs.CA}
	if _, err := natsConnect(t, noCert, s.ClientURL()); err == nil {
		t.Error("a node without a client certificate connected to a server that requires one")
	}

	// A node whose embedded server it is not: the pin refuses a server
	// presenting another certificate, even one its CA signed.
	another := natstest.NewCerts(t)
	pinned := loopbackConfig("m", t.TempDir())
	pinned.NATS.TLS = config.TLS{Cert: another.Cert, Key: another.Key}
	_, err = natsConnect(t, pinned, s.ClientURL())
	if err == nil || !strings.Contains(err.Error(), "did not present this node's certificate") {
		t.Errorf("connect pinned to another certificate: err = %v, want the pin to refuse", err)
	}
}

// slogBuffer collects log output for assertions.
type slogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *slogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *slogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitJetStream waits while a new cluster lacks servers, saying so in the
// log, and returns once they are all up.
func TestWaitJetStreamForCluster(t *testing.T) {
	ports := natstest.FreePorts(t, 3)
	var routes []string
	for _, p := range ports {
		routes = append(routes, "nats-route://127.0.0.1:"+strconv.Itoa(p))
	}
	cfgs := make([]config.Config, 3)
	for i := range cfgs {
		cfgs[i] = loopbackConfig(fmt.Sprintf("w%d", i), t.TempDir())
		cfgs[i].NATS.ClusterListen = "127.0.0.1:" + strconv.Itoa(ports[i])
		cfgs[i].NATS.Routes = strings.Join(routes, ",")
		cfgs[i].NATS.Replicas = 3
	}
	first := natsStartEmbedded(t, cfgs[0])
	nc, err := natsConnect(t, cfgs[0], first.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}

	var logs slogBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	ctx, cancel := context.WithTimeout(context.Background(), 600*time.Millisecond)
	err = waitJetStream(ctx, js, logger)
	cancel()
	if err == nil || !strings.Contains(err.Error(), "did not answer") {
		t.Fatalf("waitJetStream on 1 of 3 servers = %v, want an error saying JetStream did not answer", err)
	}
	if !strings.Contains(err.Error(), "--nats-routes") {
		t.Errorf("error %q does not point at --nats-routes", err)
	}
	if !strings.Contains(logs.String(), "waiting for the NATS cluster to elect a JetStream leader") {
		t.Errorf("no progress line in the log:\n%s", logs.String())
	}

	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		done <- waitJetStream(ctx, js, logger)
	}()
	natsStartEmbedded(t, cfgs[1])
	natsStartEmbedded(t, cfgs[2])
	if err := <-done; err != nil {
		t.Fatalf("waitJetStream after the whole cluster started: %v", err)
	}
	if !strings.Contains(logs.String(), "NATS JetStream is ready") {
		t.Errorf("no ready line in the log:\n%s", logs.String())
	}
}

func TestWaitJetStreamClosedConnection(t *testing.T) {
	_, nc, js := natstest.Start(t)
	nc.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin := time.Now()
	if err := waitJetStream(ctx, js, testLogger(t)); !errors.Is(err, nats.ErrConnectionClosed) {
		t.Errorf("waitJetStream on a closed connection = %v, want ErrConnectionClosed", err)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("waitJetStream on a closed connection took %s; want it to give up at once", took)
	}
}

// Three nodes' embedded servers form a NATS cluster from their configs
// alone, with nkey clients and mutual TLS on routes and clients, and hold
// an R3 stream.
func TestEmbeddedCluster(t *testing.T) {
	certs := natstest.NewCerts(t)
	seedFile, _ := natsSeedFile(t)
	ports := natstest.FreePorts(t, 3)
	var routes []string
	for _, p := range ports {
		routes = append(routes, "127.0.0.1:"+strconv.Itoa(p))
	}
	servers := make([]*natsnode.Server, 3)
	cfgs := make([]config.Config, 3)
	for i := range servers {
		cfg := loopbackConfig(fmt.Sprintf("c%d", i), t.TempDir())
		cfg.NATS.ClusterListen = "127.0.0.1:" + strconv.Itoa(ports[i])
		cfg.NATS.Routes = strings.Join(routes, ",")
		cfg.NATS.Replicas = 3
		cfg.NATS.NkeySeedFile = seedFile
		cfg.NATS.TLS = config.TLS{Cert: certs.Cert, Key: certs.Key, CA: certs.CA}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("config %d: %v", i, err)
		}
		cfgs[i] = cfg
		servers[i] = natsStartEmbedded(t, cfg)
	}
	nc, err := natsConnect(t, cfgs[1], servers[1].ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	natsJetStreamWorks(t, nc, "R3", 3)

	js, _ := jetstream.New(nc)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	info, err := js.Stream(ctx, "R3")
	if err != nil {
		t.Fatal(err)
	}
	if ci := info.CachedInfo().Cluster; ci == nil || ci.Name != cfgs[0].NATS.ClusterName || len(ci.Replicas) != 2 {
		t.Errorf("stream cluster info = %+v, want cluster %q with a leader and 2 replicas", ci, cfgs[0].NATS.ClusterName)
	}
}
