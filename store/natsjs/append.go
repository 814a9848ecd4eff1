package natsjs

import (
	"context"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Append stores tx as graph tx.GraphId's next transaction after expected;
// see store.Appender. tx is stamped in place (store.Stamp) and, on success,
// completed with its message's sequence (store.Committed).
//
// The transaction is one message on the graph's literal subject, so it is
// atomic by itself and the server checks the expected sequence on its fast
// path (one subject's last sequence). Its Nats-Msg-Id is
// <graphID>/<transactionID>: a resend within the stream's duplicate window
// is answered with the first ack, which Append reports as
// store.ErrDuplicate.
func (l *Log) Append(ctx context.Context, tx *messages.Transaction, expected store.Head) (store.Head, error) {
	if err := store.Stamp(tx, expected); err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: tx.GetGraphId(), Err: err}
	}
	seq, err := l.publish(ctx, expected, tx)
	if err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: tx.GraphId, Err: err}
	}
	store.Committed(tx, seq)
	return store.Head{Version: tx.Version, Sequence: seq}, nil
}

// AppendGroup stores txs as graph's next transactions after expected, in
// one message; see store.Appender.
func (l *Log) AppendGroup(ctx context.Context, txs []*messages.Transaction, expected store.Head) (store.Head, error) {
	var graphID string
	if len(txs) > 0 {
		graphID = txs[0].GetGraphId()
	}
	if err := store.StampGroup(txs, expected); err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: graphID, Err: err}
	}
	seq, err := l.publish(ctx, expected, txs...)
	if err != nil {
		return store.Head{}, &Error{Op: opAppend, GraphID: graphID, Err: err}
	}
	for _, tx := range txs {
		store.Committed(tx, seq)
	}
	return store.Head{Version: txs[len(txs)-1].Version, Sequence: seq}, nil
}

// publish stores txs, stamped transactions of one graph with consecutive
// versions, as one message after expected, and returns its sequence.
func (l *Log) publish(ctx context.Context, expected store.Head, txs ...*messages.Transaction) (uint64, error) {
	graphID := txs[0].GraphId
	data, err := store.EncodeEntry(txs...)
	if err != nil {
		return 0, fmt.Errorf("encode transaction: %w", err)
	}
	// Refuse before sending anything: the limit is the operator's, and
	// the server's own would only say "maximum payload exceeded".
	if len(data) > l.cfg.MaxTransactionBytes {
		return 0, fmt.Errorf("%w: transaction %q encodes to %d bytes, the limit is %d (--max-transaction-bytes); split it into smaller transactions",
			store.ErrTooLarge, txs[0].TransactionId, len(data), l.cfg.MaxTransactionBytes)
	}
	stream, subject := l.stream(graphID)
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(expected.Sequence, 10))
	if id := txs[0].TransactionId; id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, graphID+"/"+id)
	}
	ack, err := l.js.PublishMsg(ctx, msg)
	if err != nil {
		return 0, translate(err)
	}
	if ack.Stream != stream {
		return 0, fmt.Errorf("transaction acked by stream %q, want stream %q; check that no other stream captures %s",
			ack.Stream, stream, subject)
	}
	if ack.Duplicate {
		return 0, fmt.Errorf("%w: transaction %q is at sequence %d; read the graph's log to learn its version",
			store.ErrDuplicate, txs[0].TransactionId, ack.Sequence)
	}
	return ack.Sequence, nil
}
