package apitypes

// Comparison answers GET .../compare: how the answer of one read changed
// between two moments of the graph. Changes follows the rules of
// docs/ARCHITECTURE.md, "How an answer changed": only what differs, lists
// of IDs as added and removed, groups of nodes (components, communities)
// as the nodes that joined and left each, per-node results (scores,
// cores) matched by node. Before and After are the two answers whole,
// when asked for with answers=true.
type Comparison struct {
	Graph string `json:"graph"`
	Query string `json:"query"`
	// BeforeVersion and AfterVersion are the versions the two moments
	// resolved to.
	BeforeVersion uint64 `json:"before_version"`
	AfterVersion  uint64 `json:"after_version"`
	Changed       bool   `json:"changed"`
	Changes       any    `json:"changes"`
	Before        any    `json:"before,omitempty"`
	After         any    `json:"after,omitempty"`
}
