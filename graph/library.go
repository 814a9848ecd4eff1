package graph

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// The algorithm library: every algorithm a query can run, found by name,
// its parameters given as strings (URL query parameters) and checked here
// before any work, its answer a small result type with JSON tags.
//
// The rules every algorithm keeps, as ShortestPath, Components and
// TopologicalOrder do:
//
//   - The answer depends on the state only: vertices are numbered in node
//     ID order, arcs are visited in target order, lists in answers are
//     sorted, ties go to the smaller ID. Algorithms from gonum run over
//     adapters (library_gonum.go) that list nodes and neighbours in that
//     order, never over gonum's map-based graphs.
//   - Answers name nodes and edges by ID, never by vertex number.
//   - Every loop that can be long looks at ctx (stopped), and so does every
//     call into gonum, through its adapter; what cannot be interrupted is
//     bounded instead (Algorithm.MaxNodes), and its comment says so.
//   - Errors wrap the sentinels of errors.go and say what to do.
//
// Louvain tries nodes in an order drawn from a seed (a parameter) by a
// deterministic sequence, so its answer, too, depends on the state and
// the parameters only.

// Algorithm is one entry of the library.
type Algorithm struct {
	// Name is how a query names it: lower case, [a-z0-9_].
	Name string
	// Summary is one line for help and API docs.
	Summary string
	// Params are what it accepts, in the order docs list them.
	Params []Param
	// MaxNodes bounds the graphs it accepts beyond the node-wide bound
	// (0: only that one), for the superlinear ones whose work or answer
	// grows faster than the graph, or which run library code that cannot
	// be interrupted.
	MaxNodes int

	run func(ctx context.Context, g *Graph, args Args) (any, error)
}

// ParamKind says how a parameter's string is read.
type ParamKind string

const (
	// ParamNode is the ID of a node of the graph.
	ParamNode ParamKind = "node"
	// ParamEdgeProperty is the key of a numeric edge property (a weight,
	// a capacity).
	ParamEdgeProperty ParamKind = "edge_property"
	// ParamNumber is a finite decimal number.
	ParamNumber ParamKind = "number"
	// ParamInteger is a whole number.
	ParamInteger ParamKind = "integer"
	// ParamBool is true or false (as strconv.ParseBool reads it).
	ParamBool ParamKind = "bool"
	// ParamEnum is one of Param.Values.
	ParamEnum ParamKind = "enum"
	// ParamString is any text.
	ParamString ParamKind = "string"
)

// Param describes one parameter of an algorithm.
type Param struct {
	Name string
	Kind ParamKind
	// Default is used when the parameter is absent or empty; an optional
	// parameter without one is simply absent.
	Default string
	Doc     string
	// Required: absent or empty is an error.
	Required bool
	// Values are what an enum accepts.
	Values []string
	// Min and Max bound a number or an integer, inclusive; empty is
	// unbounded.
	Min, Max string
}

// Args are an algorithm's parameters, parsed and checked: a node exists,
// a number is in range. An absent optional parameter without a default has
// no value; its getters answer the zero value.
type Args struct {
	values map[string]any
}

func (a Args) has(name string) bool { _, ok := a.values[name]; return ok }

func (a Args) str(name string) string { s, _ := a.values[name].(string); return s }

func (a Args) num(name string) float64 { f, _ := a.values[name].(float64); return f }

func (a Args) integer(name string) int { i, _ := a.values[name].(int); return i }

func (a Args) flag(name string) bool { b, _ := a.values[name].(bool); return b }

// library is every algorithm, sorted by name.
var library = func() []*Algorithm {
	all := slices.Concat(
		pathAlgorithms(),
		structureAlgorithms(),
		flowAlgorithms(),
		centralityAlgorithms(),
		communityAlgorithms(),
	)
	slices.SortFunc(all, func(a, b *Algorithm) int { return cmp.Compare(a.Name, b.Name) })
	return all
}()

// Algorithms returns the library, sorted by name. The entries are shared:
// callers must not modify them.
func Algorithms() []*Algorithm { return slices.Clone(library) }

// LookupAlgorithm returns the algorithm of that name; an unknown name is
// ErrInvalidArgument naming the known ones.
func LookupAlgorithm(name string) (*Algorithm, error) {
	i, ok := slices.BinarySearchFunc(library, name, func(a *Algorithm, name string) int { return cmp.Compare(a.Name, name) })
	if !ok {
		names := make([]string, len(library))
		for i, a := range library {
			names[i] = a.Name
		}
		return nil, fmt.Errorf("%w: unknown algorithm %q; use one of %s", ErrInvalidArgument, name, strings.Join(names, ", "))
	}
	return library[i], nil
}

