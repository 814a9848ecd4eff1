package natsjs

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

// Log is the event log on JetStream. Create it with Open.
type Log struct {
	js      jetstream.JetStream
	cfg     Config
	streams []jetstream.Stream // by partition
}

var (
	_ store.EventLog       = (*Log)(nil)
	_ store.SequenceReader = (*Log)(nil)
	_ store.GraphLister    = (*Log)(nil)
)

// Metadata the partition streams carry, so that a node can tell what log
// it finds.
const (
	metaFormat     = "graphlog.format"
	metaPartitions = "graphlog.partitions"
	// LogFormat is the log format this package writes and reads: one
	// message per transaction on one subject per graph.
	LogFormat = 2
)

// Open creates the partition streams and the dead-letter stream, or
// updates them to cfg, and returns the log. It refuses, changing nothing:
// an invalid cfg; a log created with another partition count
// (ErrPartitionMismatch, which names the count the log has); a log of the
// earlier format that `node migrate` has not converted (ErrLegacyLog); a
// connection whose server's max payload cannot carry
// cfg.MaxTransactionBytes.
func Open(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	return open(ctx, js, cfg, false)
}

// open is Open; converting lets a stream of format 1 exist beside the log
// (OpenForMigration).
func open(ctx context.Context, js jetstream.JetStream, cfg Config, converting bool) (*Log, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	fail := func(err error) (*Log, error) { return nil, &Error{Op: opOpen, Err: err} }

	if max := js.Conn().MaxPayload(); max < int64(cfg.MaxTransactionBytes+HeaderRoom) {
		return fail(fmt.Errorf("the NATS server's max payload is %d bytes, too small for transactions of up to %d bytes (--max-transaction-bytes) with %d bytes of headers; raise the server's max_payload or lower the limit",
			max, cfg.MaxTransactionBytes, HeaderRoom))
	}
	if err := checkExisting(ctx, js, cfg, converting); err != nil {
		return fail(err)
	}
	l := &Log{js: js, cfg: cfg, streams: make([]jetstream.Stream, cfg.Partitions)}
	for p := range cfg.Partitions {
		s, err := js.CreateOrUpdateStream(ctx, partitionStreamConfig(cfg, p))
		if err != nil {
			return fail(fmt.Errorf("create or update stream %s: %w", StreamName(cfg.Stream, p), translate(err)))
		}
		if !s.CachedInfo().Config.AllowDirect {
			return fail(fmt.Errorf("stream %s: the server did not keep allow_direct; use nats-server 2.11 or later", StreamName(cfg.Stream, p)))
		}
		l.streams[p] = s
	}
	if _, err := js.CreateOrUpdateStream(ctx, deadLetterStreamConfig(cfg)); err != nil {
		return fail(fmt.Errorf("create or update stream %s: %w", cfg.DeadLetterStream, translate(err)))
	}
	return l, nil
}

// checkExisting refuses a log that this configuration must not touch: one
// of the earlier format, unless converting or converted, or one with
// another partition count.
func checkExisting(ctx context.Context, js jetstream.JetStream, cfg Config, converting bool) error {
	if s, err := js.Stream(ctx, cfg.Stream); err == nil {
		// A converted stream no longer captures the log's subjects; it is
		// kept until the operator deletes it.
		if !converting && !LegacyMigrated(s.CachedInfo().Config) {
			return fmt.Errorf("%w: stream %s holds a log of format 1 (one message per event); convert it with `node migrate`, then start again",
				ErrLegacyLog, cfg.Stream)
		}
	} else if !errors.Is(err, jetstream.ErrStreamNotFound) {
		return fmt.Errorf("look up stream %s: %w", cfg.Stream, translate(err))
	}
	s, err := js.Stream(ctx, StreamName(cfg.Stream, 0))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up stream %s: %w", StreamName(cfg.Stream, 0), translate(err))
	}
	md := s.CachedInfo().Config.Metadata
	if f := md[metaFormat]; f != strconv.Itoa(LogFormat) {
		return fmt.Errorf("%w: stream %s has log format %q, this node reads format %d", ErrLegacyLog, StreamName(cfg.Stream, 0), f, LogFormat)
	}
	have, err := strconv.Atoi(md[metaPartitions])
	if err != nil {
		return fmt.Errorf("stream %s has no valid %s metadata (%q); it was not created by graphlog", StreamName(cfg.Stream, 0), metaPartitions, md[metaPartitions])
	}
	if have != cfg.Partitions {
		return &PartitionMismatchError{Stream: cfg.Stream, Log: have, Asked: cfg.Partitions}
	}
	return nil
}

// Config returns the log's configuration, defaults filled in.
func (l *Log) Config() Config { return l.cfg }

// stream is graph graphID's partition stream and its subject.
func (l *Log) stream(graphID string) (name, subject string) {
	p := Partition(graphID, l.cfg.Partitions)
	return StreamName(l.cfg.Stream, p), PartitionPrefix(p) + graphID
}

// partitionStreamConfig keeps every transaction forever: no limits, and
// deletes and purges refused, so no operator command drops history by
// accident.
func partitionStreamConfig(cfg Config, p int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name: StreamName(cfg.Stream, p),
		Description: fmt.Sprintf("graphlog transactions of partition %d of %d, kept forever: %s<graph>, one message per transaction",
			p, cfg.Partitions, PartitionPrefix(p)),
		Subjects:  []string{PartitionPrefix(p) + "*"},
		Storage:   cfg.Storage,
		Replicas:  cfg.Replicas,
		Retention: jetstream.LimitsPolicy,
		// With no limits nothing is ever discarded; should the disk fill,
		// refusing new transactions is right and dropping old ones never is.
		Discard:           jetstream.DiscardNew,
		MaxMsgs:           -1,
		MaxBytes:          -1,
		MaxAge:            0,
		MaxMsgsPerSubject: -1,
		MaxMsgSize:        int32(cfg.MaxTransactionBytes + HeaderRoom),
		Duplicates:        cfg.DuplicateWindow,
		DenyDelete:        true,
		DenyPurge:         true,
		AllowDirect:       true,
		Metadata: map[string]string{
			metaFormat:     strconv.Itoa(LogFormat),
			metaPartitions: strconv.Itoa(cfg.Partitions),
		},
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
