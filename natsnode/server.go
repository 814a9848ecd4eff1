package natsnode

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Server is a running embedded NATS server with JetStream.
type Server struct {
	srv      *server.Server
	tls      bool // clients must use TLS
	stopOnce sync.Once
}

// Start starts a server with opts and waits until it accepts clients and
// JetStream is enabled. If the server cannot start (the port is in use,
// the data directory is unusable) or is not ready within the ready
// timeout, Start stops it again and returns an error saying why.
//
// In a cluster Start does not wait for the other servers: JetStream
// answers only once the servers have elected a meta leader, which
// WaitJetStream waits for.
func Start(opts Options) (*Server, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	sopts, err := opts.serverOptions()
	if err != nil {
		return nil, err
	}
	srv, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("natsnode: configure server: %w", err)
	}

	// Always install a logger: the server's default one exits the process
	// on a fatal error, and the fatal line is the only report of why a
	// start failed.
	lg := &serverLogger{}
	if !opts.NoLog {
		lg.log = opts.Logger
		if lg.log == nil {
			lg.log = slog.Default()
		}
	}
	debug := lg.log != nil && lg.log.Enabled(context.Background(), slog.LevelDebug)
	srv.SetLoggerV2(lg, debug, false, false)
	if opts.Cluster.Enabled() && !opts.routesAuthenticated() && lg.log != nil {
		lg.log.Warn("NATS routes are not authenticated: any server that reaches the cluster port can join; set a user and password or TLS with a CA, or keep the cluster port on a private network",
			attrComponent, componentNATS)
	}

	// Start returns once the client listener is open or start-up failed;
	// JetStream recovers its data before that.
	started := make(chan struct{})
	go func() {
		defer close(started)
		srv.Start()
	}()

	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	s := &Server{srv: srv, tls: sopts.TLSConfig != nil}
	if err := s.waitReady(started, lg, timeout); err != nil {
		s.Shutdown()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(started <-chan struct{}, lg *serverLogger, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if line := lg.fatalLine(); line != "" {
			return fmt.Errorf("natsnode: server did not start: %s; check that the port is free and the data directory is writable", line)
		}
		select {
		case <-started:
			// A short wait makes ReadyForConnections check once.
			if s.srv.ReadyForConnections(time.Millisecond) {
				if !s.srv.JetStreamEnabled() {
					return fmt.Errorf("natsnode: server started without JetStream; see the server log")
				}
				return nil
			}
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("natsnode: server not ready for clients after %s; check the server log, or raise ReadyTimeout if JetStream is recovering a large data directory", timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ClientURL is the URL clients connect to, such as nats://127.0.0.1:4222,
// or tls://… when the server requires TLS. With RandomPort it carries the
// port actually chosen. A server listening on all interfaces is reached at
// 127.0.0.1.
func (s *Server) ClientURL() string {
	scheme := "nats"
	if s.tls {
		scheme = "tls"
	}
	if u := listenerURL(scheme, s.srv.Addr()); u != "" {
		return u
	}
	return s.srv.ClientURL()
}

// ClusterURL is the route URL other servers of the cluster can list in
// their routes, such as nats-route://127.0.0.1:6222, with the port
// actually chosen; "" for a standalone server.
func (s *Server) ClusterURL() string {
	addr := s.srv.ClusterAddr()
	if addr == nil {
		return ""
	}
	return listenerURL(routeScheme, addr)
}

func listenerURL(scheme string, a net.Addr) string {
	addr, ok := a.(*net.TCPAddr)
	if !ok {
		return ""
	}
	host := addr.IP.String()
	if addr.IP.IsUnspecified() {
		host = "127.0.0.1"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(host, strconv.Itoa(addr.Port))}
	return u.String()
}

// Name is the server's name: Options.ServerName, or the one the server
// generated.
func (s *Server) Name() string { return s.srv.Name() }

// Shutdown stops the server, closing client connections and flushing
// JetStream, and returns when it has stopped. Calling it again does
// nothing.
func (s *Server) Shutdown() {
	s.stopOnce.Do(func() {
		s.srv.Shutdown()
		s.srv.WaitForShutdown()
	})
}

// NATSServer exposes the underlying server for what this package does not
// wrap (monitoring, cluster state). Do not shut it down directly.
func (s *Server) NATSServer() *server.Server { return s.srv }
