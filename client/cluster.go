package client

import (
	"context"
	"iter"
	"net/url"
	"strconv"

	"github.com/graphlog/graphlog/apitypes"
)

// ListOptions ask for one page of the graph list: the IDs that start with
// Prefix, after After (the answer's Next, for the next page), at most
// Limit of them (0: apitypes.DefaultLimit; at most apitypes.MaxLimit),
// and with Heads each one's version and last change.
type ListOptions struct {
	Prefix string
	After  string
	Limit  int
	Heads  bool
}

// ListGraphs returns a page of the graphs' IDs, in ID order; the answer's
// Next is empty on the last page.
func (c *Client) ListGraphs(ctx context.Context, o ListOptions) (*apitypes.GraphList, error) {
	q := url.Values{}
	if o.Prefix != "" {
		q.Set("prefix", o.Prefix)
	}
	if o.After != "" {
		q.Set("after", o.After)
	}
	if o.Limit != 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Heads {
		q.Set("detail", "head")
	}
	var out apitypes.GraphList
	return &out, c.getJSON(ctx, "/v1/graphs", q, &out)
}

// AllGraphs yields the ID of every graph that starts with prefix, in ID
// order, reading the list a page at a time.
func (c *Client) AllGraphs(ctx context.Context, prefix string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		o := ListOptions{Prefix: prefix, Limit: apitypes.MaxLimit}
		for {
			page, err := c.ListGraphs(ctx, o)
			if err != nil {
				yield("", err)
				return
			}
			for _, id := range page.Graphs {
				if !yield(id, nil) {
					return
				}
			}
			if page.Next == "" {
				return
			}
			o.After = page.Next
		}
	}
}

// Members returns the cluster's members.
func (c *Client) Members(ctx context.Context) (*apitypes.ClusterResponse, error) {
	var out apitypes.ClusterResponse
	return &out, c.getJSON(ctx, "/v1/cluster", nil, &out)
}

// Locate returns the member that hosts a graph, activating it there.
func (c *Client) Locate(ctx context.Context, graphID string) (*apitypes.PlacementResponse, error) {
	var out apitypes.PlacementResponse
	return &out, c.getJSON(ctx, "/v1/cluster/graphs/"+url.PathEscape(graphID), nil, &out)
}

// Health asks the server in use whether it serves HTTP (GET /healthz).
func (c *Client) Health(ctx context.Context) error {
	var out apitypes.Health
	return c.getJSON(ctx, "/healthz", nil, &out)
}

// Ready asks the server in use whether it can serve (GET /readyz); one
// that cannot answers ErrUnavailable with the reason.
func (c *Client) Ready(ctx context.Context) error {
	var out apitypes.Health
	return c.getJSON(ctx, "/readyz", nil, &out)
}
