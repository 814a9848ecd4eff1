package natsjs

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Defaults of Config.
const (
	DefaultStream           = "EVENTS"
	DefaultDeadLetterStream = "EVENTS_DLQ"
	DefaultReadBatch        = 1000
	DefaultPartitions       = 1
	// DefaultDuplicateWindow is how long the streams remember message IDs.
	// The server keeps every ID of the window in memory, so it is short;
	// the grains remember transaction IDs for longer (docs/ARCHITECTURE.md,
	// "Retries are safe forever").
	DefaultDuplicateWindow = time.Minute
	// DefaultMaxTransactionBytes bounds one transaction's encoding: with
	// the headers it fits NATS's default max payload (1 MiB).
	DefaultMaxTransactionBytes = 1_000_000
	// DefaultAckWait is how long a notice delivered to an ingress waits
	// for its ack before JetStream delivers it again. A live ingress keeps
	// the notices it holds with progress notices, so the wait matters
	// only when the member holding them dies: it is how long their graphs
	// wait for the notices to come to the partition's next owner.
	DefaultAckWait = 5 * time.Second
	// MaxPartitions bounds the partition count.
	MaxPartitions = 1024
	// HeaderRoom is what a log message's headers may take beside its body;
	// a server's max payload must be at least MaxTransactionBytes plus it.
	HeaderRoom = 4096
)

// Config sets up the log's streams. Zero fields take their defaults.
type Config struct {
	// Stream is the base name of the partition streams, <Stream>-<p>;
	// default DefaultStream.
	Stream string
	// Partitions is how many streams the graphs are spread over; default
	// 1. It is fixed when the log is created: Open refuses another.
	Partitions int
	// Replicas of the streams; default 1. Use 3 in a cluster.
	Replicas int
	// Storage of the streams; the zero value is file storage.
	Storage jetstream.StorageType
	// DeadLetterStream names the stream of messages the ingress could not
	// process; default DefaultDeadLetterStream.
	DeadLetterStream string
	// DuplicateWindow is how long a stream answers a resent transaction
	// (same graph and transaction ID) with its first ack; default
	// DefaultDuplicateWindow.
	DuplicateWindow time.Duration
	// MaxTransactionBytes bounds the encoding of one transaction; default
	// DefaultMaxTransactionBytes. The server's max payload must fit it
	// plus HeaderRoom.
	MaxTransactionBytes int
	// ReadBatch is how many messages one direct-get request of Read asks
	// for; default DefaultReadBatch.
	ReadBatch int
	// AckWait is the ingress consumers' ack wait; default DefaultAckWait.
	AckWait time.Duration
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.DeadLetterStream == "" {
		c.DeadLetterStream = DefaultDeadLetterStream
	}
	if c.Partitions == 0 {
		c.Partitions = DefaultPartitions
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.DuplicateWindow == 0 {
		c.DuplicateWindow = DefaultDuplicateWindow
	}
	if c.MaxTransactionBytes == 0 {
		c.MaxTransactionBytes = DefaultMaxTransactionBytes
	}
	if c.ReadBatch == 0 {
		c.ReadBatch = DefaultReadBatch
	}
	if c.AckWait == 0 {
		c.AckWait = DefaultAckWait
	}
	return c
}

// Validate reports every setting of c (after defaults) that cannot work.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, s := range []struct{ field, name string }{{"Stream", c.Stream}, {"DeadLetterStream", c.DeadLetterStream}} {
		if strings.ContainsAny(s.name, ".*> \t\r\n/\\") {
			errs = append(errs, fmt.Errorf("natsjs: %s %q is not a valid stream name; use letters, digits, '_' and '-'", s.field, s.name))
		}
	}
	if c.Stream == c.DeadLetterStream {
		errs = append(errs, fmt.Errorf("natsjs: Stream and DeadLetterStream are both %q; give them different names", c.Stream))
	}
	if c.Partitions < 1 || c.Partitions > MaxPartitions {
		errs = append(errs, fmt.Errorf("natsjs: Partitions is %d; use 1 to %d", c.Partitions, MaxPartitions))
	}
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("natsjs: Replicas is %d; use 1 to 5 (3 in a cluster)", c.Replicas))
	}
	if c.Storage != jetstream.FileStorage && c.Storage != jetstream.MemoryStorage {
		errs = append(errs, fmt.Errorf("natsjs: Storage %d is neither file nor memory storage", c.Storage))
	}
	if c.DuplicateWindow < 100*time.Millisecond {
		errs = append(errs, fmt.Errorf("natsjs: DuplicateWindow is %v; use at least 100ms (the server's minimum), such as 1m", c.DuplicateWindow))
	}
	if c.MaxTransactionBytes < 1024 {
		errs = append(errs, fmt.Errorf("natsjs: MaxTransactionBytes is %d; use at least 1024", c.MaxTransactionBytes))
	}
	if c.ReadBatch < 1 {
		errs = append(errs, fmt.Errorf("natsjs: ReadBatch is %d; use a positive number of messages", c.ReadBatch))
	}
	if c.AckWait < time.Second {
		errs = append(errs, fmt.Errorf("natsjs: AckWait is %v; use at least 1s, such as 5s", c.AckWait))
	}
	return errors.Join(errs...)
}
