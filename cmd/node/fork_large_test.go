package main

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/api"
)

// A fork of a state larger than one transaction may hold is written in
// as many transactions as it needs, each within --max-transaction-bytes:
// the fork's state at the last equals the source's, its lineage counts
// them, and the same fork sent again changes nothing.
func TestForkLargerThanOneTransaction(t *testing.T) {
	cfg := testConfig(t.TempDir())
	cfg.Graphs.MaxTransactionBytes = 8 << 10
	_, base := startNode(t, cfg)
	c := newClient(t, base)
	pad := strings.Repeat("x", 40)
	for b := range 10 {
		var evs []map[string]any
		for i := range 20 {
			id := fmt.Sprintf("n%d", b*20+i)
			evs = append(evs, map[string]any{"type": "NodeAdded", "node_id": id, "node_type": "t", "properties": map[string]any{"pad": pad}})
			if b > 0 {
				evs = append(evs, addEdge("e"+id, id, fmt.Sprintf("n%d", (b-1)*20+i)))
			}
		}
		c.mustSubmit("big", events(evs...))
	}
	fork := map[string]any{"into": "big-copy", "transaction_id": "fork-1"}
	var res api.ForkResult
	if st, e, err := c.do("POST", "/v1/graphs/big/fork", fork, &res); err != nil || st != http.StatusOK {
		t.Fatalf("fork: %d %+v %v", st, e, err)
	}
	if res.Version < 3 || res.Events != 200+180 || res.ForkedFrom.Transactions != res.Version || res.ForkedFrom.Version != 10 {
		t.Fatalf("fork answered %+v; want several transactions, all 380 elements, the count in its lineage", res)
	}
	var was api.Graph
	if st, e, err := c.do("GET", "/v1/graphs/big?version=10", nil, &was); err != nil || st != 200 {
		t.Fatalf("source at 10: %d %+v %v", st, e, err)
	}
	_, copied := c.graph("big-copy")
	if v := copied.Version; v != res.Version || !reflect.DeepEqual(copied.Nodes, was.Nodes) || !reflect.DeepEqual(copied.Edges, was.Edges) {
		t.Fatalf("the fork at version %d differs from the source at 10 (%d nodes, %d edges; want %d, %d)",
			v, len(copied.Nodes), len(copied.Edges), len(was.Nodes), len(was.Edges))
	}
	if copied.ForkedFrom == nil || *copied.ForkedFrom != res.ForkedFrom {
		t.Fatalf("GET the fork shows forked_from %+v; want %+v", copied.ForkedFrom, res.ForkedFrom)
	}
	// The copy is the fork's first transactions, named after its ID.
	var page api.Events
	if st, e, err := c.do("GET", "/v1/graphs/big-copy/events?after_version=0&limit=1000", nil, &page); err != nil || st != 200 {
		t.Fatalf("events of the fork: %d %+v %v", st, e, err)
	}
	ids := map[uint64]string{}
	for _, ev := range page.Events {
		ids[ev.Version] = ev.TransactionID
	}
	if len(page.Events) != res.Events || len(ids) != int(res.Version) || ids[1] != "fork-1" || ids[2] != "fork-1-2" {
		t.Fatalf("the fork's log has %d events in transactions %v; want %d in %d, named fork-1, fork-1-2, …", len(page.Events), ids, res.Events, res.Version)
	}

	// Sent again, the same fork is answered as before and adds nothing.
	var again api.ForkResult
	if st, e, err := c.do("POST", "/v1/graphs/big/fork", fork, &again); err != nil || st != http.StatusOK || again != res {
		t.Fatalf("the fork sent again: %d %+v %v: %+v, want %+v", st, e, err, again, res)
	}
	if _, g := c.graph("big-copy"); g.Version != res.Version {
		t.Fatalf("the fork sent again moved the copy to version %d", g.Version)
	}
	// A fork into a graph that exists, by another ID, is a conflict.
	if st, _, _ := c.do("POST", "/v1/graphs/big/fork", map[string]any{"into": "big-copy"}, nil); st != http.StatusConflict {
		t.Fatalf("a fork onto an existing graph: %d, want 409", st)
	}
}
