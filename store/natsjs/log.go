package natsjs

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

// Log is the event log on JetStream. Create it with Open.
type Log struct {
	js     jetstream.JetStream
	cfg    Config
	events jetstream.Stream
}

var (
	_ store.EventLog    = (*Log)(nil)
	_ store.GraphLister = (*Log)(nil)
)

// Open creates the events and dead-letter streams, or updates them to cfg,
// and returns the log. It fails if cfg is invalid or the server cannot
// publish atomic batches (nats-server older than 2.12).
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()

	events, err := js.CreateOrUpdateStream(ctx, eventsStreamConfig(cfg))
	if err != nil {
		return nil, &Error{Op: opOpen, Err: fmt.Errorf("create or update stream %s: %w", cfg.Stream, translate(err))}
	}
	if info := events.CachedInfo(); !info.Config.AllowAtomicPublish || !info.Config.AllowDirect {
		return nil, &Error{Op: opOpen, Err: fmt.Errorf("stream %s: %w (allow_atomic=%t, allow_direct=%t)",
			cfg.Stream, ErrAtomicPublishUnsupported, info.Config.AllowAtomicPublish, info.Config.AllowDirect)}
	}
	if _, err := js.CreateOrUpdateStream(ctx, deadLetterStreamConfig(cfg)); err != nil {
		return nil, &Error{Op: opOpen, Err: fmt.Errorf("create or update stream %s: %w", cfg.DeadLetterStream, translate(err))}
	}
	return &Log{js: js, cfg: cfg, events: events}, nil
}

// Config returns the log's configuration, defaults filled in.
func (l *Log) Config() Config { return l.cfg }

// eventsStreamConfig keeps every event forever: no limits, and deletes and
// purges refused, so no operator command drops history by accident.
func eventsStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        cfg.Stream,
		Description: "graphlog events, kept forever: event.store.<graph>.<EventType>",
		Subjects:    []string{EventSubjects},
		Storage:     cfg.Storage,
		Replicas:    cfg.Replicas,
		Retention:   jetstream.LimitsPolicy,
		// With no limits nothing is ever discarded; should the disk fill,
		// refusing new events is right and dropping old ones never is.
		Discard:            jetstream.DiscardNew,
		MaxMsgs:            -1,
		MaxBytes:           -1,
		MaxAge:             0,
		MaxMsgsPerSubject:  -1,
		MaxMsgSize:         -1,
		DenyDelete:         true,
		DenyPurge:          true,
		AllowAtomicPublish: true,
		AllowDirect:        true,
	}
}

func deadLetterStreamConfig(cfg Config) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:              cfg.DeadLetterStream,
		Description:       "graphlog messages that could not be processed: deadletter.<original subject>",
		Subjects:          []string{DeadLetterSubjects},
		Storage:           cfg.Storage,
		Replicas:          cfg.Replicas,
		Retention:         jetstream.LimitsPolicy,
		Discard:           jetstream.DiscardNew,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxMsgsPerSubject: -1,
		MaxMsgSize:        -1,
		AllowDirect:       true,
	}
}
