package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/graphlog/graphlog/apitypes"
)

// Commands about a graph's time beyond its reads of the past: what-if,
// forks, earliest arrival and metrics over time (docs/ARCHITECTURE.md,
// "What-if", "Forks", "Time-respecting algorithms", "Metrics over time").

// queryFlags is the repeatable --query name[,k=v...] of whatif.
type queryFlags []apitypes.WhatIfQuery

func (q *queryFlags) String() string { return "" }

// Set reads name[,k=v...]. A piece without '=' continues the value before
// it, so a value may hold commas (heuristic=x,y).
func (q *queryFlags) Set(s string) error {
	parts := strings.Split(s, ",")
	name := strings.TrimSpace(parts[0])
	if name == "" || strings.Contains(name, "=") {
		return fmt.Errorf("%q: start with the query's name, as in shortest-path,from=a,to=b", s)
	}
	wq := apitypes.WhatIfQuery{Query: name}
	last := ""
	for _, p := range parts[1:] {
		k, v, ok := strings.Cut(p, "=")
		switch {
		case ok && k != "":
			if wq.Params == nil {
				wq.Params = map[string]string{}
			}
			if _, dup := wq.Params[k]; dup {
				return fmt.Errorf("%q: parameter %s is given twice", s, k)
			}
			wq.Params[k] = v
			last = k
		case last != "":
			wq.Params[last] += "," + p
		default:
			return fmt.Errorf("%q: %q is not name=value", s, p)
		}
	}
	*q = append(*q, wq)
	return nil
}

func setupWhatIf(fs *flag.FlagSet) runFunc {
	file := fs.String("f", "", "read the transaction from this `file` (- or none: stdin)")
	var queries queryFlags
	fs.Var(&queries, "query", "a read of the result, `name[,k=v...]`: graph, node,node=a, neighbors, shortest-path,from=a,to=b, components,kind=strong, topological-order or an algorithm of 'graphctl algorithms'; repeatable")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 2); err != nil {
			return err
		}
		path := *file
		if len(args) == 2 {
			if path != "" {
				return usagef("give the input as -f or as the second argument, not both")
			}
			path = args[1]
		}
		in, err := openInput(path, s.stdin)
		if err != nil {
			return err
		}
		defer in.Close()
		body, err := whatIfBody(in, queries)
		if err != nil {
			return err
		}
		raw, err := s.client.do(ctx, "POST", graphPath(args[0], "transactions"), url.Values{"dry_run": {"true"}}, body)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		var a apitypes.WhatIfAnswer
		if err := json.Unmarshal(raw, &a); err != nil {
			return fmt.Errorf("whatif: the answer is not the expected JSON: %v", err)
		}
		// The answers again, as written: their shape depends on the query.
		var answers struct {
			Answers []struct {
				Answer json.RawMessage `json:"answer"`
			} `json:"answers"`
		}
		_ = json.Unmarshal(raw, &answers)
		// The queries as sent, to name each answer with its parameters.
		var asked struct {
			Queries []apitypes.WhatIfQuery `json:"queries"`
		}
		_ = json.Unmarshal(body, &asked)
		return printWhatIf(s.out, a, asked.Queries, answers.Answers)
	}
}

// whatIfBody is the one transaction of the input with the queries added
// to those it may hold.
func whatIfBody(in *input, queries []apitypes.WhatIfQuery) ([]byte, error) {
	txs := newTransactionReader(in)
	raw, _, err := txs.next()
	if err == io.EOF {
		return nil, errNoTransaction(in)
	}
	if err != nil {
		return nil, err
	}
	if _, line, err := txs.next(); err != io.EOF {
		if err != nil {
			return nil, err
		}
		return nil, &inputError{Name: in.name, Pos: position{Line: line}, Msg: "a what-if takes one transaction; this is a second one"}
	}
	if len(queries) == 0 {
		return raw, nil
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, &inputError{Name: in.name, Msg: fmt.Sprintf("not valid JSON: %v", err)}
	}
	var all []json.RawMessage
	if q, ok := top["queries"]; ok {
		if err := json.Unmarshal(q, &all); err != nil {
			return nil, &inputError{Name: in.name, Msg: "queries must be a list of {\"query\", \"params\"} objects"}
		}
	}
	for _, q := range queries {
		b, err := json.Marshal(q)
		if err != nil {
			return nil, err
		}
		all = append(all, b)
	}
	q, err := json.Marshal(all)
	if err != nil {
		return nil, err
	}
	top["queries"] = q
	return json.Marshal(top)
}

