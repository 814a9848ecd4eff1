package graph

import (
	"cmp"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/graphlog/graphlog/messages"
)

// form is what a diff compares of an element: everything but its ID. Two
// elements with equal forms are equal, because properties are kept in
// their canonical encoding.
type form struct {
	typ      string
	src, dst string // edges only
	props    string
}

func nodeForm(n *node) form { return form{typ: typeName(n.typ), props: n.props} }
func edgeForm(e *edge) form {
	return form{typ: typeName(e.typ), src: e.src.id, dst: e.dst.id, props: e.props}
}

// Diff returns what changed from a to b, two states of one graph (a nil
// side is an empty graph). Its cost is linear in the sizes of both.
func Diff(a, b *Graph) *messages.GraphDiff {
	if a == nil {
		a = New("")
	}
	if b == nil {
		b = New("")
	}
	var d messages.GraphDiff
	diffNodes(&d, nodeForms(&a.nodes), nodeForms(&b.nodes))
	diffEdges(&d, edgeForms(&a.edges), edgeForms(&b.edges))
	return &d
}

func nodeForms(t *idTable[*node]) map[string]form {
	m := make(map[string]form, t.len())
	for n := range t.all() {
		m[n.id] = nodeForm(n)
	}
	return m
}

func edgeForms(t *idTable[*edge]) map[string]form {
	m := make(map[string]form, t.len())
	for e := range t.all() {
		m[e.id] = edgeForm(e)
	}
	return m
}

// Capture holds the form, at one moment, of some elements of a graph:
// what ChangesSince compares them with after a fold. It costs what it
// captures, not the size of the graph, so replays can report the changes
// of every frame.
type Capture struct {
	nodes map[string]*form // nil: absent when captured
	edges map[string]*form
}

// NewCapture returns an empty capture.
func NewCapture() *Capture {
	return &Capture{nodes: map[string]*form{}, edges: map[string]*form{}}
}

// Capture records the current form of the nodes and edges that events
// touch, including every edge of a node they remove (removing a node
// removes its edges).
func (g *Graph) Capture(events []*messages.Event) *Capture {
	c := NewCapture()
	c.Add(g, events)
	return c
}

// Add records, as they are in g now, the elements events touch that c
// does not hold yet: a capture taken across several transactions keeps
// each element's form from before the first of them.
func (c *Capture) Add(g *Graph, events []*messages.Event) {
	node := func(id string) {
		if _, seen := c.nodes[id]; seen {
			return
		}
		n, ok := g.nodes.get(id)
		if !ok {
			c.nodes[id] = nil
			return
		}
		f := nodeForm(n)
		c.nodes[id] = &f
	}
	edge := func(id string) {
		if _, seen := c.edges[id]; seen {
			return
		}
		e, ok := g.edges.get(id)
		if !ok {
			c.edges[id] = nil
			return
		}
		f := edgeForm(e)
		c.edges[id] = &f
	}
	for _, ev := range events {
		switch p := ev.GetPayload().(type) {
		case *messages.Event_NodeAdded:
			node(p.NodeAdded.GetNodeId())
		case *messages.Event_NodeUpdated:
			node(p.NodeUpdated.GetNodeId())
		case *messages.Event_NodeRemoved:
			id := p.NodeRemoved.GetNodeId()
			node(id)
			if n, ok := g.nodes.get(id); ok {
				for _, e := range n.out {
					edge(e.id)
				}
				for _, e := range n.in {
					edge(e.id)
				}
			}
		case *messages.Event_EdgeAdded:
			edge(p.EdgeAdded.GetEdgeId())
		case *messages.Event_EdgeUpdated:
			edge(p.EdgeUpdated.GetEdgeId())
		case *messages.Event_EdgeRemoved:
			edge(p.EdgeRemoved.GetEdgeId())
		}
	}
}

