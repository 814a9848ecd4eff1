package natsnode

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
)

// RandomPort asks for a free port chosen by the operating system.
const RandomPort = -1

// DefaultReadyTimeout is how long Start waits for the server to accept
// clients when Options.ReadyTimeout is zero.
const DefaultReadyTimeout = 10 * time.Second

// tlsTimeout bounds a TLS handshake, in seconds (the server's unit). The
// server's default of 2s is tight for a busy machine handshaking with a
// whole cluster at once.
const tlsTimeout = 5.0

// reconnectReports is how many failed attempts to reconnect a route make
// one line in the log, after the first: about one every 30 s.
const reconnectReports = 30

// Options are the settings of an embedded server. The zero value is not
// usable: DataDir is required.
type Options struct {
	// DataDir is where JetStream keeps its files. Required: events are
	// stored forever, so they must not land in a temporary directory by
	// accident.
	DataDir string
	// Host is the address clients connect to; empty means 127.0.0.1
	// (local only). Use 0.0.0.0 to accept clients from other machines.
	Host string
	// Port is the client port; 0 means the NATS default 4222 and
	// RandomPort (-1) a free port chosen by the operating system.
	Port int
	// ServerName names the server in JetStream and in logs; empty lets the
	// server generate one. Required in a cluster, where it must be unique
	// and stable across restarts: JetStream identifies its peers by it.
	ServerName string
	// SyncAlways fsyncs every JetStream write before it is acked. See the
	// package documentation for the trade.
	SyncAlways bool
	// SyncInterval is how often JetStream fsyncs when SyncAlways is false;
	// zero means the server's default (2 minutes).
	SyncInterval time.Duration
	// MaxPayload bounds one message in bytes; zero means the server's
	// default (1 MiB).
	MaxPayload int32
	// MaxStore bounds the bytes JetStream keeps on disk; zero means the
	// server's default (75% of the disk's free space).
	MaxStore int64

	// Cluster joins the server to a NATS cluster; its zero value runs a
	// standalone server.
	Cluster Cluster

	// User and Password, when set, are required of every client. In a
	// cluster they are also required of every route, and the server sends
	// them on the routes it opens (see Cluster).
	User     string
	Password string
	// Nkey, when set, is a public user nkey ("U…") whose holder may
	// connect: the client signs the server's nonce with the matching seed.
	// It may be combined with User and Password; routes are not
	// authenticated by it.
	Nkey string
	// TLS secures the client listener and, in a cluster, the routes.
	TLS TLS

	// NoLog silences the server entirely.
	NoLog bool
	// Logger receives the server's log lines when NoLog is false; nil means
	// slog.Default(). Debug lines are forwarded when the logger has debug
	// enabled; protocol traces never are.
	Logger *slog.Logger
	// ReadyTimeout bounds how long Start waits for the server (including
	// JetStream recovering its data) to accept clients; zero means
	// DefaultReadyTimeout. It does not include the election of a JetStream
	// leader in a cluster: see Server.WaitJetStream.
	ReadyTimeout time.Duration
}

// TLS names PEM files. Cert and Key are the server's certificate and
// private key; the server presents them to clients and, in a cluster, to
// other servers on routes. CA, when set, is the only authority trusted to
// sign the certificates of the other side, and clients must then present
// a certificate it signed (mutual TLS).
//
// Routes always use mutual TLS, so a clustered server with TLS needs CA,
// and its certificate must be valid for both server and client use (no
// extended key usage, or both serverAuth and clientAuth) and name the
// hosts other servers dial it at.
type TLS struct {
	Cert string
	Key  string
	CA   string
}

// Enabled reports whether any TLS file is set.
func (t TLS) Enabled() bool { return t.Cert != "" || t.Key != "" || t.CA != "" }

