package apitypes

// Event types, as written in the "type" field.
const (
	EventNodeAdded   = "NodeAdded"
	EventNodeUpdated = "NodeUpdated"
	EventNodeRemoved = "NodeRemoved"
	EventEdgeAdded   = "EdgeAdded"
	EventEdgeUpdated = "EdgeUpdated"
	EventEdgeRemoved = "EdgeRemoved"
)

// TransactionRequest is the body of POST /v1/graphs/{graph}/transactions.
// Clients may build and marshal it; the server decodes bodies with
// DecodeTransaction, which is stricter than encoding/json.
type TransactionRequest struct {
	// ExpectedVersion, when set, is the version the client believes the
	// graph has; 0 means the graph must have no events yet.
	ExpectedVersion *uint64 `json:"expected_version,omitempty"`
	// TransactionID is stamped by the server when empty.
	TransactionID string      `json:"transaction_id,omitempty"`
	Metadata      *Metadata   `json:"metadata,omitempty"`
	Events        []EventData `json:"events"`
}

// Metadata travels with every event of a transaction.
type Metadata struct {
	CorrelationID string `json:"correlation_id,omitempty"`
	CausationID   string `json:"causation_id,omitempty"`
	Author        string `json:"author,omitempty"`
}

// EventData is an event's type, optional time and payload, as POSTed and as
// listed by GET .../events. Which payload fields an event takes depends on
// its type:
//
//	NodeAdded    node_id, node_type, properties
//	NodeUpdated  node_id, set, unset
//	NodeRemoved  node_id
//	EdgeAdded    edge_id, source_id, target_id, edge_type, properties
//	EdgeUpdated  edge_id, set, unset
//	EdgeRemoved  edge_id
//
// Empty fields are left out when encoding.
type EventData struct {
	Type string `json:"type"`
	// OccurredAt is an optional RFC 3339 time supplied by the client.
	OccurredAt string         `json:"occurred_at,omitempty"`
	NodeID     string         `json:"node_id,omitempty"`
	NodeType   string         `json:"node_type,omitempty"`
	EdgeID     string         `json:"edge_id,omitempty"`
	SourceID   string         `json:"source_id,omitempty"`
	TargetID   string         `json:"target_id,omitempty"`
	EdgeType   string         `json:"edge_type,omitempty"`
	Properties map[string]any `json:"properties,omitempty"`
	Set        map[string]any `json:"set,omitempty"`
	Unset      []string       `json:"unset,omitempty"`
}

// SubmitResult is the answer to a committed transaction.
type SubmitResult struct {
	Graph    string `json:"graph"`
	Version  uint64 `json:"version"`
	Sequence uint64 `json:"sequence"`
	Events   int    `json:"events"`
}
