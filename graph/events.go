package graph

import (
	"github.com/graphlog/graphlog/messages"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// The event types are the payloads of messages.Event, the one place they
// are listed: EventTypes, EventFields and EventType read them from the
// schema, and the HTTP decoder, the readers of the log and the viewer's
// model follow them (their tests check it), so a new type is added to the
// schema and to the fold, nowhere else by hand.

// payloadOneof describes Event's payload oneof, whose message names are the
// event types.
var payloadOneof = (&messages.Event{}).ProtoReflect().Descriptor().Oneofs().ByName("payload")

// EventTypes are the names of the event types ("NodeAdded" …), in the
// order of their fields in the schema.
var EventTypes = func() []string {
	fields := payloadOneof.Fields()
	names := make([]string, fields.Len())
	for i := range names {
		names[i] = string(fields.Get(i).Message().Name())
	}
	return names
}()

// EventFields returns the fields of event type typ's payload by their
// schema names (node_id, properties …), which are also their JSON names;
// ok is false for a name that is no event type.
func EventFields(typ string) (fields []string, ok bool) {
	for i := range payloadOneof.Fields().Len() {
		m := payloadOneof.Fields().Get(i).Message()
		if string(m.Name()) != typ {
			continue
		}
		for j := range m.Fields().Len() {
			fields = append(fields, string(m.Fields().Get(j).Name()))
		}
		return fields, true
	}
	return nil, false
}

// EventType names ev's payload ("NodeAdded" …); "" when it has none.
func EventType(ev *messages.Event) string {
	fd := ev.ProtoReflect().WhichOneof(payloadOneof)
	if fd == nil || fd.Kind() != protoreflect.MessageKind {
		return ""
	}
	return string(fd.Message().Name())
}
