package cluster

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/remote"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/store"
)

// Name is the protoactor cluster name of graphlog members.
const Name = "graphlog"

// MemberConfig starts a member.
type MemberConfig struct {
	// Host and Port are where the actor remote listens; Port 0 picks a
	// free one. AdvertisedHost, if set, is the address other members use:
	// a host (with Port, which must then be fixed) or host:port.
	Host           string
	Port           int
	AdvertisedHost string
	// Membership is where members find each other. Nil makes a cluster of
	// this member alone.
	Membership store.Membership
	// Name is the node's name, unique in the cluster: a member that starts
	// under a name replaces the entry an earlier, killed run left.
	Name string
	// OnLost is called once if the member learns that the others dropped
	// it (its membership entry expired while it was cut off). protoactor
	// never lets a member ID back in: stop the member and start a new one.
	OnLost func(error)
	// TLS, when set, secures the actor remote: ServerTLS for connections
	// from other members, ClientTLS for connections to them.
	ServerTLS *tls.Config
	ClientTLS *tls.Config
	// Grain configures the graph grains this member hosts.
	Grain actors.GrainConfig
	// Ingress says the member runs the ingress: the members that do share
	// the log's partitions between them (OwnedPartitions).
	Ingress bool
	// RequestTimeout bounds a request to a grain when the caller's
	// context has no earlier deadline.
	RequestTimeout time.Duration
	Logger         *slog.Logger
}

// Member is a running cluster member: an actor system with remote, the
// graph kind, identity lookup by rendezvous hash (placement.go), and a
// membership provider.
type Member struct {
	system  *actor.ActorSystem
	cluster *pcluster.Cluster
	client  *Client
	grains  *actors.Registry
	marks   *actors.ReadMarks
	view    *topology
	logger  *slog.Logger
	stopped sync.Once
	// stopSweeps ends the registry's idle sweeps.
	stopSweeps context.CancelFunc
}

// StartMember starts an actor system and joins it to the cluster as a
// member that hosts graph grains.
func StartMember(cfg MemberConfig) (m *Member, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	system := newSystem(cfg.Logger)
	ropts, err := remoteOptions(cfg.AdvertisedHost, cfg.Port, cfg.ServerTLS, cfg.ClientTLS)
	if err != nil {
		return nil, err
	}
	if cfg.Grain.Registry == nil {
		cfg.Grain.Registry = actors.NewRegistry(cfg.Grain.MaxActive, cfg.Grain.Metrics.Evicted)
	}
	if cfg.Grain.Marks == nil {
		cfg.Grain.Marks = actors.NewReadMarks()
	}
	kind := pcluster.NewKind(actors.GrainKind, actors.NewGrainProps(cfg.Grain))
	view := &topology{}
	pcfg := pcluster.Configure(Name, provider(cfg, view), newPlacement(),
		remote.Configure(cfg.Host, cfg.Port, ropts...),
		pcluster.WithKinds(kind),
		pcluster.WithRequestTimeout(cfg.RequestTimeout),
	)
	c := pcluster.New(system, pcfg)
	// protoactor reports start-up failures (a port in use) by panicking.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("starting cluster member on %s:%d: %v", cfg.Host, cfg.Port, r)
		}
	}()
	c.StartMember()
	sweeps, stopSweeps := context.WithCancel(context.Background())
	go cfg.Grain.Registry.RunIdleSweeps(sweeps, system.Root, cfg.Grain.IdleTimeout)
	m = &Member{system: system, cluster: c, grains: cfg.Grain.Registry, marks: cfg.Grain.Marks, view: view, logger: cfg.Logger, stopSweeps: stopSweeps}
	m.client = newClient(c, view, cfg.RequestTimeout)
	cfg.Logger.Info("cluster member started", slog.String("member", system.ID), slog.String("address", system.Address()))
	return m, nil
}

// newSystem returns an actor system that logs through logger, quietly.
func newSystem(logger *slog.Logger) *actor.ActorSystem {
	protoLogger := logger.With(slog.String("component", "protoactor"))
	return actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return quietLogger(protoLogger) }),
		actor.WithDeadLetterRequestLogging(false),
	))
}

// remoteOptions are the actor remote's options: the advertised address
// (advertised, with port unless it names one) and TLS.
func remoteOptions(advertised string, port int, serverTLS, clientTLS *tls.Config) ([]remote.ConfigOption, error) {
	var ropts []remote.ConfigOption
	if advertised != "" {
		if _, _, err := net.SplitHostPort(advertised); err != nil {
			if port == 0 {
				return nil, fmt.Errorf("advertised host %s needs a fixed port: set the actor port (a random one cannot be advertised)", advertised)
			}
			advertised = net.JoinHostPort(advertised, strconv.Itoa(port))
		}
		ropts = append(ropts, remote.WithAdvertisedHost(advertised))
	}
	return append(ropts, remoteGRPC(serverTLS, clientTLS)...), nil
}

