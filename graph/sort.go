package graph

import (
	"math"
	"slices"
	"strings"
)

// sortedByID returns the table's elements ordered by ID.
//
// Comparing IDs through element pointers costs a cache miss or two per
// comparison once a graph outgrows the caches, and that was most of what
// Encode spent on a million edges. So the elements are ordered by a 64-bit
// key instead, which a radix sort handles without looking at the elements:
// eight bytes of the ID, big-endian, taken after the prefix all IDs share
// (IDs like "e123456" share "e") and padded with zero bytes. Equal keys
// stay in the order the table lists them, then each run of equal keys (IDs
// alike in those eight bytes, or a prefix of one another) is ordered by
// comparing the IDs themselves, so the result is the plain byte order of
// the IDs whatever they look like; only the time depends on their shape.
func sortedByID[T keyed](t *idTable[T]) []T {
	var zero T
	elems := make([]T, 0, t.n)
	if t.n > math.MaxUint32 {
		elems = slices.AppendSeq(elems, t.all())
		slices.SortFunc(elems, func(a, b T) int { return strings.Compare(a.key(), b.key()) })
		return elems
	}
	recs := make([]sortRec, 0, t.n)
	var first string
	shared, longest := 0, 0 // the prefix every ID so far shares; the longest ID
	// The slots go in chunks, in two steps: first every element's ID
	// (header), then the IDs' bytes, so that the cache misses of a step,
	// independent of each other, overlap.
	var ids [64]string
	for base := 0; base < len(t.slots); base += len(ids) {
		n := 0
		for _, v := range t.slots[base:min(base+len(ids), len(t.slots))] {
			if v != zero {
				ids[n] = v.key()
				elems = append(elems, v)
				n++
			}
		}
		for _, id := range ids[:n] {
			if len(recs) == 0 {
				first, shared = id, len(id)
			} else {
				shared = commonPrefix(first[:shared], id)
			}
			longest = max(longest, len(id))
			recs = append(recs, sortRec{k: idKey(id, 0), i: uint32(len(recs))})
		}
	}
	switch {
	case shared == 0:
	case longest <= 8:
		// The keys hold whole IDs, so shifting the shared prefix out
		// loses nothing, and the elements need not be read again.
		for i := range recs {
			recs[i].k <<= 8 * shared
		}
	default:
		for i := range recs {
			recs[i].k = idKey(elems[recs[i].i].key(), shared)
		}
	}
	recs = radixSort(recs, make([]sortRec, len(recs)))
	for i := 0; i < len(recs); {
		j := i + 1
		for j < len(recs) && recs[j].k == recs[i].k {
			j++
		}
		if j-i > 1 {
			run := recs[i:j]
			slices.SortFunc(run, func(a, b sortRec) int { return strings.Compare(elems[a.i].key(), elems[b.i].key()) })
		}
		i = j
	}
	out := make([]T, len(recs))
	for i, r := range recs {
		out[i] = elems[r.i]
	}
	return out
}

// sortRec is an element to sort, by its key k: i is its index in a list
// of the elements. Records hold no pointers, so moving them costs the
// garbage collector nothing.
type sortRec struct {
	k uint64
	i uint32
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// idKey reads id[from:from+8] big-endian, zero bytes past the end.
func idKey(id string, from int) uint64 {
	var k uint64
	s := id[from:]
	for i := range 8 {
		k <<= 8
		if i < len(s) {
			k |= uint64(s[i])
		}
	}
	return k
}

// radixSort orders a by key, least significant byte first, stably, using
// tmp (as long as a) as scratch; it returns whichever of the two holds the
// result. A byte that is the same in every key costs no pass.
func radixSort(a, tmp []sortRec) []sortRec {
	if len(a) < 2 {
		return a
	}
	var counts [8][256]int
	for _, r := range a {
		k := r.k
		for d := range 8 {
			counts[d][byte(k>>(8*d))]++
		}
	}
	for d := range 8 {
		c := &counts[d]
		shift := 8 * uint(d)
		if c[byte(a[0].k>>shift)] == len(a) {
			continue
		}
		at := 0
		for i, n := range c {
			c[i] = at
			at += n
		}
		for _, r := range a {
			b := byte(r.k >> shift)
			tmp[c[b]] = r
			c[b]++
		}
		a, tmp = tmp, a
	}
	return a
}
