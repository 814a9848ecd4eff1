package graph

import (
	"hash/maphash"
	"iter"
)

// idTable finds nodes or edges by ID. It is a hash table with open
// addressing and linear probing that stores only element pointers: the key
// is the element's own ID field, so unlike a map[string]*edge it keeps no
// second string header per element, and a slot is 8 bytes instead of a
// key-value pair. With a million edges that is about a fifth of what an
// edge costs.
//
// Hashing uses hash/maphash with a random seed per table, as Go's own maps
// do, so that crafted IDs cannot force collisions. The seed decides only
// which slot holds which element, and nothing observable depends on slot
// order (every output is sorted by ID), so the graph stays deterministic.
type idTable[T keyed] struct {
	seed  maphash.Seed
	slots []T // len is 0 or a power of two; the zero T marks a free slot
	n     int
}

// keyed is an element that carries its own ID.
type keyed interface {
	comparable
	key() string
}

func (n *node) key() string { return n.id }
func (e *edge) key() string { return e.id }

const minTableSlots = 8

func (t *idTable[T]) len() int { return t.n }

func (t *idTable[T]) home(id string) int {
	return int(maphash.String(t.seed, id) & uint64(len(t.slots)-1))
}

func (t *idTable[T]) get(id string) (T, bool) {
	var zero T
	if t.n == 0 {
		return zero, false
	}
	mask := len(t.slots) - 1
	for i := t.home(id); ; i = (i + 1) & mask {
		v := t.slots[i]
		if v == zero {
			return zero, false
		}
		if v.key() == id {
			return v, true
		}
	}
}

// put adds v, whose ID must not be in the table yet.
func (t *idTable[T]) put(v T) {
	t.reserve(t.n + 1)
	t.place(v)
	t.n++
}

// reserve makes room for n elements without further growth; the load stays
// at most 3/4, so probe runs stay short.
func (t *idTable[T]) reserve(n int) {
	if n*4 <= len(t.slots)*3 {
		return
	}
	size := max(minTableSlots, len(t.slots))
	for n*4 > size*3 {
		size *= 2
	}
	t.resize(size)
}

func (t *idTable[T]) place(v T) {
	var zero T
	mask := len(t.slots) - 1
	i := t.home(v.key())
	for t.slots[i] != zero {
		i = (i + 1) & mask
	}
	t.slots[i] = v
}

// putAll puts elements, none of them in the table yet and no two with one
// ID. Each lands where put would put it, but the home slots are all
// computed first, so that the probes, likely cache misses on a large
// table and independent of each other, overlap.
func (t *idTable[T]) putAll(elems []T) {
	t.reserve(t.n + len(elems))
	var homes [64]int
	var zero T
	mask := len(t.slots) - 1
	for len(elems) > 0 {
		batch := elems[:min(len(homes), len(elems))]
		elems = elems[len(batch):]
		for j, v := range batch {
			homes[j] = t.home(v.key())
		}
		for j, v := range batch {
			i := homes[j]
			for t.slots[i] != zero {
				i = (i + 1) & mask
			}
			t.slots[i] = v
		}
		t.n += len(batch)
	}
}

// del removes the element with the given ID, if present.
func (t *idTable[T]) del(id string) {
	var zero T
	if t.n == 0 {
		return
	}
	mask := len(t.slots) - 1
	i := t.home(id)
	for {
		v := t.slots[i]
		if v == zero {
			return
		}
		if v.key() == id {
			break
		}
		i = (i + 1) & mask
	}
	// Backward-shift deletion (Knuth, TAOCP 6.4, Algorithm R) instead of
	// tombstones, so removals leave no debris behind: each later element
	// of the probe run moves into the hole unless its home slot lies
	// cyclically in (hole, j], where moving it would make it unreachable.
	for j := (i + 1) & mask; t.slots[j] != zero; j = (j + 1) & mask {
		h := t.home(t.slots[j].key())
		if j > i && (h <= i || h > j) || j < i && h <= i && h > j {
			t.slots[i] = t.slots[j]
			i = j
		}
	}
	t.slots[i] = zero
	t.n--
	// Give memory back after mass removals; growth starts again at 3/4,
	// so a table hovering around a size does not resize back and forth.
	if len(t.slots) > minTableSlots && t.n*8 < len(t.slots) {
		t.resize(len(t.slots) / 2)
	}
}

func (t *idTable[T]) resize(size int) {
	var zero T
	if t.seed == (maphash.Seed{}) {
		t.seed = maphash.MakeSeed()
	}
	old := t.slots
	t.slots = make([]T, size)
	for _, v := range old {
		if v != zero {
			t.place(v)
		}
	}
}

// all yields every element, in slot order. The table must not change
// during the iteration.
func (t *idTable[T]) all() iter.Seq[T] {
	return func(yield func(T) bool) {
		var zero T
		for _, v := range t.slots {
			if v != zero && !yield(v) {
				return
			}
		}
	}
}

// cloneWith copies the table's layout with every element replaced by
// copyOf(element), so the copy needs no rehashing.
func (t *idTable[T]) cloneWith(copyOf func(T) T) idTable[T] {
	var zero T
	c := idTable[T]{seed: t.seed, slots: make([]T, len(t.slots)), n: t.n}
	for i, v := range t.slots {
		if v != zero {
			c.slots[i] = copyOf(v)
		}
	}
	return c
}
