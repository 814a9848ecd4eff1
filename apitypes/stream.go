package apitypes

// StreamedTransaction is the data of one event-stream message: a committed
// transaction with its events as GET .../events lists them.
type StreamedTransaction struct {
	Graph         string  `json:"graph"`
	Version       uint64  `json:"version"`
	Sequence      uint64  `json:"sequence"`
	RecordedAt    string  `json:"recorded_at"`
	TransactionID string  `json:"transaction_id"`
	Events        []Event `json:"events"`
}

// StreamEnd is the data of the "end" message a live stream sends before
// the node closes it (it is shutting down).
type StreamEnd struct {
	Reason string `json:"reason"`
}
