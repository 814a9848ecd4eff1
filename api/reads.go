package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

// read is one kind of read of a graph's state: how its parameters become
// a query for the grain and how the reply becomes the answer. A read is
// asked through its GET route (parameters from the query string and the
// path) or inside a what-if (parameters from the request body), and is
// answered the same way in both.
type read struct {
	// name is how a what-if asks for it.
	name string
	// path lists the parameters that the GET route takes from its path.
	path   []string
	query  func(p url.Values) (*messages.Query, error)
	answer func(graphID string, p url.Values, reply *messages.QueryReply) (any, error)
}

// reads are the reads a what-if may ask, by name.
var reads = func() map[string]*read {
	m := map[string]*read{}
	for _, r := range []*read{graphRead, nodeRead, edgeRead, neighborsRead, shortestPathRead, componentsRead, topologicalOrderRead, algorithmRead} {
		m[r.name] = r
	}
	return m
}()

// serveRead returns the GET handler of rd: the present from the grain,
// the past (as_of, version) from a replay.
func (s *server) serveRead(rd *read) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		graphID, err := graphParam(r)
		if err != nil {
			return err
		}
		p := r.URL.Query()
		for _, name := range rd.path {
			p.Set(name, r.PathValue(name))
		}
		q, err := rd.query(p)
		if err != nil {
			return err
		}
		reply, err := s.ask(r, graphID, q)
		if err != nil {
			return err
		}
		out, err := rd.answer(graphID, p, reply)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, out)
	}
}

// elementIDParam is a validated node or edge ID parameter.
func elementIDParam(p url.Values, name, what string) (string, error) {
	id := p.Get(name)
	if err := graph.ValidateElementID(what, id); err != nil {
		return "", fmt.Errorf("parameter %s: %w", name, err)
	}
	return id, nil
}

var graphRead = &read{
	name: "graph",
	query: func(url.Values) (*messages.Query, error) {
		return &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}}, nil
	},
	answer: func(graphID string, _ url.Values, reply *messages.QueryReply) (any, error) {
		state := reply.GetGraph()
		if state == nil {
			return nil, unexpected(reply, "a graph")
		}
		out := GraphJSON(state)
		out.Graph = graphID
		out.Version = replyVersion(reply)
		if out.Sequence == 0 {
			out.Sequence = reply.GetSequence()
		}
		return out, nil
	},
}

var nodeRead = &read{
	name: "node",
	path: []string{"node"},
	query: func(p url.Values) (*messages.Query, error) {
		id, err := elementIDParam(p, "node", "node")
		if err != nil {
			return nil, err
		}
		return &messages.Query{Query: &messages.Query_Node{Node: &messages.GetNode{NodeId: id}}}, nil
	},
	answer: func(_ string, _ url.Values, reply *messages.QueryReply) (any, error) {
		n := reply.GetNode()
		if n == nil {
			return nil, unexpected(reply, "a node")
		}
		return NodeJSON(n), nil
	},
}

var edgeRead = &read{
	name: "edge",
	path: []string{"edge"},
	query: func(p url.Values) (*messages.Query, error) {
		id, err := elementIDParam(p, "edge", "edge")
		if err != nil {
			return nil, err
		}
		return &messages.Query{Query: &messages.Query_Edge{Edge: &messages.GetEdge{EdgeId: id}}}, nil
	},
	answer: func(_ string, _ url.Values, reply *messages.QueryReply) (any, error) {
		e := reply.GetEdge()
		if e == nil {
			return nil, unexpected(reply, "an edge")
		}
		return EdgeJSON(e), nil
	},
}

// directions are the direction parameter's values; the first is the
// default.
var directions = []struct {
	name string
	dir  messages.Direction
}{{"out", messages.Direction_DIRECTION_OUT}, {"in", messages.Direction_DIRECTION_IN}, {"both", messages.Direction_DIRECTION_BOTH}}

func directionParam(p url.Values) (string, messages.Direction, error) {
	name := p.Get("direction")
	if name == "" {
		return directions[0].name, directions[0].dir, nil
	}
	for _, d := range directions {
		if d.name == name {
			return d.name, d.dir, nil
		}
	}
	return "", 0, fmt.Errorf("%w: direction is %q; use out, in or both", ErrInvalidRequest, clip(name))
}

var neighborsRead = &read{
	name: "neighbors",
	path: []string{"node"},
	query: func(p url.Values) (*messages.Query, error) {
		id, err := elementIDParam(p, "node", "node")
		if err != nil {
			return nil, err
		}
		_, dir, err := directionParam(p)
		if err != nil {
			return nil, err
		}
		return &messages.Query{Query: &messages.Query_Neighbors{Neighbors: &messages.GetNeighbors{NodeId: id, Direction: dir}}}, nil
	},
	answer: func(graphID string, p url.Values, reply *messages.QueryReply) (any, error) {
		ns := reply.GetNeighbors()
		if ns == nil {
			return nil, unexpected(reply, "neighbors")
		}
		dirName, _, _ := directionParam(p)
		out := Neighbors{Graph: graphID, Version: replyVersion(reply), Node: p.Get("node"), Direction: dirName,
			Neighbors: make([]Neighbor, 0, len(ns.GetNeighbors()))}
		for _, n := range ns.GetNeighbors() {
			out.Neighbors = append(out.Neighbors, Neighbor{
				Node: NodeJSON(n.GetNode()), Edge: EdgeJSON(n.GetEdge()), Direction: directionJSON(n.GetDirection())})
		}
		return out, nil
	},
}

