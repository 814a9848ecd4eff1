// Command graphctl is the command-line client of graphlog: it talks HTTP to
// any node's API (see package api for the routes) through package client,
// with the JSON shapes of package apitypes; it does not import package
// api, so the binary carries neither the server nor Prometheus.
//
// Usage:
//
//	graphctl [global flags] <command> [flags] [arguments]
//
// Global flags, accepted before or after the command:
//
//	--server URL     the node's API (env GRAPHCTL_SERVER, default http://localhost:8080);
//	                 several, separated by commas, are tried in turn when one is down
//	--token T        bearer token for a node run with --http-token (env GRAPHCTL_TOKEN)
//	-o table|json    human-readable tables (default), or the API's JSON:
//	                 one document, or one JSON value per line for streams
//	--timeout D      bound on each request (default 30s; 0: none). Streams
//	                 (events --follow, replay, export) bound only their first answer.
//
// Commands:
//
//	submit <graph> [file|-]              submit a transaction (JSON) or one per line (NDJSON)
//	get <graph>                          the whole graph
//	node <graph> <id>                    one node
//	edge <graph> <id>                    one edge
//	neighbors <graph> <id>               neighbouring nodes and the edges between
//	graphs                               every graph ID (all pages)
//	path <graph> <from> <to>             shortest path [--weight prop]
//	components <graph>                   connected components [--kind weak|strong]
//	toposort <graph>                     topological order
//	diff <graph> --from X [--to Y]       what changed between two versions or times
//	replay <graph>                       history as frames [--from --to --every N | --interval d]
//	events <graph>                       the event log [--after-version N] [--follow]
//	algorithms [name]                    the algorithm library, or one algorithm's parameters
//	algorithm <graph> <name> [k=v ...]   run an algorithm of the library
//	whatif <graph> [-f file|-]           what a transaction would change [--query name,k=v]
//	fork <graph> <into>                  a new graph from a state [--version N | --as-of T]
//	earliest-arrival <graph> <source>    when each node became reachable [--target --from --to]
//	series <graph> <metric>              a metric over history [--every N | --interval d]
//	snapshots <graph>                    list stored snapshots
//	snapshot <graph>                     take a snapshot now
//	import <graph> <file|-> --format F   stream a CSV edge list, JSON graph or GraphML file in
//	export <graph> [--format F]          the graph as JSON, GraphML or Graphviz DOT
//	help [command]                       this summary, or one command's flags
//
// Reads of a graph (get, node, edge, neighbors, path, components, toposort,
// algorithm, export) take --version N or --as-of RFC3339 to answer for the past.
// `graphctl help` prints the full reference, including the input formats of
// import.
//
// Exit codes: 0 success; 1 an error talking to the server or bad input;
// 2 a usage error; 3 not found (404); 4 conflict or rejected (409, 422).
// Errors print the server's message on stderr, prefixed with "graphctl:".
//
// The program is main around one function, run (runContext with a
// context and an environment), so tests drive it in-process. Files are
// split by concept: the command table and help (commands.go), flags
// (flags.go), its use of package client (client.go), errors and exit codes
// (errors.go), tables and JSON output (output.go; a cell shows a long list
// as its first items and a count, listcell.go); the commands in read.go
// (state), temporal.go (whatif, fork, earliest-arrival, series),
// algorithms.go (the library, printed from the answer's JSON by
// answer.go), history.go (diff, replay, snapshots), events.go (the log and its
// live stream, read by sse.go), submit.go and export.go; import as sources
// (csv.go, graphml.go, jsonsource.go) feeding a pure planner (plan.go) that
// import.go cuts into transactions by events and by their size in the log
// (bounded from above in size.go), with progress.go on stderr; and the
// writers of export (graphmlwrite.go, dot.go).
package main
