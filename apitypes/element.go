package apitypes

// ElementHistory answers GET .../nodes/{node}/history and
// .../edges/{edge}/history: a page of the transactions that added,
// changed or removed the element, oldest first, read at the graph's
// Version. NextAfter is the after= of the next page, 0 on the last.
type ElementHistory struct {
	Graph     string           `json:"graph"`
	Version   uint64           `json:"version"`
	Kind      string           `json:"kind"`
	ID        string           `json:"id"`
	Changes   []ElementVersion `json:"changes"`
	NextAfter uint64           `json:"next_after,omitempty"`
}

// ElementVersion is what one transaction did to the element: Change is
// added, updated, removed, replaced (removed and added again), transient
// (added and removed again) or unchanged; Type, and an edge's Source and
// Target, are the element's after the transaction (before it, when it
// removed the element); Properties are the values that differ.
type ElementVersion struct {
	Version       uint64           `json:"version"`
	Sequence      uint64           `json:"sequence"`
	RecordedAt    string           `json:"recorded_at"`
	TransactionID string           `json:"transaction_id"`
	Metadata      *Metadata        `json:"metadata,omitempty"`
	Change        string           `json:"change"`
	Type          string           `json:"type,omitempty"`
	Source        string           `json:"source,omitempty"`
	Target        string           `json:"target,omitempty"`
	Properties    []PropertyChange `json:"properties"`
}
