package answerdiff

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// between compares two answers written as JSON and returns the change as
// JSON, as the API writes it.
func between(t *testing.T, before, after string) (string, bool) {
	t.Helper()
	b, err := Decode([]byte(before))
	if err != nil {
		t.Fatal(err)
	}
	a, err := Decode([]byte(after))
	if err != nil {
		t.Fatal(err)
	}
	d, changed := Between(b, a)
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), changed
}

func TestBetween(t *testing.T) {
	for _, c := range []struct{ name, before, after, want string }{
		{"equal", `{"a":[1,2],"b":{"c":"x"}}`, `{"b":{"c":"x"},"a":[1,2]}`, `null`},
		{"number", `{"cost":2,"n":1}`, `{"cost":3.5,"n":1}`, `{"cost":{"after":3.5,"before":2,"delta":1.5}}`},
		{"kinds and sides", `{"a":true,"gone":1}`, `{"a":"yes","new":[]}`,
			`{"a":{"after":"yes","before":true},"gone":{"before":1},"new":{"after":[]}}`},
		{"a path", `{"nodes":["a","b","d"],"edges":["ab","bd"],"cost":2}`, `{"nodes":["a","c","d"],"edges":["ac","cd"],"cost":2}`,
			`{"edges":{"added":["ac","cd"],"removed":["ab","bd"]},"nodes":{"added":["c"],"removed":["b"]}}`},
		{"an order", `{"order":["a","b","c"]}`, `{"order":["b","a","c"]}`,
			`{"order":{"added":[],"removed":[],"reordered":true}}`},
		{"a multiset", `["a","a","b"]`, `["a","b","b"]`, `{"added":["b"],"removed":["a"]}`},
		{"scores by node, largest change first",
			`{"scores":[{"node":"a","score":0.5},{"node":"b","score":0.3},{"node":"c","score":0.2}]}`,
			`{"scores":[{"node":"b","score":0.5},{"node":"a","score":0.4},{"node":"d","score":0.1}]}`,
			`{"scores":{"added":[{"node":"d","score":0.1}],"changed":[{"node":"b","score":{"after":0.5,"before":0.3,"delta":0.2}},{"node":"a","score":{"after":0.4,"before":0.5,"delta":-0.09999999999999998}}],"removed":[{"node":"c","score":0.2}]}}`},
		{"neighbours by their edge's ID",
			`{"neighbors":[{"node":{"id":"b"},"edge":{"id":"e1","properties":{"w":1}}},{"node":{"id":"b"},"edge":{"id":"e2"}}]}`,
			`{"neighbors":[{"node":{"id":"b"},"edge":{"id":"e1","properties":{"w":2}}},{"node":{"id":"b","type":"T"},"edge":{"id":"e2"}}]}`,
			`{"neighbors":{"added":[],"changed":[{"edge":{"id":"e1","properties":{"w":{"after":2,"before":1,"delta":1}}}},{"edge":{"id":"e2"},"node":{"type":{"after":"T"}}}],"removed":[]}}`},
		{"rows without a name", `{"paths":[{"nodes":["a"]}]}`, `{"paths":[{"nodes":["b"]}]}`,
			`{"paths":{"after":[{"nodes":["b"]}],"before":[{"nodes":["a"]}]}}`},
		{"components merge", `{"components":[["a","b"],["c","d"],["e"]]}`, `{"components":[["a","b","c","d"],["e"]]}`,
			`{"components":{"groups":{"before":3,"after":2},"unchanged":1,"changed":[{"group":"a","was":"a","before":2,"after":4,"joined":["c","d"],"left":[]}],"appeared":[],"disappeared":[["c","d"]]}}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, changed := between(t, c.before, c.after)
			if got != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
			if changed != (c.want != "null") {
				t.Errorf("changed = %v", changed)
			}
		})
	}
}

func TestGroups(t *testing.T) {
	for _, c := range []struct {
		name          string
		before, after [][]string
		want          string
	}{
		{"a node moves", [][]string{{"a", "b"}, {"c", "d"}}, [][]string{{"c", "b", "a"}, {"d"}},
			`{"groups":{"before":2,"after":2},"unchanged":0,"changed":[{"group":"a","was":"a","before":2,"after":3,"joined":["c"],"left":[]},{"group":"d","was":"c","before":2,"after":1,"joined":[],"left":["c"]}],"appeared":[],"disappeared":[]}`},
		{"a split", [][]string{{"a", "b", "c", "d"}}, [][]string{{"a", "b"}, {"c", "d"}},
			`{"groups":{"before":1,"after":2},"unchanged":0,"changed":[{"group":"a","was":"a","before":4,"after":2,"joined":[],"left":["c","d"]},{"group":"c","was":"a","before":4,"after":2,"joined":[],"left":["a","b"]}],"appeared":[],"disappeared":[]}`},
		{"new and gone", [][]string{{"a"}, {"x", "y"}}, [][]string{{"a"}, {"n"}},
			`{"groups":{"before":2,"after":2},"unchanged":1,"changed":[],"appeared":[["n"]],"disappeared":[["x","y"]]}`},
		{"overlapping cliques, ties to the larger", [][]string{{"a", "b"}, {"b", "c", "d"}}, [][]string{{"a", "b", "c"}},
			`{"groups":{"before":2,"after":1},"unchanged":0,"changed":[{"group":"a","was":"b","before":3,"after":3,"joined":["a"],"left":["d"]}],"appeared":[],"disappeared":[["a","b"]]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := json.Marshal(Groups(c.before, c.after))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != c.want {
				t.Errorf("got  %s\nwant %s", got, c.want)
			}
		})
	}
}

