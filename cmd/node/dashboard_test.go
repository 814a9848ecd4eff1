package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// dashboardFile is the Grafana dashboard of the node's metrics (README,
// Dashboard; docs/ARCHITECTURE.md, Metrics and the dashboard).
const dashboardFile = "../../deploy/grafana/graphlog.json"

// scrapeSeries are the series Prometheus makes itself for every target:
// they are queried but never served by a node.
var scrapeSeries = map[string]bool{"up": true}

// scrapeLabels are the labels Prometheus attaches to every scraped series.
var scrapeLabels = map[string]bool{"instance": true, "job": true}

// TestDashboardQueriesExportedMetrics starts a node, gives it a write, a
// read, a rejected write and a snapshot so that its labelled series exist,
// scrapes /metrics and checks every PromQL expression of the dashboard
// against what it served: each metric exists, each label a query names
// exists on it, counters and histogram series are only read through
// rate()/increase(), gauges never are, histogram_quantile reads _bucket
// series; every graphlog_ family the node serves is on the dashboard; and
// the README's table of metrics lists exactly those families.
func TestDashboardQueriesExportedMetrics(t *testing.T) {
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	queries, err := dashboardQueries(raw)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) < 20 {
		t.Fatalf("the dashboard has %d queries; it lost its panels", len(queries))
	}

	_, base := startNode(t, testConfig(t.TempDir()))
	c := newClient(t, base)
	c.mustSubmit("dash", events(addNode("a"), addNode("b"), addEdge("ab", "a", "b")))
	if st, _, _ := c.submit("dash", events(addEdge("ax", "a", "nowhere"))); st != http.StatusUnprocessableEntity {
		t.Fatalf("a transaction with an edge to a missing node: status %d, want 422", st)
	}
	if st, g := c.graph("dash"); st != http.StatusOK || len(g.Nodes) != 2 {
		t.Fatalf("read: status %d, %d nodes", st, len(g.Nodes))
	}
	if st, e, err := c.do("POST", "/v1/graphs/dash/snapshots", nil, nil); err != nil || st != http.StatusOK {
		t.Fatalf("snapshot: status %d %+v %v", st, e, err)
	}
	exported := scrapeMetrics(t, base)
	// What the traffic above must have left, so a query of it is checked
	// against a real series rather than an absent one.
	for _, name := range []string{"graphlog_snapshots_total", "graphlog_appends_total", "graphlog_http_request_seconds_count"} {
		if exported.value(name) < 1 {
			t.Fatalf("after a write, a read and a snapshot, %s = %v", name, exported.value(name))
		}
	}

	used := map[string]bool{}
	for _, q := range queries {
		for _, problem := range exported.check(q, used) {
			t.Errorf("%s: %s\n\t%s", q.where, problem, q.expr)
		}
	}
	var missing []string
	for name := range exported.families {
		if strings.HasPrefix(name, "graphlog_") && !used[name] {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("the node serves %s, no panel shows it", name)
	}

	// The README's table of metrics names what the node serves, all of it.
	listed, err := readmeMetrics("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range listed {
		if _, ok := exported.families[name]; !ok {
			t.Errorf("the README lists %s, the node does not serve it", name)
		}
	}
	for name := range exported.families {
		if strings.HasPrefix(name, "graphlog_") && !listed[name] {
			t.Errorf("the node serves %s, the README's metrics table does not list it", name)
		}
	}
}

