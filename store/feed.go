package store

import (
	"context"
	"time"

	"github.com/graphlog/graphlog/messages"
)

// Message is one message of the log delivered by a durable consumer. Until
// it is acknowledged it will be delivered again (at-least-once); receivers
// make that harmless by skipping versions they have applied.
type Message interface {
	// Event decodes the message. The error wraps ErrCorrupt when the bytes
	// are not an event, the subject does not name a valid graph, or the
	// event names another graph than its subject: such a message can
	// never be applied and belongs in the dead-letter stream.
	Event() (*messages.Event, error)
	Subject() string
	Data() []byte
	// Sequence is the message's stream sequence.
	Sequence() uint64
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
	// Subscribe opens (creating it if needed) the durable consumer named
	// durable over every graph's events. Consumers with the same name share
	// the work.
	Subscribe(ctx context.Context, durable string) (Subscription, error)
}

// DeadLetterer keeps messages that can never be applied, with the reason.
type DeadLetterer interface {
	DeadLetter(ctx context.Context, m Message, reason string) error
}
