package natsjs

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// A log of format 1 is one stream named Config.Stream capturing
// LegacySubjects, one message per event on event.store.<graph>.<EventType>.
// `node migrate` converts it: it first moves the stream off those subjects
// (which overlap the partition streams') onto LegacyFrozenSubject, keeping
// its messages, and marks it with this metadata.
const (
	// LegacySubjects are the subjects a stream of format 1 captures.
	LegacySubjects = subjectPrefix + ">"
	// MetaFormat is the metadata key of a stream's log format: "2" on the
	// partition streams, "1" on a stream of format 1 once it is frozen.
	MetaFormat = metaFormat
	// MetaMigrating is "true" on a stream of format 1 from the moment it
	// is frozen until every graph is converted and checked.
	MetaMigrating = "graphlog.migrating"
	// MetaMigrated is "true" on a stream of format 1 whose every graph was
	// converted and checked. Open accepts such a stream beside the log.
	MetaMigrated = "graphlog.migrated"
)

// LegacyFrozenSubject is the subject a frozen stream of format 1
// captures: one nobody publishes to, so that the stream keeps its
// messages without holding the log's subjects.
func LegacyFrozenSubject(stream string) string {
	return "graphlog.v1.frozen." + stream
}

// LegacyMigrated reports whether cfg is the configuration of a stream of
// format 1 that `node migrate` has converted.
func LegacyMigrated(cfg jetstream.StreamConfig) bool {
	return cfg.Metadata[MetaMigrated] == "true"
}

// OpenForMigration is Open for `node migrate`, which writes the log while
// the stream of format 1 it converts still exists (frozen, and not yet
// marked migrated): it does not refuse that stream. Every other check of
// Open applies.
func OpenForMigration(ctx context.Context, js jetstream.JetStream, cfg Config) (*Log, error) {
	return open(ctx, js, cfg, true)
}