// readmeMetrics returns the graphlog_ names in the README's table of
// metrics (Operations): the table's rows, from its header to its end.
func readmeMetrics(path string) (map[string]bool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	_, table, ok := strings.Cut(string(raw), "| metric | what it answers |")
	if !ok {
		return nil, fmt.Errorf("%s has no table of metrics", path)
	}
	names := map[string]bool{}
	for _, line := range strings.Split(table, "\n")[1:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(line, "|"), "|")
		for _, f := range strings.Split(first, "`") {
			name, _, _ := strings.Cut(f, "{")
			if strings.HasPrefix(name, "graphlog_") {
				names[name] = true
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%s: the table of metrics names none", path)
	}
	return names, nil
}

// TestDashboardModel checks what Grafana needs to load the dashboard
// through provisioning or import: one datasource variable that every panel
// and query uses, unique panel IDs, and the variables the queries name.
func TestDashboardModel(t *testing.T) {
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		UID           string `json:"uid"`
		Title         string `json:"title"`
		SchemaVersion int    `json:"schemaVersion"`
		Templating    struct {
			List []struct {
				Name  string `json:"name"`
				Type  string `json:"type"`
				Query any    `json:"query"`
			} `json:"list"`
		} `json:"templating"`
		Panels []dashPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID == "" || d.Title == "" || d.SchemaVersion < 36 {
		t.Errorf("uid %q, title %q, schemaVersion %d", d.UID, d.Title, d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["datasource"] != "datasource" || vars["job"] != "query" || vars["instance"] != "query" {
		t.Errorf("variables %v, want datasource, job and instance", vars)
	}
	ids := map[int]string{}
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			if other, ok := ids[p.ID]; ok {
				t.Errorf("panels %q and %q share the ID %d", other, p.Title, p.ID)
			}
			ids[p.ID] = p.Title
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			if p.Datasource.UID != "${datasource}" {
				t.Errorf("panel %q: datasource %q, want ${datasource}", p.Title, p.Datasource.UID)
			}
			for _, tg := range p.Targets {
				if tg.Datasource.UID != "${datasource}" {
					t.Errorf("panel %q, query %s: datasource %q, want ${datasource}", p.Title, tg.RefID, tg.Datasource.UID)
				}
				if !strings.Contains(tg.Expr, `instance=~"$instance"`) {
					t.Errorf("panel %q, query %s does not follow the instance variable: %s", p.Title, tg.RefID, tg.Expr)
				}
			}
		}
	}
	walk(d.Panels)
}

type dashPanel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID      string `json:"refId"`
		Expr       string `json:"expr"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
	} `json:"targets"`
	Panels []dashPanel `json:"panels"`
}

// dashQuery is one PromQL expression of the dashboard, or the selector of
// a label_values variable (then label is the label it lists).
type dashQuery struct {
	where string
	expr  string
	label string
}

// dashboardQueries collects the expressions of every panel (rows' nested
// panels too) and of every query variable.
func dashboardQueries(raw []byte) ([]dashQuery, error) {
	var d struct {
		Panels     []dashPanel `json:"panels"`
		Templating struct {
			List []struct {
				Name  string          `json:"name"`
				Type  string          `json:"type"`
				Query json.RawMessage `json:"query"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, err
	}
	var out []dashQuery
	var walk func([]dashPanel)
	walk = func(ps []dashPanel) {
		for _, p := range ps {
			for _, tg := range p.Targets {
				out = append(out, dashQuery{where: fmt.Sprintf("panel %q, query %s", p.Title, tg.RefID), expr: tg.Expr})
			}
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		var q string
		var obj struct {
			Query string `json:"query"`
		}
		if json.Unmarshal(v.Query, &q) != nil {
			if err := json.Unmarshal(v.Query, &obj); err != nil {
				return nil, fmt.Errorf("variable %s: query %s", v.Name, v.Query)
			}
			q = obj.Query
		}
		inner, ok := strings.CutPrefix(strings.TrimSpace(q), "label_values(")
		inner, ok2 := strings.CutSuffix(inner, ")")
		i := strings.LastIndex(inner, ",")
		if !ok || !ok2 || i < 0 {
			return nil, fmt.Errorf("variable %s: %q is not label_values(selector, label)", v.Name, q)
		}
		out = append(out, dashQuery{where: "variable " + v.Name, expr: strings.TrimSpace(inner[:i]), label: strings.TrimSpace(inner[i+1:])})
	}
	return out, nil
}

// family is one metric family a node served.
type family struct {
	typ string // counter, gauge, histogram, summary, untyped
}

// scraped is what one scrape of /metrics served.
type scraped struct {
	families map[string]family
	// series maps a sample name (a histogram's X_bucket, X_sum, X_count)
	// to its family and the labels seen on it.
	series map[string]*seriesInfo
}

type seriesInfo struct {
	family string
	labels map[string]bool
	sum    float64 // of the samples' values
}

func (s scraped) value(name string) float64 {
	if si := s.series[name]; si != nil {
		return si.sum
	}
	return 0
}

