package natsjs

import (
	"time"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// decode turns a stored message of graph graphID into its transactions
// (store.DecodeEntry), with the sequence and recorded time the stream
// gave it. Bytes that are not an entry give a *store.CorruptError.
func decode(graphID, subject string, seq uint64, at time.Time, data []byte) ([]*messages.Transaction, error) {
	return store.DecodeEntry(graphID, subject, seq, at, data)
}