func printWhatIf(w io.Writer, a apitypes.WhatIfAnswer, asked []apitypes.WhatIfQuery, answers []struct {
	Answer json.RawMessage `json:"answer"`
}) error {
	if a.Committed {
		fmt.Fprintf(w, "graph %s  version %d  committed already as version %d: a submit would change nothing\n", a.Graph, a.BaseVersion, a.Version)
	} else {
		fmt.Fprintf(w, "graph %s  version %d  would be version %d  nothing stored\n", a.Graph, a.BaseVersion, a.Version)
	}
	fmt.Fprintln(w)
	t := newTable(w, "CHANGE", "ELEMENT", "ID", "DETAIL")
	printChanges(t, a.Nodes, a.Edges)
	if err := t.flush(); err != nil {
		return err
	}
	for i, r := range a.Answers {
		label := r.Query
		if i < len(asked) && asked[i].Query == r.Query {
			keys := slices.Sorted(maps.Keys(asked[i].Params))
			for _, k := range keys {
				label += " " + k + "=" + asked[i].Params[k]
			}
		}
		fmt.Fprintf(w, "\nquery %d: %s\n", i+1, label)
		if r.Error != nil {
			fmt.Fprintf(w, "error (%s): %s\n", r.Error.Code, r.Error.Error)
			continue
		}
		if i < len(answers) {
			if err := printAnswer(w, answers[i].Answer); err != nil {
				return err
			}
		}
	}
	return nil
}

func setupFork(fs *flag.FlagSet) runFunc {
	var at moment
	fs.Uint64Var(&at.version, "version", 0, "fork the graph as of this `version` (default: the present)")
	fs.StringVar(&at.asOf, "as-of", "", "fork the graph as of this RFC 3339 `time`")
	txID := fs.String("transaction-id", "", "`ID` of the fork's transaction, to send it again safely (default: one the server makes)")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 2, 2); err != nil {
			return err
		}
		if _, err := at.query(nil); err != nil {
			return err
		}
		body, err := json.Marshal(apitypes.ForkRequest{Into: args[1], Version: at.version, AsOf: at.asOf, TransactionID: *txID})
		if err != nil {
			return err
		}
		raw, err := s.client.post(ctx, graphPath(args[0], "fork"), body)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		var f apitypes.ForkResult
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("fork: %s was created, but the answer is not the expected JSON: %v", args[1], err)
		}
		t := newTable(s.out, "GRAPH", "VERSION", "SEQUENCE", "EVENTS", "FORKED FROM", "AT VERSION", "CID")
		t.row(f.Graph, f.Version, f.Sequence, f.Events, f.ForkedFrom.Graph, f.ForkedFrom.Version, f.ForkedFrom.CID)
		return t.flush()
	}
}

// window is the --from / --to pair of a window of history.
type window struct{ from, to string }

func (m *window) register(fs *flag.FlagSet) {
	fs.StringVar(&m.from, "from", "", "start `moment`: a version or an RFC 3339 time (default: the beginning)")
	fs.StringVar(&m.to, "to", "", "end `moment`: a version or an RFC 3339 time (default: the present)")
}

// query adds from= and to= to q.
func (m *window) query(q url.Values) error {
	for _, p := range []struct{ name, v string }{{"from", m.from}, {"to", m.to}} {
		if p.v == "" {
			continue
		}
		if err := checkMoment(p.name, p.v); err != nil {
			return err
		}
		q.Set(p.name, p.v)
	}
	return nil
}

