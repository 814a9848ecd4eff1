package replay_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// An error that crosses a reply still wraps the sentinel it wrapped, so a
// caller decides with errors.Is as if it had been returned locally.
func TestReplyErrorRoundTripKeepsSentinel(t *testing.T) {
	tests := []struct {
		name     string
		sentinel error
		code     messages.ErrorCode
	}{
		{"graph.ErrInvalidTransaction", graph.ErrInvalidTransaction, messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"graph.ErrInvalidID", graph.ErrInvalidID, messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"graph.ErrInvalidWeight", graph.ErrInvalidWeight, messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"graph.ErrInvalidArgument", graph.ErrInvalidArgument, messages.ErrorCode_ERROR_CODE_INVALID_ARGUMENT},
		{"store.ErrConflict", store.ErrConflict, messages.ErrorCode_ERROR_CODE_CONFLICT},
		{"graph.ErrRejected", graph.ErrRejected, messages.ErrorCode_ERROR_CODE_REJECTED},
		{"graph.ErrNotFound", graph.ErrNotFound, messages.ErrorCode_ERROR_CODE_NOT_FOUND},
		{"store.ErrNotFound", store.ErrNotFound, messages.ErrorCode_ERROR_CODE_NOT_FOUND},
		{"store.ErrTooLarge", store.ErrTooLarge, messages.ErrorCode_ERROR_CODE_TOO_LARGE},
		{"store.ErrUnavailable", store.ErrUnavailable, messages.ErrorCode_ERROR_CODE_UNAVAILABLE},
		{"graph.ErrCycle", graph.ErrCycle, messages.ErrorCode_ERROR_CODE_CYCLE},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := fmt.Errorf("graph g: %w; do something else", tt.sentinel)
			reply := replay.ErrorToReply(orig)
			if reply.GetCode() != tt.code {
				t.Errorf("code %v, want %v", reply.GetCode(), tt.code)
			}
			if reply.GetMessage() != orig.Error() {
				t.Errorf("message %q, want %q", reply.GetMessage(), orig.Error())
			}
			back := replay.ErrorFromReply(reply)
			if !errors.Is(back, tt.sentinel) {
				t.Errorf("errors.Is(%v, %v) is false after the round trip", back, tt.sentinel)
			}
			if back.Error() != orig.Error() {
				t.Errorf("text %q, want %q", back.Error(), orig.Error())
			}
			var re *replay.ReplyError
			if !errors.As(back, &re) || re.Code != tt.code {
				t.Errorf("errors.As ReplyError gives %+v, want code %v", re, tt.code)
			}
			// A second crossing (a grain relaying a reply) keeps it too.
			if again := replay.ErrorFromReply(replay.ErrorToReply(back)); !errors.Is(again, tt.sentinel) {
				t.Errorf("errors.Is after two round trips is false")
			}
		})
	}
}

// Errors a code does not cover become INTERNAL and match no sentinel;
// nil stays nil both ways.
func TestReplyErrorUnknownIsInternal(t *testing.T) {
	orig := errors.New("disk on fire")
	reply := replay.ErrorToReply(orig)
	if reply.GetCode() != messages.ErrorCode_ERROR_CODE_INTERNAL || reply.GetMessage() != "disk on fire" {
		t.Fatalf("reply %v, want INTERNAL with the error's text", reply)
	}
	back := replay.ErrorFromReply(reply)
	for _, s := range []error{graph.ErrInvalidTransaction, graph.ErrInvalidID, graph.ErrInvalidWeight, graph.ErrInvalidArgument, store.ErrConflict, graph.ErrRejected, graph.ErrNotFound,
		store.ErrNotFound, store.ErrTooLarge, store.ErrUnavailable, graph.ErrCycle} {
		if errors.Is(back, s) {
			t.Errorf("internal error matches %v", s)
		}
	}
	if replay.ErrorToReply(nil) != nil || replay.ErrorFromReply(nil) != nil {
		t.Error("nil does not stay nil")
	}
	// A reply without text still reads as an error that names its code.
	if e := replay.ErrorFromReply(&messages.Error{Code: messages.ErrorCode_ERROR_CODE_CONFLICT}); e == nil ||
		e.Error() == "" || !errors.Is(e, store.ErrConflict) {
		t.Errorf("empty-message conflict reply decoded to %v", e)
	}
}