// RunAlgorithm runs the named algorithm with the given parameters. It
// checks them all before any work: an unknown algorithm or parameter, a
// missing required one, or a value that does not parse or is out of range
// is ErrInvalidArgument; a node parameter that names no node is
// ErrNotFound; a graph of more nodes than the algorithm's MaxNodes is
// ErrLimit. It stops with ctx's cause when ctx ends. The answer is the
// algorithm's result type (a pointer to a struct with JSON tags), equal
// for equal states and parameters.
func (g *Graph) RunAlgorithm(ctx context.Context, name string, params map[string]string) (any, error) {
	a, err := LookupAlgorithm(name)
	if err != nil {
		return nil, err
	}
	args, err := a.parse(g, params)
	if err != nil {
		return nil, err
	}
	if a.MaxNodes > 0 && g.NodeCount() > a.MaxNodes {
		return nil, fmt.Errorf("%w: %s runs on graphs of at most %d nodes (its MaxNodes bound); graph %q has %d",
			ErrLimit, a.Name, a.MaxNodes, g.id, g.NodeCount())
	}
	return a.run(ctx, g, args)
}

// parse checks params against a.Params and reads them.
func (a *Algorithm) parse(g *Graph, params map[string]string) (Args, error) {
	var unknown []string
	for name := range params {
		if !slices.ContainsFunc(a.Params, func(p Param) bool { return p.Name == name }) {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown) // the error names the same one whatever the map's order
		return Args{}, fmt.Errorf("%w: %s has no parameter %q; it accepts %s", ErrInvalidArgument, a.Name, unknown[0], a.paramNames())
	}
	args := Args{values: make(map[string]any, len(a.Params))}
	for _, p := range a.Params {
		raw := params[p.Name]
		if raw == "" {
			raw = p.Default
		}
		if raw == "" {
			if p.Required {
				return Args{}, fmt.Errorf("%w: %s needs parameter %q: %s", ErrInvalidArgument, a.Name, p.Name, p.Doc)
			}
			continue
		}
		v, err := p.read(raw)
		if err != nil {
			return Args{}, fmt.Errorf("%w: %s parameter %q: %v", ErrInvalidArgument, a.Name, p.Name, err)
		}
		if p.Kind == ParamNode {
			if _, ok := g.nodes.get(raw); !ok {
				return Args{}, fmt.Errorf("%w: node %q (%s parameter %q) does not exist in graph %q", ErrNotFound, raw, a.Name, p.Name, g.id)
			}
		}
		args.values[p.Name] = v
	}
	return args, nil
}

func (a *Algorithm) paramNames() string {
	if len(a.Params) == 0 {
		return "none"
	}
	names := make([]string, len(a.Params))
	for i, p := range a.Params {
		names[i] = p.Name
	}
	return strings.Join(names, ", ")
}

// read parses one value; its errors say what is wrong with raw, and parse
// adds which parameter it is.
func (p Param) read(raw string) (any, error) {
	switch p.Kind {
	case ParamNode, ParamEdgeProperty, ParamString:
		return raw, nil
	case ParamEnum:
		if !slices.Contains(p.Values, raw) {
			return nil, fmt.Errorf("%q is not one of %s", raw, strings.Join(p.Values, ", "))
		}
		return raw, nil
	case ParamBool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", raw)
		}
		return b, nil
	case ParamNumber:
		f, err := strconv.ParseFloat(raw, 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, fmt.Errorf("%q is not a finite number", raw)
		}
		return f, p.inRange(f, raw)
	case ParamInteger:
		i, err := strconv.Atoi(raw)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", raw)
		}
		return i, p.inRange(float64(i), raw)
	}
	return nil, fmt.Errorf("kind %q is unknown", p.Kind)
}

func (p Param) inRange(f float64, raw string) error {
	lo, hi := math.Inf(-1), math.Inf(1)
	if p.Min != "" {
		lo, _ = strconv.ParseFloat(p.Min, 64)
	}
	if p.Max != "" {
		hi, _ = strconv.ParseFloat(p.Max, 64)
	}
	switch {
	case f >= lo && f <= hi:
		return nil
	case p.Max == "":
		return fmt.Errorf("%s is less than %s, its least", raw, p.Min)
	case p.Min == "":
		return fmt.Errorf("%s is more than %s, its most", raw, p.Max)
	}
	return fmt.Errorf("%s is not between %s and %s", raw, p.Min, p.Max)
}

