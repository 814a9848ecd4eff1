package main

import (
	"strconv"
	"strings"
)

// A table cell that holds a list (a component's nodes, the IDs of a path
// or an order in an answer, an algorithm's result) shows the whole list
// only when it is short: a component of 3,000 nodes would make one line
// of 20,000 characters. -o json keeps every ID.
const (
	// cellListMax is the longest list a cell shows whole.
	cellListMax = 8
	// cellListHead is how many items a cell shows of a longer list.
	cellListHead = 3
)

// listCell is items as a cell shows them: joined with commas, or the
// first few and how many more, as "u0, u1, u2, … and 2,997 more".
func listCell(items []string) string {
	if len(items) <= cellListMax {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:cellListHead], ", ") + ", … and " + thousands(len(items)-cellListHead) + " more"
}

// thousands writes n with a comma between each group of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	if n < 0 {
		return "-" + thousands(-n)
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