func setupEarliestArrival(fs *flag.FlagSet) runFunc {
	var win window
	win.register(fs)
	target := fs.String("target", "", "print the path to this `node`")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 2, 2); err != nil {
			return err
		}
		q := url.Values{"source": {args[1]}}
		if *target != "" {
			q.Set("target", *target)
		}
		if err := win.query(q); err != nil {
			return err
		}
		var ea apitypes.EarliestArrival
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "temporal", "earliest-arrival"), q, &ea)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		fmt.Fprintf(s.out, "graph %s  source %s  to version %d  reached %d\n", ea.Graph, ea.Source, ea.ToVersion, len(ea.Arrivals))
		steps := ea.Arrivals
		if *target != "" {
			if len(ea.Path) == 0 {
				fmt.Fprintf(s.out, "%s is not reached\n", *target)
				return nil
			}
			fmt.Fprintf(s.out, "%s is reached at version %d\n", *target, ea.Path[len(ea.Path)-1].Version)
			steps = ea.Path
		}
		fmt.Fprintln(s.out)
		t := newTable(s.out, "NODE", "VERSION", "AT", "VIA EDGE", "FROM")
		for _, a := range steps {
			t.row(a.Node, a.Version, a.At, a.Edge, a.From)
		}
		return t.flush()
	}
}

func setupSeries(fs *flag.FlagSet) runFunc {
	var win window
	win.register(fs)
	node := fs.String("node", "", "the `node` of a metric of one node (degree, pagerank)")
	typ := fs.String("type", "", "of nodes_by_type or edges_by_type, only this `type`'s count")
	every := fs.Int("every", 0, "a point every `N` events")
	interval := fs.Duration("interval", 0, "a point per `duration` of recorded time, instead of --every")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 2, 2); err != nil {
			return err
		}
		metric := args[1]
		byType := strings.HasSuffix(metric, "_by_type")
		if *typ != "" && !byType {
			return usagef("--type is for nodes_by_type and edges_by_type, not %s", metric)
		}
		q := url.Values{"metric": {metric}}
		if *node != "" {
			q.Set("node", *node)
		}
		if err := setStep(q, *every, *interval, 0); err != nil {
			return err
		}
		if err := win.query(q); err != nil {
			return err
		}
		var sr apitypes.Series
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "series"), q, &sr)
		if err != nil {
			return err
		}
		if *typ != "" {
			for i, p := range sr.Points {
				sr.Points[i].Value = typeCount(p.Value, *typ)
			}
		}
		if s.json {
			if *typ != "" {
				return writeJSONLine(s.out, sr)
			}
			return writeRaw(s.out, raw)
		}
		return printSeries(s.out, sr, *typ, byType && *typ == "")
	}
}

// typeCount is the count of one type in a value of nodes_by_type or
// edges_by_type: 0 when the type has no element then.
func typeCount(v any, typ string) any {
	m, _ := v.(map[string]any)
	if n, ok := m[typ]; ok {
		return n
	}
	return 0
}

// printSeries writes a row per point; a count by type has a column per
// type seen in the window.
func printSeries(w io.Writer, sr apitypes.Series, typ string, byType bool) error {
	title := "graph " + sr.Graph + "  metric " + sr.Metric
	if sr.Node != "" {
		title += "  node " + sr.Node
	}
	if typ != "" {
		title += "  type " + typ
	}
	fmt.Fprintf(w, "%s  points %d\n\n", title, len(sr.Points))
	if !byType {
		t := newTable(w, "VERSION", "AT", "VALUE")
		for _, p := range sr.Points {
			t.row(p.Version, p.At, seriesValue(p.Value))
		}
		return t.flush()
	}
	var types []string
	for _, p := range sr.Points {
		m, _ := p.Value.(map[string]any)
		for k := range m {
			if !slices.Contains(types, k) {
				types = append(types, k)
			}
		}
	}
	slices.Sort(types)
	header := []string{"VERSION", "AT"}
	for _, typ := range types {
		if typ == "" {
			typ = "(no type)"
		}
		header = append(header, typ)
	}
	t := newTable(w, header...)
	for _, p := range sr.Points {
		row := []any{p.Version, p.At}
		for _, typ := range types {
			row = append(row, seriesValue(typeCount(p.Value, typ)))
		}
		t.row(row...)
	}
	return t.flush()
}

// seriesValue is a point's value in a cell; null (a node that does not
// exist then) is "-".
func seriesValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return compact(v)
}
