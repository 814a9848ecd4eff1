package natsnode

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// RandomPort asks for a free port chosen by the operating system.
const RandomPort = -1

// DefaultReadyTimeout is how long Start waits for the server to accept
// clients when Options.ReadyTimeout is zero.
const DefaultReadyTimeout = 10 * time.Second

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
	// server generate one. Give it a stable name when the server will join
	// a cluster.
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
	// NoLog silences the server entirely.
	NoLog bool
	// Logger receives the server's log lines when NoLog is false; nil means
	// slog.Default(). Debug lines are forwarded when the logger has debug
	// enabled; protocol traces never are.
	Logger *slog.Logger
	// ReadyTimeout bounds how long Start waits for the server (including
	// JetStream recovering its data) to accept clients; zero means
	// DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

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
	return errors.Join(errs...)
}

// serverOptions translates o into the server's options. Cluster routes,
// when they come, are set here too.
func (o Options) serverOptions() *server.Options {
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	return &server.Options{
		ServerName:   o.ServerName,
		Host:         host,
		Port:         o.Port,
		MaxPayload:   o.MaxPayload,
		JetStream:    true,
		StoreDir:     o.DataDir,
		SyncAlways:   o.SyncAlways,
		SyncInterval: o.SyncInterval,
		// The embedding process owns signals and logging.
		NoSigs: true,
		NoLog:  o.NoLog,
	}
}
