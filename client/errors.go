package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/graphlog/graphlog/apitypes"
)

// Sentinels that errors of the client match with errors.Is. An answer of
// the server is an *Error, which matches the sentinel of its status; a
// failure to reach any server is a *ConnError, which matches
// ErrUnavailable.
var (
	// ErrInvalid: the request is malformed (400 invalid_argument).
	ErrInvalid = errors.New("invalid request")
	// ErrUnauthorized: the request carries no token, or a wrong one (401).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrNotFound: the graph, node or edge does not exist, or never did at
	// the moment asked (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the graph's version is not the expected one, or the
	// transaction ID was used for other events (409 conflict,
	// duplicate_transaction_id).
	ErrConflict = errors.New("conflict")
	// ErrTooLarge: the body or the transaction is over the node's limit
	// (413).
	ErrTooLarge = errors.New("too large")
	// ErrRejected: the graph's rules refused the transaction or the read,
	// and nothing was applied (422 rejected, cycle, limit_exceeded).
	ErrRejected = errors.New("rejected")
	// ErrTooManyStreams: the node or this client has as many live streams
	// open as it allows (429).
	ErrTooManyStreams = errors.New("too many live streams")
	// ErrUnavailable: the node cannot serve now (503), or no server could
	// be reached. Retrying later, or on another node, may succeed.
	ErrUnavailable = errors.New("unavailable")
)

// Error is an error answer of the server.
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the body's code (apitypes.Code…), empty when the answer was
	// not the API's (a proxy's page).
	Code string
	// Message is the server's, which says what is wrong and what to do.
	Message string
	// RequestID is the X-Request-ID of the answer, which the node's log
	// lines of the request carry.
	RequestID string
	// Method and Path are the request's.
	Method, Path string
	// NextFrom, on the error line that ends a replay early, is the version
	// of the last frame sent, from which the same replay goes on.
	NextFrom uint64
}

func (e *Error) Error() string { return e.Message }

// Is matches the sentinel of the answer's status.
func (e *Error) Is(target error) bool {
	switch target {
	case ErrInvalid:
		return e.Status == http.StatusBadRequest
	case ErrUnauthorized:
		return e.Status == http.StatusUnauthorized
	case ErrNotFound:
		return e.Status == http.StatusNotFound
	case ErrConflict:
		return e.Status == http.StatusConflict
	case ErrTooLarge:
		return e.Status == http.StatusRequestEntityTooLarge
	case ErrRejected:
		return e.Status == http.StatusUnprocessableEntity
	case ErrTooManyStreams:
		return e.Status == http.StatusTooManyRequests
	case ErrUnavailable:
		return e.Status == http.StatusServiceUnavailable
	}
	return false
}

// ConnError is a failure of the connection: no server could be connected
// to (Sent is false, and nothing reached a server), or the connection to
// one was lost after the request was sent (Sent is true: the server may
// have acted on it). It matches ErrUnavailable.
type ConnError struct {
	Method, Path string
	// Servers are the servers tried.
	Servers []string
	Sent    bool
	Err     error
}

func (e *ConnError) Error() string {
	if e.Sent {
		return fmt.Sprintf("%s %s: the connection to %s was lost: %v", e.Method, e.Path, strings.Join(e.Servers, ", "), e.Err)
	}
	if len(e.Servers) > 1 {
		return fmt.Sprintf("cannot reach any of %s: %v", strings.Join(e.Servers, ", "), e.Err)
	}
	return fmt.Sprintf("cannot reach %s: %v", strings.Join(e.Servers, ", "), e.Err)
}

func (e *ConnError) Unwrap() error { return e.Err }

// Is matches ErrUnavailable.
func (e *ConnError) Is(target error) bool { return target == ErrUnavailable }

// statuses are the HTTP statuses of the error codes, for errors that come
// inside a stream (a replay's last line, an event stream's error message)
// rather than as an answer's status.
var statuses = map[string]int{
	apitypes.CodeInvalidArgument:        http.StatusBadRequest,
	apitypes.CodeUnauthorized:           http.StatusUnauthorized,
	apitypes.CodeNotFound:               http.StatusNotFound,
	apitypes.CodeMethodNotAllowed:       http.StatusMethodNotAllowed,
	apitypes.CodeConflict:               http.StatusConflict,
	apitypes.CodeDuplicateTransactionID: http.StatusConflict,
	apitypes.CodeTooLarge:               http.StatusRequestEntityTooLarge,
	apitypes.CodeRejected:               http.StatusUnprocessableEntity,
	apitypes.CodeCycle:                  http.StatusUnprocessableEntity,
	apitypes.CodeLimitExceeded:          http.StatusUnprocessableEntity,
	apitypes.CodeTooManyStreams:         http.StatusTooManyRequests,
	apitypes.CodeInternal:               http.StatusInternalServerError,
	apitypes.CodeUnavailable:            http.StatusServiceUnavailable,
	apitypes.CodeStorageFull:            http.StatusInsufficientStorage,
}

// streamError is an error that came inside a stream.
func streamError(method, path, code, msg string) *Error {
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	return &Error{Status: status, Code: code, Message: msg, Method: method, Path: path}
}
