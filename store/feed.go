package store

import (
	"context"
	"time"
)

// Message is one message of the log delivered by a durable consumer: a
// notice that graph GraphID has a transaction at stream sequence Sequence.
// Its body is not delivered (the consumer is headers-only): a grain that
// has read the graph past Sequence skips it, and one that has not reads the
// graph's log from where it stands, so the ingress costs little for the
// transactions the grains wrote themselves. Until it is acknowledged it
// will be delivered again (at-least-once).
type Message interface {
	// GraphID is the graph the message's subject names. The error wraps
	// ErrCorrupt when the subject names no valid graph, or a graph of
	// another partition: such a message can never be read by its graph
	// and belongs in the dead-letter stream.
	GraphID() (string, error)
	Subject() string
	// Sequence is the message's stream sequence.
	Sequence() uint64
	// First reports whether the message may be its graph's first
	// transaction: it was appended expecting no earlier one, or without
	// saying what it expected.
	First() bool
	// Ack tells the log the message is done with. It need not wait for
	// the log to record that: a lost ack means a redelivery, which
	// receivers skip.
	Ack(ctx context.Context) error
	// Nak asks for redelivery after delay.
	Nak(delay time.Duration) error
	// Term tells the log never to deliver the message again.
	Term() error
}

// Subscription is a durable consumer's stream of messages, in log order.
type Subscription interface {
	// Next blocks until a message arrives or ctx ends.
	Next(ctx context.Context) (Message, error)
	// Pending is how many messages of the log the consumer has not been
	// delivered yet (its lag).
	Pending(ctx context.Context) (uint64, error)
	Stop()
}

// Subscriber opens durable consumers on the log.
type Subscriber interface {
	// Subscribe opens (creating them if needed) the durable consumers
	// named durable over the graphs' transactions of the given partitions
	// of the log (nil: every one), one per partition, and delivers their
	// messages together; each graph's in its log order. Consumers with
	// the same name share the work.
	Subscribe(ctx context.Context, durable string, partitions []int) (Subscription, error)
	// Partitions is the log's partition count.
	Partitions() int
}

// DeadLetterer keeps messages that can never be applied, with the reason.
type DeadLetterer interface {
	DeadLetter(ctx context.Context, m Message, reason string) error
}
