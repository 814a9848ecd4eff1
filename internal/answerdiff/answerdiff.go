// Package answerdiff says how the answer of a read changed between two
// moments of a graph: which nodes joined or left a component, how a
// shortest path changed, whose PageRank rose most (docs/ARCHITECTURE.md,
// "How an answer changed").
//
// Answers are compared as JSON, by their shape, so one set of rules
// covers every read and every algorithm of the library:
//
//   - Equal values are left out; Between reports whether anything differs.
//   - Objects: each key whose values differ, by these rules; a key on one
//     side only is {"before": v} or {"after": v}.
//   - Numbers: {"before", "after", "delta"}; other scalars, and values of
//     different kinds: {"before", "after"}.
//   - Lists of strings (a path, an order, a set of IDs), counted as
//     multisets: {"added", "removed"}, and "reordered": true when the
//     strings on both sides come in another order.
//   - Lists of lists of strings are groups (components, communities,
//     cliques): see Groups.
//   - Lists of objects that each name an element by a string field (or an
//     object with a string "id") — "id", "edge", "node" or "from", the
//     first that is unique on both sides — are matched by that name:
//     {"added": [...], "removed": [...], "changed": [{name, fields}]}, the
//     changed ones ordered by their largest numeric change, then by name.
//   - Other lists: {"before": [...], "after": [...]} whole.
package answerdiff

import (
	"cmp"
	"encoding/json"
	"math"
	"reflect"
	"slices"
)

// Between returns how after differs from before, both JSON values as
// encoding/json decodes them into an any, and whether they differ at all.
func Between(before, after any) (any, bool) {
	if reflect.DeepEqual(before, after) {
		return nil, false
	}
	switch b := before.(type) {
	case map[string]any:
		if a, ok := after.(map[string]any); ok {
			return objects(b, a), true
		}
	case []any:
		if a, ok := after.([]any); ok {
			return lists(b, a), true
		}
	case float64:
		if a, ok := after.(float64); ok {
			return map[string]any{"before": b, "after": a, "delta": a - b}, true
		}
	}
	return map[string]any{"before": before, "after": after}, true
}

// Decode reads a JSON value as Between takes it.
func Decode(data []byte) (any, error) {
	var v any
	err := json.Unmarshal(data, &v)
	return v, err
}

func objects(before, after map[string]any) map[string]any {
	out := map[string]any{}
	for k, b := range before {
		a, ok := after[k]
		if !ok {
			out[k] = map[string]any{"before": b}
			continue
		}
		if d, changed := Between(b, a); changed {
			out[k] = d
		}
	}
	for k, a := range after {
		if _, ok := before[k]; !ok {
			out[k] = map[string]any{"after": a}
		}
	}
	return out
}

// lists compares two lists by the shape of their items.
func lists(before, after []any) any {
	switch {
	case allOf(before, after, isString):
		return strings(strs(before), strs(after))
	case allOf(before, after, isStringList):
		return Groups(groupsOf(before), groupsOf(after))
	case allOf(before, after, isObject):
		if key, ok := commonKey(before, after); ok {
			return keyed(key, before, after)
		}
	}
	return map[string]any{"before": before, "after": after}
}

func allOf(before, after []any, is func(any) bool) bool {
	for _, l := range [][]any{before, after} {
		for _, v := range l {
			if !is(v) {
				return false
			}
		}
	}
	return true
}

func isString(v any) bool { _, ok := v.(string); return ok }

func isObject(v any) bool { _, ok := v.(map[string]any); return ok }

func isStringList(v any) bool {
	l, ok := v.([]any)
	if !ok {
		return false
	}
	for _, s := range l {
		if !isString(s) {
			return false
		}
	}
	return true
}

func strs(l []any) []string {
	out := make([]string, len(l))
	for i, v := range l {
		out[i] = v.(string)
	}
	return out
}

func groupsOf(l []any) [][]string {
	out := make([][]string, len(l))
	for i, v := range l {
		out[i] = strs(v.([]any))
	}
	return out
}

// strings compares two lists of strings as multisets, and the order of
// what they share.
func strings(before, after []string) map[string]any {
	count := map[string]int{}
	for _, s := range before {
		count[s]++
	}
	added := []string{}
	var common []string
	for _, s := range after {
		if count[s] > 0 {
			count[s]--
			common = append(common, s)
		} else {
			added = append(added, s)
		}
	}
	removed := []string{}
	var kept []string
	for _, s := range before {
		if count[s] > 0 {
			count[s]--
			removed = append(removed, s)
		} else {
			kept = append(kept, s)
		}
	}
	out := map[string]any{"added": added, "removed": removed}
	if !slices.Equal(kept, common) {
		out["reordered"] = true
	}
	return out
}

// keyFields are the fields that may name a list's items, in the order
// they are tried.
var keyFields = []string{"id", "edge", "node", "from"}

// nameOf is the name field gives an item: a string, or an object's
// string "id".
func nameOf(item map[string]any, field string) (string, bool) {
	switch v := item[field].(type) {
	case string:
		return v, true
	case map[string]any:
		id, ok := v["id"].(string)
		return id, ok
	}
	return "", false
}

// commonKey is the first key field that names every item of both lists,
// each name once per list.
func commonKey(before, after []any) (string, bool) {
	for _, f := range keyFields {
		if names(before, f) != nil && names(after, f) != nil {
			return f, true
		}
	}
	return "", false
}

// names indexes a list's items by the name field gives them; nil when
// an item has none or two share one.
func names(l []any, field string) map[string]map[string]any {
	out := make(map[string]map[string]any, len(l))
	for _, v := range l {
		item := v.(map[string]any)
		name, ok := nameOf(item, field)
		if !ok {
			return nil
		}
		if _, dup := out[name]; dup {
			return nil
		}
		out[name] = item
	}
	return out
}

// keyed compares two lists of named items: which names came, which
// went, and what changed of those on both sides.
func keyed(field string, before, after []any) map[string]any {
	was := names(before, field)
	is := names(after, field)
	added, removed := []any{}, []any{}
	type change struct {
		name string
		size float64
		diff map[string]any
	}
	var changed []change
	for _, v := range after {
		item := v.(map[string]any)
		name, _ := nameOf(item, field)
		old, ok := was[name]
		if !ok {
			added = append(added, item)
			continue
		}
		d, differs := Between(old, item)
		if !differs {
			continue
		}
		diff := d.(map[string]any)
		c := change{name: name, diff: diff}
		for _, f := range diff {
			if m, ok := f.(map[string]any); ok {
				if delta, ok := m["delta"].(float64); ok {
					c.size = max(c.size, math.Abs(delta))
				}
			}
		}
		if _, ok := item[field].(string); ok {
			diff[field] = name
		} else {
			// Named by an object's ID: the object's own changes, if
			// any, stay beside the name.
			named, _ := diff[field].(map[string]any)
			if named == nil {
				named = map[string]any{}
			}
			named["id"] = name
			diff[field] = named
		}
		changed = append(changed, c)
	}
	for _, v := range before {
		item := v.(map[string]any)
		if name, _ := nameOf(item, field); is[name] == nil {
			removed = append(removed, item)
		}
	}
	slices.SortFunc(changed, func(a, b change) int {
		return cmp.Or(cmp.Compare(b.size, a.size), cmp.Compare(a.name, b.name))
	})
	list := make([]any, len(changed))
	for i, c := range changed {
		list[i] = c.diff
	}
	return map[string]any{"added": added, "removed": removed, "changed": list}
}
