// Command node runs one graphlog node: NATS JetStream (embedded by default),
// the event store, a cluster member hosting graph grains, the ingress and
// the HTTP API. `node -h` lists every setting; `node bench -h` the
// benchmark's.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/graphlog/graphlog/config"
)

// shutdownTimeout bounds a graceful shutdown; past it the process exits
// anyway (nothing acknowledged is lost: the log holds it).
const shutdownTimeout = 30 * time.Second

func main() {
	if len(os.Args) > 1 && os.Args[1] == "certs" {
		if err := runCerts(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(0)
			}
			fmt.Fprintln(os.Stderr, "node certs:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "migrate" {
		if err := runMigrate(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(0)
			}
			fmt.Fprintln(os.Stderr, "node migrate:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "campaign" {
		if err := runCampaign(os.Args[2:], os.Stdout, os.Stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(0)
			}
			fmt.Fprintln(os.Stderr, "node campaign:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "bench" {
		run := runBench
		args := os.Args[2:]
		if len(args) > 0 && args[0] == "history" {
			run, args = runHistoryBench, args[1:]
		}
		if len(args) > 0 && args[0] == "cluster" {
			run, args = runClusterBench, args[1:]
		}
		if len(args) > 0 && args[0] == "scale" {
			run, args = runScaleBench, args[1:]
		}
		if err := run(args, os.Stdout, os.Stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				os.Exit(0)
			}
			fmt.Fprintln(os.Stderr, "node bench:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := config.Load(os.Args[1:], os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "node:", err)
		os.Exit(2)
	}
	logger := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := start(ctx, cfg, logger)
	if err != nil {
		logger.Error("node failed to start", slog.Any("error", err))
		os.Exit(1)
	}
	code := 0
	select {
	case <-ctx.Done():
		stop()
		logger.Info("shutting down; a second signal exits at once")
	case err := <-n.Lost():
		// protoactor never lets a member ID back in: stop, and let the
		// supervisor (systemd, Docker's restart policy) start this node
		// again as a new member. Nothing is lost: the log holds every
		// acknowledged write.
		logger.Error("stopping: this node was dropped from the cluster and must restart to rejoin under a new member ID", slog.Any("error", err))
		code = 3
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	n.shutdown(sctx)
	cancel()
	if code != 0 {
		os.Exit(code)
	}
}

func newLogger(cfg config.Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.SlogLevel()}
	var h slog.Handler = slog.NewTextHandler(os.Stderr, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(os.Stderr, opts)
	}
	return slog.New(h).With(slog.String("node", cfg.NodeName))
}
