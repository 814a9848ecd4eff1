package replay

import (
	"cmp"
	"fmt"
	"maps"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Bounds of a page of an element's history.
const (
	DefaultHistoryLimit = 100
	MaxHistoryLimit     = 1000
)

// ElementState is a node or an edge as its history is walked: whether it
// exists, and what it is then.
type ElementState struct {
	Exists         bool
	Type           string
	Source, Target string // an edge's
	Props          map[string]*structpb.Value
}

// NodeState and EdgeState are the states of an element that exists.
func NodeState(n *messages.Node) ElementState {
	return ElementState{Exists: true, Type: n.GetType(), Props: n.GetProperties().GetFields()}
}

func EdgeState(e *messages.Edge) ElementState {
	return ElementState{Exists: true, Type: e.GetType(), Source: e.GetSource(), Target: e.GetTarget(), Props: e.GetProperties().GetFields()}
}

// Element changes, as a step names what a transaction did.
const (
	ChangeAdded     = "added"
	ChangeUpdated   = "updated"
	ChangeRemoved   = "removed"
	ChangeReplaced  = "replaced"  // removed and added again
	ChangeTransient = "transient" // added and removed again
	ChangeUnchanged = "unchanged" // touched, and left as it was
)

// ElementStep is what one committed transaction did to one element.
type ElementStep struct {
	Change        string
	Before, After ElementState
	// Properties are the properties whose value differs between Before
	// and After, by key.
	Properties []*messages.PropertyChange
}

// StepElement applies to st, the state of node (edge false) or edge id
// before tx, the events of tx that concern it (for an edge, also the
// removal of an endpoint, which removes it), and says what changed. tx is
// committed: its events passed the graph's rules, in order.
func StepElement(edge bool, id string, st ElementState, tx *messages.Transaction) ElementStep {
	step := ElementStep{Before: st}
	cur := st
	cur.Props = maps.Clone(st.Props)
	removedOnce := false
	for _, ev := range tx.GetEvents() {
		switch p := ev.GetPayload().(type) {
		case *messages.Event_NodeAdded:
			if !edge && p.NodeAdded.GetNodeId() == id {
				cur = ElementState{Exists: true, Type: p.NodeAdded.GetNodeType(), Props: maps.Clone(p.NodeAdded.GetProperties().GetFields())}
			}
		case *messages.Event_NodeUpdated:
			if !edge && p.NodeUpdated.GetNodeId() == id {
				update(&cur, p.NodeUpdated.GetSet(), p.NodeUpdated.GetUnset())
			}
		case *messages.Event_NodeRemoved:
			gone := p.NodeRemoved.GetNodeId()
			if !edge && gone == id || edge && cur.Exists && (cur.Source == gone || cur.Target == gone) {
				cur, removedOnce = ElementState{}, true
			}
		case *messages.Event_EdgeAdded:
			if a := p.EdgeAdded; edge && a.GetEdgeId() == id {
				cur = ElementState{Exists: true, Type: a.GetEdgeType(), Source: a.GetSourceId(), Target: a.GetTargetId(),
					Props: maps.Clone(a.GetProperties().GetFields())}
			}
		case *messages.Event_EdgeUpdated:
			if edge && p.EdgeUpdated.GetEdgeId() == id {
				update(&cur, p.EdgeUpdated.GetSet(), p.EdgeUpdated.GetUnset())
			}
		case *messages.Event_EdgeRemoved:
			if edge && p.EdgeRemoved.GetEdgeId() == id {
				cur, removedOnce = ElementState{}, true
			}
		}
	}
	step.After = cur
	switch {
	case !st.Exists && cur.Exists:
		step.Change = ChangeAdded
	case st.Exists && !cur.Exists:
		step.Change = ChangeRemoved
	case !st.Exists && !cur.Exists:
		step.Change = ChangeTransient
	case removedOnce:
		step.Change = ChangeReplaced
	default:
		step.Change = ChangeUpdated
	}
	step.Properties = propertyChanges(st.Props, cur.Props)
	if step.Change == ChangeUpdated && len(step.Properties) == 0 {
		step.Change = ChangeUnchanged
	}
	return step
}

func update(st *ElementState, set *structpb.Struct, unset []string) {
	if st.Props == nil {
		st.Props = map[string]*structpb.Value{}
	}
	for k, v := range set.GetFields() {
		st.Props[k] = v
	}
	for _, k := range unset {
		delete(st.Props, k)
	}
}

// propertyChanges lists the keys whose values differ, sorted.
func propertyChanges(before, after map[string]*structpb.Value) []*messages.PropertyChange {
	keys := slices.Sorted(maps.Keys(before))
	for k := range after {
		if _, ok := before[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	var out []*messages.PropertyChange
	for _, k := range keys {
		b, a := before[k], after[k]
		if b != nil && a != nil && proto.Equal(b, a) {
			continue
		}
		out = append(out, &messages.PropertyChange{Key: k, Before: b, After: a})
	}
	return out
}

// historyPage answers GetHistory from g's trails.
func historyPage(g *graph.Graph, q *messages.GetHistory) (*messages.History, error) {
	kind := "node"
	if q.GetEdge() {
		kind = "edge"
	}
	if err := graph.ValidateElementID(kind, q.GetId()); err != nil {
		return nil, err
	}
	limit := int(q.GetLimit())
	switch {
	case limit == 0:
		limit = DefaultHistoryLimit
	case limit > MaxHistoryLimit:
		return nil, fmt.Errorf("%w: limit %d; a page of history holds at most %d transactions", graph.ErrInvalidArgument, limit, MaxHistoryLimit)
	}
	touches := g.History(q.GetEdge(), q.GetId())
	if len(touches) == 0 {
		return nil, fmt.Errorf("%w: graph %s never had %s %q", graph.ErrNotFound, g.ID(), kind, q.GetId())
	}
	i, _ := slices.BinarySearchFunc(touches, q.GetAfterVersion()+1, func(t graph.Touch, v uint64) int {
		return cmp.Compare(t.Version, v)
	})
	page := touches[i:]
	h := &messages.History{More: len(page) > limit}
	page = page[:min(limit, len(page))]
	for _, t := range page {
		h.Versions = append(h.Versions, t.Version)
		h.Sequences = append(h.Sequences, t.Sequence)
	}
	return h, nil
}
