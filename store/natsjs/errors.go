package natsjs

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"

	"github.com/graphlog/graphlog/store"
)

// Operations named in errors.
const (
	opOpen       = "open"
	opAppend     = "append"
	opHead       = "head"
	opRead       = "read"
	opList       = "list graphs"
	opDeadLetter = "dead letter"
	opSubscribe  = "subscribe"

	opOpenSnapshots  = "open snapshots"
	opSaveSnapshot   = "save snapshot"
	opListSnapshots  = "list snapshots"
	opLoadSnapshot   = "load snapshot"
	opDeleteSnapshot = "delete snapshot"
)

// Error is the error every Log method returns: the operation, the graph
// (if any) and the cause, which wraps a store sentinel when one applies.
type Error struct {
	Op      string
	GraphID string
	Err     error
}

func (e *Error) Error() string {
	if e.GraphID == "" {
		return "natsjs: " + e.Op + ": " + e.Err.Error()
	}
	return "natsjs: " + e.Op + " graph " + e.GraphID + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrAtomicPublishUnsupported: the server did not keep AllowAtomicPublish
// on the events stream; it is older than 2.12.
var ErrAtomicPublishUnsupported = errors.New("the NATS server does not support atomic batch publish; use nats-server 2.12 or later")

// translate classifies a NATS error into store's sentinels, keeping the
// original in the chain. It matches error codes and error values only.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant:
			return fmt.Errorf("%w (%w); reload the graph's head and decide again", store.ErrConflict, err)
		case jetstreamext.JSErrCodeBatchPublishExceedsLimit, jetstream.JSErrCodeStreamMessageExceedsMaximum:
			return fmt.Errorf("%w (%w); split the transaction or shrink its events", store.ErrTooLarge, err)
		case jetstreamext.JSErrCodeBatchPublishIncomplete,
			jetstreamext.JSErrCodeAtomicPublishTooManyInflight,
			jetstreamext.JSErrCodeBatchPublishTooManyInflight,
			jetstream.JSErrCodeJetStreamNotEnabled,
			jetstream.JSErrCodeJetStreamNotEnabledForAccount:
			return unavailable(err)
		case jetstreamext.JSErrCodeBatchPublishNotEnabled:
			return fmt.Errorf("%w (%w)", ErrAtomicPublishUnsupported, err)
		}
		// 503: JetStream is there but cannot serve now (no leader, no
		// quorum, stream recovering).
		if apiErr.Code == 503 {
			return unavailable(err)
		}
		return err
	}
	switch {
	case errors.Is(err, nats.ErrMaxPayload):
		return fmt.Errorf("%w (%w); an event is larger than the server's max payload", store.ErrTooLarge, err)
	case errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, nats.ErrTimeout),
		errors.Is(err, nats.ErrNoResponders),
		errors.Is(err, jetstream.ErrNoStreamResponse),
		errors.Is(err, nats.ErrConnectionClosed),
		errors.Is(err, nats.ErrConnectionDraining),
		errors.Is(err, nats.ErrConnectionReconnecting),
		errors.Is(err, nats.ErrDisconnected),
		errors.Is(err, nats.ErrNoServers),
		errors.Is(err, nats.ErrStaleConnection),
		errors.Is(err, jetstream.ErrConnectionClosed),
		errors.Is(err, jetstream.ErrNoHeartbeat),
		errors.Is(err, jetstream.ErrServerShutdown):
		return unavailable(err)
	}
	return err
}

func unavailable(err error) error {
	return fmt.Errorf("%w (%w); check that NATS is reachable and the streams exist (Open creates them), then retry", store.ErrUnavailable, err)
}
