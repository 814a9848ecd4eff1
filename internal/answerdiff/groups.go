package answerdiff

import (
	"cmp"
	"slices"
)

// GroupChange is how one group of the later answer differs from the
// group of the earlier one it continues.
type GroupChange struct {
	// Group and Was name the group after and the one it continues,
	// each by its smallest node ID.
	Group string `json:"group"`
	Was   string `json:"was"`
	// Before and After are the two groups' sizes.
	Before int `json:"before"`
	After  int `json:"after"`
	// Joined are its nodes that were not in the group it continues; Left
	// are that group's nodes it no longer holds. Both sorted.
	Joined []string `json:"joined"`
	Left   []string `json:"left"`
}

// GroupChanges answers how groups of nodes (components, communities,
// cliques) changed between two answers.
type GroupChanges struct {
	// Groups counts the groups of each answer.
	Groups struct {
		Before int `json:"before"`
		After  int `json:"after"`
	} `json:"groups"`
	// Unchanged counts the groups that are the same on both sides.
	Unchanged int `json:"unchanged"`
	// Changed lists the later groups that continue an earlier one with
	// other nodes, by name. Nodes that moved appear as joined in the
	// group they are in after, and as left in the one they were in if
	// that one goes on too.
	Changed []GroupChange `json:"changed"`
	// Appeared are the later groups that share no node with any earlier
	// one; Disappeared the earlier ones that no later group continues
	// (their nodes, if any remain, joined others).
	Appeared    [][]string `json:"appeared"`
	Disappeared [][]string `json:"disappeared"`
}

// Groups compares two lists of groups of node IDs. A group of the later
// list continues the earlier group it shares the most nodes with (the
// larger one on a tie, then the one of the smaller name); a group is
// named by its smallest ID. Groups may overlap (cliques do) and nodes may
// repeat: each group is taken as the set of its IDs.
func Groups(before, after [][]string) GroupChanges {
	was, is := sets(before), sets(after)
	var out GroupChanges
	out.Groups.Before, out.Groups.After = len(was), len(is)
	out.Changed, out.Appeared, out.Disappeared = []GroupChange{}, [][]string{}, [][]string{}
	holders := map[string][]int{} // node -> the earlier groups holding it
	for i, g := range was {
		for _, id := range g {
			holders[id] = append(holders[id], i)
		}
	}
	continued := make([]bool, len(was))
	for _, g := range is {
		shared := map[int]int{}
		for _, id := range g {
			for _, i := range holders[id] {
				shared[i]++
			}
		}
		p, best := -1, 0
		for i, n := range shared {
			if p < 0 || n > best || n == best && better(was[i], was[p]) {
				p, best = i, n
			}
		}
		if p < 0 {
			out.Appeared = append(out.Appeared, g)
			continue
		}
		continued[p] = true
		if slices.Equal(g, was[p]) {
			out.Unchanged++
			continue
		}
		out.Changed = append(out.Changed, GroupChange{Group: g[0], Was: was[p][0],
			Before: len(was[p]), After: len(g), Joined: minus(g, was[p]), Left: minus(was[p], g)})
	}
	for i, g := range was {
		if !continued[i] {
			out.Disappeared = append(out.Disappeared, g)
		}
	}
	slices.SortFunc(out.Changed, func(a, b GroupChange) int { return cmp.Compare(a.Group, b.Group) })
	byName := func(a, b []string) int { return cmp.Compare(a[0], b[0]) }
	slices.SortFunc(out.Appeared, byName)
	slices.SortFunc(out.Disappeared, byName)
	return out
}

// better says whether group a is chosen over b when both share as many
// nodes with a later group: the larger, then the one of the smaller name.
func better(a, b []string) bool {
	return len(a) > len(b) || len(a) == len(b) && a[0] < b[0]
}

// sets sorts each group and drops its repeats; empty groups are dropped.
func sets(groups [][]string) [][]string {
	out := make([][]string, 0, len(groups))
	for _, g := range groups {
		g = slices.Compact(slices.Sorted(slices.Values(g)))
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// minus returns the IDs of sorted a that sorted b lacks.
func minus(a, b []string) []string {
	out := []string{}
	j := 0
	for _, id := range a {
		for j < len(b) && b[j] < id {
			j++
		}
		if j == len(b) || b[j] != id {
			out = append(out, id)
		}
	}
	return out
}
