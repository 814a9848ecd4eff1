package natsjs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/store"
)

// Defaults of Config.
const (
	DefaultStream           = "EVENTS"
	DefaultDeadLetterStream = "EVENTS_DLQ"
	DefaultReadBatch        = 1000
)

// Config sets up the log's streams. Zero fields take their defaults.
type Config struct {
	// Stream names the events stream; default DefaultStream.
	Stream string
	// Replicas of both streams; default 1. Use 3 in a cluster.
	Replicas int
	// Storage of both streams; the zero value is file storage.
	Storage jetstream.StorageType
	// DeadLetterStream names the stream of messages the ingress could not
	// process; default DefaultDeadLetterStream.
	DeadLetterStream string
	// MaxEventsPerTransaction bounds a transaction; default and maximum
	// store.MaxEventsPerTransaction, the server's atomic batch limit.
	MaxEventsPerTransaction int
	// ReadBatch is how many messages one direct-get request of Read asks
	// for; default DefaultReadBatch.
	ReadBatch int
}

// withDefaults returns c with its zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.DeadLetterStream == "" {
		c.DeadLetterStream = DefaultDeadLetterStream
	}
	if c.Replicas == 0 {
		c.Replicas = 1
	}
	if c.MaxEventsPerTransaction == 0 {
		c.MaxEventsPerTransaction = store.MaxEventsPerTransaction
	}
	if c.ReadBatch == 0 {
		c.ReadBatch = DefaultReadBatch
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
	if c.Replicas < 1 || c.Replicas > 5 {
		errs = append(errs, fmt.Errorf("natsjs: Replicas is %d; use 1 to 5 (3 in a cluster)", c.Replicas))
	}
	if c.Storage != jetstream.FileStorage && c.Storage != jetstream.MemoryStorage {
		errs = append(errs, fmt.Errorf("natsjs: Storage %d is neither file nor memory storage", c.Storage))
	}
	if c.MaxEventsPerTransaction < 1 || c.MaxEventsPerTransaction > store.MaxEventsPerTransaction {
		errs = append(errs, fmt.Errorf("natsjs: MaxEventsPerTransaction is %d; use 1 to %d, the server's atomic batch limit", c.MaxEventsPerTransaction, store.MaxEventsPerTransaction))
	}
	if c.ReadBatch < 1 {
		errs = append(errs, fmt.Errorf("natsjs: ReadBatch is %d; use a positive number of messages", c.ReadBatch))
	}
	return errors.Join(errs...)
}
