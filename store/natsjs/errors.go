package natsjs

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

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

// ErrLegacyLog: the server holds a log of an earlier format, which this
// version neither reads nor writes; `node migrate` converts it.
var ErrLegacyLog = errors.New("the log is of an earlier format")

// ErrPartitionMismatch: the log was created with another partition count.
var ErrPartitionMismatch = errors.New("the log has another partition count")

// PartitionMismatchError says which partition count the log has. It wraps
// ErrPartitionMismatch.
type PartitionMismatchError struct {
	Stream     string
	Log, Asked int
}

func (e *PartitionMismatchError) Error() string {
	return fmt.Sprintf("the log in streams %s-* was created with %d partitions, this node was started with %d; start it with --partitions %d (the count is fixed when the log is created)",
		e.Stream, e.Log, e.Asked, e.Log)
}

func (e *PartitionMismatchError) Unwrap() error { return ErrPartitionMismatch }

// translate classifies a NATS error into store's sentinels, keeping the
// original in the chain. It matches error codes and error values only.
// JetStream's error codes for a full storage: the server's limit
// (max_file_store, or the disk) or the account's.
const (
	jsErrAccountResourcesExceeded jetstream.ErrorCode = 10002
	jsErrInsufficientResources    jetstream.ErrorCode = 10023
	jsErrStorageResourcesExceeded jetstream.ErrorCode = 10047
)

func translate(err error) error {
	if err == nil {
		return nil
	}
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case jetstream.JSErrCodeStreamWrongLastSequence, jetstream.JSErrCodeStreamWrongLastSequenceConstant:
			return fmt.Errorf("%w (%w); reload the graph's head and decide again", store.ErrConflict, err)
		case jetstream.JSErrCodeStreamMessageExceedsMaximum:
			return fmt.Errorf("%w (%w); split the transaction or shrink its events", store.ErrTooLarge, err)
		case jetstream.JSErrCodeJetStreamNotEnabled,
			jetstream.JSErrCodeJetStreamNotEnabledForAccount:
			return unavailable(err)
		case jsErrInsufficientResources, jsErrStorageResourcesExceeded, jsErrAccountResourcesExceeded:
			return fmt.Errorf("%w (%w)", store.ErrStorageFull, err)
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
		return fmt.Errorf("%w (%w); the transaction is larger than the server's max payload", store.ErrTooLarge, err)
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
