package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Codes of the error body. Each has one HTTP status (see the table in
// doc.go); cycle and rejected share 422.
const (
	CodeInvalidArgument  = "invalid_argument"
	CodeNotFound         = "not_found"
	CodeConflict         = "conflict"
	CodeRejected         = "rejected"
	CodeCycle            = "cycle"
	CodeTooLarge         = "too_large"
	CodeUnavailable      = "unavailable"
	CodeInternal         = "internal"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeUnauthorized     = "unauthorized"
)

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	// Error says what is wrong and what to do.
	Error string `json:"error"`
	// Code is one of the Code constants.
	Code string `json:"code"`
}

// ErrInvalidRequest: a query parameter, path value or body of a request is
// malformed. Answered 400 invalid_argument.
var ErrInvalidRequest = errors.New("invalid request")

var (
	errNoRoute          = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed")
	errNotServed        = errors.New("not served by this node")
	errUnauthorized     = errors.New("unauthorized")
)

// classify is the one mapping from Go errors to HTTP status and code. It
// decides with errors.Is and errors.As only, never by message text. The
// order matters where one error could wrap two sentinels: the more specific
// answer comes first.
func classify(err error) (status int, code string) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, store.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case errors.Is(err, graph.ErrCycle):
		return http.StatusUnprocessableEntity, CodeCycle
	case errors.Is(err, graph.ErrInvalidID),
		errors.Is(err, graph.ErrInvalidTransaction),
		errors.Is(err, graph.ErrInvalidWeight),
		errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, CodeInvalidArgument
	case errors.Is(err, store.ErrConflict):
		return http.StatusConflict, CodeConflict
	case errors.Is(err, graph.ErrRejected):
		return http.StatusUnprocessableEntity, CodeRejected
	case errors.Is(err, graph.ErrNotFound), errors.Is(err, store.ErrNotFound), errors.Is(err, errNoRoute):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, CodeUnauthorized
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed, CodeMethodNotAllowed
	case errors.Is(err, store.ErrUnavailable),
		errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, context.Canceled), // the client left; nobody reads the answer
		errors.Is(err, errNotServed):
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	return http.StatusInternalServerError, CodeInternal
}

// errorMessage is what the client reads: the error's own text (which names
// the field and the problem) plus what to do. Server-side failures get a
// fixed text; their detail goes to the log only.
func errorMessage(err error, code, requestID string) string {
	switch code {
	case CodeInternal:
		return fmt.Sprintf("internal error; retry, and if it persists report request ID %s", requestID)
	case CodeUnavailable:
		switch {
		case errors.Is(err, errNotServed):
			return err.Error()
		case errors.Is(err, context.DeadlineExceeded):
			return "the request did not finish in time; retry later"
		case errors.Is(err, context.Canceled):
			return "the request was canceled"
		}
		return "the event log is unavailable or did not answer in time; retry later"
	case CodeConflict:
		return err.Error() + "; read the graph's current version and retry with it as expected_version"
	case CodeRejected:
		return err.Error() + "; nothing was applied"
	case CodeCycle:
		return err.Error() + "; a graph with a cycle has no topological order (components?kind=strong shows the cycles)"
	case CodeTooLarge:
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fmt.Sprintf("request body is larger than %d bytes; split the transaction into smaller ones", tooBig.Limit)
		}
		return err.Error() + "; split the transaction into smaller ones"
	}
	return err.Error()
}

// grainError is an error a grain replied with as a value. It wraps the
// sentinel of its code, so classify treats it as if it had been returned
// in-process. (The cluster client normally does this already; the API does
// not rely on it.)
type grainError struct {
	code    messages.ErrorCode
	message string
}

func (e *grainError) Error() string { return e.message }

func (e *grainError) Unwrap() error {
	switch e.code {
	case messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT:
		return graph.ErrInvalidTransaction
	case messages.ErrorCode_ERROR_CODE_CONFLICT:
		return store.ErrConflict
	case messages.ErrorCode_ERROR_CODE_REJECTED:
		return graph.ErrRejected
	case messages.ErrorCode_ERROR_CODE_NOT_FOUND:
		return graph.ErrNotFound
	case messages.ErrorCode_ERROR_CODE_TOO_LARGE:
		return store.ErrTooLarge
	case messages.ErrorCode_ERROR_CODE_UNAVAILABLE:
		return store.ErrUnavailable
	case messages.ErrorCode_ERROR_CODE_CYCLE:
		return graph.ErrCycle
	}
	return nil // internal or unknown: answered 500
}

// replyError turns a reply's error value into an error; nil stays nil.
func replyError(e *messages.Error) error {
	if e == nil {
		return nil
	}
	msg := e.GetMessage()
	if msg == "" {
		msg = fmt.Sprintf("grain replied with %s", e.GetCode())
	}
	return &grainError{code: e.GetCode(), message: msg}
}
