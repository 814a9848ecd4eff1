package graph

import (
	"errors"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

// A graph's first transaction may say it is a fork: the graph keeps its
// lineage through encoding (both ways of decoding), clones and later
// transactions; any other transaction that says so, or a lineage that
// names nothing, is rejected as a whole.
func TestLineage(t *testing.T) {
	from := &messages.Lineage{GraphId: "src", Version: 7, Cid: "bafkreiexample", Transactions: 3}
	g := New("fork")
	tx := txWith(g, "t1", addNode("a"))
	tx.ForkedFrom = from
	if err := g.Apply(tx); err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(g.ForkedFrom(), from) {
		t.Fatalf("ForkedFrom = %v, want %v", g.ForkedFrom(), from)
	}
	if err := g.Apply(txWith(g, "t2", addNode("b"))); err != nil {
		t.Fatal(err)
	}
	assertRoundTrip(t, "a fork", g)
	b := mustEncode(t, g)
	if d, ok := decodeCanonical(b); !ok || !proto.Equal(d.ForkedFrom(), from) {
		t.Fatalf("the fast way: %v, %v", ok, d)
	}
	if d, err := decodeGeneral(b); err != nil || !proto.Equal(d.ForkedFrom(), from) {
		t.Fatalf("the general way: %v, %v", err, d)
	}
	if c := g.Clone(); !proto.Equal(c.ForkedFrom(), from) {
		t.Fatal("the clone forgot the lineage")
	}

	for name, l := range map[string]*messages.Lineage{
		"not the first transaction": from,
	} {
		before := g.Version()
		late := txWith(g, "t3", addNode("c"))
		late.ForkedFrom = l
		var rej *RejectedError
		if err := g.Apply(late); !errors.As(err, &rej) || !errors.Is(err, ErrInvalidTransaction) || g.Version() != before+1 {
			t.Errorf("%s: Apply = %v (version %d)", name, err, g.Version())
		}
		if _, ok := g.Node("c"); ok {
			t.Errorf("%s: the rejected transaction's node was added", name)
		}
	}
	for name, l := range map[string]*messages.Lineage{
		"no graph":                       {Version: 1, Cid: "x"},
		"no version":                     {GraphId: "src", Cid: "x"},
		"no CID":                         {GraphId: "src", Version: 1},
		"one transaction, not said as 0": {GraphId: "src", Version: 1, Cid: "x", Transactions: 1},
	} {
		h := New("h")
		first := txWith(h, "t1", addNode("a"))
		first.ForkedFrom = l
		if err := h.Apply(first); !errors.Is(err, ErrInvalidTransaction) || h.ForkedFrom() != nil {
			t.Errorf("%s: Apply = %v, lineage %v", name, err, h.ForkedFrom())
		}
	}
	if New("plain").ForkedFrom() != nil {
		t.Error("a graph that is no fork has a lineage")
	}
}