// Number is a float64 of a result. JSON has no infinities, so one that is
// not finite (a sum of weights past the largest float64, a distance to a
// node that cannot be reached) is written as null.
type Number float64

func (x Number) MarshalJSON() ([]byte, error) {
	f := float64(x)
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return []byte("null"), nil
	}
	return json.Marshal(f)
}

// NodeScore is a node's value in a ranking (a centrality, a core number).
type NodeScore struct {
	Node  string  `json:"node"`
	Score float64 `json:"score"`
}

// rankScores lists score[v] for every vertex, highest first, ties by node
// ID (vertex order is ID order).
func rankScores(ids []string, score []float64) []NodeScore {
	order := make([]int, len(ids))
	for v := range order {
		order[v] = v
	}
	slices.SortStableFunc(order, func(v, w int) int { return cmp.Compare(score[w], score[v]) })
	out := make([]NodeScore, len(order))
	for i, v := range order {
		out[i] = NodeScore{Node: ids[v], Score: score[v]}
	}
	return out
}

// Common parameters.
const (
	paramWeightDoc = "numeric edge property to use as the cost of each edge; absent: every edge costs 1"
)

func fromParam(doc string) Param {
	return Param{Name: "from", Kind: ParamNode, Required: true, Doc: doc}
}

func toParam(doc string) Param { return Param{Name: "to", Kind: ParamNode, Required: true, Doc: doc} }

func weightParam(doc string) Param { return Param{Name: "weight", Kind: ParamEdgeProperty, Doc: doc} }

// sign is what values a numeric edge property may take.
type sign int

const (
	anySign sign = iota
	nonNegative
	positive
)

// edgeNumber reads an edge's cost (or capacity) from its numeric property
// key, given as parameter param, which allows the values s does.
func edgeNumber(param, key string, s sign) func(*edge) (float64, error) {
	return func(e *edge) (float64, error) {
		f, kind := lookupNumber(e.props, key)
		switch {
		case kind == "missing":
			return 0, fmt.Errorf("%w: edge %q has no property %q (parameter %s); give every edge a number there", ErrInvalidWeight, e.id, key, param)
		case kind != "":
			return 0, fmt.Errorf("%w: edge %q property %q (parameter %s) is %s, not a number", ErrInvalidWeight, e.id, key, param, kind)
		case s == nonNegative && f < 0:
			return 0, fmt.Errorf("%w: edge %q property %q (parameter %s) is %v; it must not be negative", ErrInvalidWeight, e.id, key, param, f)
		case s == positive && f <= 0:
			return 0, fmt.Errorf("%w: edge %q property %q (parameter %s) is %v; it must be positive", ErrInvalidWeight, e.id, key, param, f)
		}
		return f, nil
	}
}

// costOf is the cost function of an optional edge-property parameter: nil
// (every edge costs 1) when it is absent.
func costOf(args Args, param string, s sign) func(*edge) (float64, error) {
	if !args.has(param) {
		return nil
	}
	return edgeNumber(param, args.str(param), s)
}

// multigraph is the index with every edge kept: parallel edges and
// self-loops, each vertex's arcs sorted by target, cost, then edge ID
// (digraph collapses it). On a cost error it reports the edge with the
// smallest ID that fails.
func (g *Graph) multigraph(ctx context.Context, cost func(*edge) (float64, error)) (*digraph, error) {
	nodes := g.sortedNodes()
	index := make(map[*node]int, len(nodes))
	d := &digraph{ids: make([]string, len(nodes)), arcs: make([][]arc, len(nodes))}
	for v, n := range nodes {
		index[n] = v
		d.ids[v] = n.id
	}
	var (
		bad    *edge
		badErr error
	)
	for v, n := range nodes {
		if err := stopped(ctx, v); err != nil {
			return nil, err
		}
		list := make([]arc, 0, len(n.out))
		for _, e := range n.out {
			c := 1.0
			if cost != nil {
				var err error
				if c, err = cost(e); err != nil {
					if bad == nil || e.id < bad.id {
						bad, badErr = e, err
					}
					continue
				}
			}
			list = append(list, arc{to: index[e.dst], cost: c, edge: e.id})
		}
		slices.SortFunc(list, compareArcs)
		d.arcs[v] = list
	}
	if bad != nil {
		return nil, badErr
	}
	return d, nil
}

