package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// runFunc runs a command with its positional arguments; its flags were
// bound by setup.
type runFunc func(ctx context.Context, s *session, args []string) error

// command is one subcommand.
type command struct {
	name    string
	args    string // positional arguments, for usage lines
	summary string
	help    string // what a reader of `graphctl <cmd> -h` needs beyond the summary
	// setup registers the command's flags on fs and returns its runner,
	// which reads them.
	setup func(fs *flag.FlagSet) runFunc
}

func (c *command) usage() string {
	u := "graphctl " + c.name
	if c.args != "" {
		u += " " + c.args
	}
	return u + " [flags]"
}

// commands, in the order help lists them.
var commands = []*command{
	{name: "submit", args: "<graph> [file|-]", summary: "submit transactions from JSON or NDJSON",
		help: `Reads one transaction (a JSON object: {"expected_version"?, "transaction_id"?,
"metadata"?, "events": [...]}) or several, one per line (NDJSON), from the
file or from stdin ("-" or no file), and submits each in turn. Prints the
version and sequence each got. Stops at the first failure, saying how many
were committed before it.`,
		setup: setupSubmit},
	{name: "get", args: "<graph>", summary: "print a whole graph", setup: setupGet},
	{name: "node", args: "<graph> <node-id>", summary: "print one node", setup: setupNode},
	{name: "edge", args: "<graph> <edge-id>", summary: "print one edge", setup: setupEdge},
	{name: "neighbors", args: "<graph> <node-id>", summary: "print a node's neighbours and the edges between",
		setup: setupNeighbors},
	{name: "graphs", summary: "list every graph ID (all pages)", setup: setupGraphs},
	{name: "path", args: "<graph> <from> <to>", summary: "shortest path between two nodes",
		help:  "Follows edges from source to target. --weight names a numeric edge property to add up; without it every edge costs 1.",
		setup: setupPath},
	{name: "components", args: "<graph>", summary: "connected components", setup: setupComponents},
	{name: "toposort", args: "<graph>", summary: "topological order of the nodes (exit 4 on a cycle)", setup: setupToposort},
	{name: "diff", args: "<graph>", summary: "what changed between two versions or times",
		help:  "--from and --to each take a version (1, 2, …) or an RFC 3339 time; --to defaults to the present.",
		setup: setupDiff},
	{name: "history", args: "<graph> node|edge <id>", summary: "every transaction that added, changed or removed one element",
		help: `Oldest first: each transaction's version, recorded time, what it did to the
element (added, updated, removed, replaced, transient, unchanged), its author
and the properties it changed. With --version or --as-of, the history up to
then. It reads only the element's transactions, not the graph's history.`,
		setup: setupHistory},
	{name: "whatif", args: "<graph> [-f file|-]", summary: "what a transaction would change, with nothing stored",
		help: `Reads one transaction as submit does (from -f, the second argument, or
stdin) and asks the graph what it would do: the version it would get, what
it would add, remove and change, and the answer (or error) of each --query
on the result, judged as its submit would be (exit 4 when refused). Nothing
is stored. --query name[,k=v...] names a read (graph, node,node=a,
neighbors,node=a, shortest-path,from=a,to=b, components,kind=strong,
topological-order) or an algorithm of 'graphctl algorithms' with its
parameters; a piece without '=' continues the value before it
(astar,from=a,to=b,heuristic=x,y).`,
		setup: setupWhatIf},
	{name: "fork", args: "<graph> <into>", summary: "start a new graph as a graph's state at a version or time",
		help: `Creates <into> (which must not exist: exit 4 if it does) with the nodes and
edges of <graph> as of --version or --as-of (default: the present), in one
transaction or as many as their size needs, naming where it came from: the
source, its version and the CID of its state there. Prints the new graph,
its version and that lineage; 'graphctl get <into>' shows it too. Sent
again with the same --transaction-id, a fork goes on where it stopped.`,
		setup: setupFork},
	{name: "earliest-arrival", args: "<graph> <source>", summary: "when each node first became reachable from a source over time",
		help: `Follows edges only while they existed and in the order they appeared, over
the window --from to --to (versions or RFC 3339 times; default: the whole
history). Prints each node reached with the version and time it was first
reached and the edge it was reached by; with --target, only the path to it.`,
		setup: setupEarliestArrival},
	{name: "series", args: "<graph> <metric>", summary: "a metric at every step of a window of history",
		help: `Metrics: nodes, edges, nodes_by_type, edges_by_type, density, components
(weak), and of one node (--node) degree and pagerank. A point every --every N
events or every --interval d of recorded time (one of the two), over --from
to --to (default: the whole history). Prints the version, recorded time and
value of each point; counts by type get a column per type, or with --type
one type's count (also in -o json).`,
		setup: setupSeries},
	{name: "compare", args: "<graph> <query> [param=value ...]", summary: "how a read's or an algorithm's answer changed between two moments",
		help: `The query is a read (components, shortest-path, neighbors, node, edge, graph,
topological-order) or an algorithm of the library, with its parameters as
name=value (graphctl compare social shortest-path from=ada to=bob --before 3).
Compares its answer at --before with its answer at --after (default: the
present) and prints what differs: the nodes that joined and left each
component or community, each node's change of score, the IDs a path or an
order gained and lost, numbers before and after.`,
		setup: setupCompare},
	{name: "algorithms", args: "[name]", summary: "list the algorithm library, or one algorithm's parameters", setup: setupAlgorithms},
	{name: "algorithm", args: "<graph> <name> [param=value ...]", summary: "run an algorithm of the library on a graph",
		help: `Parameters are name=value, as 'graphctl algorithms <name>' lists them
(graphctl algorithm social pagerank damping=0.9). With --version or --as-of,
on the graph as it was then. The result's fields print on a line, its lists
as tables; -o json prints the server's answer.`,
		setup: setupAlgorithm},
	{name: "replay", args: "<graph>", summary: "print the history as animation frames",
		help: `The first frame holds the state at --from (default: the beginning), each later
one the events of a step and what they changed, up to --to (default: the
present). A step is --every N events (default 10) or --interval d of
recorded time. With -o json, one frame per line as the server sends them.`,
		setup: setupReplay},
	{name: "events", args: "<graph>", summary: "list the event log, and with --follow tail it live",
		help: `Lists every event of the transactions after --after-version (default 0: all).
With --follow it then prints each new transaction as it is committed, until
interrupted (Ctrl-C: exit 0); it reconnects by itself when the connection
drops. With -o json: one document, or with --follow one event per line.`,
		setup: setupEvents},
	{name: "snapshots", args: "<graph>", summary: "list a graph's stored snapshots", setup: setupSnapshots},
	{name: "snapshot", args: "<graph>", summary: "take a snapshot of a graph now", setup: setupSnapshot},
	{name: "import", args: "<graph> <file|->", summary: "stream a CSV, JSON or GraphML file into a graph",
		help:  importHelp,
		setup: setupImport},
	{name: "export", args: "<graph>", summary: "write a graph as JSON, GraphML or Graphviz DOT to stdout",
		help: `json is the answer of GET /v1/graphs/{graph}, as the server writes it.
graphml declares a key per property (typed double, boolean or string; values
of other or mixed kinds as JSON text, marked gl:json="true") and one for the
type; it imports back unchanged. dot writes a digraph with quoted IDs,
label=type, and properties whose names are plain identifiers as attributes.`,
		setup: setupExport},
}

