package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/graphlog/graphlog/apitypes"
)

// Commands that read the present or past state of a graph.

func setupGet(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		q, err := at.query(nil)
		if err != nil {
			return err
		}
		var g apitypes.Graph
		raw, err := s.client.getJSON(ctx, graphPath(args[0]), q, &g)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		return printGraph(s.out, g)
	}
}

func printGraph(w io.Writer, g apitypes.Graph) error {
	fmt.Fprintf(w, "graph %s  version %d  sequence %d  nodes %d  edges %d\n", g.Graph, g.Version, g.Sequence, len(g.Nodes), len(g.Edges))
	if f := g.ForkedFrom; f != nil {
		fmt.Fprintf(w, "forked from %s at version %d  cid %s\n", f.Graph, f.Version, f.CID)
	}
	if len(g.Nodes) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "NODE", "TYPE", "PROPERTIES")
		for _, n := range g.Nodes {
			t.row(n.ID, n.Type, compact(n.Properties))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}
	if len(g.Edges) > 0 {
		fmt.Fprintln(w)
		t := newTable(w, "EDGE", "SOURCE", "TARGET", "TYPE", "PROPERTIES")
		for _, e := range g.Edges {
			t.row(e.ID, e.Source, e.Target, e.Type, compact(e.Properties))
		}
		return t.flush()
	}
	return nil
}

var (
	setupNode = setupElement("nodes", []string{"NODE", "TYPE", "PROPERTIES"},
		func(n apitypes.Node) []any { return []any{n.ID, n.Type, compact(n.Properties)} })
	setupEdge = setupElement("edges", []string{"EDGE", "SOURCE", "TARGET", "TYPE", "PROPERTIES"},
		func(e apitypes.Edge) []any { return []any{e.ID, e.Source, e.Target, e.Type, compact(e.Properties)} })
)

// setupElement makes the command that prints one element of a graph: its
// path segment (nodes, edges), table header and row.
func setupElement[T any](segment string, header []string, row func(T) []any) func(*flag.FlagSet) runFunc {
	return func(fs *flag.FlagSet) runFunc {
		var at moment
		at.register(fs)
		return func(ctx context.Context, s *session, args []string) error {
			if err := wantArgs(s.cmd, args, 2, 2); err != nil {
				return err
			}
			q, err := at.query(nil)
			if err != nil {
				return err
			}
			var el T
			raw, err := s.client.getJSON(ctx, graphPath(args[0], segment, args[1]), q, &el)
			if err != nil {
				return err
			}
			if s.json {
				return writeRaw(s.out, raw)
			}
			t := newTable(s.out, header...)
			t.row(row(el)...)
			return t.flush()
		}
	}
}

func setupNeighbors(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	dir := fs.String("direction", "out", "follow edges `out` of the node, in to it, or both")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 2, 2); err != nil {
			return err
		}
		switch *dir {
		case "out", "in", "both":
		default:
			return usagef("--direction is %q; use out, in or both", *dir)
		}
		q, err := at.query(url.Values{"direction": {*dir}})
		if err != nil {
			return err
		}
		var ns apitypes.Neighbors
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "nodes", args[1], "neighbors"), q, &ns)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		t := newTable(s.out, "DIRECTION", "NODE", "NODE TYPE", "EDGE", "EDGE TYPE", "EDGE PROPERTIES")
		for _, n := range ns.Neighbors {
			t.row(n.Direction, n.Node.ID, n.Node.Type, n.Edge.ID, n.Edge.Type, compact(n.Edge.Properties))
		}
		return t.flush()
	}
}

// graphsPage is the page size asked of GET /v1/graphs: the API's maximum.
const graphsPage = apitypes.MaxLimit

func setupGraphs(fs *flag.FlagSet) runFunc {
	prefix := fs.String("prefix", "", "list only the graphs whose ID starts with `prefix`")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 0, 0); err != nil {
			return err
		}
		all := []string{}
		after := ""
		for {
			q := url.Values{"limit": {strconv.Itoa(graphsPage)}}
			if *prefix != "" {
				q.Set("prefix", *prefix)
			}
			if after != "" {
				q.Set("after", after)
			}
			var page apitypes.GraphList
			if _, err := s.client.getJSON(ctx, "/v1/graphs", q, &page); err != nil {
				return err
			}
			all = append(all, page.Graphs...)
			if page.Next == "" || page.Next == after {
				break
			}
			after = page.Next
		}
		if s.json {
			return writeJSONLine(s.out, apitypes.GraphList{Graphs: all})
		}
		t := newTable(s.out, "GRAPH")
		for _, g := range all {
			t.row(g)
		}
		return t.flush()
	}
}

func setupPath(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	weight := fs.String("weight", "", "numeric edge `property` to add up as the cost (default: every edge costs 1)")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 3, 3); err != nil {
			return err
		}
		q := url.Values{"from": {args[1]}, "to": {args[2]}}
		if *weight != "" {
			q.Set("weight", *weight)
		}
		q, err := at.query(q)
		if err != nil {
			return err
		}
		var p apitypes.Path
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "algorithms", "shortest-path"), q, &p)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		fmt.Fprintf(s.out, "graph %s  version %d  path from %s to %s  edges %d  cost %s\n",
			p.Graph, p.Version, args[1], args[2], len(p.Edges), strconv.FormatFloat(p.Cost, 'g', -1, 64))
		t := newTable(s.out, "STEP", "NODE", "VIA EDGE")
		for i, n := range p.Nodes {
			via := ""
			if i > 0 && i-1 < len(p.Edges) {
				via = p.Edges[i-1]
			}
			t.row(i, n, via)
		}
		return t.flush()
	}
}

func setupComponents(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	kind := fs.String("kind", "weak", "`weak` (edges in either direction) or strong (mutually reachable)")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		if *kind != "weak" && *kind != "strong" {
			return usagef("--kind is %q; use weak or strong", *kind)
		}
		q, err := at.query(url.Values{"kind": {*kind}})
		if err != nil {
			return err
		}
		var cs apitypes.Components
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "algorithms", "components"), q, &cs)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		fmt.Fprintf(s.out, "graph %s  version %d  %s components %d\n", cs.Graph, cs.Version, cs.Kind, len(cs.Components))
		t := newTable(s.out, "COMPONENT", "SIZE", "NODES")
		for i, c := range cs.Components {
			t.row(i+1, len(c), listCell(c))
		}
		return t.flush()
	}
}

func setupToposort(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		q, err := at.query(nil)
		if err != nil {
			return err
		}
		var o apitypes.Order
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "algorithms", "topological-order"), q, &o)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		t := newTable(s.out, "POSITION", "NODE")
		for i, n := range o.Order {
			t.row(i+1, n)
		}
		return t.flush()
	}
}
