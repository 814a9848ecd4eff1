package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

func TestListCell(t *testing.T) {
	ids := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("u%d", i)
		}
		return out
	}
	tests := []struct {
		items []string
		want  string
	}{
		{nil, ""},
		{ids(1), "u0"},
		{ids(cellListMax), "u0, u1, u2, u3, u4, u5, u6, u7"},
		{ids(cellListMax + 1), "u0, u1, u2, … and 6 more"},
		{ids(3000), "u0, u1, u2, … and 2,997 more"},
		{ids(1_000_003), "u0, u1, u2, … and 1,000,000 more"},
	}
	for _, tt := range tests {
		if got := listCell(tt.items); got != tt.want {
			t.Errorf("listCell(%d items) = %q, want %q", len(tt.items), got, tt.want)
		}
	}
	for n, want := range map[int]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 12345: "12,345", 123456: "123,456", 1234567: "1,234,567", -4321: "-4,321"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
	// An answer's lists, in a line and in a table's cells.
	raw, _ := json.Marshal(map[string]any{"order": ids(20), "components": [][]string{ids(3000), {"x"}}})
	var b strings.Builder
	if err := printAnswer(&b, raw); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"order: u0, u1, u2, … and 17 more\n", "1  3000  u0, u1, u2, … and 2,997 more\n", "2  1     x\n"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the answer printed\n%s\nwithout %q", b.String(), want)
		}
	}
}

// A graph of 3,000 nodes in one component: every table cell that holds its
// nodes shows a few and the count; -o json has them all.
func TestListsAtScale(t *testing.T) {
	base := server(t)
	const n = 3000
	tx := apitypes.TransactionRequest{}
	for i := range n {
		tx.Events = append(tx.Events, apitypes.EventData{Type: apitypes.EventNodeAdded, NodeID: fmt.Sprintf("u%d", i), NodeType: "t"})
		if i > 0 {
			tx.Events = append(tx.Events, apitypes.EventData{Type: apitypes.EventEdgeAdded, EdgeID: fmt.Sprintf("e%d", i),
				SourceID: fmt.Sprintf("u%d", i-1), TargetID: fmt.Sprintf("u%d", i), EdgeType: "t"})
		}
	}
	body, err := json.Marshal(tx)
	if err != nil {
		t.Fatal(err)
	}
	ctl(t, base, string(body), "submit", "scale", "-").want(t, exitOK)

	for _, tt := range []struct {
		args []string
		// shortened: a cell or line holds the graph's nodes, shown in
		// part; else the lists are short (one node a row, unchanged).
		shortened bool
	}{
		{[]string{"components", "scale"}, true},
		{[]string{"components", "scale", "--kind", "strong"}, false},
		{[]string{"algorithm", "scale", "components"}, true},
		{[]string{"algorithm", "scale", "topological_order"}, true},
		{[]string{"algorithm", "scale", "k_hop", "node=u0", "k=20"}, true},
		{[]string{"compare", "scale", "components", "--before", "1"}, false},
	} {
		r := ctl(t, base, "", tt.args...).want(t, exitOK)
		for _, line := range strings.Split(r.stdout, "\n") {
			if len(line) > 200 {
				t.Errorf("%v: a line of %d bytes:\n%.300s…", tt.args, len(line), line)
			}
		}
		if tt.shortened != strings.Contains(r.stdout, "… and ") {
			t.Errorf("%v printed (a list shortened: %v, want %v):\n%.2000s", tt.args, !tt.shortened, tt.shortened, r.stdout)
		}
	}
	r := ctl(t, base, "", "components", "scale").want(t, exitOK)
	if !strings.Contains(r.stdout, "1          3000  u0, u1, u10, … and 2,997 more") {
		t.Errorf("components:\n%s", r.stdout)
	}
	r = ctl(t, base, "", "components", "scale", "-o", "json").want(t, exitOK)
	var cs apitypes.Components
	if err := json.Unmarshal([]byte(r.stdout), &cs); err != nil || len(cs.Components) != 1 || len(cs.Components[0]) != n {
		t.Fatalf("-o json: %v, %d components", err, len(cs.Components))
	}
}