func compareArcs(a, b arc) int {
	return cmp.Or(cmp.Compare(a.to, b.to), cmp.Compare(a.cost, b.cost), cmp.Compare(a.edge, b.edge))
}

// merge says what one arc stands for when several join the same vertices.
type merge int

const (
	// cheapest keeps the cheapest, ties to the smallest edge ID: digraph's
	// rule, for paths.
	cheapest merge = iota
	// summed adds their costs up (edge: the cheapest's), for weights that
	// are strengths: links of PageRank, affinities of communities.
	summed
)

// merged returns the arcs of a sorted list with those to one target made
// one, as m says.
func merged(list []arc, m merge) []arc {
	out := list[:0:0]
	for _, a := range list {
		if n := len(out); n > 0 && out[n-1].to == a.to {
			if m == summed {
				out[n-1].cost += a.cost
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// summedArcs returns d (a multigraph) with parallel arcs added up.
func (d *digraph) summedArcs(ctx context.Context) (*digraph, error) {
	s := &digraph{ids: d.ids, arcs: make([][]arc, len(d.arcs))}
	for v, list := range d.arcs {
		if err := stopped(ctx, v); err != nil {
			return nil, err
		}
		s.arcs[v] = merged(list, summed)
	}
	return s, nil
}

// undirected returns the view of d with edge direction ignored: each arc
// u→v also as v→u, self-loops dropped, and the arcs joining two vertices
// (parallel or opposite edges) merged as m says; m < 0 keeps them all.
func (d *digraph) undirected(ctx context.Context, m merge) (*digraph, error) {
	u := &digraph{ids: d.ids, arcs: make([][]arc, len(d.arcs))}
	for v, list := range d.arcs {
		if err := stopped(ctx, v); err != nil {
			return nil, err
		}
		for _, a := range list {
			if a.to == v {
				continue
			}
			u.arcs[v] = append(u.arcs[v], a)
			u.arcs[a.to] = append(u.arcs[a.to], arc{to: v, cost: a.cost, edge: a.edge})
		}
	}
	for v, list := range u.arcs {
		if err := stopped(ctx, v); err != nil {
			return nil, err
		}
		slices.SortFunc(list, compareArcs)
		if m >= 0 {
			u.arcs[v] = merged(list, m)
		}
	}
	return u, nil
}

// keepAll, given to undirected, keeps every arc.
const keepAll merge = -1

// reversed returns d with every arc turned around, sorted as d's are. It
// takes no context: it is linear but for sorting each vertex's arcs, like
// building d, which looked at the context.
func (d *digraph) reversed() *digraph {
	r := &digraph{ids: d.ids, arcs: make([][]arc, len(d.arcs))}
	for v, list := range d.arcs {
		for _, a := range list {
			r.arcs[a.to] = append(r.arcs[a.to], arc{to: v, cost: a.cost, edge: a.edge})
		}
	}
	for _, list := range r.arcs {
		slices.SortFunc(list, compareArcs)
	}
	return r
}

// names returns the IDs of vertices.
func (d *digraph) names(vs []int) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = d.ids[v]
	}
	return out
}

// sortedNames returns the IDs of vertices in ID order.
func (d *digraph) sortedNames(vs []int) []string {
	vs = slices.Clone(vs)
	slices.Sort(vs)
	return d.names(vs)
}

// Cycle is a closed walk: Nodes starts and ends at the same node, and
// Edges[i] goes from Nodes[i] to Nodes[i+1] (in an undirected view, joins
// them).
type Cycle struct {
	Nodes []string `json:"nodes"`
	Edges []string `json:"edges"`
}

// closedWalk returns the cycle through vertices vs (the first not repeated
// at the end), each step over the arc arcOf gives.
func (d *digraph) closedWalk(vs []int, arcOf func(v, w int) arc) Cycle {
	c := Cycle{Nodes: make([]string, 0, len(vs)+1), Edges: make([]string, 0, len(vs))}
	for i, v := range vs {
		w := vs[(i+1)%len(vs)]
		c.Nodes = append(c.Nodes, d.ids[v])
		c.Edges = append(c.Edges, arcOf(v, w).edge)
	}
	c.Nodes = append(c.Nodes, d.ids[vs[0]])
	return c
}

// describe renders a cycle for an error message.
func (c Cycle) describe() string {
	names := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		names[i] = strconv.Quote(n)
	}
	edges := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		edges[i] = strconv.Quote(e)
	}
	return fmt.Sprintf("%s (edges %s)", strings.Join(names, " -> "), strings.Join(edges, ", "))
}
