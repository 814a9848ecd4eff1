package api

import (
	"fmt"
	"net/http"
	"unicode/utf8"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
)

func (s *server) shortestPath(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	from, to, weight := q.Get("from"), q.Get("to"), q.Get("weight")
	if err := graph.ValidateElementID("from node", from); err != nil {
		return fmt.Errorf("query parameter from: %w", err)
	}
	if err := graph.ValidateElementID("to node", to); err != nil {
		return fmt.Errorf("query parameter to: %w", err)
	}
	if len(weight) > graph.MaxElementIDLen || !utf8.ValidString(weight) {
		return fmt.Errorf("%w: weight must name an edge property in at most %d bytes of UTF-8", ErrInvalidRequest, graph.MaxElementIDLen)
	}
	reply, err := s.ask(r, graphID, &messages.Query{Query: &messages.Query_ShortestPath{
		ShortestPath: &messages.GetShortestPath{From: from, To: to, Weight: weight}}})
	if err != nil {
		return err
	}
	p := reply.GetPath()
	if p == nil {
		return unexpected(reply, "a path")
	}
	return writeJSON(w, http.StatusOK, Path{Graph: graphID, Version: replyVersion(reply),
		Nodes: nonNil(p.GetNodes()), Edges: nonNil(p.GetEdges()), Cost: p.GetCost()})
}

func (s *server) components(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	kindName := r.URL.Query().Get("kind")
	var kind messages.ComponentKind
	switch kindName {
	case "", "weak":
		kindName, kind = "weak", messages.ComponentKind_COMPONENT_KIND_WEAK
	case "strong":
		kind = messages.ComponentKind_COMPONENT_KIND_STRONG
	default:
		return fmt.Errorf("%w: kind is %q; use weak or strong", ErrInvalidRequest, clip(kindName))
	}
	reply, err := s.ask(r, graphID, &messages.Query{Query: &messages.Query_Components{
		Components: &messages.GetComponents{Kind: kind}}})
	if err != nil {
		return err
	}
	cs := reply.GetComponents()
	if cs == nil {
		return unexpected(reply, "components")
	}
	out := Components{Graph: graphID, Version: replyVersion(reply), Kind: kindName,
		Components: make([][]string, 0, len(cs.GetComponents()))}
	for _, c := range cs.GetComponents() {
		out.Components = append(out.Components, nonNil(c.GetNodes()))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) topologicalOrder(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	reply, err := s.ask(r, graphID, &messages.Query{Query: &messages.Query_TopologicalOrder{
		TopologicalOrder: &messages.GetTopologicalOrder{}}})
	if err != nil {
		return err
	}
	o := reply.GetOrder()
	if o == nil {
		return unexpected(reply, "an order")
	}
	return writeJSON(w, http.StatusOK, Order{Graph: graphID, Version: replyVersion(reply), Order: nonNil(o.GetNodes())})
}
