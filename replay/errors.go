package replay

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Code is one kind of failure a request can meet, named the same however
// it travels: as the sentinel errors that decide it (errors.Is), as the
// code of a grain's reply (replies cross the actor remote, where Go errors
// do not travel), and as the HTTP status and code of the API's answer.
// Codes is the one table of them, so that no two layers can disagree.
type Code struct {
	Reply     messages.ErrorCode
	Status    int    // HTTP status
	Name      string // the API's "code"
	Sentinels []error
}

// Codes, in the order they are judged: an error that wraps the sentinels
// of two codes is the first one's (a large transaction is too large before
// it is anything else).
var Codes = []Code{
	{messages.ErrorCode_ERROR_CODE_TOO_LARGE, http.StatusRequestEntityTooLarge, "too_large", []error{store.ErrTooLarge}},
	{messages.ErrorCode_ERROR_CODE_CYCLE, http.StatusUnprocessableEntity, "cycle", []error{graph.ErrCycle}},
	{messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT, http.StatusBadRequest, "invalid_argument",
		[]error{graph.ErrInvalidTransaction, graph.ErrInvalidID, graph.ErrInvalidWeight, graph.ErrInvalidArgument}},
	{messages.ErrorCode_ERROR_CODE_DUPLICATE_TRANSACTION_ID, http.StatusConflict, "duplicate_transaction_id", []error{store.ErrDuplicateTransactionID}},
	{messages.ErrorCode_ERROR_CODE_CONFLICT, http.StatusConflict, "conflict", []error{store.ErrConflict}},
	{messages.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED, http.StatusUnprocessableEntity, "limit_exceeded", []error{graph.ErrLimit}},
	{messages.ErrorCode_ERROR_CODE_REJECTED, http.StatusUnprocessableEntity, "rejected", []error{graph.ErrRejected}},
	{messages.ErrorCode_ERROR_CODE_NOT_FOUND, http.StatusNotFound, "not_found", []error{graph.ErrNotFound, store.ErrNotFound}},
	{messages.ErrorCode_ERROR_CODE_STORAGE_FULL, http.StatusInsufficientStorage, "storage_full", []error{store.ErrStorageFull}},
	{messages.ErrorCode_ERROR_CODE_UNAVAILABLE, http.StatusServiceUnavailable, "unavailable", []error{store.ErrUnavailable, context.DeadlineExceeded}},
}

// CodeOf returns the code of err: the first of Codes one of whose
// sentinels err wraps; ok is false for an error of none (an internal one).
func CodeOf(err error) (c Code, ok bool) {
	for _, c := range Codes {
		for _, s := range c.Sentinels {
			if errors.Is(err, s) {
				return c, true
			}
		}
	}
	return Code{}, false
}

// ErrorToReply encodes err for a reply; nil stays nil.
func ErrorToReply(err error) *messages.Error {
	if err == nil {
		return nil
	}
	code := messages.ErrorCode_ERROR_CODE_INTERNAL
	if c, ok := CodeOf(err); ok {
		code = c.Reply
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
	for _, c := range Codes {
		if c.Reply == e.Code {
			return c.Sentinels
		}
	}
	return nil
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
