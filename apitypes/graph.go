package apitypes

// Node is a node as answered by the API.
type Node struct {
	ID         string         `json:"id"`
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
}

// Edge is an edge as answered by the API.
type Edge struct {
	ID         string         `json:"id"`
	Source     string         `json:"source"`
	Target     string         `json:"target"`
	Type       string         `json:"type"`
	Properties map[string]any `json:"properties"`
}

// Graph is a whole graph; nodes and edges are sorted by ID.
type Graph struct {
	Graph    string `json:"graph"`
	Version  uint64 `json:"version"`
	Sequence uint64 `json:"sequence"`
	// ForkedFrom is where the graph started, when it is a fork.
	ForkedFrom *Lineage `json:"forked_from,omitempty"`
	Nodes      []Node   `json:"nodes"`
	Edges      []Edge   `json:"edges"`
}

// Lineage names the state a fork started from: a graph, its version, and
// the CID of its canonical encoding there. Transactions is how many of the
// fork's first transactions add that state when it took more than one (a
// state larger than a transaction may hold); absent for one.
type Lineage struct {
	Graph        string `json:"graph"`
	Version      uint64 `json:"version"`
	CID          string `json:"cid"`
	Transactions uint64 `json:"transactions,omitempty"`
}

// Neighbor is a node next to the asked one and the edge between them.
// Direction is "out" when the edge leaves the asked node, "in" when it
// arrives.
type Neighbor struct {
	Node      Node   `json:"node"`
	Edge      Edge   `json:"edge"`
	Direction string `json:"direction"`
}

// Neighbors answers GET .../nodes/{node}/neighbors.
type Neighbors struct {
	Graph     string     `json:"graph"`
	Version   uint64     `json:"version"`
	Node      string     `json:"node"`
	Direction string     `json:"direction"`
	Neighbors []Neighbor `json:"neighbors"`
}

// Path answers GET .../algorithms/shortest-path.
type Path struct {
	Graph   string   `json:"graph"`
	Version uint64   `json:"version"`
	Nodes   []string `json:"nodes"`
	Edges   []string `json:"edges"`
	Cost    float64  `json:"cost"`
}

// Components answers GET .../algorithms/components.
type Components struct {
	Graph      string     `json:"graph"`
	Version    uint64     `json:"version"`
	Kind       string     `json:"kind"`
	Components [][]string `json:"components"`
}

// Order answers GET .../algorithms/topological-order.
type Order struct {
	Graph   string   `json:"graph"`
	Version uint64   `json:"version"`
	Order   []string `json:"order"`
}

// GraphList answers GET /v1/graphs. Next is the after= of the next page,
// empty on the last page.
type GraphList struct {
	Graphs []string `json:"graphs"`
	Next   string   `json:"next"`
	// Heads, with ?detail=head: each listed graph's version, sequence and
	// the time of its last change.
	Heads map[string]GraphHead `json:"heads,omitempty"`
}

// GraphHead is where a graph's history ends.
type GraphHead struct {
	Version    uint64 `json:"version"`
	Sequence   uint64 `json:"sequence"`
	RecordedAt string `json:"recorded_at"`
}

// Event is a stored event as listed by GET .../events: its envelope, then
// its type and payload fields as in the POST format (EventData).
type Event struct {
	EventID       string    `json:"event_id"`
	TransactionID string    `json:"transaction_id"`
	Version       uint64    `json:"version"`
	Index         uint32    `json:"index"`
	Count         uint32    `json:"count"`
	Sequence      uint64    `json:"sequence"`
	RecordedAt    string    `json:"recorded_at"`
	Metadata      *Metadata `json:"metadata,omitempty"`
	EventData
}

// Events answers GET .../events. NextAfterVersion is the after_version of
// the next page: the version of the last transaction listed, or the asked
// after_version when none was.
type Events struct {
	Graph            string  `json:"graph"`
	Events           []Event `json:"events"`
	NextAfterVersion uint64  `json:"next_after_version"`
	// NextAfterSequence is the stream sequence of the last transaction
	// listed: passed back as after_sequence (with after_version), the
	// next page reads the log from there, so it costs the page, not the
	// history before it.
	NextAfterSequence uint64 `json:"next_after_sequence"`
}
