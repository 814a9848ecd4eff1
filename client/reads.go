package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/graphlog/graphlog/apitypes"
)

// Reads take the graph as it is now, or as it was at one Moment
// (AtVersion, AtTime) given last.

// Graph returns the whole graph.
func (c *Client) Graph(ctx context.Context, graphID string, at ...Moment) (*apitypes.Graph, error) {
	var out apitypes.Graph
	return &out, c.read(ctx, GraphPath(graphID), url.Values{}, at, &out)
}

// Node returns one node.
func (c *Client) Node(ctx context.Context, graphID, nodeID string, at ...Moment) (*apitypes.Node, error) {
	var out apitypes.Node
	return &out, c.read(ctx, GraphPath(graphID, "nodes", nodeID), url.Values{}, at, &out)
}

// Edge returns one edge.
func (c *Client) Edge(ctx context.Context, graphID, edgeID string, at ...Moment) (*apitypes.Edge, error) {
	var out apitypes.Edge
	return &out, c.read(ctx, GraphPath(graphID, "edges", edgeID), url.Values{}, at, &out)
}

// Directions of Neighbors.
const (
	Out  = "out"
	In   = "in"
	Both = "both"
)

// Neighbors returns a node's neighbours and the edges to them: direction
// is Out (the default, when empty), In or Both.
func (c *Client) Neighbors(ctx context.Context, graphID, nodeID, direction string, at ...Moment) (*apitypes.Neighbors, error) {
	q := url.Values{}
	if direction != "" {
		q.Set("direction", direction)
	}
	var out apitypes.Neighbors
	return &out, c.read(ctx, GraphPath(graphID, "nodes", nodeID, "neighbors"), q, at, &out)
}

// ShortestPath returns the path of fewest edges from one node to another,
// or with weight (an edge property) the path of least total weight. No
// path is ErrNotFound.
func (c *Client) ShortestPath(ctx context.Context, graphID, from, to, weight string, at ...Moment) (*apitypes.Path, error) {
	q := url.Values{"from": {from}, "to": {to}}
	if weight != "" {
		q.Set("weight", weight)
	}
	var out apitypes.Path
	return &out, c.read(ctx, GraphPath(graphID, "algorithms", "shortest-path"), q, at, &out)
}

// Kinds of Components.
const (
	Weak   = "weak"
	Strong = "strong"
)

// Components returns the weakly (Weak, the default when empty) or
// strongly (Strong) connected components.
func (c *Client) Components(ctx context.Context, graphID, kind string, at ...Moment) (*apitypes.Components, error) {
	q := url.Values{}
	if kind != "" {
		q.Set("kind", kind)
	}
	var out apitypes.Components
	return &out, c.read(ctx, GraphPath(graphID, "algorithms", "components"), q, at, &out)
}

// TopologicalOrder returns a topological order of the nodes; a graph with
// a cycle has none (ErrRejected, code cycle).
func (c *Client) TopologicalOrder(ctx context.Context, graphID string, at ...Moment) (*apitypes.Order, error) {
	var out apitypes.Order
	return &out, c.read(ctx, GraphPath(graphID, "algorithms", "topological-order"), url.Values{}, at, &out)
}

// Algorithms lists the algorithm library: names, parameters and bounds.
func (c *Client) Algorithms(ctx context.Context) (*apitypes.AlgorithmList, error) {
	var out apitypes.AlgorithmList
	return &out, c.getJSON(ctx, "/v1/algorithms", nil, &out)
}

// RunAlgorithm runs an algorithm of the library (see Algorithms) with its
// parameters, written as its GET route takes them. The answer's Result is
// a json.RawMessage of the algorithm's result type; Decode reads it.
func (c *Client) RunAlgorithm(ctx context.Context, graphID, name string, params map[string]string, at ...Moment) (*apitypes.AlgorithmAnswer, error) {
	q := url.Values{}
	for k, v := range params {
		q.Set(k, v)
	}
	out := apitypes.AlgorithmAnswer{Result: &json.RawMessage{}}
	if err := c.read(ctx, GraphPath(graphID, "algorithms", name), q, at, &out); err != nil {
		return nil, err
	}
	out.Result = raw(out.Result)
	return &out, nil
}

// Page asks for one page of a list: the entries after After (a version,
// 0 for the first page), at most Limit of them (0: the server's default).
type Page struct {
	After uint64
	Limit int
}

func (p Page) set(q url.Values, after string) {
	if p.After != 0 {
		q.Set(after, strconv.FormatUint(p.After, 10))
	}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
}

// NodeHistory returns a page of the transactions that added, changed or
// removed a node, oldest first; the answer's NextAfter is the After of
// the next page, 0 on the last.
func (c *Client) NodeHistory(ctx context.Context, graphID, nodeID string, page Page, at ...Moment) (*apitypes.ElementHistory, error) {
	return c.elementHistory(ctx, GraphPath(graphID, "nodes", nodeID, "history"), page, at)
}

// EdgeHistory is NodeHistory for an edge.
func (c *Client) EdgeHistory(ctx context.Context, graphID, edgeID string, page Page, at ...Moment) (*apitypes.ElementHistory, error) {
	return c.elementHistory(ctx, GraphPath(graphID, "edges", edgeID, "history"), page, at)
}

func (c *Client) elementHistory(ctx context.Context, path string, page Page, at []Moment) (*apitypes.ElementHistory, error) {
	q := url.Values{}
	page.set(q, "after")
	var out apitypes.ElementHistory
	return &out, c.read(ctx, path, q, at, &out)
}

// read is a GET of a read at a moment.
func (c *Client) read(ctx context.Context, path string, q url.Values, at []Moment, out any) error {
	if err := readAt(q, at); err != nil {
		return &Error{Status: http.StatusBadRequest, Code: apitypes.CodeInvalidArgument, Message: err.Error(), Method: http.MethodGet, Path: path}
	}
	return c.getJSON(ctx, path, q, out)
}

// raw turns what decoding into a *json.RawMessage left in an any field
// into a json.RawMessage (nil when the field was absent or null).
func raw(v any) any {
	if p, ok := v.(*json.RawMessage); ok {
		if p == nil || len(*p) == 0 || string(*p) == "null" {
			return nil
		}
		return *p
	}
	return v
}

// Decode reads a field of an answer that holds any JSON (an algorithm's
// result, a comparison's changes, a what-if answer), which the client
// leaves as a json.RawMessage, into a T.
func Decode[T any](field any) (T, error) {
	var out T
	var b []byte
	switch v := field.(type) {
	case json.RawMessage:
		b = v
	case nil:
		return out, fmt.Errorf("%w: the field is empty", ErrInvalid)
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return out, err
		}
	}
	return out, json.Unmarshal(b, &out)
}
