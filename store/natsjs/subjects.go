package natsjs

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Subjects of the streams.
const (
	// EventSubjects are the events stream's subjects.
	EventSubjects = subjectPrefix + ">"
	// DeadLetterSubjects are the dead-letter stream's subjects.
	DeadLetterSubjects = deadLetterPrefix + ">"

	subjectPrefix    = "event.store."
	deadLetterPrefix = "deadletter."
)

// payloadOneof describes Event's payload oneof, whose message names are the
// event types.
var payloadOneof = (&messages.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")

// EventType is the name of ev's payload message (NodeAdded, EdgeRemoved,
// …): the last token of the event's subject.
func EventType(ev *messages.Event) (string, error) {
	fd := ev.ProtoReflect().WhichOneof(payloadOneof)
	if fd == nil || fd.Kind() != protoreflect.MessageKind {
		return "", fmt.Errorf("%w: event has no payload; set one of node_added … edge_removed", graph.ErrInvalidTransaction)
	}
	return string(fd.Message().Name()), nil
}

// Subject is the subject event ev of graph graphID is stored on:
// event.store.<graphID>.<EventType>.
func Subject(graphID string, ev *messages.Event) (string, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return "", err
	}
	typ, err := EventType(ev)
	if err != nil {
		return "", err
	}
	return subjectPrefix + graphID + "." + typ, nil
}

// GraphFilter is the filter matching every subject of graph graphID:
// event.store.<graphID>.>. graphID must be valid (graph.ValidateGraphID),
// or the filter may match other graphs or none.
func GraphFilter(graphID string) string {
	return subjectPrefix + graphID + ".>"
}

// GraphIDFromSubject returns the graph ID of an event subject
// event.store.<graphID>.<EventType>. A subject of another shape, or with an
// invalid graph ID, is an error wrapping graph.ErrInvalidID.
func GraphIDFromSubject(subject string) (string, error) {
	rest, ok := strings.CutPrefix(subject, subjectPrefix)
	if !ok {
		return "", fmt.Errorf("%w: subject %q is not an event subject (%s<graph>.<EventType>)", graph.ErrInvalidID, subject, subjectPrefix)
	}
	id, typ, ok := strings.Cut(rest, ".")
	if !ok || typ == "" || strings.Contains(typ, ".") {
		return "", fmt.Errorf("%w: subject %q is not an event subject (%s<graph>.<EventType>)", graph.ErrInvalidID, subject, subjectPrefix)
	}
	if err := graph.ValidateGraphID(id); err != nil {
		return "", fmt.Errorf("subject %q: %w", subject, err)
	}
	return id, nil
}
