package actors

import (
	"context"
	"errors"
	"fmt"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Replies cross the actor remote, where Go errors do not travel, so a grain
// turns its error into a messages.Error and the caller turns it back into an
// error that wraps the same sentinel. Both directions live here, in one
// table, so they cannot drift apart.

var codeSentinels = []struct {
	code messages.ErrorCode
	err  error
}{
	{messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, graph.ErrInvalidTransaction},
	{messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, graph.ErrInvalidID},
	{messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, graph.ErrInvalidWeight},
	{messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, graph.ErrInvalidArgument},
	{messages.ErrorCode_ERROR_CODE_DUPLICATE_TRANSACTION_ID, store.ErrDuplicateTransactionID},
	{messages.ErrorCode_ERROR_CODE_CONFLICT, store.ErrConflict},
	{messages.ErrorCode_ERROR_CODE_REJECTED, graph.ErrRejected},
	{messages.ErrorCode_ERROR_CODE_NOT_FOUND, graph.ErrNotFound},
	{messages.ErrorCode_ERROR_CODE_NOT_FOUND, store.ErrNotFound},
	{messages.ErrorCode_ERROR_CODE_TOO_LARGE, store.ErrTooLarge},
	{messages.ErrorCode_ERROR_CODE_UNAVAILABLE, store.ErrUnavailable},
	{messages.ErrorCode_ERROR_CODE_UNAVAILABLE, context.DeadlineExceeded},
	{messages.ErrorCode_ERROR_CODE_CYCLE, graph.ErrCycle},
}

// ErrorToReply encodes err for a reply; nil stays nil.
func ErrorToReply(err error) *messages.Error {
	if err == nil {
		return nil
	}
	code := messages.ErrorCode_ERROR_CODE_INTERNAL
	for _, cs := range codeSentinels {
		if errors.Is(err, cs.err) {
			code = cs.code
			break
		}
	}
	return &messages.Error{Code: code, Message: err.Error()}
}

// ReplyError is an error a grain replied with. It wraps the sentinels of its
// code, so callers use errors.Is as if the error had been returned locally.
type ReplyError struct {
	Code    messages.ErrorCode
	Message string
}

func (e *ReplyError) Error() string { return e.Message }

// Unwrap returns every sentinel of the code: only the code crosses the
// wire, and several sentinels share one (graph.ErrInvalidID and
// graph.ErrInvalidTransaction, graph.ErrNotFound and store.ErrNotFound …),
// so the reply matches each sentinel that could have given it.
func (e *ReplyError) Unwrap() []error {
	var errs []error
	for _, cs := range codeSentinels {
		if cs.code == e.Code {
			errs = append(errs, cs.err)
		}
	}
	return errs
}

// ErrorFromReply decodes a reply's error; nil stays nil.
func ErrorFromReply(e *messages.Error) error {
	if e == nil {
		return nil
	}
	msg := e.GetMessage()
	if msg == "" {
		msg = fmt.Sprintf("grain replied with %s", e.GetCode())
	}
	return &ReplyError{Code: e.GetCode(), Message: msg}
}