// ChangesSince returns what happened to the captured elements between the
// capture and now.
func (g *Graph) ChangesSince(c *Capture) *messages.GraphDiff {
	before, after := map[string]form{}, map[string]form{}
	var d messages.GraphDiff
	for id, f := range c.nodes {
		if f != nil {
			before[id] = *f
		}
		if n, ok := g.nodes.get(id); ok {
			after[id] = nodeForm(n)
		}
	}
	diffNodes(&d, before, after)
	before, after = map[string]form{}, map[string]form{}
	for id, f := range c.edges {
		if f != nil {
			before[id] = *f
		}
		if e, ok := g.edges.get(id); ok {
			after[id] = edgeForm(e)
		}
	}
	diffEdges(&d, before, after)
	return &d
}

func diffNodes(d *messages.GraphDiff, before, after map[string]form) {
	msg := func(id string, f form) *messages.Node {
		return &messages.Node{Id: id, Type: f.typ, Properties: decodeProps(f.props)}
	}
	for _, id := range unionKeys(before, after) {
		b, inB := before[id]
		a, inA := after[id]
		switch {
		case inB && inA && b.typ == a.typ:
			if b.props != a.props {
				d.NodesChanged = append(d.NodesChanged, &messages.NodeChange{Id: id, Properties: propertyChanges(b.props, a.props)})
			}
		default:
			if inB {
				d.NodesRemoved = append(d.NodesRemoved, msg(id, b))
			}
			if inA {
				d.NodesAdded = append(d.NodesAdded, msg(id, a))
			}
		}
	}
}

func diffEdges(d *messages.GraphDiff, before, after map[string]form) {
	msg := func(id string, f form) *messages.Edge {
		return &messages.Edge{Id: id, Source: f.src, Target: f.dst, Type: f.typ, Properties: decodeProps(f.props)}
	}
	for _, id := range unionKeys(before, after) {
		b, inB := before[id]
		a, inA := after[id]
		switch {
		case inB && inA && b.typ == a.typ && b.src == a.src && b.dst == a.dst:
			if b.props != a.props {
				d.EdgesChanged = append(d.EdgesChanged, &messages.EdgeChange{Id: id, Properties: propertyChanges(b.props, a.props)})
			}
		default:
			if inB {
				d.EdgesRemoved = append(d.EdgesRemoved, msg(id, b))
			}
			if inA {
				d.EdgesAdded = append(d.EdgesAdded, msg(id, a))
			}
		}
	}
}

func unionKeys(a, b map[string]form) []string {
	keys := make([]string, 0, max(len(a), len(b)))
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, dup := a[k]; !dup {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// propertyChanges lists the keys whose values differ between two
// canonical encodings, sorted by key (the encodings are sorted too).
func propertyChanges(before, after string) []*messages.PropertyChange {
	b, a := parseEntries(before), parseEntries(after)
	var out []*messages.PropertyChange
	i, j := 0, 0
	for i < len(b) || j < len(a) {
		var c int
		switch {
		case i == len(b):
			c = 1
		case j == len(a):
			c = -1
		default:
			c = cmp.Compare(b[i].key, a[j].key)
		}
		switch {
		case c < 0:
			out = append(out, &messages.PropertyChange{Key: b[i].key, Before: decodeValue(b[i].val)})
			i++
		case c > 0:
			out = append(out, &messages.PropertyChange{Key: a[j].key, After: decodeValue(a[j].val)})
			j++
		default:
			if b[i].val != a[j].val {
				out = append(out, &messages.PropertyChange{Key: b[i].key, Before: decodeValue(b[i].val), After: decodeValue(a[j].val)})
			}
			i, j = i+1, j+1
		}
	}
	return out
}

func decodeValue(b string) *structpb.Value {
	v := new(structpb.Value)
	if err := proto.Unmarshal([]byte(b), v); err != nil {
		// b is this package's own canonical output (see decodeProps).
		panic("graph: stored property value does not decode: " + err.Error())
	}
	return v
}
