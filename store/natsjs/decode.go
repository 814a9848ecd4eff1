package natsjs

import (
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// decode turns a stored message of graph graphID into its event, with the
// sequence and recorded time the stream gave it. Bytes that are not an
// Event give a *store.CorruptError.
func decode(graphID, subject string, seq uint64, at time.Time, data []byte) (*messages.Event, error) {
	ev := &messages.Event{}
	if err := proto.Unmarshal(data, ev); err != nil {
		return nil, &store.CorruptError{GraphID: graphID, Subject: subject, Sequence: seq, Err: err}
	}
	ev.Sequence = seq
	ev.RecordedAt = timestamppb.New(at)
	return ev, nil
}
