package main

import (
	"testing"

	"github.com/graphlog/graphlog/apitypes"
)

// A comparison prints what changed of an answer between two versions:
// the nodes that joined a component, the IDs a path lost and gained, or
// that nothing changed.
func TestCompare(t *testing.T) {
	base := server(t)
	const g = "compare-social"
	ctl(t, base, socialTx, "submit", g).want(t, exitOK)
	ctl(t, base, `{"events": [{"type": "NodeAdded", "node_id": "cy", "node_type": "person"},
  {"type": "EdgeAdded", "edge_id": "e2", "source_id": "bob", "target_id": "cy"}]}`, "submit", g).want(t, exitOK)
	ctl(t, base, `{"events": [{"type": "EdgeAdded", "edge_id": "e3", "source_id": "ada", "target_id": "cy"}]}`, "submit", g).want(t, exitOK)

	r := ctl(t, base, "", "compare", g, "components", "--before", "1").want(t, exitOK)
	wantIn(t, r.stdout, "graph "+g+"  components  version 1 -> 3", "GROUP  WAS  BEFORE  AFTER  JOINED  LEFT", "ada    ada  2       3      cy")
	r = ctl(t, base, "", "compare", g, "shortest-path", "from=ada", "to=cy", "--before", "2", "--after", "3").want(t, exitOK)
	wantIn(t, r.stdout, "version 2 -> 3", "e3", "e1, e2", "bob")
	r = ctl(t, base, "", "compare", g, "shortest-path", "from=ada", "to=bob", "--before", "1", "--after", "2").want(t, exitOK)
	wantIn(t, r.stdout, "version 1 -> 2  unchanged")

	c := decode[apitypes.Comparison](t, ctl(t, base, "", "compare", g, "pagerank", "--before", "2", "--answers", "-o", "json").want(t, exitOK))
	if !c.Changed || c.BeforeVersion != 2 || c.AfterVersion != 3 || c.Before == nil || c.After == nil {
		t.Errorf("pagerank compared: %+v", c)
	}

	ctl(t, base, "", "compare", g, "components").want(t, exitUsage)
	ctl(t, base, "", "compare", g, "components", "before=1").want(t, exitUsage)
	ctl(t, base, "", "compare", g, "nonesuch", "--before", "1").want(t, exitError)
}
