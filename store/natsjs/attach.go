package natsjs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

const opAttach = "attach"

// Attach returns the log that exists on the server, as its streams are:
// it creates and updates nothing, so a program that only reads or follows
// the log (or appends beside the grains) cannot change the streams the
// nodes configured (their replicas, duplicate window, limits). The
// partition count is the log's, from its streams' metadata; cfg.Partitions,
// if set, must be it (else a *PartitionMismatchError). cfg.Stream names
// the streams (default DefaultStream) and cfg.ReadBatch sizes reads; the
// size limit of a transaction is the streams'. A log that does not exist
// is store.ErrNotFound; one of the earlier format, ErrLegacyLog.
func Attach(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	fail := func(err error) (*Log, error) { return nil, &Error{Op: opAttach, Err: err} }
	asked := cfg.Partitions
	cfg.Partitions = 0
	if err := cfg.Validate(); err != nil {
		return fail(err)
	}
	cfg = cfg.withDefaults()
	first, err := js.Stream(ctx, StreamName(cfg.Stream, 0))
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		return fail(fmt.Errorf("%w: no stream %s: no log has been created on this server (start a node first)", store.ErrNotFound, StreamName(cfg.Stream, 0)))
	}
	if err != nil {
		return fail(translate(err))
	}
	info := first.CachedInfo().Config
	if f := info.Metadata[metaFormat]; f != strconv.Itoa(LogFormat) {
		return fail(fmt.Errorf("%w: stream %s has log format %q, this reader reads format %d", ErrLegacyLog, info.Name, f, LogFormat))
	}
	n, err := strconv.Atoi(info.Metadata[metaPartitions])
	if err != nil || n < 1 || n > MaxPartitions {
		return fail(fmt.Errorf("stream %s has no valid %s metadata (%q); it was not created by graphlog", info.Name, metaPartitions, info.Metadata[metaPartitions]))
	}
	if asked != 0 && asked != n {
		return fail(&PartitionMismatchError{Stream: cfg.Stream, Log: n, Asked: asked})
	}
	cfg.Partitions = n
	if info.MaxMsgSize > HeaderRoom {
		cfg.MaxTransactionBytes = int(info.MaxMsgSize) - HeaderRoom
	}
	l := &Log{js: js, cfg: cfg, streams: make([]jetstream.Stream, n)}
	l.streams[0] = first
	for p := 1; p < n; p++ {
		if l.streams[p], err = js.Stream(ctx, StreamName(cfg.Stream, p)); err != nil {
			return fail(fmt.Errorf("stream %s of a log of %d partitions: %w", StreamName(cfg.Stream, p), n, translate(err)))
		}
	}
	return l, nil
}

// LookupMembership returns the member registry the members made in
// bucket, as it is, for a client-only node (cluster.StartClient): unlike
// OpenMembership it configures nothing, so a client cannot change the
// members' TTL or expiry. Its TTL is the bucket's.
func LookupMembership(ctx context.Context, js jetstream.JetStream, bucket string, logger *slog.Logger) (*Membership, error) {
	const op = "look up membership"
	if err := validName(bucket); err != nil {
		return nil, &Error{Op: op, Err: fmt.Errorf("bucket: %w", err)}
	}
	kv, err := js.KeyValue(ctx, bucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		return nil, &Error{Op: op, Err: fmt.Errorf("%w: no member bucket %s: no member has started with this --cluster-bucket", store.ErrNotFound, bucket)}
	}
	if err != nil {
		return nil, &Error{Op: op, Err: translate(err)}
	}
	status, err := kv.Status(ctx)
	if err != nil {
		return nil, &Error{Op: op, Err: translate(err)}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	// OpenMembership sets the markers' TTL to the member TTL.
	ttl := max(status.LimitMarkerTTL(), MinMemberTTL)
	return &Membership{kv: kv, ttl: ttl, logger: logger, revs: map[string]uint64{}}, nil
}