// TestGroupsOfRandomPartitions checks Groups on random partitions against
// what its answer claims, computed another way: every later group is
// unchanged, changed or new; a changed group is the group it continues
// with its joined nodes and without its left ones; no earlier group
// shares more nodes with it; every earlier group is continued or gone;
// and a node that is in a different group than before is named as
// joined there.
func TestGroupsOfRandomPartitions(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 500 {
		ids := make([]string, 4+rng.IntN(20))
		for i := range ids {
			ids[i] = fmt.Sprintf("n%02d", i)
		}
		before, after := partition(rng, ids), partition(rng, ids)
		got := Groups(before, after)
		at := func(groups [][]string) map[string][]string {
			m := map[string][]string{}
			for _, g := range groups {
				g = slices.Sorted(slices.Values(g))
				for _, id := range g {
					m[id] = g
				}
			}
			return m
		}
		was, is := at(before), at(after)
		if n := got.Unchanged + len(got.Changed) + len(got.Appeared); n != len(after) || got.Groups.After != len(after) {
			t.Fatalf("trial %d: %d later groups accounted for, %d exist", trial, n, len(after))
		}
		continued := map[string]bool{}
		for _, c := range got.Changed {
			g, p := is[c.Group], was[c.Was]
			if g == nil || g[0] != c.Group || p == nil || p[0] != c.Was {
				t.Fatalf("trial %d: %+v names groups that do not exist", trial, c)
			}
			continued[c.Was] = true
			rebuilt := slices.DeleteFunc(slices.Concat(p, c.Joined), func(id string) bool { return slices.Contains(c.Left, id) })
			if !slices.Equal(slices.Compact(slices.Sorted(slices.Values(rebuilt))), g) || len(c.Joined) == 0 && len(c.Left) == 0 {
				t.Fatalf("trial %d: %+v: %v joined and left does not give %v", trial, c, p, g)
			}
			best := len(g) - len(c.Joined)
			for _, q := range before {
				if shared := len(g) - len(minus(g, slices.Sorted(slices.Values(q)))); shared > best {
					t.Fatalf("trial %d: %+v: %v shares %d nodes, more than %d", trial, c, q, shared, best)
				}
			}
			for _, id := range g {
				if !slices.Equal(was[id], p) && !slices.Contains(c.Joined, id) {
					t.Fatalf("trial %d: %s moved from %v into %v and is not listed as joined", trial, id, was[id], g)
				}
			}
		}
		unchanged := 0
		for _, g := range after {
			g = slices.Sorted(slices.Values(g))
			if slices.Equal(was[g[0]], g) {
				unchanged++
				continued[g[0]] = true
			}
		}
		if unchanged != got.Unchanged {
			t.Fatalf("trial %d: %d groups unchanged, answer says %d", trial, unchanged, got.Unchanged)
		}
		if n := len(continued) + len(got.Disappeared); n != len(before) {
			t.Fatalf("trial %d: %d earlier groups accounted for, %d exist", trial, n, len(before))
		}
	}
}

// partition puts the IDs, some of them left out, into random groups.
func partition(rng *rand.Rand, ids []string) [][]string {
	k := 1 + rng.IntN(len(ids)/2)
	groups := make([][]string, k)
	for _, id := range ids {
		if rng.IntN(6) == 0 {
			continue // not in the graph at this moment
		}
		i := rng.IntN(k)
		groups[i] = append(groups[i], id)
	}
	return slices.DeleteFunc(groups, func(g []string) bool { return len(g) == 0 })
}
