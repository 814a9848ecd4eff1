package apitypes

// EarliestArrival answers GET .../temporal/earliest-arrival: when each node
// first became reachable from Source by a time-respecting path within the
// window, in that order, and with a target the path to it (empty when it
// was never reached).
type EarliestArrival struct {
	Graph     string        `json:"graph"`
	Source    string        `json:"source"`
	ToVersion uint64        `json:"to_version"`
	Arrivals  []ArrivalJSON `json:"arrivals"`
	Target    string        `json:"target,omitempty"`
	Path      []ArrivalJSON `json:"path,omitempty"`
}

// ArrivalJSON is one node's arrival: the version and recorded time of the
// state that reached it, and the edge from the node it came from.
type ArrivalJSON struct {
	Node    string `json:"node"`
	Version uint64 `json:"version"`
	At      string `json:"at"`
	Edge    string `json:"edge,omitempty"`
	From    string `json:"from,omitempty"`
}
