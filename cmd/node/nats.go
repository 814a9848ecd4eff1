package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nkeys"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/natsnode"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
)

// How waitJetStream polls. While no meta leader is elected a request may
// go unanswered, so attempts start short; each one that times out doubles
// the next one's timeout, up to the maximum, so a slow cluster is still
// given time to answer.
const (
	jetStreamFirstAttemptTimeout = 500 * time.Millisecond
	jetStreamMaxAttemptTimeout   = 8 * time.Second
	jetStreamRetryInterval       = 250 * time.Millisecond
	jetStreamLogInterval         = 5 * time.Second
)

// connectOptions are the options of the node's NATS connection: its name,
// endless reconnects, logs of disconnects and reconnects, and the
// credentials and TLS of cfg.NATS.
//
// With TLS and the embedded server, the node trusts exactly its own
// certificate (--nats-tls-cert) on its connection to that server, instead
// of checking a host name: the connection goes to an address such as
// 127.0.0.1, which the certificate need not name. With an external server
// the certificate is checked as usual, against --nats-tls-ca or else the
// system's roots.
func connectOptions(cfg config.Config, logger *slog.Logger) ([]nats.Option, error) {
	opts := []nats.Option{
		nats.Name("graphlog " + cfg.NodeName),
		nats.MaxReconnects(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil { // nil: a drain on shutdown
				logger.Warn("disconnected from NATS; reconnecting", slog.Any("error", err))
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			logger.Info("reconnected to NATS", slog.String("url", c.ConnectedUrl()))
		}),
	}
	n := cfg.NATS
	if n.User != "" {
		opts = append(opts, nats.UserInfo(n.User, n.Password))
	}
	if n.NkeySeedFile != "" {
		// Checked here for a clear error; the option reads the file again
		// for every signature, so the seed is not kept in memory.
		if _, err := nkeyPublicKey(n.NkeySeedFile); err != nil {
			return nil, err
		}
		opt, err := nats.NkeyOptionFromSeed(n.NkeySeedFile)
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %w", config.FlagNATSNkeySeedFile, n.NkeySeedFile, err)
		}
		opts = append(opts, opt)
	}
	if n.TLS.Enabled() {
		tc, err := clientTLSConfig(n.TLS, cfg.Embedded())
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

// clientTLSConfig is the TLS configuration of the node's connection.
func clientTLSConfig(files config.TLS, embedded bool) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if files.Cert != "" {
		cert, err := tls.LoadX509KeyPair(files.Cert, files.Key)
		if err != nil {
			return nil, fmt.Errorf("--%s %s and --%s %s: %w; give a PEM certificate and its PEM private key",
				config.FlagNATSTLSCert, files.Cert, config.FlagNATSTLSKey, files.Key, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if files.CA != "" {
		pool, err := natsCAPool(files.CA)
		if err != nil {
			return nil, err
		}
		tc.RootCAs = pool
	}
	if embedded && files.Cert != "" {
		own := tc.Certificates[0].Certificate[0]
		// Chain and host name checks are replaced by the pin below, which
		// is stricter: only the holder of our own key passes.
		tc.InsecureSkipVerify = true
		tc.VerifyConnection = func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, own) {
				return fmt.Errorf("the NATS server did not present this node's certificate (--%s %s); is another process listening on --%s?",
					config.FlagNATSTLSCert, files.Cert, config.FlagNATSListen)
			}
			return nil
		}
	}
	return tc, nil
}

func natsCAPool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--%s: %w", config.FlagNATSTLSCA, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("--%s %s: no PEM certificate in the file; give the CA certificate in PEM", config.FlagNATSTLSCA, file)
	}
	return pool, nil
}

// nkeyPublicKey reads an nkey user seed ("SU…", possibly inside a
// decorated creds-style file) and returns its public key.
func nkeyPublicKey(file string) (string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("--%s: %w", config.FlagNATSNkeySeedFile, err)
	}
	defer clear(b)
	kp, err := nkeys.ParseDecoratedUserNKey(b)
	if err != nil {
		return "", fmt.Errorf("--%s %s: %w; the file must hold an nkey user seed (starting SU), as `nk -gen user` writes", config.FlagNATSNkeySeedFile, file, err)
	}
	defer kp.Wipe()
	pub, err := kp.PublicKey()
	if err != nil {
		return "", fmt.Errorf("--%s %s: %w", config.FlagNATSNkeySeedFile, file, err)
	}
	return pub, nil
}