// MaxRemoteMessageBytes bounds one message between members (a batch of
// the actor remote). gRPC's default, 4 MiB, is less than a transaction
// may be (--max-transaction-bytes, up to 64 MiB) and than the answer of a
// read of a graph of a few thousand elements, which then failed between
// members while the same read on the graph's own member worked. A bound
// is still kept: the remote batches messages, and a batch past it is
// refused, not buffered without end.
const MaxRemoteMessageBytes = 1 << 30

// provider is the membership provider of cfg: the members registered in
// cfg.Membership, or this member alone when that is nil.
func provider(cfg MemberConfig, view *topology) pcluster.ClusterProvider {
	if cfg.Membership == nil {
		return &soloProvider{view: view, ingress: cfg.Ingress}
	}
	return &kvProvider{members: cfg.Membership, name: cfg.Name, onLost: cfg.OnLost, view: view, ingress: cfg.Ingress,
		logger: cfg.Logger.With(slog.String("component", "membership"))}
}

// remoteGRPC returns the remote's gRPC options: message sizes up to
// MaxRemoteMessageBytes, and TLS when the configs are set (the remote's
// options replace its defaults, so each list is whole).
func remoteGRPC(server, client *tls.Config) []remote.ConfigOption {
	serverOpts := []grpc.ServerOption{grpc.MaxRecvMsgSize(MaxRemoteMessageBytes), grpc.MaxSendMsgSize(MaxRemoteMessageBytes)}
	if server != nil {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(server)))
	}
	creds := insecure.NewCredentials()
	if client != nil {
		creds = credentials.NewTLS(client)
	}
	return []remote.ConfigOption{
		remote.WithServerOptions(serverOpts...),
		remote.WithDialOptions(grpc.WithTransportCredentials(creds),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxRemoteMessageBytes), grpc.MaxCallSendMsgSize(MaxRemoteMessageBytes))),
	}
}

// Client returns the client that reaches any graph through this member.
func (m *Member) Client() *Client { return m.client }

// ReadMarks are how far this member's live grains have read their logs,
// for an ingress on this member (actors.IngressConfig.Marks).
func (m *Member) ReadMarks() *actors.ReadMarks { return m.marks }

// System returns the member's actor system, to spawn local actors such as
// the ingress.
func (m *Member) System() *actor.ActorSystem { return m.system }

// ID is the member's ID, new on every start: protoactor never lets a member
// that left come back with the same ID.
func (m *Member) ID() string { return m.system.ID }

// Address is the member's actor remote address (host:port).
func (m *Member) Address() string { return m.system.Address() }

// Shutdown passivates the member's grains (each snapshots what changed),
// then leaves the cluster and stops the actor system. Calls after the
// first do nothing.
func (m *Member) Shutdown(ctx context.Context) {
	m.stopped.Do(func() {
		m.stopSweeps()
		m.grains.PassivateAll(ctx, m.system.Root)
		done := make(chan struct{})
		go func() {
			defer close(done)
			m.cluster.Shutdown(true)
		}()
		select {
		case <-done:
		case <-ctx.Done():
			m.logger.Warn("cluster shutdown did not finish in time")
		}
	})
}

// quietLogger keeps protoactor's own logging to errors: its info lines
// are per-request chatter, and while a member dies it warns several times
// a second until the membership drops it, which graphlog logs itself.
func quietLogger(l *slog.Logger) *slog.Logger {
	return slog.New(levelFloor{h: l.Handler(), min: slog.LevelError})
}

type levelFloor struct {
	h   slog.Handler
	min slog.Level
}

func (f levelFloor) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.h.Enabled(ctx, l)
}
func (f levelFloor) Handle(ctx context.Context, r slog.Record) error { return f.h.Handle(ctx, r) }
func (f levelFloor) WithAttrs(as []slog.Attr) slog.Handler {
	return levelFloor{h: f.h.WithAttrs(as), min: f.min}
}
func (f levelFloor) WithGroup(name string) slog.Handler {
	return levelFloor{h: f.h.WithGroup(name), min: f.min}
}

// MemberInfo is one member of the cluster topology.
type MemberInfo struct {
	ID      string
	Address string
}

// Members lists the members this member sees, sorted by ID.
func (m *Member) Members() []MemberInfo {
	var out []MemberInfo
	for _, mm := range m.view.list() {
		out = append(out, MemberInfo{ID: mm.Id, Address: mm.Address()})
	}
	slices.SortFunc(out, func(a, b MemberInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}
