package store

import (
	"fmt"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/messages"
)

// EncodeEntry is the body of the log message that stores txs, stamped
// transactions of one graph with consecutive versions: a
// messages.LogEntry whose events keep only what a reader cannot fill in
// (event ID, occurred time, metadata, payload). Every implementation of
// Appender stores this, so that every reader decodes alike (DecodeEntry).
func EncodeEntry(txs ...*messages.Transaction) ([]byte, error) {
	entry := &messages.LogEntry{Transactions: make([]*messages.Transaction, len(txs))}
	for i, tx := range txs {
		stored := &messages.Transaction{TransactionId: tx.TransactionId, GraphId: tx.GraphId, Version: tx.Version,
			Events: make([]*messages.Event, len(tx.Events))}
		if tx.RecordedAt != nil {
			stored.RecordedAt = tx.RecordedAt // carried only by converted transactions
		}
		for j, ev := range tx.Events {
			stored.Events[j] = &messages.Event{EventId: ev.EventId, OccurredAt: ev.OccurredAt, Metadata: ev.Metadata, Payload: ev.Payload}
		}
		entry.Transactions[i] = stored
	}
	return proto.Marshal(entry)
}

// DecodeEntry rebuilds the committed transactions of the log message
// stored at sequence seq at time at on graph graphID's subject: each with
// its version, sequence and recorded time, and its events with their
// whole envelope. Bytes that are not an entry of graphID's, or whose
// transactions are not of consecutive versions, give a *CorruptError,
// because no fold could apply them.
func DecodeEntry(graphID, subject string, seq uint64, at time.Time, data []byte) ([]*messages.Transaction, error) {
	corrupt := func(err error) ([]*messages.Transaction, error) {
		return nil, &CorruptError{GraphID: graphID, Subject: subject, Sequence: seq, Err: err}
	}
	var entry messages.LogEntry
	if err := proto.Unmarshal(data, &entry); err != nil {
		return corrupt(err)
	}
	txs := entry.Transactions
	if len(txs) == 0 {
		return corrupt(fmt.Errorf("the message holds no transaction"))
	}
	recorded := timestamppb.New(at)
	for i, tx := range txs {
		switch {
		case tx.GraphId != graphID:
			return corrupt(fmt.Errorf("transaction %d names graph %q but was stored on graph %q's subject", i, tx.GraphId, graphID))
		case tx.Version == 0:
			return corrupt(fmt.Errorf("transaction %d has no version", i))
		case i > 0 && tx.Version != txs[i-1].Version+1:
			return corrupt(fmt.Errorf("transaction %d has version %d after version %d", i, tx.Version, txs[i-1].Version))
		}
		tx.Sequence = seq
		if tx.RecordedAt == nil {
			tx.RecordedAt = recorded
		}
		n := uint32(len(tx.Events))
		for j, ev := range tx.Events {
			if ev == nil {
				return corrupt(fmt.Errorf("transaction %d has a nil event", i))
			}
			ev.GraphId, ev.TransactionId, ev.Version = graphID, tx.TransactionId, tx.Version
			ev.Index, ev.Count = uint32(j), n
			ev.Sequence, ev.RecordedAt = seq, tx.RecordedAt
		}
	}
	return txs, nil
}
