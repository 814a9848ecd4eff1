package natsjs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/synadia-io/orbit.go/jetstreamext"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Append stores tx as graph tx.GraphId's next transaction after expected;
// see store.Appender. tx is stamped in place (store.Stamp) and, on success,
// completed with the events' sequences (store.Committed).
//
// A transaction of several events is one atomic batch. A transaction of
// one event is one plain publish with the same expected-sequence headers:
// a single message is atomic by itself, and the server stages every atomic
// batch of a file-backed R1 stream in a store of its own on disk, which
// costs milliseconds per batch.
func (l *Log) Append(ctx context.Context, tx *messages.Transaction, expected store.Head) (store.Head, error) {
	if err := store.Stamp(tx, expected, l.cfg.MaxEventsPerTransaction); err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: tx.GetGraphId(), Err: err}
	}
	msgs, err := l.encode(tx, expected)
	if err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: tx.GraphId, Err: err}
	}
	var last uint64
	if len(msgs) == 1 {
		last, err = l.publishOne(ctx, msgs[0])
	} else {
		last, err = l.publishBatch(ctx, msgs)
	}
	if err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: tx.GraphId, Err: err}
	}
	store.Committed(tx, last)
	return store.Head{Version: tx.Version, Sequence: last}, nil
}

// batchFlow skips the ack of the first message that PublishMsgBatch waits
// for by default: the commit's reply decides the batch's fate anyway (a
// batch the server did not take in whole is refused at commit as
// incomplete), and the extra round trip costs every append.
var batchFlow = jetstreamext.BatchFlowControl{AckFirst: false}

func (l *Log) publishBatch(ctx context.Context, msgs []*nats.Msg) (uint64, error) {
	ack, err := jetstreamext.PublishMsgBatch(ctx, l.js, msgs, batchFlow)
	if err != nil {
		return 0, translate(err)
	}
	if ack.Stream != l.cfg.Stream || ack.BatchSize != uint64(len(msgs)) {
		return 0, fmt.Errorf("batch acked by stream %q with %d messages, want stream %q with %d; check that no other stream captures %s",
			ack.Stream, ack.BatchSize, l.cfg.Stream, len(msgs), EventSubjects)
	}
	return ack.Sequence, nil
}

func (l *Log) publishOne(ctx context.Context, msg *nats.Msg) (uint64, error) {
	ack, err := l.js.PublishMsg(ctx, msg)
	if err != nil {
		return 0, translate(err)
	}
	if ack.Stream != l.cfg.Stream {
		return 0, fmt.Errorf("event acked by stream %q, want stream %q; check that no other stream captures %s",
			ack.Stream, l.cfg.Stream, EventSubjects)
	}
	return ack.Sequence, nil
}

// headerRoom bounds the headers a message of a batch carries (batch ID and
// sequence, commit, expected last subject sequence and its subject).
const headerRoom = 512

// encode turns a stamped tx into its messages. The first carries the
// optimistic-concurrency check on all of the graph's subjects: the headers
// jetstreamext.WithBatchExpectLastSequenceForSubject sets. No other header
// is added: the server stores headers with the message and every direct
// get of it pays for them (the ack names the stream instead).
func (l *Log) encode(tx *messages.Transaction, expected store.Head) ([]*nats.Msg, error) {
	limit := l.js.Conn().MaxPayload()
	msgs := make([]*nats.Msg, len(tx.Events))
	for i, ev := range tx.Events {
		subject, err := Subject(tx.GraphId, ev)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		data, err := proto.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode event %d: %w", i, err)
		}
		// Refuse before sending anything, rather than leave the server a
		// half-sent batch to time out.
		if int64(len(data)+len(subject)+headerRoom) > limit {
			return nil, fmt.Errorf("%w: event %d encodes to %d bytes, the server accepts at most %d a message; shrink its properties",
				store.ErrTooLarge, i, len(data), limit)
		}
		msgs[i] = &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	}
	h := msgs[0].Header
	h.Set(jetstream.ExpectedLastSubjSeqSubjHeader, GraphFilter(tx.GraphId))
	h.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expected.Sequence, 10))
	return msgs, nil
}
