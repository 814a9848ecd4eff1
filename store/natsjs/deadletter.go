package natsjs

import (
	"context"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a dead letter.
const (
	HeaderOriginalSubject  = "Graphlog-Original-Subject"
	HeaderOriginalSequence = "Graphlog-Original-Sequence"
	HeaderReason           = "Graphlog-Reason"
)

// DeadLetter keeps a message that could not be processed in the dead-letter
// stream, on deadletter.<subject> (deadletter._invalid if subject is not a
// valid literal subject), with the original subject, sequence and reason
// in headers. It returns once the stream has acked it.
func (l *Log) DeadLetter(ctx context.Context, subject string, data []byte, reason string, origSeq uint64) error {
	msg := &nats.Msg{Subject: DeadLetterSubject(subject), Data: data, Header: nats.Header{}}
	msg.Header.Set(HeaderOriginalSubject, headerValue(subject))
	msg.Header.Set(HeaderOriginalSequence, strconv.FormatUint(origSeq, 10))
	msg.Header.Set(HeaderReason, headerValue(reason))
	if _, err := l.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(l.cfg.DeadLetterStream)); err != nil {
		return &Error{Op: opDeadLetter, Err: translate(err)}
	}
	return nil
}

// DeadLetterSubject is where a message from subject is dead-lettered.
func DeadLetterSubject(subject string) string {
	if !literalSubject(subject) {
		return deadLetterPrefix + "_invalid"
	}
	return deadLetterPrefix + subject
}

// literalSubject reports whether s is a subject one can publish to: dot
// separated non-empty tokens without wildcards or white space.
func literalSubject(s string) bool {
	if s == "" {
		return false
	}
	for tok := range strings.SplitSeq(s, ".") {
		if tok == "" || tok == "*" || tok == ">" || strings.ContainsAny(tok, " \t\r\n") {
			return false
		}
	}
	return true
}

// headerValue keeps line breaks, which would end the header, out of v.
func headerValue(v string) string {
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
}