// validate reports what is wrong with o, in terms of the setting to fix.
func (o Options) validate() error {
	var errs []error
	if o.DataDir == "" {
		errs = append(errs, errors.New("natsnode: DataDir is empty; set the directory where JetStream keeps its data"))
	}
	if o.Port < RandomPort || o.Port > 65535 {
		errs = append(errs, fmt.Errorf("natsnode: Port %d is out of range; use 1-65535, 0 for 4222 or -1 for a free port", o.Port))
	}
	if o.MaxPayload < 0 {
		errs = append(errs, fmt.Errorf("natsnode: MaxPayload %d is negative; use 0 for the server default", o.MaxPayload))
	}
	if o.SyncInterval < 0 {
		errs = append(errs, fmt.Errorf("natsnode: SyncInterval %s is negative; use 0 for the server default", o.SyncInterval))
	}
	if o.ReadyTimeout < 0 {
		errs = append(errs, fmt.Errorf("natsnode: ReadyTimeout %s is negative; use 0 for %s", o.ReadyTimeout, DefaultReadyTimeout))
	}
	if (o.User == "") != (o.Password == "") {
		errs = append(errs, errors.New("natsnode: User and Password go together; set both or neither"))
	}
	if o.Nkey != "" && !nkeys.IsValidPublicUserKey(o.Nkey) {
		errs = append(errs, fmt.Errorf("natsnode: Nkey %q is not a public user nkey; give the public key (\"U…\", 56 characters) derived from the user's seed, not the seed itself", abbreviate(o.Nkey)))
	}
	if (o.TLS.Cert == "") != (o.TLS.Key == "") {
		errs = append(errs, errors.New("natsnode: TLS.Cert and TLS.Key go together; set both PEM files or neither"))
	}
	if o.TLS.CA != "" && o.TLS.Cert == "" {
		errs = append(errs, errors.New("natsnode: TLS.CA is set without TLS.Cert and TLS.Key; the server needs its own certificate to offer TLS"))
	}
	if o.Cluster.Enabled() {
		if o.ServerName == "" {
			errs = append(errs, errors.New("natsnode: ServerName is empty but the server joins a cluster; give every server of the cluster its own stable name"))
		}
		if o.TLS.Cert != "" && o.TLS.CA == "" {
			errs = append(errs, errors.New("natsnode: TLS.CA is empty but the server joins a cluster; routes use mutual TLS, so set the CA that signed every server's certificate"))
		}
	}
	errs = append(errs, o.Cluster.validate()...)
	return errors.Join(errs...)
}

// abbreviate keeps a possible secret (a seed given by mistake) out of
// error messages.
func abbreviate(s string) string {
	if len(s) <= 4 {
		return s
	}
	return s[:4] + "…"
}

// serverOptions translates o into the server's options, loading the TLS
// files. o must be valid.
func (o Options) serverOptions() (*server.Options, error) {
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	so := &server.Options{
		ServerName:        o.ServerName,
		Host:              host,
		Port:              o.Port,
		MaxPayload:        o.MaxPayload,
		JetStreamMaxStore: o.MaxStore,
		JetStream:         true,
		StoreDir:          o.DataDir,
		SyncAlways:        o.SyncAlways,
		SyncInterval:      o.SyncInterval,
		// The embedding process owns signals and logging.
		NoSigs: true,
		NoLog:  o.NoLog,
		// A route to a peer that is down is retried every second, and by
		// default every failed attempt is logged, one line per pooled
		// connection: report the first and then one in reconnectReports.
		ReconnectErrorReports: reconnectReports,
	}
	if o.User != "" {
		so.Users = []*server.User{{Username: o.User, Password: o.Password}}
	}
	if o.Nkey != "" {
		so.Nkeys = []*server.NkeyUser{{Nkey: o.Nkey}}
	}
	if o.TLS.Cert != "" {
		cfg, err := server.GenTLSConfig(&server.TLSConfigOpts{
			CertFile: o.TLS.Cert,
			KeyFile:  o.TLS.Key,
			CaFile:   o.TLS.CA,
			Verify:   o.TLS.CA != "",
		})
		if err != nil {
			return nil, fmt.Errorf("natsnode: TLS (cert %s, key %s, CA %q): %w; check that the files are PEM and the key matches the certificate", o.TLS.Cert, o.TLS.Key, o.TLS.CA, err)
		}
		so.TLS = true
		so.TLSConfig = cfg
		so.TLSVerify = o.TLS.CA != ""
		so.TLSTimeout = tlsTimeout
	}
	if o.Cluster.Enabled() {
		if err := o.clusterOptions(so); err != nil {
			return nil, err
		}
	}
	return so, nil
}
