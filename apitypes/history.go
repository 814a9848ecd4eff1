package apitypes

// Diff answers GET .../diff.
type Diff struct {
	Graph       string      `json:"graph"`
	FromVersion uint64      `json:"from_version"`
	ToVersion   uint64      `json:"to_version"`
	Nodes       NodeChanges `json:"nodes"`
	Edges       EdgeChanges `json:"edges"`
}

// NodeChanges are the nodes added, removed and changed between two moments.
type NodeChanges struct {
	Added   []Node          `json:"added"`
	Removed []Node          `json:"removed"`
	Changed []ElementChange `json:"changed"`
}

// EdgeChanges are the edges added, removed and changed between two moments.
type EdgeChanges struct {
	Added   []Edge          `json:"added"`
	Removed []Edge          `json:"removed"`
	Changed []ElementChange `json:"changed"`
}

// ElementChange lists the property changes of one node or edge.
type ElementChange struct {
	ID         string           `json:"id"`
	Properties []PropertyChange `json:"properties"`
}

// PropertyChange is one property's value before and after; a side where
// the property does not exist is left out.
type PropertyChange struct {
	Key    string `json:"key"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
}

// Frame is one line of GET .../replay: the first holds the state at the
// start; each later one the events of a step and what they changed.
//
// A replay that ends before its end (the request's time ran out, the
// node's frame limit was reached, the log failed) ends with a line that
// has Error and Code set, like an error answer, and NextFrom: the version
// of the last frame sent, from which the same request goes on. A stream
// without that line is complete.
type Frame struct {
	Version  uint64       `json:"version"`
	At       string       `json:"at,omitempty"`
	State    *Graph       `json:"state,omitempty"`
	Events   []Event      `json:"events,omitempty"`
	Nodes    *NodeChanges `json:"nodes,omitempty"`
	Edges    *EdgeChanges `json:"edges,omitempty"`
	Error    string       `json:"error,omitempty"`
	Code     string       `json:"code,omitempty"`
	NextFrom uint64       `json:"next_from,omitempty"`
}

// Snapshot answers POST and GET .../snapshots.
type Snapshot struct {
	CID        string `json:"cid"`
	Version    uint64 `json:"version"`
	Sequence   uint64 `json:"sequence"`
	RecordedAt string `json:"recorded_at"`
	Size       int64  `json:"size"`
}

// Snapshots answers GET .../snapshots, oldest first.
type Snapshots struct {
	Graph     string     `json:"graph"`
	Snapshots []Snapshot `json:"snapshots"`
}
