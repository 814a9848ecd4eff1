package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"sync"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/natsnode"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
	"github.com/graphlog/graphlog/web"
)

// node is everything one process runs, in start order; shutdown goes the
// other way.
type node struct {
	cfg     config.Config
	logger  *slog.Logger
	nats    *natsnode.Server // nil with an external NATS
	nc      *nats.Conn
	member  *cluster.Member
	ingress *actor.PID
	graphs  *natsjs.Directory
	http    *http.Server
	httpLn  net.Listener
	// lost receives why the node must stop: it was dropped from the
	// cluster and may come back only as a new member.
	lost chan error
	// watch runs until stopWatch: it samples gauges (ingress lag, members).
	watchCtx  context.Context
	stopWatch context.CancelFunc
	// closing is closed when shutdown begins: it ends the live streams.
	closing chan struct{}
	stopped sync.Once
}

// httpDrainTimeout bounds the wait for requests in flight at shutdown;
// past it their connections are closed, and the grains' passivation that
// follows keeps the rest of the shutdown's budget.
const httpDrainTimeout = 5 * time.Second

// start brings a node up. On error, whatever was started is stopped again.
func start(ctx context.Context, cfg config.Config, logger *slog.Logger) (n *node, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	n = &node{cfg: cfg, logger: logger, lost: make(chan error, 1), closing: make(chan struct{})}
	defer func() {
		if err != nil {
			sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
			defer cancel()
			n.shutdown(sctx)
			n = nil
		}
	}()

	url := cfg.NATS.URL
	if cfg.Embedded() {
		opts, err := embeddedOptions(cfg, logger)
		if err != nil {
			return n, err
		}
		if n.nats, err = natsnode.Start(opts); err != nil {
			return n, fmt.Errorf("starting the embedded NATS server: %w", err)
		}
		url = n.nats.ClientURL()
		logger.Info("embedded NATS server started", slog.String("url", url), slog.String("data_dir", opts.DataDir))
	}
	copts, err := connectOptions(cfg, logger)
	if err != nil {
		return n, err
	}
	n.nc, err = nats.Connect(url, copts...)
	if err != nil {
		return n, fmt.Errorf("connecting to NATS at %s: %w; check --nats-url", url, err)
	}
	js, err := jetstream.New(n.nc)
	if err != nil {
		return n, fmt.Errorf("opening JetStream: %w", err)
	}
	if err := waitJetStream(ctx, js, logger); err != nil {
		return n, err
	}
	log, err := untilAvailable(ctx, logger, "the event stream", func(ctx context.Context) (*natsjs.Log, error) {
		return natsjs.Open(ctx, js, logConfig(cfg))
	})
	if err != nil {
		return n, fmt.Errorf("opening the event stream: %w", err)
	}
	snaps, err := untilAvailable(ctx, logger, "the snapshot store", func(ctx context.Context) (*natsjs.Snapshots, error) {
		return natsjs.OpenSnapshots(ctx, js, natsjs.SnapshotConfig{
			Bucket:      cfg.Snapshots.Bucket,
			IndexBucket: cfg.Snapshots.Bucket + "_INDEX",
			Replicas:    cfg.NATS.Replicas,
		})
	})
	if err != nil {
		return n, fmt.Errorf("opening the snapshot store: %w", err)
	}

	n.graphs, err = untilAvailable(ctx, logger, "the graph directory", func(ctx context.Context) (*natsjs.Directory, error) {
		return natsjs.OpenDirectory(ctx, js, natsjs.DirectoryConfig{
			Stream:     cfg.NATS.Stream,
			Partitions: cfg.NATS.Partitions,
			Replicas:   cfg.NATS.Replicas,
			Logger:     logger.With(slog.String("component", "directory")),
		})
	})
	if err != nil {
		return n, fmt.Errorf("opening the graph directory: %w", err)
	}

	members, err := untilAvailable(ctx, logger, "the member registry", func(ctx context.Context) (*natsjs.Membership, error) {
		return natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{
			Bucket:   cfg.Cluster.Bucket,
			TTL:      cfg.Cluster.MemberTTL,
			Replicas: cfg.NATS.Replicas,
			Logger:   logger.With(slog.String("component", "membership")),
		})
	})
	if err != nil {
		return n, fmt.Errorf("opening the member registry: %w", err)
	}
	serverTLS, clientTLS, err := actorTLS(cfg.Actor.TLS)
	if err != nil {
		return n, err
	}

	reg := prometheus.NewRegistry()
	// go_gc_heap_live_bytes (the heap the last GC kept) besides the
	// default Go metrics: what memory per active graph is measured by.
	liveHeap := collectors.GoRuntimeMetricsRule{Matcher: regexp.MustCompile(`^/gc/heap/live:bytes$`)}
	reg.MustRegister(collectors.NewGoCollector(collectors.WithGoCollectorRuntimeMetrics(liveHeap)),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m := metrics.New(reg)

	algorithms := replay.Bounds{Elements: cfg.Graphs.MaxAlgorithmElements, Timeout: cfg.Graphs.AlgorithmTimeout}
	n.member, err = cluster.StartMember(cluster.MemberConfig{
		Name:           cfg.NodeName,
		Host:           cfg.Actor.Host,
		Port:           cfg.Actor.Port,
		AdvertisedHost: cfg.Actor.AdvertiseHost,
		Membership:     members,
		OnLost: func(err error) {
			select {
			case n.lost <- err:
			default:
			}
		},
		ServerTLS: serverTLS,
		ClientTLS: clientTLS,
		Grain: actors.GrainConfig{
			Log:         log,
			Logger:      logger,
			Metrics:     m,
			IdleTimeout: cfg.Graphs.IdleTimeout,
			MaxActive:   cfg.Graphs.MaxActiveGraphs,
			IOTimeout:   cfg.HTTP.RequestTimeout,
			Activations: actors.NewSlots(cfg.Graphs.MaxActivations),
			Algorithms:  algorithms,
			Snapshots:   snaps,
			Directory:   n.graphs,
			Snapshot: actors.SnapshotPolicy{
				Every:             cfg.Snapshots.Every,
				PassivationEvents: cfg.Snapshots.PassivationEvents,
				EveryPerElement:   cfg.Snapshots.EveryPerElement,
				Interval:          cfg.Snapshots.Interval,
				Retention:         store.Retention{KeepNewest: cfg.Snapshots.Keep, Every: cfg.Snapshots.KeepEvery},
			},
		},
		Ingress:        cfg.Ingress.Enabled,
		RequestTimeout: cfg.HTTP.RequestTimeout,
		Logger:         logger,
	})
	if err != nil {
		return n, err
	}

	if cfg.Ingress.Enabled {
		props := actors.NewIngressProps(actors.IngressConfig{
			Subscriber:  log.Feed(),
			DeadLetters: log.Feed(),
			Grains:      n.member.Client(),
			Directory:   n.graphs,
			Owner:       n.member.OwnedPartitions,
			Marks:       n.member.ReadMarks(),
			Durable:     cfg.Ingress.Consumer,
			Logger:      logger.With(slog.String("component", "ingress")),
			Metrics:     m,
		})
		n.ingress, err = n.member.System().Root.SpawnNamed(props, "ingress")
		if err != nil {
			return n, fmt.Errorf("starting the ingress: %w", err)
		}
	}

	if cfg.Demo {
		if err := seedDemo(ctx, n.member.Client(), log, logger); err != nil {
			logger.Warn("no demo graph", slog.Any("error", err))
		}
	}
	n.watchCtx, n.stopWatch = context.WithCancel(context.Background())
	go n.watch(n.watchCtx, log.Feed(), m)
	go n.backfill(n.watchCtx, log)

	handler := api.New(api.Options{
		Graphs:              n.member.Client(),
		Log:                 log,
		Lister:              n.graphs,
		Logger:              logger,
		Metrics:             m,
		Gatherer:            reg,
		Ready:               n.ready,
		MaxBodyBytes:        cfg.HTTP.MaxBodyBytes,
		MaxTransactionBytes: cfg.Graphs.MaxTransactionBytes,
		RequestTimeout:      cfg.HTTP.RequestTimeout,
		History:             history{&replay.History{Log: log, Snapshots: snaps, Logger: logger, Counters: m}, algorithms, log},
		Snapshots:           snaps,
		Cluster:             clusterView{n.member},
		Follower:            log,
		UI:                  web.Handler(),
		Token:               cfg.HTTP.Token,
		Closing:             n.closing,
		Limits: api.Limits{
			ReplayFrames:     cfg.HTTP.MaxReplayFrames,
			FrameEvents:      cfg.HTTP.MaxFrameEvents,
			Streams:          cfg.HTTP.MaxStreams,
			StreamsPerClient: cfg.HTTP.MaxStreamsPerClient,
		},
	})
	n.httpLn, err = net.Listen("tcp", cfg.HTTP.ListenAddr())
	if err != nil {
		return n, fmt.Errorf("listening on --http-addr %s: %w", cfg.HTTP.ListenAddr(), err)
	}
	n.http = &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := n.http.Serve(n.httpLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("HTTP server stopped", slog.Any("error", err))
		}
	}()
	logger.Info("node ready", slog.String("http", n.httpLn.Addr().String()), slog.String("member", n.member.ID()))
	return n, nil
}