const importHelp = `Reads the input as a stream and submits it in transactions, one after the
other, each stating the version the previous one produced (so a concurrent
writer makes it stop with exit 4). Progress goes to stderr: a redrawn bar
on a terminal, else a line every --progress-interval; then a summary with
the count and the rate.

A transaction is one message of the log, which the server bounds by bytes
(its --max-transaction-bytes, default 1000000, over which it answers 413).
A transaction of the import holds at most --max-transaction-bytes (default
900000) of its size in the log, bounded from above as the events are
built, and at most --batch events (default 5000). If the server still
refuses one as too large (its limit is lower), the import sends it in two
halves, each with an ID of its own and the next expected version, and cuts
smaller from then on; a single event over the server's limit stops it.

A transaction the cluster could not take (no answer, a node down, a graph
moving to another member: 502, 503, 504) is sent again, with backoff, for
--retry-for; give several nodes in --server and it moves on to the next
when one is down. Sending again is safe: each transaction carries an ID of
the import and the expected version, so the graph takes it once.

Nodes are created when first named: a NodeAdded always precedes, in the
same or an earlier transaction, the EdgeAdded that needs it. Nodes already
in the graph are reused. Malformed input stops the import with its
position (exit 1); only whole transactions are ever committed, and the
error says how many were.

Formats:
  csv      an edge list with a header row. Columns source and target are
           required; type is the edge type; id the edge ID (else e<line>);
           every other column is an edge property, a number when it is a
           JSON number, else a string; empty cells are left out.
  json     the shape of GET /v1/graphs/{graph}: {"nodes": [{"id", "type",
           "properties"}], "edges": [{"id", "source", "target", "type",
           "properties"}]}, read as a stream.
  graphml  <graphml><key id for attr.name attr.type/>…<graph><node id>
           <data key>…</data></node><edge id? source target>…</edge>.
           A key named "type" gives the node or edge type; the others
           properties (int, long, float, double, boolean, string). Edges
           without an id get source->target#n.`

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `graphctl is the command-line client of graphlog.

usage: graphctl [global flags] <command> [flags] [arguments]

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(tw, "  help [command]\tthis text, or one command's flags\n")
	_ = tw.Flush()
	fmt.Fprintf(w, `
Global flags (before or after the command):
  --server URL     the node's API, or several separated by commas: a node
                   that cannot be connected to is passed over for the next
                   (env %s; default %s)
  --token T        bearer token (env %s)
  -o table|json    tables (default) or the API's JSON: one document, or one
                   value per line for streams (events --follow, replay)
  --timeout D      bound on each request (default %s; 0: none); streams bound
                   only the wait for their first answer

Reads of a graph (get, node, edge, neighbors, path, components, toposort,
algorithm, export) take --version N or --as-of RFC3339 to answer for the past.

Exit codes: 0 success; 1 error talking to the server, or bad input;
2 usage error; 3 not found (404); 4 conflict or rejected (409, 422).

Examples:
  graphctl submit social tx.json
  graphctl get social --version 3 -o json
  graphctl import social edges.csv --format csv
  graphctl export social --format graphml > social.graphml
  graphctl events social --follow
  graphctl whatif social -f tx.json --query shortest-path,from=ada,to=bob
  graphctl series social edges --every 10

'graphctl <command> -h' lists a command's flags.
`, envServer, defaultServer, envToken, defaultTimeout)
}

func printCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: %s\n\n%s.\n", c.usage(), upperFirst(c.summary))
	if c.help != "" {
		fmt.Fprintf(w, "\n%s\n", c.help)
	}
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprintf(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
	fmt.Fprintf(w, "\nGlobal flags: --server URL, --token T, -o table|json, --timeout D (see 'graphctl help').\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
