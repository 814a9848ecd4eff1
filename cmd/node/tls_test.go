package main

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/devcerts"
)

// tlsCA is a test authority whose members' files live in dir.
type tlsCA struct {
	ca  *devcerts.CA
	dir string
}

func newTLSCA(t *testing.T, name string) *tlsCA {
	t.Helper()
	ca, err := devcerts.NewCA(name, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := devcerts.WritePEM(filepath.Join(dir, "ca.pem"), "CERTIFICATE", ca.Cert.Raw, 0o644); err != nil {
		t.Fatal(err)
	}
	return &tlsCA{ca: ca, dir: dir}
}

// member issues a certificate named name for hosts, valid for validity,
// and returns the actor TLS configuration of a member that uses it.
func (c *tlsCA) member(t *testing.T, name string, hosts []string, validity time.Duration) config.TLS {
	t.Helper()
	cert, key, err := c.ca.Issue(name, hosts, validity)
	if err != nil {
		t.Fatal(err)
	}
	f := config.TLS{Cert: filepath.Join(c.dir, name+".pem"), Key: filepath.Join(c.dir, name+"-key.pem"), CA: filepath.Join(c.dir, "ca.pem")}
	if err := devcerts.WritePEM(f.Cert, "CERTIFICATE", cert, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := devcerts.WritePEM(f.Key, "PRIVATE KEY", key, 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func mustActorTLS(t *testing.T, c config.TLS) (server, client *tls.Config) {
	t.Helper()
	server, client, err := actorTLS(c)
	if err != nil {
		t.Fatalf("actorTLS(%+v): %v", c, err)
	}
	if server == nil || client == nil {
		t.Fatalf("actorTLS(%+v) = %v, %v with no error", c, server, client)
	}
	return server, client
}

// tlsOutcome is what each side of a handshake saw.
type tlsOutcome struct {
	serverErr, clientErr error
	// serverPeer and clientPeer are the common names of the certificate
	// each side received, when the handshake succeeded.
	serverPeer, clientPeer string
}

// tlsHandshake connects a client to a server over loopback TCP (kernel
// buffers: a side that fails can always send its alert) and completes the
// handshake on both. In TLS 1.3 the client's handshake ends before the
// server has checked the client's certificate, so the client also reads a
// byte the server sends once its own handshake succeeded: a refusal by the
// server shows there.
func tlsHandshake(t *testing.T, server, client *tls.Config) tlsOutcome {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	deadline := time.Now().Add(10 * time.Second)

	type serverSide struct {
		err  error
		peer string
	}
	done := make(chan serverSide, 1)
	go func() {
		raw, err := ln.Accept()
		if err != nil {
			done <- serverSide{err: err}
			return
		}
		defer raw.Close()
		_ = raw.SetDeadline(deadline)
		conn := tls.Server(raw, server)
		if err := conn.Handshake(); err != nil {
			done <- serverSide{err: err}
			return
		}
		_, err = conn.Write([]byte{1})
		done <- serverSide{err: err, peer: peerName(conn.ConnectionState())}
	}()

	var out tlsOutcome
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	_ = raw.SetDeadline(deadline)
	conn := tls.Client(raw, client)
	out.clientErr = conn.Handshake()
	if out.clientErr == nil {
		_, out.clientErr = io.ReadFull(conn, make([]byte, 1))
		out.clientPeer = peerName(conn.ConnectionState())
	}
	// Closing first frees a server still waiting for a client that gave
	// up before it sent anything.
	raw.Close()
	s := <-done
	out.serverErr, out.serverPeer = s.err, s.peer
	var timeout net.Error
	for _, err := range []error{out.serverErr, out.clientErr} {
		if errors.As(err, &timeout) && timeout.Timeout() {
			t.Fatalf("handshake hung: %v", err)
		}
	}
	return out
}

func peerName(cs tls.ConnectionState) string {
	if len(cs.PeerCertificates) == 0 {
		return ""
	}
	return cs.PeerCertificates[0].Subject.CommonName
}

func TestActorTLSNotEnabled(t *testing.T) {
	server, client, err := actorTLS(config.TLS{})
	if server != nil || client != nil || err != nil {
		t.Errorf("actorTLS(zero) = %v, %v, %v; want nil, nil, nil", server, client, err)
	}
}

func TestActorTLSMembersOfOneCA(t *testing.T) {
	ca := newTLSCA(t, "graphlog test CA")
	// Certificates name hosts the test never dials: members are reached at
	// announced addresses, and host names are not checked.
	serverTLS, _ := mustActorTLS(t, ca.member(t, "node1", []string{"node1"}, time.Hour))
	_, clientTLS := mustActorTLS(t, ca.member(t, "node2", []string{"node2"}, time.Hour))

	if serverTLS.ClientAuth != tls.RequireAndVerifyClientCert {
		t.Errorf("server ClientAuth %v, want RequireAndVerifyClientCert", serverTLS.ClientAuth)
	}
	for _, c := range []*tls.Config{serverTLS, clientTLS} {
		if c.MinVersion < tls.VersionTLS12 {
			t.Errorf("MinVersion %#x, want at least TLS 1.2", c.MinVersion)
		}
	}

	for _, serverName := range []string{"", "other", "node2", "127.0.0.1"} {
		t.Run("server name "+serverName, func(t *testing.T) {
			client := clientTLS.Clone()
			client.ServerName = serverName
			out := tlsHandshake(t, serverTLS, client)
			if out.serverErr != nil || out.clientErr != nil {
				t.Fatalf("handshake: server %v, client %v", out.serverErr, out.clientErr)
			}
			if out.serverPeer != "node2" || out.clientPeer != "node1" {
				t.Errorf("the server saw %q and the client %q; want node2 and node1", out.serverPeer, out.clientPeer)
			}
		})
	}
	t.Run("TLS 1.2", func(t *testing.T) {
		client := clientTLS.Clone()
		client.MaxVersion = tls.VersionTLS12
		out := tlsHandshake(t, serverTLS, client)
		if out.serverErr != nil || out.clientErr != nil {
			t.Fatalf("handshake: server %v, client %v", out.serverErr, out.clientErr)
		}
		if out.serverPeer != "node2" || out.clientPeer != "node1" {
			t.Errorf("the server saw %q and the client %q; want node2 and node1", out.serverPeer, out.clientPeer)
		}
	})
}

func TestActorTLSRefusesStrangers(t *testing.T) {
	ca := newTLSCA(t, "graphlog test CA")
	// Another authority with the same name: only its key tells it apart.
	other := newTLSCA(t, "graphlog test CA")
	serverTLS, clientTLS := mustActorTLS(t, ca.member(t, "node1", []string{"node1", "127.0.0.1"}, time.Hour))
	strangerServer, strangerClient := mustActorTLS(t, other.member(t, "stranger", []string{"stranger", "127.0.0.1"}, time.Hour))

	strangerCert, err := tls.LoadX509KeyPair(filepath.Join(other.dir, "stranger.pem"), filepath.Join(other.dir, "stranger-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	expired := ca.member(t, "expired", []string{"node1", "127.0.0.1"}, -time.Minute)
	expiredCert, err := tls.LoadX509KeyPair(expired.Cert, expired.Key)
	if err != nil {
		t.Fatal(err)
	}
	memberCert := clientTLS.Certificates[0]

	// acceptAnyClient serves cert and asks for a client certificate without
	// checking it, so only the client config under test can refuse.
	acceptAnyClient := func(cert tls.Certificate) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{cert}, ClientAuth: tls.RequireAnyClientCert}
	}
	// trustAnyServer presents cert (or none) and accepts any server, so
	// only the server config under test can refuse.
	trustAnyServer := func(certs ...tls.Certificate) *tls.Config {
		return &tls.Config{Certificates: certs, InsecureSkipVerify: true}
	}

	tests := []struct {
		name           string
		server, client *tls.Config
		refusedBy      string // "client" or "server": whose config must fail
		unknownCA      bool   // the refusal is an x509.UnknownAuthorityError
	}{
		{name: "server signed by another CA", server: acceptAnyClient(strangerCert), client: clientTLS, refusedBy: "client", unknownCA: true},
		{name: "server certificate expired", server: acceptAnyClient(expiredCert), client: clientTLS, refusedBy: "client"},
		{name: "client signed by another CA", server: serverTLS, client: trustAnyServer(strangerCert), refusedBy: "server", unknownCA: true},
		{name: "client certificate expired", server: serverTLS, client: trustAnyServer(expiredCert), refusedBy: "server"},
		{name: "client without a certificate", server: serverTLS, client: trustAnyServer(), refusedBy: "server"},
		// Members of different authorities, both with actorTLS configs.
		{name: "member of another CA dials", server: serverTLS, client: strangerClient, refusedBy: "client", unknownCA: true},
		{name: "member of another CA is dialled", server: strangerServer, client: clientTLS, refusedBy: "client", unknownCA: true},
		// The controls: the same helpers admit a member of the CA.
		{name: "control: member server", server: acceptAnyClient(memberCert), client: clientTLS},
		{name: "control: member client", server: serverTLS, client: trustAnyServer(memberCert)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tlsHandshake(t, tt.server, tt.client)
			var refusal error
			switch tt.refusedBy {
			case "":
				if out.serverErr != nil || out.clientErr != nil {
					t.Fatalf("handshake: server %v, client %v", out.serverErr, out.clientErr)
				}
				return
			case "client":
				refusal = out.clientErr
			case "server":
				refusal = out.serverErr
			}
			if out.serverErr == nil || out.clientErr == nil {
				t.Fatalf("handshake completed on one side: server %v, client %v", out.serverErr, out.clientErr)
			}
			var unknown x509.UnknownAuthorityError
			if tt.unknownCA && !errors.As(refusal, &unknown) {
				t.Errorf("the %s refused with %v; want an unknown authority error", tt.refusedBy, refusal)
			}
			var invalid x509.CertificateInvalidError
			if strings.HasSuffix(tt.name, "expired") && (!errors.As(refusal, &invalid) || invalid.Reason != x509.Expired) {
				t.Errorf("the %s refused with %v; want an expired certificate error", tt.refusedBy, refusal)
			}
		})
	}
}

func TestActorTLSBadFiles(t *testing.T) {
	ca := newTLSCA(t, "graphlog test CA")
	good := ca.member(t, "node1", []string{"node1"}, time.Hour)
	otherKey := ca.member(t, "node2", []string{"node2"}, time.Hour).Key
	dir := t.TempDir()
	noPEM := filepath.Join(dir, "not-pem.pem")
	if err := os.WriteFile(noPEM, []byte("this is not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.pem")

	certFlag, keyFlag, caFlag := "--"+config.FlagActorTLSCert, "--"+config.FlagActorTLSKey, "--"+config.FlagActorTLSCA
	tests := []struct {
		name     string
		change   func(*config.TLS)
		flags    []string // the error names each
		notFlags []string // and none of these
		notExist bool     // errors.Is(err, fs.ErrNotExist)
	}{
		{name: "missing cert file", change: func(c *config.TLS) { c.Cert = missing }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}, notExist: true},
		{name: "missing key file", change: func(c *config.TLS) { c.Key = missing }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}, notExist: true},
		{name: "key of another certificate", change: func(c *config.TLS) { c.Key = otherKey }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}},
		{name: "key and cert swapped", change: func(c *config.TLS) { c.Cert, c.Key = c.Key, c.Cert }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}},
		{name: "cert file without PEM", change: func(c *config.TLS) { c.Cert = noPEM }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}},
		{name: "CA alone", change: func(c *config.TLS) { c.Cert, c.Key = "", "" }, flags: []string{certFlag, keyFlag}, notFlags: []string{caFlag}},
		{name: "CA file without PEM", change: func(c *config.TLS) { c.CA = noPEM }, flags: []string{caFlag, noPEM}, notFlags: []string{certFlag, keyFlag}},
		{name: "CA file is the key", change: func(c *config.TLS) { c.CA = c.Key }, flags: []string{caFlag}, notFlags: []string{certFlag, keyFlag}},
		{name: "missing CA file", change: func(c *config.TLS) { c.CA = missing }, flags: []string{caFlag}, notFlags: []string{certFlag, keyFlag}, notExist: true},
		{name: "no CA", change: func(c *config.TLS) { c.CA = "" }, flags: []string{caFlag}, notFlags: []string{certFlag, keyFlag}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			server, client, err := actorTLS(c)
			if err == nil {
				t.Fatalf("actorTLS(%+v) succeeded", c)
			}
			if server != nil || client != nil {
				t.Errorf("configs returned with the error %v", err)
			}
			for _, f := range tt.flags {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
			for _, f := range tt.notFlags {
				if strings.Contains(err.Error(), f) {
					t.Errorf("error %q names %s, which is not at fault", err, f)
				}
			}
			if tt.notExist && !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("error %v does not wrap fs.ErrNotExist", err)
			}
		})
	}
	// The good files, for contrast.
	mustActorTLS(t, good)
}