// embeddedOptions are the settings of the embedded NATS server: its
// listeners, durability, cluster membership, credentials and TLS. A server
// that joins a cluster listening on a port alone (":6222") accepts routes
// on every interface.
func embeddedOptions(cfg config.Config, logger *slog.Logger) (natsnode.Options, error) {
	n := cfg.NATS
	host, port, err := listenAddr(n.Listen, config.FlagNATSListen)
	if err != nil {
		return natsnode.Options{}, err
	}
	opts := natsnode.Options{
		DataDir:      filepath.Join(cfg.DataDir, "nats"),
		Host:         host,
		Port:         port,
		ServerName:   cfg.NodeName,
		SyncAlways:   n.SyncAlways,
		SyncInterval: n.SyncInterval,
		MaxStore:     n.MaxStorage,
		// A transaction is one message: the server must carry the largest
		// with its headers.
		MaxPayload: int32(max(cfg.Graphs.MaxTransactionBytes+natsjs.HeaderRoom, 1<<20)),
		User:       n.User,
		Password:   n.Password,
		TLS:        natsnode.TLS{Cert: n.TLS.Cert, Key: n.TLS.Key, CA: n.TLS.CA},
		Logger:     logger.With(slog.String("component", "nats")),
	}
	if n.NkeySeedFile != "" {
		if opts.Nkey, err = nkeyPublicKey(n.NkeySeedFile); err != nil {
			return natsnode.Options{}, err
		}
	}
	if n.TLS.Enabled() && n.TLS.Cert == "" {
		return natsnode.Options{}, fmt.Errorf("--%s is empty; the embedded NATS server needs its certificate and key (--%s) to offer TLS",
			config.FlagNATSTLSCert, config.FlagNATSTLSKey)
	}
	if n.Clustered() {
		chost, cport, err := listenAddr(n.ClusterListen, config.FlagNATSClusterListen)
		if err != nil {
			return natsnode.Options{}, err
		}
		if chost == "" {
			chost = "0.0.0.0"
		}
		routes := splitList(n.Routes)
		if len(routes) == 0 {
			return natsnode.Options{}, fmt.Errorf("--%s is empty, but --%s makes the embedded NATS server join a cluster; list the cluster's servers as nats-route://host:port (every server may get the same list, its own included)",
				config.FlagNATSRoutes, config.FlagNATSClusterListen)
		}
		if n.TLS.Cert != "" && n.TLS.CA == "" {
			return natsnode.Options{}, fmt.Errorf("--%s is empty, but the embedded NATS server joins a cluster with TLS; routes use mutual TLS, so set the CA that signed every server's certificate",
				config.FlagNATSTLSCA)
		}
		opts.Cluster = natsnode.Cluster{
			Name:      n.ClusterName,
			Host:      chost,
			Port:      cport,
			Advertise: n.ClusterAdvertise,
			Routes:    routes,
		}
	}
	return opts, nil
}

// listenAddr reads host:port; port 0 and -1 both mean a free port.
func listenAddr(addr, flag string) (string, int, error) {
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("--%s %q: %w", flag, addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return "", 0, fmt.Errorf("--%s %q: port is not a number", flag, addr)
	}
	if port == 0 {
		port = natsnode.RandomPort
	}
	return host, port, nil
}

// splitList splits a comma-separated list, dropping blanks.
func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// waitJetStream returns once JetStream answers on js, retrying until ctx
// ends. In a NATS cluster JetStream answers only after the servers have
// elected a meta leader: a new cluster needs all of its servers running for
// that, later a quorum (2 of 3). It logs while it waits. It fails at once
// if the account has no JetStream or the connection is closed, which
// waiting cannot fix.
func waitJetStream(ctx context.Context, js jetstream.JetStream, logger *slog.Logger) error {
	begin := time.Now()
	var lastLog time.Time
	attempt := jetStreamFirstAttemptTimeout
	retry := time.NewTimer(jetStreamRetryInterval)
	defer retry.Stop()
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		_, err := js.AccountInfo(actx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			attempt = min(2*attempt, jetStreamMaxAttemptTimeout)
		}
		if err == nil {
			if !lastLog.IsZero() {
				logger.Info("NATS JetStream is ready", slog.Duration("waited", time.Since(begin).Round(time.Millisecond)))
			}
			return nil
		}
		if errors.Is(err, jetstream.ErrJetStreamNotEnabledForAccount) {
			return fmt.Errorf("NATS JetStream is not enabled for the node's account: %w; enable JetStream for that account on the NATS servers", err)
		}
		if errors.Is(err, nats.ErrConnectionClosed) {
			return fmt.Errorf("waiting for NATS JetStream: %w", err)
		}
		if lastLog.IsZero() || time.Since(lastLog) >= jetStreamLogInterval {
			lastLog = time.Now()
			logger.Info("waiting for the NATS cluster to elect a JetStream leader",
				slog.Duration("waited", time.Since(begin).Round(time.Second)), slog.Any("error", err))
		}
		retry.Reset(jetStreamRetryInterval)
		select {
		case <-ctx.Done():
			return fmt.Errorf("NATS JetStream did not answer within %s: %w; start the other NATS servers of the cluster (a new cluster needs all of them, later a quorum such as 2 of 3) and check --%s, or check --%s",
				time.Since(begin).Round(time.Millisecond), err, config.FlagNATSRoutes, config.FlagNATSURL)
		case <-retry.C:
		}
	}
}

// Bounds of one attempt to open a stream or bucket: the first is short,
// since concurrent creations of one replicated stream by several new nodes
// can leave all but one waiting for an answer that never comes; later
// ones are longer, for a busy cluster.
const (
	openFirstAttemptTimeout = 2 * time.Second
	openMaxAttemptTimeout   = 16 * time.Second
)

// untilAvailable calls open until it succeeds, fails for a reason other
// than NATS being unavailable, or ctx ends. A NATS cluster that has just
// elected its leaders may time out creating replicated streams for a
// while; a node that gave up then would restart its embedded server and
// unsettle the cluster again.
func untilAvailable[T any](ctx context.Context, logger *slog.Logger, what string, open func(context.Context) (T, error)) (T, error) {
	begin := time.Now()
	var lastLog time.Time
	attempt := openFirstAttemptTimeout
	for {
		actx, cancel := context.WithTimeout(ctx, attempt)
		v, err := open(actx)
		cancel()
		attempt = min(2*attempt, openMaxAttemptTimeout)
		if err == nil || !errors.Is(err, store.ErrUnavailable) && !errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			if err == nil && !lastLog.IsZero() {
				logger.Info("opened "+what, slog.Duration("waited", time.Since(begin).Round(time.Millisecond)))
			}
			return v, err
		}
		if lastLog.IsZero() || time.Since(lastLog) >= jetStreamLogInterval {
			lastLog = time.Now()
			logger.Info("waiting for NATS to open "+what, slog.Duration("waited", time.Since(begin).Round(time.Second)), slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(jetStreamRetryInterval):
		}
	}
}