// logConfig is the event log's configuration.
func logConfig(cfg config.Config) natsjs.Config {
	return natsjs.Config{
		Stream:              cfg.NATS.Stream,
		Partitions:          cfg.NATS.Partitions,
		Replicas:            cfg.NATS.Replicas,
		DuplicateWindow:     cfg.NATS.DuplicateWindow,
		MaxTransactionBytes: cfg.Graphs.MaxTransactionBytes,
	}
}

// ready reports whether the node can serve: connected to NATS, and a
// member of the cluster that sees itself in the membership.
func (n *node) ready(context.Context) error {
	if n.nc == nil || !n.nc.IsConnected() {
		return errors.New("not connected to NATS")
	}
	if n.member == nil {
		return errors.New("not a cluster member yet")
	}
	for _, m := range n.member.Members() {
		if m.ID == n.member.ID() {
			return nil
		}
	}
	return errors.New("not (or no longer) in the cluster membership")
}

// gaugeEvery is how often the node samples its gauges.
const gaugeEvery = 5 * time.Second

// watch samples what Prometheus gauges show but nothing counts as it
// happens: the ingress consumer's lag and the members this member sees.
func (n *node) watch(ctx context.Context, feed *natsjs.Feed, m *metrics.Metrics) {
	t := time.NewTicker(gaugeEvery)
	defer t.Stop()
	for {
		m.Members(len(n.member.Members()))
		if n.cfg.Ingress.Enabled {
			qctx, cancel := context.WithTimeout(ctx, gaugeEvery)
			if pending, ackPending, err := feed.Lag(qctx, n.cfg.Ingress.Consumer); err == nil {
				m.IngressLag(pending, ackPending)
			}
			cancel()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Lost receives an error if the node was dropped from the cluster: it
// must stop, and come back (restarted) as a new member.
func (n *node) Lost() <-chan error { return n.lost }

// httpAddr is where the API listens.
func (n *node) httpAddr() string { return n.httpLn.Addr().String() }

// shutdown ends the live streams (their clients reconnect, to another
// node, with Last-Event-ID), stops accepting requests and waits up to
// httpDrainTimeout for those in flight, stops the ingress (unacked
// messages are delivered again later), passivates the grains (each
// snapshots what changed) and leaves the cluster with what remains of
// ctx, drains the NATS connection and stops the embedded server.
func (n *node) shutdown(ctx context.Context) {
	n.stopped.Do(func() { n.stop(ctx) })
}

func (n *node) stop(ctx context.Context) {
	if n.stopWatch != nil {
		n.stopWatch()
	}
	close(n.closing)
	if n.http != nil {
		hctx, cancel := context.WithTimeout(ctx, httpDrainTimeout)
		if err := n.http.Shutdown(hctx); err != nil {
			n.logger.Warn("requests still in flight at shutdown; closing their connections", slog.Any("error", err))
			n.http.Close()
		}
		cancel()
	}
	if n.ingress != nil {
		if err := n.member.System().Root.StopFuture(n.ingress).Wait(); err != nil {
			n.logger.Warn("stopping the ingress", slog.Any("error", err))
		}
	}
	if n.member != nil {
		n.member.Shutdown(ctx)
	}
	if n.graphs != nil {
		n.graphs.Close()
	}
	if n.nc != nil {
		if err := n.nc.Drain(); err != nil {
			n.nc.Close()
		}
		for n.nc.IsDraining() && ctx.Err() == nil {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if n.nats != nil {
		n.nats.Shutdown()
	}
	n.logger.Info("node stopped")
}

// backfill adds to the graph directory the graphs of the log it lacks:
// those written before it existed, or whose first transaction the ingress
// has yet to see (docs/ARCHITECTURE.md, "The graph directory").
func (n *node) backfill(ctx context.Context, log *natsjs.Log) {
	start := time.Now()
	added, err := n.graphs.Backfill(ctx, log)
	switch {
	case err != nil && ctx.Err() == nil:
		n.logger.Warn("graph directory backfill stopped; the next start tries again", slog.Int("added", added), slog.Any("error", err))
	case added > 0:
		n.logger.Info("graph directory backfilled", slog.Int("added", added), slog.Duration("took", time.Since(start)))
	}
}
