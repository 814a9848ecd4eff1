package graph

import (
	"fmt"
	"math/rand"
	"testing"
	"unsafe"
)

// TestIDTableAgainstMap drives the table and a Go map with the same random
// puts and deletes, through growth and shrinking, with small tables (where
// probe runs wrap around the end) and large ones.
func TestIDTableAgainstMap(t *testing.T) {
	for _, keys := range []int{5, 12, 40, 3000} {
		r := rand.New(rand.NewSource(int64(keys)))
		var tab idTable[*node]
		ref := map[string]*node{}
		for step := range 40 * keys {
			id := fmt.Sprintf("k%d", r.Intn(keys))
			// Phases of mostly adding and mostly removing make the table
			// grow and shrink.
			adding := (step/(4*keys))%2 == 0
			if _, ok := ref[id]; !ok && (adding || r.Intn(4) == 0) {
				n := &node{id: id}
				tab.put(n)
				ref[id] = n
			} else if ok && (!adding || r.Intn(4) == 0) {
				tab.del(id)
				delete(ref, id)
			}
			if tab.len() != len(ref) {
				t.Fatalf("keys %d step %d: len %d, want %d", keys, step, tab.len(), len(ref))
			}
			if len(tab.slots) > 0 && (tab.n*4 > len(tab.slots)*3 || len(tab.slots)&(len(tab.slots)-1) != 0) {
				t.Fatalf("keys %d step %d: %d elements in %d slots", keys, step, tab.n, len(tab.slots))
			}
			if step%499 == 0 || keys < 50 {
				for k := range keys {
					id := fmt.Sprintf("k%d", k)
					got, ok := tab.get(id)
					if want := ref[id]; got != want || ok != (want != nil) {
						t.Fatalf("keys %d step %d: get(%s) = %v %v, want %v", keys, step, id, got, ok, want)
					}
				}
				seen := 0
				for n := range tab.all() {
					if ref[n.id] != n {
						t.Fatalf("keys %d step %d: all() yields %s, not in the map", keys, step, n.id)
					}
					seen++
				}
				if seen != len(ref) {
					t.Fatalf("keys %d step %d: all() yields %d, want %d", keys, step, seen, len(ref))
				}
			}
		}
		// Deleting a missing ID is a no-op.
		tab.del("missing")
		if tab.len() != len(ref) {
			t.Fatalf("keys %d: deleting a missing ID changed the length", keys)
		}
	}
	var empty idTable[*edge]
	if _, ok := empty.get("x"); ok {
		t.Fatal("empty table finds an element")
	}
	empty.del("x")
}

// The memory figures in the documentation assume these sizes: an edge
// takes the 96-byte size class (64 without its trail's slice header), a
// node the 112-byte one.
func TestElementSizes(t *testing.T) {
	if s := unsafe.Sizeof(edge{}); s > 96 {
		t.Errorf("edge is %d bytes, want at most 96 (a size class; one more byte costs 16)", s)
	}
	if s := unsafe.Sizeof(node{}); s > 112 {
		t.Errorf("node is %d bytes, want at most 112", s)
	}
}
