package natsnode

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/nats-io/nats-server/v2/server"
)

// routeScheme is the scheme of route URLs.
const routeScheme = "nats-route"

// Cluster makes the server one member of a NATS cluster: it listens for
// routes from the other servers and opens routes to them. JetStream then
// runs clustered: streams may have up to as many replicas as there are
// servers, and nothing in JetStream works until a quorum of the servers
// has elected a meta leader (see Server.WaitJetStream).
//
// Route security. When Options.User and Password are set, every route must
// authenticate with them, and the server sends them on the routes it
// opens (Routes need no credentials of their own; credentials written in a
// route URL win). With only an Nkey, or no credentials, routes are not
// authenticated: then secure them with Options.TLS (routes use mutual TLS,
// so only servers holding a certificate signed by the CA can join), or keep
// the cluster port on a private network.
type Cluster struct {
	// Name is the cluster's name; every server of one cluster uses the
	// same. Required when Port is set.
	Name string
	// Host is the address routes are accepted on; empty means the same
	// host as Options.Host.
	Host string
	// Port is the route port; 0 means no cluster (standalone) and
	// RandomPort (-1) a free port chosen by the operating system (other
	// servers can then only learn it from routes this one opens).
	Port int
	// Advertise is the host:port other servers reach this one at, when it
	// is not Host:Port (behind NAT, in a container). Empty lets the server
	// advertise its own addresses.
	Advertise string
	// Routes are the cluster's route addresses, as nats-route://host:port
	// or host:port; at least one is required. Giving every server the same
	// list, its own address included, is simplest: a server recognises and
	// drops the route to itself. Servers learn about the rest of the
	// cluster from each other, so one reachable route is enough to join;
	// but a new cluster counts the routes to decide how many servers its
	// first JetStream election needs, so list them all.
	Routes []string
}

// Enabled reports whether the server joins a cluster.
func (c Cluster) Enabled() bool { return c.Port != 0 }

func (c Cluster) validate() []error {
	var errs []error
	if !c.Enabled() {
		if c.Name != "" || c.Host != "" || c.Advertise != "" || len(c.Routes) > 0 {
			errs = append(errs, errors.New("natsnode: Cluster settings are given but Cluster.Port is 0; set Cluster.Port (RandomPort for a free one) to join a cluster, or clear the other Cluster settings"))
		}
		return errs
	}
	if c.Port < RandomPort || c.Port > 65535 {
		errs = append(errs, fmt.Errorf("natsnode: Cluster.Port %d is out of range; use 1-65535 or -1 for a free port", c.Port))
	}
	if c.Name == "" {
		errs = append(errs, errors.New("natsnode: Cluster.Name is empty; give every server of one cluster the same name"))
	} else if strings.ContainsAny(c.Name, " \t\r\n.*>") {
		errs = append(errs, fmt.Errorf("natsnode: Cluster.Name %q has spaces, '.', '*' or '>'; use letters, digits, '_' and '-'", c.Name))
	}
	if len(c.Routes) == 0 {
		// The server itself refuses clustered JetStream without routes.
		errs = append(errs, errors.New("natsnode: Cluster.Routes is empty; list the route URLs of the cluster's servers (every server may get the same list, its own included)"))
	}
	if c.Advertise != "" {
		if _, _, err := splitHostPort(c.Advertise); err != nil {
			errs = append(errs, fmt.Errorf("natsnode: Cluster.Advertise: %w; write the host:port other servers reach this one at", err))
		}
	}
	for _, r := range c.Routes {
		if _, err := parseRoute(r); err != nil {
			errs = append(errs, fmt.Errorf("natsnode: Cluster.Routes: %w", err))
		}
	}
	return errs
}

// splitHostPort accepts host:port with a host and a port from 1 to 65535.
func splitHostPort(s string) (string, int, error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return "", 0, fmt.Errorf("%q is not host:port", s)
	}
	if host == "" {
		return "", 0, fmt.Errorf("%q has no host", s)
	}
	port, err := strconv.Atoi(p)
	if err != nil || port < 1 || port > 65535 {
		return "", 0, fmt.Errorf("%q has port %q; use 1 to 65535", s, p)
	}
	return host, port, nil
}

// parseRoute reads nats-route://[user:password@]host:port (nats:// and
// tls:// are taken as nats-route://) or a bare host:port. The server's own RoutesFromStr ignores errors, which would
// leave a nil URL to fail later.
func parseRoute(s string) (*url.URL, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "://") {
		host, port, err := splitHostPort(s)
		if err != nil {
			return nil, fmt.Errorf("%w; write nats-route://host:port", err)
		}
		return &url.URL{Scheme: routeScheme, Host: net.JoinHostPort(host, strconv.Itoa(port))}, nil
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL; write nats-route://host:port", s)
	}
	switch u.Scheme {
	case routeScheme, "nats", "tls":
		// Whether a route uses TLS is the cluster's setting, not the
		// scheme's.
		u.Scheme = routeScheme
	default:
		return nil, fmt.Errorf("%q has scheme %q; write nats-route://host:port", s, u.Scheme)
	}
	if _, _, err := splitHostPort(u.Host); err != nil {
		return nil, fmt.Errorf("%w; write nats-route://host:port", err)
	}
	return u, nil
}

// clusterOptions adds the cluster settings of o to so.
func (o Options) clusterOptions(so *server.Options) error {
	c := o.Cluster
	host := c.Host
	if host == "" {
		host = so.Host
	}
	so.Cluster = server.ClusterOpts{
		Name:      c.Name,
		Host:      host,
		Port:      c.Port,
		Advertise: c.Advertise,
		Username:  o.User,
		Password:  o.Password,
	}
	for _, r := range c.Routes {
		u, err := parseRoute(r)
		if err != nil {
			return fmt.Errorf("natsnode: Cluster.Routes: %w", err)
		}
		if u.User == nil && o.User != "" {
			u.User = url.UserPassword(o.User, o.Password)
		}
		so.Routes = append(so.Routes, u)
	}
	if o.TLS.Cert != "" {
		// Each end of a route is both TLS client and server: it presents
		// its certificate and checks the other's against the CA.
		cfg, err := server.GenTLSConfig(&server.TLSConfigOpts{
			CertFile: o.TLS.Cert,
			KeyFile:  o.TLS.Key,
			CaFile:   o.TLS.CA,
			Verify:   true,
		})
		if err != nil {
			return fmt.Errorf("natsnode: route TLS (cert %s, key %s, CA %s): %w; check that the files are PEM and the key matches the certificate", o.TLS.Cert, o.TLS.Key, o.TLS.CA, err)
		}
		cfg.RootCAs = cfg.ClientCAs
		so.Cluster.TLSConfig = cfg
		so.Cluster.TLSTimeout = tlsTimeout
	}
	return nil
}

// routesAuthenticated reports whether routes need credentials or a
// certificate signed by the CA.
func (o Options) routesAuthenticated() bool {
	return o.User != "" || o.TLS.CA != ""
}
