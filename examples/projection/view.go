package main

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// Degree is a node's count of edges in and out (a self-loop counts in
// both).
type Degree struct {
	In  int `json:"in"`
	Out int `json:"out"`
}

// view is one graph's part of the projection: its elements as the fold
// has them, and the counts and degree index derived from them. The
// elements are a graph.Graph folded with graph's own Apply (the rules the
// grains apply), so that what the log holds but the rules refused (a
// write past the grains) changes nothing here either, and a node's
// removal takes its edges here as it does there.
type view struct {
	g      *graph.Graph
	nodes  map[string]int // by type
	edges  map[string]int // by type
	degree map[string]Degree
}

func newView(graphID string) *view {
	return &view{g: graph.New(graphID), nodes: map[string]int{}, edges: map[string]int{}, degree: map[string]Degree{}}
}

// apply folds one committed transaction into the view. A transaction at
// or below the view's version is one the view has (a follower resumed
// from a checkpoint older than the view, see store.go): it is skipped, so
// nothing is counted twice. It reports whether the view changed
// (version included).
func (v *view) apply(tx *messages.Transaction) (bool, error) {
	if tx.GetVersion() <= v.g.Version() {
		return false, nil
	}
	before := v.g.Capture(tx.GetEvents())
	err := v.g.Apply(tx)
	var rejected *graph.RejectedError
	if errors.As(err, &rejected) {
		return true, nil // it keeps its version and changes nothing
	}
	if err != nil {
		return false, fmt.Errorf("graph %s: %w", v.g.ID(), err) // a gap: versions missing before it
	}
	d := v.g.ChangesSince(before)
	// Edges first: a node removed takes its edges, listed as removed too.
	for _, e := range d.GetEdgesRemoved() {
		v.removeEdge(e.GetType(), e.GetSource(), e.GetTarget())
	}
	for _, n := range d.GetNodesRemoved() {
		count(v.nodes, n.GetType(), -1)
		delete(v.degree, n.GetId())
	}
	for _, n := range d.GetNodesAdded() {
		count(v.nodes, n.GetType(), 1)
		v.degree[n.GetId()] = Degree{}
	}
	for _, e := range d.GetEdgesAdded() {
		v.addEdge(e.GetType(), e.GetSource(), e.GetTarget())
	}
	return true, nil
}

func (v *view) addEdge(typ, src, dst string) {
	count(v.edges, typ, 1)
	s := v.degree[src]
	s.Out++
	v.degree[src] = s
	t := v.degree[dst]
	t.In++
	v.degree[dst] = t
}

func (v *view) removeEdge(typ, src, dst string) {
	count(v.edges, typ, -1)
	if s, ok := v.degree[src]; ok {
		s.Out--
		v.degree[src] = s
	}
	if t, ok := v.degree[dst]; ok {
		t.In--
		v.degree[dst] = t
	}
}

// count adds d to m[k], keeping no zero entries.
func count(m map[string]int, k string, d int) {
	if m[k] += d; m[k] == 0 {
		delete(m, k)
	}
}

// record is a view as it is stored: one KV value per graph, holding the
// elements the counts derive from and the position of the last
// transaction they include. Written whole, the view and its checkpoint
// can never disagree (see store.go).
type record struct {
	Graph    string      `json:"graph"`
	Version  uint64      `json:"version"`
	Sequence uint64      `json:"sequence"`
	Nodes    [][2]string `json:"nodes"` // id, type; sorted by ID
	Edges    [][4]string `json:"edges"` // id, type, source, target; sorted by ID
}

func (v *view) record() ([]byte, error) {
	s := v.g.State()
	r := record{Graph: s.GetGraphId(), Version: s.GetVersion(), Sequence: s.GetSequence(),
		Nodes: make([][2]string, len(s.GetNodes())), Edges: make([][4]string, len(s.GetEdges()))}
	for i, n := range s.GetNodes() {
		r.Nodes[i] = [2]string{n.GetId(), n.GetType()}
	}
	for i, e := range s.GetEdges() {
		r.Edges[i] = [4]string{e.GetId(), e.GetType(), e.GetSource(), e.GetTarget()}
	}
	return json.Marshal(r)
}

// viewFromRecord rebuilds a stored view, its counts and degrees derived
// again from its elements.
func viewFromRecord(data []byte) (*view, error) {
	var r record
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, err
	}
	s := &messages.GraphState{GraphId: r.Graph, Version: r.Version, Sequence: r.Sequence, Format: graph.StateFormat,
		Nodes: make([]*messages.Node, len(r.Nodes)), Edges: make([]*messages.Edge, len(r.Edges))}
	for i, n := range r.Nodes {
		s.Nodes[i] = &messages.Node{Id: n[0], Type: n[1]}
	}
	for i, e := range r.Edges {
		s.Edges[i] = &messages.Edge{Id: e[0], Type: e[1], Source: e[2], Target: e[3]}
	}
	g, err := graph.FromState(s)
	if err != nil {
		return nil, err
	}
	v := &view{g: g, nodes: map[string]int{}, edges: map[string]int{}, degree: map[string]Degree{}}
	for _, n := range r.Nodes {
		count(v.nodes, n[1], 1)
		v.degree[n[0]] = Degree{}
	}
	for _, e := range r.Edges {
		v.addEdge(e[1], e[2], e[3])
	}
	return v, nil
}

// GraphView is the answer to GetView: one graph's counts and degrees.
type GraphView struct {
	Graph       string            `json:"graph"`
	Version     uint64            `json:"version"`
	Sequence    uint64            `json:"sequence"`
	NodesByType map[string]int    `json:"nodes_by_type"`
	EdgesByType map[string]int    `json:"edges_by_type"`
	Degrees     map[string]Degree `json:"degrees"`
}

func (v *view) answer() GraphView {
	return GraphView{Graph: v.g.ID(), Version: v.g.Version(), Sequence: v.g.Sequence(),
		NodesByType: clone(v.nodes), EdgesByType: clone(v.edges), Degrees: clone(v.degree)}
}

func clone[V any](m map[string]V) map[string]V {
	out := make(map[string]V, len(m))
	for k, x := range m {
		out[k] = x
	}
	return out
}

// NodeDegree is one entry of the degree index.
type NodeDegree struct {
	Node string `json:"node"`
	Degree
}

// top is the n nodes of highest degree (in plus out), ties by ID.
func (v *view) top(n int) []NodeDegree {
	out := make([]NodeDegree, 0, len(v.degree))
	for id, d := range v.degree {
		out = append(out, NodeDegree{Node: id, Degree: d})
	}
	slices.SortFunc(out, func(a, b NodeDegree) int {
		if c := cmp.Compare(b.In+b.Out, a.In+a.Out); c != 0 {
			return c
		}
		return cmp.Compare(a.Node, b.Node)
	})
	return out[:min(n, len(out))]
}
