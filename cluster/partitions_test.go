package cluster

import (
	"fmt"
	"slices"
	"testing"
)

// Every partition has exactly one owner among the members, the members
// agree on it, no member owns more than one partition above another, and
// a member leaving moves mostly the partitions it held.
func TestOwnedPartitions(t *testing.T) {
	const n = 1024
	members := make([]string, 8)
	for i := range members {
		members[i] = fmt.Sprintf("member-%d-%x", i, i*7919)
	}
	owners := make([]string, n)
	count := map[string]int{}
	for _, m := range members {
		// Each member lists the others in its own order.
		view := slices.Clone(members)
		slices.Reverse(view)
		for _, p := range ownedPartitions(m, view, n) {
			if owners[p] != "" {
				t.Fatalf("partition %d owned by %s and %s", p, owners[p], m)
			}
			owners[p] = m
			count[m]++
		}
	}
	for p, o := range owners {
		if o == "" {
			t.Fatalf("partition %d has no owner", p)
		}
	}
	for m, c := range count {
		if c != n/len(members) {
			t.Errorf("%s owns %d partitions, want %d", m, c, n/len(members))
		}
	}

	gone := members[3]
	rest := slices.DeleteFunc(slices.Clone(members), func(m string) bool { return m == gone })
	moved := 0
	for p, after := range partitionOwners(rest, n) {
		if owners[p] != gone && after != owners[p] {
			moved++
		}
	}
	// The gone member's 128 partitions must move; the others' moves come
	// only from the cap, and stay few.
	if moved > n/len(members)/2 {
		t.Errorf("%s leaving moved %d partitions of the other members too", gone, moved)
	}
	for _, tc := range []struct{ members, partitions int }{{3, 4}, {3, 12}, {5, 64}, {2, 1}} {
		var ms []string
		for i := range tc.members {
			ms = append(ms, fmt.Sprintf("m%d", i))
		}
		c := map[string]int{}
		for _, o := range partitionOwners(ms, tc.partitions) {
			c[o]++
		}
		lo, hi := tc.partitions, 0
		for _, m := range ms {
			lo, hi = min(lo, c[m]), max(hi, c[m])
		}
		if hi-lo > 1 {
			t.Errorf("%d partitions over %d members: counts %v, want within one of each other", tc.partitions, tc.members, c)
		}
	}
	if got := ownedPartitions("alone", []string{"alone"}, 4); !slices.Equal(got, []int{0, 1, 2, 3}) {
		t.Fatalf("a single member owns %v, want every partition", got)
	}
}
