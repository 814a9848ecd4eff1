// Command projection is a program that keeps a view derived from the
// graphs' committed transactions, as any service beside the cluster
// would: an actor follows the log (package follow) for a set of graphs
// or for all of them, keeps per graph the counts of nodes and edges by
// type and a degree index, stores them with a durable checkpoint in a
// NATS KV bucket, and answers queries on them as actor messages and over
// a small HTTP endpoint. Killed at any moment and started again, it goes
// on from its checkpoint with nothing missed and nothing counted twice
// (store.go says how).
//
// Start a node, then run it against the node's NATS server:
//
//	go run ./cmd/node --demo
//	go run ./examples/projection                      # every graph
//	go run ./examples/projection --graphs demo,social # these graphs
//	curl -s localhost:8090/totals
//	curl -s localhost:8090/graphs/demo
//	curl -s 'localhost:8090/graphs/demo/top?n=5'
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store/natsjs"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], logger, nil); err != nil {
		fmt.Fprintln(os.Stderr, "projection:", err)
		os.Exit(1)
	}
}

type options struct {
	natsURL         string
	stream          string
	bucket          string
	graphs          []string
	httpAddr        string
	checkpointEvery time.Duration
}

func parse(args []string) (options, error) {
	var o options
	var graphs string
	fs := flag.NewFlagSet("projection", flag.ContinueOnError)
	fs.StringVar(&o.natsURL, "nats-url", "nats://127.0.0.1:4222", "NATS server of the cluster (a node's embedded server listens on 127.0.0.1:4222 by default)")
	fs.StringVar(&o.stream, "stream", natsjs.DefaultStream, "base name of the log's partition streams (the nodes' --stream)")
	fs.StringVar(&o.bucket, "bucket", "graphlog_projection", "KV bucket of the views and checkpoints; one per projection")
	fs.StringVar(&graphs, "graphs", "", "comma-separated graphs to follow; empty: every graph")
	fs.StringVar(&o.httpAddr, "http-addr", "127.0.0.1:8090", "where to answer queries over HTTP; empty: nowhere")
	fs.DurationVar(&o.checkpointEvery, "checkpoint-interval", time.Second, "how often a partition's position is written, at most (the views are written after every batch)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if graphs != "" {
		for _, g := range strings.Split(graphs, ",") {
			if err := graph.ValidateGraphID(g); err != nil {
				return o, err
			}
			o.graphs = append(o.graphs, g)
		}
	}
	return o, nil
}

// run runs the projection until ctx ends. ready, if set, receives the
// HTTP address once the projection answers there.
func run(ctx context.Context, args []string, logger *slog.Logger, ready chan<- string) error {
	o, err := parse(args)
	if err != nil {
		return err
	}
	nc, err := nats.Connect(o.natsURL, nats.Name("graphlog projection"), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("connecting to NATS at %s: %w", o.natsURL, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	// The log as the nodes made it: following changes nothing of it.
	log, err := natsjs.Attach(ctx, js, natsjs.Config{Stream: o.stream})
	if err != nil {
		return err
	}
	bucket, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      o.bucket,
		Description: "graphlog projection: per graph its view and version (graph.<id>), per partition how far it was followed (partition.<p>)",
		History:     1,
	})
	if err != nil {
		return fmt.Errorf("opening the bucket %s: %w", o.bucket, err)
	}
	props, err := newProjection(ctx, Config{Log: log, Partitions: log.Config().Partitions, Bucket: bucket,
		Graphs: o.graphs, CheckpointEvery: o.checkpointEvery, Logger: logger})
	if err != nil {
		return err
	}
	system := actor.NewActorSystemWithConfig(actor.Configure(
		actor.WithLoggerFactory(func(*actor.ActorSystem) *slog.Logger { return logger })))
	defer system.Shutdown()
	pid, err := system.Root.SpawnNamed(props, "projection")
	if err != nil {
		return err
	}
	defer func() { _ = system.Root.StopFuture(pid).Wait() }()

	if o.httpAddr == "" {
		<-ctx.Done()
		return nil
	}
	ln, err := net.Listen("tcp", o.httpAddr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: handler(system.Root, pid), ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	logger.Info("projection answering", slog.String("http", ln.Addr().String()))
	if ready != nil {
		ready <- ln.Addr().String()
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler answers queries by asking the projection actor:
//
//	GET /totals                  counts over every graph followed
//	GET /graphs/{graph}          a graph's counts by type and degrees
//	GET /graphs/{graph}/top?n=N  the N nodes of highest degree
func handler(root *actor.RootContext, pid *actor.PID) http.Handler {
	ask := func(w http.ResponseWriter, q any) {
		res, err := root.RequestFuture(pid, q, 5*time.Second).Result()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if v, ok := res.(*GraphView); ok && v == nil {
			http.Error(w, "no transaction of this graph seen", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(res)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /totals", func(w http.ResponseWriter, r *http.Request) { ask(w, &GetTotals{}) })
	mux.HandleFunc("GET /graphs/{graph}", func(w http.ResponseWriter, r *http.Request) {
		ask(w, &GetView{Graph: r.PathValue("graph")})
	})
	mux.HandleFunc("GET /graphs/{graph}/top", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 1 {
			n = 10
		}
		ask(w, &GetTop{Graph: r.PathValue("graph"), N: n})
	})
	return mux
}