// scrapeMetrics reads base/metrics in the text exposition format: the TYPE
// lines name the families, the samples their series and labels.
func scrapeMetrics(t *testing.T, base string) scraped {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("/metrics: %d %s", resp.StatusCode, body)
	}
	s := scraped{families: map[string]family{}, series: map[string]*seriesInfo{}}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			if len(f) != 2 {
				t.Fatalf("TYPE line %q", line)
			}
			s.families[f[0]] = family{typ: f[1]}
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, labels, value, err := parseSample(line)
		if err != nil {
			t.Fatalf("/metrics line %q: %v", line, err)
		}
		fam := name
		if _, ok := s.families[name]; !ok {
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				if f, ok := strings.CutSuffix(name, suffix); ok {
					if ft := s.families[f].typ; ft == "histogram" || ft == "summary" {
						fam = f
					}
				}
			}
		}
		if _, ok := s.families[fam]; !ok {
			t.Fatalf("/metrics: sample %s has no TYPE line", name)
		}
		si := s.series[name]
		if si == nil {
			si = &seriesInfo{family: fam, labels: map[string]bool{}}
			s.series[name] = si
		}
		for _, l := range labels {
			si.labels[l] = true
		}
		si.sum += value
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

// parseSample splits `name{a="x",b="y"} value` into its name, label names
// and value.
func parseSample(line string) (string, []string, float64, error) {
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return "", nil, 0, fmt.Errorf("no value")
	}
	name, rest := line[:i], line[i:]
	var labels []string
	if rest[0] == '{' {
		rest = rest[1:]
		for {
			rest = strings.TrimLeft(rest, ", ")
			if strings.HasPrefix(rest, "}") {
				rest = rest[1:]
				break
			}
			eq := strings.Index(rest, `="`)
			if eq < 0 {
				return "", nil, 0, fmt.Errorf("label without a value")
			}
			labels = append(labels, rest[:eq])
			rest = rest[eq+2:]
			end := -1
			for j := 0; j < len(rest); j++ {
				if rest[j] == '\\' {
					j++
					continue
				}
				if rest[j] == '"' {
					end = j
					break
				}
			}
			if end < 0 {
				return "", nil, 0, fmt.Errorf("unterminated label value")
			}
			rest = rest[end+1:]
		}
	}
	var v float64
	if _, err := fmt.Sscan(strings.Fields(rest)[0], &v); err != nil {
		return "", nil, 0, err
	}
	return name, labels, v, nil
}

// check returns what is wrong with one dashboard query against the
// scrape, and marks the families it reads in used.
func (s scraped) check(q dashQuery, used map[string]bool) []string {
	p, err := parsePromQL(q.expr)
	if err != nil {
		return []string{err.Error()}
	}
	if len(p.selectors) == 0 {
		return []string{"no metric"}
	}
	var problems []string
	known := map[string]bool{}
	for l := range scrapeLabels {
		known[l] = true
	}
	for _, sel := range p.selectors {
		if scrapeSeries[sel.name] {
			continue
		}
		si := s.series[sel.name]
		if si == nil {
			problems = append(problems, fmt.Sprintf("the node does not export %s", sel.name))
			continue
		}
		used[si.family] = true
		for l := range si.labels {
			known[l] = true
		}
		for _, l := range sel.labels {
			if !si.labels[l] && !scrapeLabels[l] {
				problems = append(problems, fmt.Sprintf("%s has no label %s", sel.name, l))
			}
		}
		typ := s.families[si.family].typ
		counter := typ == "counter" || (typ == "histogram" || typ == "summary") && sel.name != si.family
		direct := ""
		if len(sel.funcs) > 0 {
			direct = sel.funcs[len(sel.funcs)-1]
		}
		overCounter := direct == "rate" || direct == "irate" || direct == "increase" || direct == "resets"
		switch {
		case q.label != "":
		case counter && !overCounter:
			problems = append(problems, fmt.Sprintf("%s is a %s series, read without rate() or increase()", sel.name, typ))
		case !counter && overCounter:
			problems = append(problems, fmt.Sprintf("%s is a %s, read through %s()", sel.name, typ, direct))
		}
		bucket := typ == "histogram" && sel.name == si.family+"_bucket"
		if inQuantile := slices.Contains(sel.funcs, "histogram_quantile"); inQuantile != bucket {
			problems = append(problems, fmt.Sprintf("%s: histogram_quantile must read, and only read, histogram _bucket series", sel.name))
		}
	}
	for _, l := range append(p.grouping, q.label) {
		if l != "" && !known[l] {
			problems = append(problems, fmt.Sprintf("groups or lists by %s, a label none of its metrics has", l))
		}
	}
	return problems
}

// promSelector is one metric selector of an expression: its name, the
// label names of its matchers, and the functions it is nested in, outer
// first.
type promSelector struct {
	name   string
	labels []string
	funcs  []string
}

