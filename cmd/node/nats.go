package main

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"

	"github.com/nats-io/nats.go"

	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/natsnode"
)

// connectOptions are the options of the node's NATS connection: its name,
// endless reconnects, and logs of disconnects and reconnects.
func connectOptions(cfg config.Config, logger *slog.Logger) ([]nats.Option, error) {
	return []nats.Option{
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
	}, nil
}

func embeddedOptions(cfg config.Config, logger *slog.Logger) (natsnode.Options, error) {
	host, portStr, err := net.SplitHostPort(cfg.NATS.Listen)
	if err != nil {
		return natsnode.Options{}, fmt.Errorf("--nats-listen %q: %w", cfg.NATS.Listen, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return natsnode.Options{}, fmt.Errorf("--nats-listen %q: port is not a number", cfg.NATS.Listen)
	}
	if port == 0 {
		port = natsnode.RandomPort
	}
	return natsnode.Options{
		DataDir:    filepath.Join(cfg.DataDir, "nats"),
		Host:       host,
		Port:       port,
		ServerName: cfg.NodeName,
		SyncAlways: cfg.NATS.SyncAlways,
		Logger:     logger.With(slog.String("component", "nats")),
	}, nil
}