var shortestPathRead = &read{
	name: "shortest-path",
	query: func(p url.Values) (*messages.Query, error) {
		from, err := elementIDParam(p, "from", "from node")
		if err != nil {
			return nil, err
		}
		to, err := elementIDParam(p, "to", "to node")
		if err != nil {
			return nil, err
		}
		weight := p.Get("weight")
		if len(weight) > graph.MaxElementIDLen || !utf8.ValidString(weight) {
			return nil, fmt.Errorf("%w: weight must name an edge property in at most %d bytes of UTF-8", ErrInvalidRequest, graph.MaxElementIDLen)
		}
		return &messages.Query{Query: &messages.Query_ShortestPath{
			ShortestPath: &messages.GetShortestPath{From: from, To: to, Weight: weight}}}, nil
	},
	answer: func(graphID string, _ url.Values, reply *messages.QueryReply) (any, error) {
		path := reply.GetPath()
		if path == nil {
			return nil, unexpected(reply, "a path")
		}
		return Path{Graph: graphID, Version: replyVersion(reply),
			Nodes: nonNil(path.GetNodes()), Edges: nonNil(path.GetEdges()), Cost: path.GetCost()}, nil
	},
}

// componentKinds are the kind parameter's values; the first is the
// default.
var componentKinds = []struct {
	name string
	kind messages.ComponentKind
}{{"weak", messages.ComponentKind_COMPONENT_KIND_WEAK}, {"strong", messages.ComponentKind_COMPONENT_KIND_STRONG}}

func componentKindParam(p url.Values) (string, messages.ComponentKind, error) {
	name := p.Get("kind")
	if name == "" {
		return componentKinds[0].name, componentKinds[0].kind, nil
	}
	for _, k := range componentKinds {
		if k.name == name {
			return k.name, k.kind, nil
		}
	}
	return "", 0, fmt.Errorf("%w: kind is %q; use weak or strong", ErrInvalidRequest, clip(name))
}

var componentsRead = &read{
	name: "components",
	query: func(p url.Values) (*messages.Query, error) {
		_, kind, err := componentKindParam(p)
		if err != nil {
			return nil, err
		}
		return &messages.Query{Query: &messages.Query_Components{Components: &messages.GetComponents{Kind: kind}}}, nil
	},
	answer: func(graphID string, p url.Values, reply *messages.QueryReply) (any, error) {
		cs := reply.GetComponents()
		if cs == nil {
			return nil, unexpected(reply, "components")
		}
		kindName, _, _ := componentKindParam(p)
		out := Components{Graph: graphID, Version: replyVersion(reply), Kind: kindName,
			Components: make([][]string, 0, len(cs.GetComponents()))}
		for _, c := range cs.GetComponents() {
			out.Components = append(out.Components, nonNil(c.GetNodes()))
		}
		return out, nil
	},
}

var topologicalOrderRead = &read{
	name: "topological-order",
	query: func(url.Values) (*messages.Query, error) {
		return &messages.Query{Query: &messages.Query_TopologicalOrder{TopologicalOrder: &messages.GetTopologicalOrder{}}}, nil
	},
	answer: func(graphID string, _ url.Values, reply *messages.QueryReply) (any, error) {
		o := reply.GetOrder()
		if o == nil {
			return nil, unexpected(reply, "an order")
		}
		return Order{Graph: graphID, Version: replyVersion(reply), Order: nonNil(o.GetNodes())}, nil
	},
}

// algorithmParams are the parameters of an algorithm read that are not
// the algorithm's: its name, and the moment of a read of the past.
var algorithmParams = []string{"algorithm", "as_of", "version"}

var algorithmRead = &read{
	name: "algorithm",
	path: []string{"algorithm"},
	query: func(p url.Values) (*messages.Query, error) {
		name := strings.ReplaceAll(p.Get("algorithm"), "-", "_")
		if _, err := graph.LookupAlgorithm(name); err != nil {
			return nil, err
		}
		params := map[string]string{}
		for k, vs := range p {
			if slices.Contains(algorithmParams, k) {
				continue
			}
			if len(vs) != 1 {
				return nil, fmt.Errorf("%w: parameter %s is given %d times; give it once", ErrInvalidRequest, clip(k), len(vs))
			}
			params[k] = vs[0]
		}
		return &messages.Query{Query: &messages.Query_Algorithm{Algorithm: &messages.RunAlgorithm{Name: name, Params: params}}}, nil
	},
	answer: func(graphID string, _ url.Values, reply *messages.QueryReply) (any, error) {
		res := reply.GetAlgorithm()
		if res == nil {
			return nil, unexpected(reply, "an algorithm's result")
		}
		return AlgorithmAnswer{Graph: graphID, Version: replyVersion(reply), Algorithm: res.GetName(), Result: json.RawMessage(res.GetJson())}, nil
	},
}

// listAlgorithms answers GET /v1/algorithms: the library, as GET
// .../algorithms/{name} runs it (a name's '_' may be written '-').
func (s *server) listAlgorithms(w http.ResponseWriter, _ *http.Request) error {
	var out []AlgorithmInfo
	for _, a := range graph.Algorithms() {
		info := AlgorithmInfo{Name: a.Name, Summary: a.Summary, MaxNodes: a.MaxNodes, Params: []ParamInfo{}}
		for _, p := range a.Params {
			info.Params = append(info.Params, ParamInfo{Name: p.Name, Kind: string(p.Kind), Required: p.Required,
				Default: p.Default, Values: p.Values, Min: p.Min, Max: p.Max, Doc: p.Doc})
		}
		out = append(out, info)
	}
	return writeJSON(w, http.StatusOK, AlgorithmList{Algorithms: out})
}
