package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Flag names. They are a contract: scripts, config files (whose keys are
// these names) and environment variables (GRAPHLOG_ + upper snake case)
// all spell settings this way.
const (
	FlagConfig                  = "config"
	FlagNodeName                = "node-name"
	FlagDataDir                 = "data-dir"
	FlagHTTPAddr                = "http-addr"
	FlagNATSURL                 = "nats-url"
	FlagNATSListen              = "nats-listen"
	FlagNATSSyncAlways          = "nats-sync-always"
	FlagStream                  = "stream"
	FlagReplicas                = "replicas"
	FlagMaxBodyBytes            = "max-body-bytes"
	FlagMaxTransactionBytes     = "max-transaction-bytes"
	FlagPartitions              = "partitions"
	FlagDuplicateWindow         = "duplicate-window"
	FlagGrainIdleTimeout        = "grain-idle-timeout"
	FlagRequestTimeout          = "request-timeout"
	FlagIngress                 = "ingress"
	FlagIngressConsumer         = "ingress-consumer"
	FlagActorHost               = "actor-host"
	FlagActorPort               = "actor-port"
	FlagLogLevel                = "log-level"
	FlagLogFormat               = "log-format"
	FlagSnapshotBucket          = "snapshot-bucket"
	FlagSnapshotEvery           = "snapshot-every"
	FlagSnapshotEveryPerElement = "snapshot-every-per-element"
	FlagSnapshotInterval        = "snapshot-interval"
	FlagSnapshotKeep            = "snapshot-keep"
	FlagSnapshotKeepEvery       = "snapshot-keep-every"
	FlagSnapshotPassivation     = "snapshot-passivation-events"
	FlagHTTPToken               = "http-token"
	FlagNATSSyncInterval        = "nats-sync-interval"
	FlagNATSClusterName         = "nats-cluster-name"
	FlagNATSClusterListen       = "nats-cluster-listen"
	FlagNATSClusterAdvertise    = "nats-cluster-advertise"
	FlagNATSRoutes              = "nats-routes"
	FlagNATSUser                = "nats-user"
	FlagNATSPassword            = "nats-password"
	FlagNATSNkeySeedFile        = "nats-nkey-seed-file"
	FlagNATSTLSCert             = "nats-tls-cert"
	FlagNATSTLSKey              = "nats-tls-key"
	FlagNATSTLSCA               = "nats-tls-ca"
	FlagActorAdvertiseHost      = "actor-advertise-host"
	FlagActorTLSCert            = "actor-tls-cert"
	FlagActorTLSKey             = "actor-tls-key"
	FlagActorTLSCA              = "actor-tls-ca"
	FlagClusterBucket           = "cluster-bucket"
	FlagMemberTTL               = "member-ttl"
	FlagDemo                    = "demo"
	FlagMaxReplayFrames         = "max-replay-frames"
	FlagMaxFrameEvents          = "max-frame-events"
	FlagMaxStreams              = "max-streams"
	FlagMaxStreamsPerClient     = "max-streams-per-client"
	FlagMaxActivations          = "max-activations"
	FlagNATSMaxStorage          = "nats-max-storage"
	FlagMaxAlgorithmElements    = "max-algorithm-elements"
	FlagAlgorithmTimeout        = "algorithm-timeout"
	FlagMaxActiveGraphs         = "max-active-graphs"
)

// Listen addresses of the HTTP API when --http-addr is not set: loopback
// only, unless a token guards the API.
const (
	DefaultHTTPAddr      = "127.0.0.1:8080"
	DefaultHTTPAddrToken = ":8080"
)

// Limits that Validate enforces.
const (
	// MaxTransactionBytes bounds --max-transaction-bytes: a transaction is
	// one NATS message, and NATS allows payloads of at most 64 MiB.
	MaxTransactionBytes = 64<<20 - 64<<10
	// MaxPartitions bounds --partitions.
	MaxPartitions = 1024
	// MaxReplicas is the most replicas JetStream allows for a stream.
	MaxReplicas = 5
	// MaxNameLen bounds node, stream and consumer names.
	MaxNameLen = 64
)

// Config is every setting of a graphlog node. It is plain data: build it with
// Default or Load, check it with Validate, and pass it by value.
type Config struct {
	// ConfigFile is the JSON file the settings were read from, if any. It
	// is recorded by Load for logs; it is not itself read from the file.
	ConfigFile string

	// NodeName names this member in logs and in cluster IDs.
	NodeName string
	// DataDir is where the embedded NATS server keeps JetStream data.
	DataDir string

	HTTP      HTTP
	NATS      NATS
	Graphs    Graphs
	Snapshots Snapshots
	Ingress   Ingress
	Actor     Actor
	Cluster   Cluster
	Log       Log

	// Demo seeds a small graph with a history ("demo") when it does not
	// exist, so a new user sees something in the viewer at once.
	Demo bool
}

// Cluster configures membership: every member registers itself in a NATS
// KV bucket and refreshes its entry; an entry that is not refreshed for
// MemberTTL expires, and the member drops out of the cluster.
type Cluster struct {
	// Bucket is the KV bucket of member entries, shared by every member.
	Bucket string
	// MemberTTL bounds how long a member that stopped without a goodbye
	// (killed, cut off) stays in the cluster. Members refresh their entry
	// every third of it.
	MemberTTL time.Duration
}

// TLS names PEM files for a TLS connection. Cert and Key go together; CA,
// when set, is the only authority trusted to sign the peer's certificate
// (and then peers must present one: mutual TLS).
type TLS struct {
	Cert string
	Key  string
	CA   string
}

// Enabled reports whether TLS is configured.
func (t TLS) Enabled() bool { return t.Cert != "" || t.Key != "" || t.CA != "" }

// Snapshots configures graph snapshots: content-addressed copies of a
// graph's state in a NATS Object Store, from which activation and time
// travel start instead of the beginning of the log.
type Snapshots struct {
	// Bucket is the Object Store bucket of snapshot bytes; the index of
	// snapshots per graph is the KV bucket Bucket+"_INDEX".
	Bucket string
	// Every takes a snapshot after this many events since the last one;
	// 0 turns it off.
	Every int
	// EveryPerElement makes a graph of n elements wait for at least
	// EveryPerElement*n events too, so that the cost of snapshots per
	// event stays flat as a graph grows; 0 leaves Every alone.
	EveryPerElement float64
	// Interval takes a snapshot of a graph that changed this long after
	// its last one; 0 turns it off. Shutdown always takes one of a graph
	// that changed.
	Interval time.Duration
	// PassivationEvents: a graph passivated because it was idle or its
	// member was at --max-active-graphs snapshots when this many events
	// changed since its last snapshot (0: any change). Fewer are read
	// again from the log at less cost than a snapshot's.
	PassivationEvents int
	// Keep is how many of a graph's newest snapshots are kept.
	Keep int
	// KeepEvery also keeps the oldest snapshot of every window of this
	// many events of history, so that time travel anywhere starts near its
	// target, however many events its transactions hold; 0 keeps only the
	// newest.
	KeepEvery uint64
}

// HTTP configures the HTTP API.
type HTTP struct {
	// Addr is the listen address (host:port; empty host = all
	// interfaces). Empty means DefaultHTTPAddr (loopback), or
	// DefaultHTTPAddrToken (every interface) when Token is set: see
	// ListenAddr.
	Addr string
	// MaxBodyBytes bounds a request body.
	MaxBodyBytes int64
	// RequestTimeout bounds one request, including the append to the log.
	RequestTimeout time.Duration
	// Token, when set, is the bearer token every /v1 request must carry
	// (Authorization: Bearer <token>). Health and metrics stay open.
	Token string
	// MaxReplayFrames bounds the frames of one replay; MaxFrameEvents the
	// events of one frame.
	MaxReplayFrames int
	MaxFrameEvents  int
	// MaxStreams bounds the live event streams open on the node;
	// MaxStreamsPerClient those of one client address.
	MaxStreams          int
	MaxStreamsPerClient int
}

// ListenAddr is where the API listens: Addr, or by default loopback only,
// unless a token guards the API.
func (h HTTP) ListenAddr() string {
	switch {
	case h.Addr != "":
		return h.Addr
	case h.Token != "":
		return DefaultHTTPAddrToken
	}
	return DefaultHTTPAddr
}

// NATS configures the connection to NATS and the event stream.
type NATS struct {
	// URL of an external NATS server or cluster (comma-separated URLs).
	// Empty runs an embedded server.
	URL string
	// Listen is the embedded server's client address (host:port; port 0
	// or -1 picks a random one). Unused with URL.
	Listen string
	// SyncAlways makes the embedded server fsync every write before it
	// acknowledges it (server.Options.SyncAlways). The trade: JetStream's
	// default fsyncs every 2 minutes, and Jepsen (NATS 2.12.1, 2025) showed
	// that acknowledged writes can then be lost when machines lose power;
	// always closes that window at a cost in write latency and throughput.
	// Unused with URL (set sync_interval: always on that server).
	SyncAlways bool
	// SyncInterval is how often the embedded server fsyncs JetStream
	// writes when SyncAlways is false; 0 is the server's default (2m).
	SyncInterval time.Duration
	// MaxStorage bounds the bytes the embedded server's JetStream keeps on
	// disk; 0 is the server's default (most of the disk's free space).
	// Past it writes are answered 507 storage_full until space returns.
	MaxStorage int64
	// Stream is the base name of the JetStream streams that hold every
	// transaction, one per partition: <Stream>-0, <Stream>-1, …
	Stream string
	// Partitions is how many streams the graphs are spread over. It is
	// fixed when the log is created; a node started with another count
	// refuses to start and says which count the log has.
	Partitions int
	// DuplicateWindow is how long the streams answer a resent transaction
	// with its first ack. The server keeps every transaction ID of the
	// window in memory; the graphs remember their recent IDs for longer.
	DuplicateWindow time.Duration
	// Replicas of the event and dead-letter streams, the snapshot store
	// and the member bucket.
	Replicas int

	// ClusterListen, when set, makes the embedded server a member of a
	// NATS cluster: it accepts routes from other servers there
	// (host:port). ClusterName names that cluster; Routes lists the other
	// servers (comma-separated nats-route://host:port); ClusterAdvertise
	// is the host:port other servers reach this one at, if not
	// ClusterListen.
	ClusterName      string
	ClusterListen    string
	ClusterAdvertise string
	Routes           string

	// Credentials. User and Password, or NkeySeedFile (a file holding an
	// nkey user seed), authenticate the node's connection; the embedded
	// server then requires them of every client too.
	User         string
	Password     string
	NkeySeedFile string
	// TLS secures the node's NATS connection and, on the embedded server,
	// its client and route listeners.
	TLS TLS
}

// Clustered reports whether the embedded server joins a NATS cluster.
func (n NATS) Clustered() bool { return n.ClusterListen != "" }

// Graphs configures graph grains and transactions.
type Graphs struct {
	// MaxTransactionBytes bounds the encoding of one transaction (one
	// NATS message): larger ones are answered 413 before anything is
	// sent. The embedded server's max payload is set to fit it; an
	// external server's max_payload must be at least this plus 4 KiB.
	MaxTransactionBytes int
	// IdleTimeout passivates a graph that received nothing for this long.
	IdleTimeout time.Duration
	// MaxActivations bounds the grains of a member that read their log to
	// activate at once; the others wait their turn.
	MaxActivations int
	// MaxActiveGraphs bounds the grains active on a member: past it the
	// least recently used passivate (with a snapshot). 0: no bound but
	// the idle timeout.
	MaxActiveGraphs int
	// MaxAlgorithmElements bounds the nodes plus edges of a graph an
	// algorithm runs on; AlgorithmTimeout how long one runs. Past either
	// a request is answered 422 limit_exceeded.
	MaxAlgorithmElements int
	AlgorithmTimeout     time.Duration
}

// Ingress configures the JetStream ingress: the consumer that hands
// transactions appended directly to the log to their graph grains.
type Ingress struct {
	// Enabled runs the ingress on this node.
	Enabled bool
	// Consumer is the durable consumer name, shared by every node.
	Consumer string
}

// Actor configures the protoactor remote: how members reach each other's
// actors. Without TLS the remote must run on a private network.
type Actor struct {
	// Host is the address the remote listens on.
	Host string
	// Port of the remote; 0 picks a random free port.
	Port int
	// AdvertiseHost is the address other members reach this member's
	// actors at; empty means Host. Required when Host is a wildcard such
	// as 0.0.0.0 (in a container: the service name).
	AdvertiseHost string
	// TLS secures the remote with mutual TLS: CA signs every member's
	// certificate.
	TLS TLS
}

// AdvertisedHost is the host other members reach this member at.
func (a Actor) AdvertisedHost() string {
	if a.AdvertiseHost != "" {
		return a.AdvertiseHost
	}
	return a.Host
}

// Log configures structured logging.
type Log struct {
	// Level is debug, info, warn or error.
	Level string
	// Format is text or json.
	Format string
}

// Default returns the configuration a node runs with when nothing is set: a
// single node with an embedded NATS server storing under ./data.
func Default() Config {
	return Config{
		NodeName: defaultNodeName(),
		DataDir:  "./data",
		HTTP: HTTP{
			MaxBodyBytes:        4 << 20,
			RequestTimeout:      10 * time.Second,
			MaxReplayFrames:     100_000,
			MaxFrameEvents:      10_000,
			MaxStreams:          1_000,
			MaxStreamsPerClient: 32,
		},
		NATS: NATS{
			Listen:          "127.0.0.1:4222",
			Stream:          "EVENTS",
			Partitions:      1,
			DuplicateWindow: time.Minute,
			Replicas:        1,
			ClusterName:     "graphlog",
		},
		Graphs: Graphs{
			MaxTransactionBytes:  1_000_000,
			IdleTimeout:          5 * time.Minute,
			MaxActivations:       64,
			MaxActiveGraphs:      100_000,
			MaxAlgorithmElements: 2_000_000,
			AlgorithmTimeout:     10 * time.Second,
		},
		Snapshots: Snapshots{
			Bucket:            "GRAPH_SNAPSHOTS",
			Every:             1000,
			EveryPerElement:   0.5,
			Interval:          10 * time.Minute,
			Keep:              3,
			KeepEvery:         2000,
			PassivationEvents: 64,
		},
		Ingress: Ingress{
			Enabled:  true,
			Consumer: "graphlog-ingress",
		},
		Actor: Actor{Host: "127.0.0.1"},
		Cluster: Cluster{
			Bucket:    "graphlog_members",
			MemberTTL: 6 * time.Second,
		},
		Log: Log{Level: "info", Format: "text"},
	}
}

// defaultNodeName is the host's short name made into a valid node name, or
// "node". The domain is dropped so names stay short and dot-free.
func defaultNodeName() string {
	host, err := os.Hostname()
	if err != nil {
		return "node"
	}
	host, _, _ = strings.Cut(host, ".")
	b := []byte(host)
	for i, c := range b {
		if !isNameByte(c) {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "node"
	}
	if len(b) > MaxNameLen {
		b = b[:MaxNameLen]
	}
	return string(b)
}

// Embedded reports whether the node runs its own NATS server.
func (c Config) Embedded() bool { return c.NATS.URL == "" }

// SlogLevel is Log.Level as a slog.Level (info if Log.Level is not valid).
func (c Config) SlogLevel() slog.Level {
	switch c.Log.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Validate reports every problem of c at once, each naming its flag and
// saying what to do. The result wraps one error per problem (errors.Join).
func (c Config) Validate() error {
	var errs []error
	bad := func(flag, format string, args ...any) {
		errs = append(errs, fmt.Errorf("--%s: %s", flag, fmt.Sprintf(format, args...)))
	}

	if err := checkName(c.NodeName); err != nil {
		bad(FlagNodeName, "%v; it names this member in cluster IDs", err)
	}
	if c.Embedded() && strings.TrimSpace(c.DataDir) == "" {
		bad(FlagDataDir, "is empty; the embedded NATS server needs a directory for its data (or set --%s to use an external server)", FlagNATSURL)
	}
	if err := checkHostPort(c.HTTP.ListenAddr(), 0, false); err != nil {
		bad(FlagHTTPAddr, "%v; write it as host:port or :port, e.g. :8080", err)
	}
	if c.NATS.URL != "" {
		if err := checkNATSURLs(c.NATS.URL); err != nil {
			bad(FlagNATSURL, "%v; write nats://host:4222 (comma-separate several), or leave it empty to run an embedded server", err)
		}
	} else if err := checkHostPort(c.NATS.Listen, -1, true); err != nil {
		bad(FlagNATSListen, "%v; write it as host:port, e.g. 127.0.0.1:4222 (port 0 or -1 picks a random port)", err)
	}
	if err := checkName(c.NATS.Stream); err != nil {
		bad(FlagStream, "%v; it is the JetStream stream name", err)
	}
	switch {
	case c.NATS.Replicas < 1 || c.NATS.Replicas > MaxReplicas:
		bad(FlagReplicas, "is %d; JetStream allows 1 to %d replicas (use 3 on a 3-node NATS cluster)", c.NATS.Replicas, MaxReplicas)
	case c.NATS.Replicas > 1 && c.Embedded() && !c.NATS.Clustered():
		bad(FlagReplicas, "is %d, but the embedded NATS server is a single server that can hold only 1 replica; set --%s 1, join it to a NATS cluster with --%s and --%s, or point --%s at a NATS cluster", c.NATS.Replicas, FlagReplicas, FlagNATSClusterListen, FlagNATSRoutes, FlagNATSURL)
	}
	if c.NATS.SyncInterval < 0 {
		bad(FlagNATSSyncInterval, "is %s; set a duration such as 1s, or 0 for the server default (2m)", c.NATS.SyncInterval)
	}
	if c.NATS.Clustered() {
		if !c.Embedded() {
			bad(FlagNATSClusterListen, "is set, but --%s points at an external NATS server; cluster settings apply to the embedded server only", FlagNATSURL)
		}
		if err := checkHostPort(c.NATS.ClusterListen, -1, false); err != nil {
			bad(FlagNATSClusterListen, "%v; write it as host:port, e.g. 0.0.0.0:6222", err)
		}
		if err := checkName(c.NATS.ClusterName); err != nil {
			bad(FlagNATSClusterName, "%v; every server of one NATS cluster uses the same name", err)
		}
		if c.NATS.ClusterAdvertise != "" {
			if err := checkHostPort(c.NATS.ClusterAdvertise, 1, true); err != nil {
				bad(FlagNATSClusterAdvertise, "%v; write the host:port other NATS servers reach this one at, e.g. node1:6222", err)
			}
		}
	}
	if c.NATS.Clustered() && c.Embedded() && strings.TrimSpace(c.NATS.Routes) == "" {
		bad(FlagNATSRoutes, "is empty while --%s is set; list the other NATS servers of the cluster, e.g. nats-route://node2:6222,nats-route://node3:6222", FlagNATSClusterListen)
	}
	if c.NATS.Routes != "" {
		if !c.NATS.Clustered() {
			bad(FlagNATSRoutes, "is set without --%s; set both to join the embedded server to a NATS cluster", FlagNATSClusterListen)
		} else if err := checkRouteURLs(c.NATS.Routes); err != nil {
			bad(FlagNATSRoutes, "%v; write nats-route://host:6222 (comma-separate several)", err)
		}
	}
	if (c.NATS.User == "") != (c.NATS.Password == "") {
		bad(FlagNATSUser, "and --%s go together; set both or neither", FlagNATSPassword)
	}
	if c.NATS.User != "" && c.NATS.NkeySeedFile != "" {
		bad(FlagNATSNkeySeedFile, "is set with --%s; choose one way to authenticate", FlagNATSUser)
	}
	checkTLS(c.NATS.TLS, FlagNATSTLSCert, FlagNATSTLSKey, bad)
	checkTLS(c.Actor.TLS, FlagActorTLSCert, FlagActorTLSKey, bad)
	if c.Actor.TLS.Enabled() && c.Actor.TLS.CA == "" {
		bad(FlagActorTLSCA, "is empty; the actor remote uses mutual TLS: set the CA that signed every member's certificate")
	}
	if err := checkName(c.Cluster.Bucket); err != nil {
		bad(FlagClusterBucket, "%v; it is the KV bucket every member registers in", err)
	}
	if c.Cluster.MemberTTL < 300*time.Millisecond {
		bad(FlagMemberTTL, "is %s; set at least 300ms, e.g. 6s (a member is dropped after missing its heartbeats for this long)", c.Cluster.MemberTTL)
	}
	if c.NATS.MaxStorage < 0 {
		bad(FlagNATSMaxStorage, "is %d; set a number of bytes, or 0 for the server's default", c.NATS.MaxStorage)
	}
	if c.HTTP.MaxBodyBytes < 1 {
		bad(FlagMaxBodyBytes, "is %d; set a positive number of bytes, e.g. 4194304 (4 MiB)", c.HTTP.MaxBodyBytes)
	}
	if n := c.Graphs.MaxTransactionBytes; n < 1024 || n > MaxTransactionBytes {
		bad(FlagMaxTransactionBytes, "is %d; set 1024 to %d bytes (a transaction is one NATS message, at most 64 MiB with its headers)", n, MaxTransactionBytes)
	}
	if n := c.NATS.Partitions; n < 1 || n > MaxPartitions {
		bad(FlagPartitions, "is %d; set 1 to %d (fixed when the log is created)", n, MaxPartitions)
	}
	if c.NATS.DuplicateWindow < 100*time.Millisecond {
		bad(FlagDuplicateWindow, "is %s; set at least 100ms (JetStream's minimum), such as 1m", c.NATS.DuplicateWindow)
	}
	if c.Graphs.IdleTimeout <= 0 {
		bad(FlagGrainIdleTimeout, "is %s; set a positive duration such as 5m", c.Graphs.IdleTimeout)
	}
	if c.Graphs.MaxActiveGraphs < 0 {
		bad(FlagMaxActiveGraphs, "is %d; set a number of graphs, or 0 for no bound but --%s", c.Graphs.MaxActiveGraphs, FlagGrainIdleTimeout)
	}
	if c.Graphs.AlgorithmTimeout <= 0 {
		bad(FlagAlgorithmTimeout, "is %s; set a positive duration such as 10s", c.Graphs.AlgorithmTimeout)
	}
	for _, l := range []struct {
		flag string
		n    int
	}{{FlagMaxReplayFrames, c.HTTP.MaxReplayFrames}, {FlagMaxFrameEvents, c.HTTP.MaxFrameEvents},
		{FlagMaxStreams, c.HTTP.MaxStreams}, {FlagMaxStreamsPerClient, c.HTTP.MaxStreamsPerClient}, {FlagMaxActivations, c.Graphs.MaxActivations},
		{FlagMaxAlgorithmElements, c.Graphs.MaxAlgorithmElements}} {
		if l.n < 1 {
			bad(l.flag, "is %d; set a positive number (see -h for the default)", l.n)
		}
	}
	if c.HTTP.RequestTimeout <= 0 {
		bad(FlagRequestTimeout, "is %s; set a positive duration such as 10s", c.HTTP.RequestTimeout)
	}
	if err := checkName(c.Snapshots.Bucket); err != nil {
		bad(FlagSnapshotBucket, "%v; it is the Object Store bucket of snapshots", err)
	}
	if c.Snapshots.PassivationEvents < 0 {
		bad(FlagSnapshotPassivation, "is %d; set a number of events, or 0 to snapshot any change on passivation", c.Snapshots.PassivationEvents)
	}
	if c.Snapshots.Every < 0 {
		bad(FlagSnapshotEvery, "is %d; set a number of events, or 0 to snapshot only on interval, passivation and shutdown", c.Snapshots.Every)
	}
	if c.Snapshots.EveryPerElement < 0 || c.Snapshots.EveryPerElement > 100 {
		bad(FlagSnapshotEveryPerElement, "is %g; set 0 to 100 events per element, such as 0.5", c.Snapshots.EveryPerElement)
	}
	if c.Snapshots.Interval < 0 {
		bad(FlagSnapshotInterval, "is %s; set a duration such as 10m, or 0 to turn it off", c.Snapshots.Interval)
	}
	if c.Snapshots.Keep < 1 {
		bad(FlagSnapshotKeep, "is %d; keep at least the newest snapshot (1)", c.Snapshots.Keep)
	}
	if c.Ingress.Enabled {
		if err := checkName(c.Ingress.Consumer); err != nil {
			bad(FlagIngressConsumer, "%v; it is the durable JetStream consumer the ingress shares across nodes", err)
		}
	}
	if strings.TrimSpace(c.Actor.Host) == "" {
		bad(FlagActorHost, "is empty; set the address the actor remote listens on, e.g. 127.0.0.1, or 0.0.0.0 with --%s", FlagActorAdvertiseHost)
	} else if ip := net.ParseIP(c.Actor.AdvertisedHost()); ip != nil && ip.IsUnspecified() {
		bad(FlagActorAdvertiseHost, "is empty while --%s is %s; set the address other members reach this one at, e.g. the host name or IP", FlagActorHost, c.Actor.Host)
	}
	if c.Actor.AdvertiseHost != "" && c.Actor.Port == 0 {
		if _, _, err := net.SplitHostPort(c.Actor.AdvertiseHost); err != nil {
			bad(FlagActorPort, "is 0 (random) while --%s is set; set a fixed port other members can reach, e.g. 7000", FlagActorAdvertiseHost)
		}
	}
	if c.Actor.Port < 0 || c.Actor.Port > 65535 {
		bad(FlagActorPort, "is %d; set 0 (random) to 65535", c.Actor.Port)
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad(FlagLogLevel, "is %q; use debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad(FlagLogFormat, "is %q; use text or json", c.Log.Format)
	}
	return errors.Join(errs...)
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// checkName accepts 1 to MaxNameLen characters of [A-Za-z0-9_-]: safe as a
// NATS subject token, a stream or consumer name and part of a cluster ID.
func checkName(s string) error {
	if s == "" {
		return errors.New("is empty; use 1 to 64 letters, digits, '_' or '-'")
	}
	if len(s) > MaxNameLen {
		return fmt.Errorf("%q is %d characters long; use at most %d", s, len(s), MaxNameLen)
	}
	for i := 0; i < len(s); i++ {
		if !isNameByte(s[i]) {
			return fmt.Errorf("%q has %q at byte %d; use only letters, digits, '_' and '-'", s, s[i], i)
		}
	}
	return nil
}

// checkHostPort accepts host:port with a numeric port from minPort to 65535.
func checkHostPort(addr string, minPort int, needHost bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port", addr)
	}
	if needHost && host == "" {
		return fmt.Errorf("%q has no host", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < minPort || p > 65535 {
		return fmt.Errorf("%q has port %q; use a number from %d to 65535", addr, port, minPort)
	}
	return nil
}

// checkTLS reports a certificate without its key or a key without its
// certificate.
func checkTLS(t TLS, certFlag, keyFlag string, bad func(flag, format string, args ...any)) {
	if (t.Cert == "") != (t.Key == "") {
		bad(certFlag, "and --%s go together; set both PEM files or neither", keyFlag)
	}
}

// checkRouteURLs accepts comma-separated nats-route://host:port URLs or bare
// host:port.
func checkRouteURLs(list string) error {
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return fmt.Errorf("%q has an empty URL", list)
		}
		if !strings.Contains(s, "://") {
			if err := checkHostPort(s, 1, true); err != nil {
				return err
			}
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("%q is not a URL", s)
		}
		if u.Scheme != "nats-route" && u.Scheme != "nats" && u.Scheme != "tls" {
			return fmt.Errorf("%q has scheme %q; use nats-route", s, u.Scheme)
		}
		if u.Host == "" {
			return fmt.Errorf("%q has no host", s)
		}
	}
	return nil
}

// checkNATSURLs accepts what nats.Connect accepts: comma-separated URLs with
// scheme nats, tls, ws or wss, or bare host:port.
func checkNATSURLs(list string) error {
	for _, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return fmt.Errorf("%q has an empty URL", list)
		}
		if !strings.Contains(s, "://") {
			if err := checkHostPort(s, 0, true); err != nil {
				return err
			}
			continue
		}
		u, err := url.Parse(s)
		if err != nil {
			return fmt.Errorf("%q is not a URL", s)
		}
		switch u.Scheme {
		case "nats", "tls", "ws", "wss":
		default:
			return fmt.Errorf("%q has scheme %q; use nats, tls, ws or wss", s, u.Scheme)
		}
		if u.Host == "" {
			return fmt.Errorf("%q has no host", s)
		}
	}
	return nil
}
