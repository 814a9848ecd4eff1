package apitypes

// ForkRequest is the body of POST /v1/graphs/{graph}/fork: the new
// graph's ID and the moment of the source to start from (a version, or an
// RFC 3339 time as_of; neither: the present).
type ForkRequest struct {
	Into          string    `json:"into"`
	Version       uint64    `json:"version,omitempty"`
	AsOf          string    `json:"as_of,omitempty"`
	TransactionID string    `json:"transaction_id,omitempty"`
	Metadata      *Metadata `json:"metadata,omitempty"`
}

// ForkResult answers a fork: the new graph, at version 1, and where it
// started.
type ForkResult struct {
	Graph      string  `json:"graph"`
	Version    uint64  `json:"version"`
	Sequence   uint64  `json:"sequence"`
	Events     int     `json:"events"`
	ForkedFrom Lineage `json:"forked_from"`
}
