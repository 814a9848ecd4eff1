package natsnode_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"

	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/natsnode"
)

func startServer(t *testing.T, o natsnode.Options) *natsnode.Server {
	t.Helper()
	o.DataDir = t.TempDir()
	o.Port = natsnode.RandomPort
	o.NoLog = true
	s, err := natsnode.Start(o)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Shutdown)
	return s
}

// connects reports whether a client with opts gets in, and its error.
func connects(url string, opts ...nats.Option) (bool, error) {
	nc, err := nats.Connect(url, append(opts, nats.NoReconnect())...)
	if err != nil {
		return false, err
	}
	defer nc.Close()
	return true, nc.Flush()
}

func TestUserPassword(t *testing.T) {
	s := startServer(t, natsnode.Options{User: "u", Password: "p"})
	if ok, err := connects(s.ClientURL(), nats.UserInfo("u", "p")); !ok || err != nil {
		t.Errorf("connect with the password: %v", err)
	}
	for name, opts := range map[string][]nats.Option{
		"no credentials": nil,
		"wrong password": {nats.UserInfo("u", "x")},
	} {
		if ok, err := connects(s.ClientURL(), opts...); ok || !errors.Is(err, nats.ErrAuthorization) {
			t.Errorf("connect with %s: connected=%t err=%v, want an authorization error", name, ok, err)
		}
	}
}

func TestNkey(t *testing.T) {
	user, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := user.PublicKey()
	other, _ := nkeys.CreateUser()
	otherPub, _ := other.PublicKey()

	s := startServer(t, natsnode.Options{Nkey: pub})
	if ok, err := connects(s.ClientURL(), nats.Nkey(pub, user.Sign)); !ok || err != nil {
		t.Errorf("connect with the authorized nkey: %v", err)
	}
	if ok, err := connects(s.ClientURL(), nats.Nkey(otherPub, other.Sign)); ok || !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("connect with another nkey: connected=%t err=%v, want an authorization error", ok, err)
	}
	if ok, err := connects(s.ClientURL()); ok || !errors.Is(err, nats.ErrAuthorization) {
		t.Errorf("connect without credentials: connected=%t err=%v, want an authorization error", ok, err)
	}
}

func TestTLS(t *testing.T) {
	certs := natstest.NewCerts(t)

	t.Run("server only", func(t *testing.T) {
		s := startServer(t, natsnode.Options{TLS: natsnode.TLS{Cert: certs.Cert, Key: certs.Key}})
		if !strings.HasPrefix(s.ClientURL(), "tls://127.0.0.1:") {
			t.Errorf("ClientURL() = %q, want tls://127.0.0.1:port", s.ClientURL())
		}
		if ok, err := connects(s.ClientURL(), nats.RootCAs(certs.CA)); !ok || err != nil {
			t.Errorf("connect trusting the CA: %v", err)
		}
		if ok, _ := connects(s.ClientURL(), nats.RootCAs(certs.OtherCA)); ok {
			t.Error("a client trusting another CA accepted the server's certificate")
		}
		plain := strings.Replace(s.ClientURL(), "tls://", "nats://", 1)
		if ok, err := connects(plain, nats.RootCAs(certs.CA)); !ok || err != nil {
			t.Errorf("connect to the nats:// URL (upgraded to TLS): %v", err)
		}
	})

	t.Run("mutual", func(t *testing.T) {
		s := startServer(t, natsnode.Options{TLS: natsnode.TLS{Cert: certs.Cert, Key: certs.Key, CA: certs.CA}})
		if ok, err := connects(s.ClientURL(), nats.RootCAs(certs.CA), nats.ClientCert(certs.Cert, certs.Key)); !ok || err != nil {
			t.Errorf("connect with a client certificate: %v", err)
		}
		if ok, _ := connects(s.ClientURL(), nats.RootCAs(certs.CA)); ok {
			t.Error("a client without a certificate connected to a server with a CA")
		}
	})
}

func TestStartRejectsBadSettings(t *testing.T) {
	user, _ := nkeys.CreateUser()
	seed, _ := user.Seed()
	clustered := natsnode.Cluster{Name: "c", Port: natsnode.RandomPort, Routes: []string{"127.0.0.1:6222"}}
	tests := []struct {
		name string
		opts natsnode.Options
		want string // a phrase the error must contain
	}{
		{"user without password", natsnode.Options{User: "u"}, "User and Password"},
		{"seed as nkey", natsnode.Options{Nkey: string(seed)}, "not a public user nkey"},
		{"cert without key", natsnode.Options{TLS: natsnode.TLS{Cert: "c.pem"}}, "TLS.Cert and TLS.Key"},
		{"CA without cert", natsnode.Options{TLS: natsnode.TLS{CA: "ca.pem"}}, "TLS.CA is set without"},
		{"missing cert file", natsnode.Options{TLS: natsnode.TLS{Cert: "/nonexistent/c.pem", Key: "/nonexistent/k.pem"}}, "/nonexistent/c.pem"},
		{"cluster without server name", natsnode.Options{Cluster: clustered}, "ServerName"},
		{"cluster without name", natsnode.Options{ServerName: "s", Cluster: natsnode.Cluster{Port: natsnode.RandomPort, Routes: []string{"127.0.0.1:6222"}}}, "Cluster.Name"},
		{"cluster without routes", natsnode.Options{ServerName: "s", Cluster: natsnode.Cluster{Name: "c", Port: natsnode.RandomPort}}, "Cluster.Routes is empty"},
		{"cluster TLS without CA", natsnode.Options{ServerName: "s", Cluster: clustered, TLS: natsnode.TLS{Cert: "c", Key: "k"}}, "routes use mutual TLS"},
		{"route without port", natsnode.Options{ServerName: "s", Cluster: natsnode.Cluster{Name: "c", Port: 6222, Routes: []string{"nats-route://host"}}}, "Cluster.Routes"},
		{"route with http scheme", natsnode.Options{ServerName: "s", Cluster: natsnode.Cluster{Name: "c", Port: 6222, Routes: []string{"http://host:6222"}}}, "scheme"},
		{"routes without port", natsnode.Options{Cluster: natsnode.Cluster{Routes: []string{"host:6222"}}}, "Cluster.Port is 0"},
		{"bad advertise", natsnode.Options{ServerName: "s", Cluster: natsnode.Cluster{Name: "c", Port: 6222, Advertise: "host"}}, "Cluster.Advertise"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.DataDir = t.TempDir()
			tt.opts.Port = natsnode.RandomPort
			tt.opts.NoLog = true
			s, err := natsnode.Start(tt.opts)
			if err == nil {
				s.Shutdown()
				t.Fatalf("Start succeeded; want an error containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start error = %v, want one containing %q", err, tt.want)
			}
			if strings.Contains(err.Error(), string(seed)) {
				t.Errorf("Start error reveals the seed: %v", err)
			}
		})
	}
}