type promParse struct {
	selectors []promSelector
	grouping  []string // labels of by, without, on, ignoring, group_left/right
}

// promFunctions are the PromQL functions and aggregations the dashboard
// may call; a name outside it is a typo, or a metric followed by '('.
var promFunctions = map[string]bool{
	"sum": true, "min": true, "max": true, "avg": true, "count": true, "group": true, "stddev": true,
	"stdvar": true, "topk": true, "bottomk": true, "quantile": true, "count_values": true,
	"rate": true, "irate": true, "increase": true, "resets": true, "delta": true, "idelta": true,
	"deriv": true, "predict_linear": true, "changes": true, "histogram_quantile": true,
	"avg_over_time": true, "min_over_time": true, "max_over_time": true, "sum_over_time": true,
	"count_over_time": true, "last_over_time": true, "quantile_over_time": true,
	"abs": true, "ceil": true, "floor": true, "round": true, "clamp": true, "clamp_min": true,
	"clamp_max": true, "vector": true, "scalar": true, "time": true, "absent": true,
	"label_replace": true, "label_join": true, "sort": true, "sort_desc": true,
}

// promKeywords are identifiers that are neither metrics nor functions.
var promKeywords = map[string]bool{
	"and": true, "or": true, "unless": true, "bool": true, "offset": true,
	"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
}

type promToken struct {
	kind byte // 'i' identifier, 'n' number or duration, 's' string, 'v' Grafana variable, else the punctuation itself
	text string
}

// lexPromQL splits an expression into tokens; operators come out as single
// punctuation tokens, which the parser only skips.
func lexPromQL(expr string) ([]promToken, error) {
	var out []promToken
	for i := 0; i < len(expr); {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			i++
		case c == '"' || c == '\'' || c == '`':
			j := i + 1
			for ; j < len(expr) && expr[j] != c; j++ {
				if expr[j] == '\\' && c != '`' {
					j++
				}
			}
			if j >= len(expr) {
				return nil, fmt.Errorf("unterminated string at %d", i)
			}
			out = append(out, promToken{'s', expr[i+1 : j]})
			i = j + 1
		case c == '$':
			j := i + 1
			if j < len(expr) && expr[j] == '{' {
				k := strings.IndexByte(expr[j:], '}')
				if k < 0 {
					return nil, fmt.Errorf("unterminated ${ at %d", i)
				}
				j += k + 1
			} else {
				for j < len(expr) && isIdent(expr[j]) {
					j++
				}
			}
			out = append(out, promToken{'v', expr[i:j]})
			i = j
		case c >= '0' && c <= '9' || c == '.':
			j := i
			for j < len(expr) && (isIdent(expr[j]) || expr[j] == '.') {
				j++
			}
			out = append(out, promToken{'n', expr[i:j]})
			i = j
		case isIdent(c):
			j := i
			for j < len(expr) && isIdent(expr[j]) {
				j++
			}
			out = append(out, promToken{'i', expr[i:j]})
			i = j
		case strings.IndexByte("(){}[],+-*/%^=!<>~:@", c) >= 0:
			out = append(out, promToken{c, string(c)})
			i++
		default:
			return nil, fmt.Errorf("unexpected %q at %d", c, i)
		}
	}
	return out, nil
}

