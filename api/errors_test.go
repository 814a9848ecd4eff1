package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

func errorsInvalidWeight() error { return graph.ErrInvalidWeight }

func TestClassify(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("cluster: graph g: %w", err) }
	tests := []struct {
		err    error
		status int
		code   string
	}{
		{wrap(graph.ErrInvalidID), 400, CodeInvalidArgument},
		{wrap(graph.ErrInvalidTransaction), 400, CodeInvalidArgument},
		{wrap(graph.ErrInvalidWeight), 400, CodeInvalidArgument},
		{wrap(ErrInvalidRequest), 400, CodeInvalidArgument},
		{wrap(store.ErrConflict), 409, CodeConflict},
		{wrap(store.ErrDuplicateTransactionID), 409, CodeDuplicateTransactionID},
		{wrap(graph.ErrRejected), 422, CodeRejected},
		{wrap(graph.ErrCycle), 422, CodeCycle},
		{wrap(graph.ErrNotFound), 404, CodeNotFound},
		{wrap(store.ErrNotFound), 404, CodeNotFound},
		{wrap(store.ErrTooLarge), 413, CodeTooLarge},
		{wrap(&http.MaxBytesError{Limit: 10}), 413, CodeTooLarge},
		{wrap(graph.ErrLimit), 422, CodeLimitExceeded},
		{wrap(errTooManyStreams), 429, CodeTooManyStreams},
		{wrap(store.ErrStorageFull), 507, CodeStorageFull},
		{wrap(store.ErrUnavailable), 503, CodeUnavailable},
		{wrap(context.DeadlineExceeded), 503, CodeUnavailable},
		{wrap(context.Canceled), 503, CodeUnavailable},
		{wrap(errMethodNotAllowed), 405, CodeMethodNotAllowed},
		{wrap(errNoRoute), 404, CodeNotFound},
		{wrap(store.ErrCorrupt), 500, CodeInternal},
		{wrap(graph.ErrOutOfOrder), 500, CodeInternal},
		{errors.New("anything else"), 500, CodeInternal},
		// A cycle reported as a rejection is still a cycle.
		{fmt.Errorf("%w: %w", graph.ErrRejected, graph.ErrCycle), 422, CodeCycle},
		// Errors from a grain's reply value.
		{replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_INTERNAL}), 500, CodeInternal},
		{replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_CYCLE, Message: "cycle a b"}), 422, CodeCycle},
		{replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_TOO_LARGE}), 413, CodeTooLarge},
		{replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_DUPLICATE_TRANSACTION_ID}), 409, CodeDuplicateTransactionID},
		{replyError(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_LIMIT_EXCEEDED}), 422, CodeLimitExceeded},
	}
	for _, tt := range tests {
		status, code := classify(tt.err)
		if status != tt.status || code != tt.code {
			t.Errorf("classify(%v) = %d %s, want %d %s", tt.err, status, code, tt.status, tt.code)
		}
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("%w: node x", graph.ErrNotFound), "not found: node x"},
		{fmt.Errorf("%w: graph g is at 3", store.ErrConflict), "graph g is at 3; read the graph's current version and retry with it as expected_version"},
		{&http.MaxBytesError{Limit: 99}, "request body is larger than 99 bytes; split the transaction"},
		{fmt.Errorf("%w: nats: timeout on 10.0.0.1", store.ErrUnavailable), "the event log is unavailable or did not answer in time; retry later"},
		{errors.New("db password is hunter2"), "internal error; retry, and if it persists report request ID req-9"},
	}
	for _, tt := range tests {
		_, code := classify(tt.err)
		got := errorMessage(tt.err, code, "req-9")
		if !strings.Contains(got, tt.want) {
			t.Errorf("errorMessage(%v) = %q, want it to contain %q", tt.err, got, tt.want)
		}
		if strings.Contains(got, "hunter2") || strings.Contains(got, "10.0.0.1") {
			t.Errorf("errorMessage(%v) = %q leaks a detail", tt.err, got)
		}
	}
}

// The API spells every code of the one table (replay.Codes) with a
// constant of its own, and every reply code has a row there.
func TestCodesCoverTheTable(t *testing.T) {
	spelled := map[string]bool{CodeInvalidArgument: true, CodeNotFound: true, CodeConflict: true, CodeDuplicateTransactionID: true,
		CodeRejected: true, CodeCycle: true, CodeTooLarge: true, CodeUnavailable: true, CodeLimitExceeded: true, CodeStorageFull: true}
	rows := map[messages.ErrorCode]bool{}
	for _, c := range replay.Codes {
		if !spelled[c.Name] {
			t.Errorf("replay code %q has no API constant", c.Name)
		}
		rows[c.Reply] = true
	}
	for code := range messages.ErrorCode_name {
		c := messages.ErrorCode(code)
		if c != messages.ErrorCode_ERROR_CODE_UNSPECIFIED && c != messages.ErrorCode_ERROR_CODE_INTERNAL && !rows[c] {
			t.Errorf("reply code %s has no row in replay.Codes", c)
		}
	}
}
