package apitypes

// Series answers GET .../series: one value of the metric per step, each
// with the version and recorded time of the state it was computed on.
type Series struct {
	Graph  string        `json:"graph"`
	Metric string        `json:"metric"`
	Node   string        `json:"node,omitempty"`
	Points []SeriesValue `json:"points"`
}

// SeriesValue is one point of a series; Value is null for a node metric
// while the node does not exist.
type SeriesValue struct {
	Version uint64 `json:"version"`
	At      string `json:"at,omitempty"`
	Value   any    `json:"value"`
}