func isIdent(c byte) bool {
	return c == '_' || c == ':' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// parsePromQL finds the selectors of an expression and the functions
// around each: enough of PromQL to check names, labels and types, not to
// evaluate.
func parsePromQL(expr string) (promParse, error) {
	toks, err := lexPromQL(expr)
	if err != nil {
		return promParse{}, err
	}
	var p promParse
	var stack []string // one entry per open '(': the function it calls, or ""
	pending := ""      // a function or aggregation whose '(' comes next
	peek := func(i int) byte {
		if i < len(toks) {
			return toks[i].kind
		}
		return 0
	}
	// labelList reads `( a, b )` at i and returns the index after it.
	labelList := func(i int) (int, error) {
		if peek(i) != '(' {
			return i, fmt.Errorf("expected a label list after %s", toks[i-1].text)
		}
		for i++; peek(i) != ')'; i++ {
			switch peek(i) {
			case 'i':
				p.grouping = append(p.grouping, toks[i].text)
			case ',':
			default:
				return i, fmt.Errorf("unexpected %q in a label list", toks[i].text)
			}
		}
		return i + 1, nil
	}
	for i := 0; i < len(toks); {
		t := toks[i]
		switch t.kind {
		case '(':
			stack = append(stack, pending)
			pending = ""
			i++
		case ')':
			if len(stack) == 0 {
				return p, fmt.Errorf("unbalanced )")
			}
			stack = stack[:len(stack)-1]
			i++
		case '[':
			// A range or subquery: durations and variables only.
			for i < len(toks) && toks[i].kind != ']' {
				i++
			}
			i++
		case '{':
			return p, fmt.Errorf("a selector without a metric name")
		case 'i':
			switch {
			case t.text == "by" || t.text == "without" || t.text == "on" || t.text == "ignoring":
				if i, err = labelList(i + 1); err != nil {
					return p, err
				}
			case t.text == "group_left" || t.text == "group_right":
				i++
				if peek(i) == '(' {
					if i, err = labelList(i); err != nil {
						return p, err
					}
				}
			case promKeywords[t.text]:
				i++
			case peek(i+1) == '(' || (peek(i+1) == 'i' && (toks[i+1].text == "by" || toks[i+1].text == "without")):
				if !promFunctions[t.text] {
					return p, fmt.Errorf("unknown function %s", t.text)
				}
				pending = t.text
				i++
			default:
				sel := promSelector{name: t.text}
				for _, f := range stack {
					if f != "" {
						sel.funcs = append(sel.funcs, f)
					}
				}
				if len(stack) > 0 && stack[len(stack)-1] == "" {
					sel.funcs = append(sel.funcs, "") // directly in plain parentheses
				}
				i++
				if peek(i) == '{' {
					for i++; peek(i) != '}'; {
						if peek(i) != 'i' {
							return p, fmt.Errorf("%s: expected a label name in its matchers", t.text)
						}
						sel.labels = append(sel.labels, toks[i].text)
						i++
						for peek(i) == '=' || peek(i) == '!' || peek(i) == '~' {
							i++
						}
						if peek(i) != 's' {
							return p, fmt.Errorf("%s: expected a string after %s", t.text, sel.labels[len(sel.labels)-1])
						}
						i++
						if peek(i) == ',' {
							i++
						}
					}
					i++
				}
				p.selectors = append(p.selectors, sel)
			}
		default:
			i++
		}
	}
	if len(stack) != 0 {
		return p, fmt.Errorf("unbalanced (")
	}
	return p, nil
}

func TestParsePromQL(t *testing.T) {
	for _, c := range []struct {
		expr     string
		want     []promSelector
		grouping []string
		err      bool
	}{
		{expr: `rate(a_total{x="1", y=~"$v"}[$__rate_interval])`,
			want: []promSelector{{name: "a_total", labels: []string{"x", "y"}, funcs: []string{"rate"}}}},
		{expr: `histogram_quantile(0.99, sum by (le, route) (rate(h_bucket{route!~".*/(a|b)"}[5m])))`,
			want:     []promSelector{{name: "h_bucket", labels: []string{"route"}, funcs: []string{"histogram_quantile", "sum", "rate"}}},
			grouping: []string{"le", "route"}},
		{expr: `sum(rate(s_sum[1m])) / sum(rate(s_count[1m])) or vector(0)`,
			want: []promSelector{{name: "s_sum", funcs: []string{"sum", "rate"}}, {name: "s_count", funcs: []string{"sum", "rate"}}}},
		{expr: `sum(g) by (instance) > bool 2`,
			want:     []promSelector{{name: "g", funcs: []string{"sum"}}},
			grouping: []string{"instance"}},
		{expr: `gauge_a{j=~"$job"}`, want: []promSelector{{name: "gauge_a", labels: []string{"j"}}}},
		{expr: `rates(a_total[5m])`, err: true},
		{expr: `sum(rate(a_total[5m])`, err: true},
		{expr: `{__name__="a"}`, err: true},
	} {
		got, err := parsePromQL(c.expr)
		if (err != nil) != c.err {
			t.Errorf("%s: error %v, want one: %v", c.expr, err, c.err)
			continue
		}
		if c.err {
			continue
		}
		if fmt.Sprint(got.selectors) != fmt.Sprint(c.want) || fmt.Sprint(got.grouping) != fmt.Sprint(c.grouping) {
			t.Errorf("%s:\n got %v %v\nwant %v %v", c.expr, got.selectors, got.grouping, c.want, c.grouping)
		}
	}
}
