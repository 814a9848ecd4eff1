package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
)

// ErrInvalidRequest: a query parameter, path value or body of a request is
// malformed. Answered 400 invalid_argument.
var ErrInvalidRequest = errors.New("invalid request")

var (
	errNoRoute          = errors.New("no such route")
	errMethodNotAllowed = errors.New("method not allowed")
	errNotServed        = errors.New("not served by this node")
	errUnauthorized     = errors.New("unauthorized")
	errTooManyStreams   = errors.New("too many live streams")
)

// classify maps Go errors to HTTP status and code: the HTTP layer's own
// errors here, the graphs' by the one table of them (replay.Codes). It
// decides with errors.Is and errors.As only, never by message text.
func classify(err error) (status int, code string) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, CodeInvalidArgument
	case errors.Is(err, errNoRoute):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized, CodeUnauthorized
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed, CodeMethodNotAllowed
	case errors.Is(err, errTooManyStreams):
		return http.StatusTooManyRequests, CodeTooManyStreams
	case errors.Is(err, context.Canceled), // the client left; nobody reads the answer
		errors.Is(err, errNotServed):
		return http.StatusServiceUnavailable, CodeUnavailable
	}
	if c, ok := replay.CodeOf(err); ok {
		return c.Status, c.Name
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
	case CodeStorageFull:
		return "the event log's storage is full; nothing was stored. Free disk space on the NATS servers or raise their JetStream storage limit (max_file_store; --nats-max-storage for the embedded server), then retry"
	case CodeConflict:
		return err.Error() + "; read the graph's current version and retry with it as expected_version"
	case CodeDuplicateTransactionID:
		return err.Error() + "; nothing was applied"
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

// replyError turns a reply's error value into an error that wraps the
// sentinels of its code; nil stays nil.
func replyError(e *messages.Error) error { return replay.ErrorFromReply(e) }
