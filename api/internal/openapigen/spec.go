package main

import (
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/replay"
)

// operation is one route of the API as the document describes it. The
// routes themselves are the ones api.New registers; a test of package api
// holds the two lists equal.
type operation struct {
	pattern string // as registered: "GET /v1/graphs/{graph}"
	id      string // operationId
	tag     string
	summary string
	doc     string
	// query lists the query parameters: names of components/parameters,
	// or inline parameters.
	query []any
	// body is the request body's schema; bodyDoc describes it.
	body    any
	bodyDoc string
	// answer is the schema of the 200 answer, of media type content
	// (application/json when empty).
	answer  any
	content string
	// errors say what a status means on this route, beyond its generic
	// description.
	errors map[int]string
	// probe marks the routes outside /v1: no token, and none of the
	// errors a request of the API can meet but probeErrors, its own
	// (response objects by status).
	probe       bool
	probeErrors map[int]any
	// extra keywords of the operation (x-events of a stream).
	extra map[string]any
}

// typ is the schema of a Go type of package api.
func typ[T any]() reflect.Type { return reflect.TypeFor[T]() }

// operations lists every route, in the order of api.New.
func operations(g *schemas) []operation {
	of := func(t reflect.Type) map[string]any { return g.of(t) }
	reads := []any{"as_of", "version"}
	return []operation{
		{
			pattern: "POST /v1/graphs/{graph}/transactions", id: "submitTransaction", tag: "graphs",
			summary: "Submit a transaction, or with dry_run=true ask what it would change",
			doc: "Appends the transaction's events atomically, after checking the whole transaction against the graph's rules " +
				"(docs/ARCHITECTURE.md, \"Atomic transactions\"). A transaction ID the graph remembers is answered with its first answer. " +
				"With dry_run=true nothing is stored: the answer is what the transaction would change and the reads asked of the result " +
				"(docs/ARCHITECTURE.md, \"What-if\").",
			query:   []any{"dry_run"},
			body:    map[string]any{"anyOf": []any{of(typ[api.TransactionRequest]()), ref("WhatIfRequest")}},
			bodyDoc: "A transaction (TransactionRequest); with dry_run=true it may also ask queries of the result (WhatIfRequest).",
			answer:  map[string]any{"anyOf": []any{of(typ[api.SubmitResult]()), of(typ[api.WhatIfAnswer]())}, "description": "SubmitResult; WhatIfAnswer with dry_run=true."},
			errors: map[int]string{
				400: "The body is malformed: unknown fields, fields of another event type, bad IDs or times; the message names the field.",
				409: "conflict: expected_version is not the graph's version (read it and retry); duplicate_transaction_id: the transaction ID was used for other events.",
				413: "The body is over --max-body-bytes, or the encoded transaction over --max-transaction-bytes.",
				422: "rejected: the transaction breaks the graph's rules (an edge to a missing node, a node that exists…); nothing was applied.",
				507: "JetStream's storage is full; nothing was stored.",
			},
		},
		{
			pattern: "GET /v1/graphs", id: "listGraphs", tag: "graphs",
			summary: "List graphs, a page at a time, in ID order",
			doc:     "docs/ARCHITECTURE.md, \"The graph directory\": eventually consistent, and a page costs the page.",
			query:   []any{"prefix", "after", "limit", "detail"},
			answer:  of(typ[api.GraphList]()),
			errors:  map[int]string{503: "The directory has not loaded yet, or the log is unavailable."},
		},
		{
			pattern: "GET /v1/graphs/{graph}", id: "getGraph", tag: "graphs",
			summary: "The whole graph, now or as of a version or time",
			query:   reads, answer: of(typ[api.Graph]()),
			errors: map[int]string{404: "The graph has no events (as of that moment)."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/nodes/{node}", id: "getNode", tag: "graphs",
			summary: "One node",
			query:   reads, answer: of(typ[api.Node]()),
			errors: map[int]string{404: "The graph has no events, or no such node."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/nodes/{node}/neighbors", id: "getNeighbors", tag: "graphs",
			summary: "A node's neighbours and the edges to them",
			query:   append([]any{"direction"}, reads...), answer: of(typ[api.Neighbors]()),
			errors: map[int]string{404: "The graph has no events, or no such node."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/edges/{edge}", id: "getEdge", tag: "graphs",
			summary: "One edge",
			query:   reads, answer: of(typ[api.Edge]()),
			errors: map[int]string{404: "The graph has no events, or no such edge."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/nodes/{node}/history", id: "getNodeHistory", tag: "history",
			summary: "Every transaction that added, changed or removed a node, a page at a time",
			doc:     "docs/ARCHITECTURE.md, \"Element history\".",
			query:   append([]any{"history_after", "history_limit"}, reads...), answer: of(typ[api.ElementHistory]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/edges/{edge}/history", id: "getEdgeHistory", tag: "history",
			summary: "Every transaction that added, changed or removed an edge, a page at a time",
			doc:     "docs/ARCHITECTURE.md, \"Element history\".",
			query:   append([]any{"history_after", "history_limit"}, reads...), answer: of(typ[api.ElementHistory]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/events", id: "listEvents", tag: "history",
			summary: "The graph's history, whole transactions, a page at a time",
			query:   []any{"after_version", "after_sequence", "limit"}, answer: of(typ[api.Events]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/events/stream", id: "streamEvents", tag: "history",
			summary: "Committed transactions as they are committed (Server-Sent Events)",
			doc: "One `transaction` message per committed transaction (its id is `version:sequence`, which a reconnect sends " +
				"back as Last-Event-ID), an `end` message when the node shuts down (reconnect elsewhere), an `error` message when " +
				"the log fails, and a `: ping` comment every 15 s. The stream has no request timeout. x-events gives the schema " +
				"of each message's data.",
			query:   []any{"stream_after_version", "access_token", "LastEventID"},
			answer:  map[string]any{"type": "string", "description": "text/event-stream; the data of each message is JSON, per x-events."},
			content: "text/event-stream",
			errors:  map[int]string{429: "The node's or this client's live streams are at their limit (--max-streams, --max-streams-per-client)."},
			extra: map[string]any{"x-events": map[string]any{
				"transaction": of(typ[api.StreamedTransaction]()),
				"end":         of(typ[api.StreamEnd]()),
				"error":       of(typ[api.ErrorResponse]()),
			}},
		},
		{
			pattern: "GET /v1/graphs/{graph}/algorithms/shortest-path", id: "shortestPath", tag: "algorithms",
			summary: "The shortest path between two nodes (fewest edges, or least total weight)",
			query:   append([]any{"path_from", "path_to", "weight"}, reads...), answer: of(typ[api.Path]()),
			errors: map[int]string{404: "The graph has no events, a node does not exist, or no path joins them."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/algorithms/components", id: "components", tag: "algorithms",
			summary: "Weakly or strongly connected components",
			query:   append([]any{"kind"}, reads...), answer: of(typ[api.Components]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/algorithms/topological-order", id: "topologicalOrder", tag: "algorithms",
			summary: "A topological order of the nodes",
			query:   reads, answer: of(typ[api.Order]()),
			errors: map[int]string{422: "cycle: the graph has a cycle, so no topological order (components?kind=strong shows it)."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/algorithms/{algorithm}", id: "runAlgorithm", tag: "algorithms",
			summary: "Run an algorithm of the library (GET /v1/algorithms lists them and their parameters)",
			doc:     "docs/ARCHITECTURE.md, \"The algorithm library\". Every query parameter but as_of and version is the algorithm's, given once.",
			query:   append(slices.Clone(reads), "algorithm_params"), answer: of(typ[api.AlgorithmAnswer]()),
			errors: map[int]string{
				400: "Unknown algorithm, or a parameter it does not take or cannot read.",
				422: "limit_exceeded: the graph is over the algorithm's bound or --max-algorithm-elements, or the run took longer than --algorithm-timeout.",
			},
		},
		{
			pattern: "GET /v1/algorithms", id: "listAlgorithms", tag: "algorithms",
			summary: "The algorithm library: names, parameters and bounds",
			answer:  of(typ[api.AlgorithmList]()),
		},
		{
			pattern: "POST /v1/graphs/{graph}/fork", id: "fork", tag: "history",
			summary: "A new graph from this one's state at a version or time",
			doc:     "docs/ARCHITECTURE.md, \"Forks\".",
			body:    of(typ[api.ForkRequest]()), answer: of(typ[api.ForkResult]()),
			errors: map[int]string{
				409: "The graph named by into exists already.",
				413: "A node or edge of the state is larger than a transaction may hold (--max-transaction-bytes); a larger state is forked in several transactions.",
			},
		},
		{
			pattern: "GET /v1/graphs/{graph}/temporal/earliest-arrival", id: "earliestArrival", tag: "history",
			summary: "When each node first became reachable from a source by time-respecting paths",
			doc:     "docs/ARCHITECTURE.md, \"Time-respecting algorithms\".",
			query:   []any{"source", "target", "window_from", "window_to"}, answer: of(typ[api.EarliestArrival]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/series", id: "series", tag: "history",
			summary: "A metric over a window of history, one point per step",
			doc:     "docs/ARCHITECTURE.md, \"Metrics over time\".",
			query:   []any{"metric", "metric_node", "every", "interval", "window_from", "window_to"}, answer: of(typ[api.Series]()),
			errors: map[int]string{422: "limit_exceeded: more points than replay.MaxSeriesPoints, or the metric's algorithm over its bounds."},
		},
		{
			pattern: "GET /v1/graphs/{graph}/compare", id: "compare", tag: "history",
			summary: "How a read's or an algorithm's answer changed between two moments",
			doc: "docs/ARCHITECTURE.md, \"How an answer changed\". query names a read or an algorithm as a what-if names them; " +
				"every other query parameter is that read's.",
			query:  []any{"compare_query", "before", "compare_after", "answers", "read_params"},
			answer: of(typ[api.Comparison]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/diff", id: "diff", tag: "history",
			summary: "What changed between two moments",
			query:   []any{"diff_from", "window_to"}, answer: of(typ[api.Diff]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/replay", id: "replay", tag: "history",
			summary: "The graph's history as frames (NDJSON): a keyframe, then each step's events and changes",
			doc: "One Frame per line. A replay that ends before its end ends with a line that has error, code and next_from, " +
				"from which the same request goes on; a stream without that line is complete (docs/ARCHITECTURE.md, \"Every request is bounded\"). " +
				"With follow=true the frames, one per transaction, go on past the head as transactions commit: a live stream, " +
				"without to, every (but 1) or interval, that takes a stream slot (429 past the limits), has no request timeout, " +
				"and writes an empty line when idle.",
			query:   []any{"window_from", "window_to", "every", "interval", "follow"},
			answer:  of(typ[api.Frame]()),
			content: "application/x-ndjson",
			errors: map[int]string{
				422: "limit_exceeded: every is above --max-frame-events.",
				429: "With follow=true: the node's or this client's live streams are at their limit.",
			},
		},
		{
			pattern: "POST /v1/graphs/{graph}/snapshots", id: "takeSnapshot", tag: "graphs",
			summary: "Store a snapshot of the graph's current state",
			answer:  of(typ[api.Snapshot]()),
		},
		{
			pattern: "GET /v1/graphs/{graph}/snapshots", id: "listSnapshots", tag: "graphs",
			summary: "The graph's stored snapshots, oldest first",
			answer:  of(typ[api.Snapshots]()),
		},
		{
			pattern: "GET /v1/cluster", id: "clusterMembers", tag: "cluster",
			summary: "The cluster's members",
			answer:  of(typ[api.ClusterResponse]()),
		},
		{
			pattern: "GET /v1/cluster/graphs/{graph}", id: "locateGraph", tag: "cluster",
			summary: "The member that hosts a graph (activating it there)",
			answer:  of(typ[api.PlacementResponse]()),
		},
		{
			pattern: "GET /healthz", id: "healthz", tag: "probes", probe: true,
			summary: "Liveness: the process serves HTTP",
			answer:  statusObject("ok"), probeErrors: map[int]any{500: errorRef(500, "")},
		},
		{
			pattern: "GET /readyz", id: "readyz", tag: "probes", probe: true,
			summary:     "Readiness: the node can serve (503 with the reason when not)",
			answer:      statusObject("ready"),
			probeErrors: map[int]any{500: errorRef(500, ""), 503: errorRef(503, "Not ready; the message says why.")},
		},
		{
			pattern: "GET /metrics", id: "metrics", tag: "probes", probe: true,
			summary: "Prometheus metrics, in the text exposition format",
			answer:  map[string]any{"type": "string"}, content: "text/plain",
			probeErrors: map[int]any{500: map[string]any{"description": "Gathering the metrics failed (text).",
				"content": map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}}},
		},
		{
			pattern: "GET /v1/openapi.json", id: "openapi", tag: "api",
			summary: "The OpenAPI 3.1 document of this API (this one)",
			answer:  map[string]any{"type": "object", "description": "An OpenAPI 3.1 document."},
		},
	}
}

func statusObject(value string) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{"status": map[string]any{"const": value}},
		"required": []string{"status"}, "additionalProperties": false}
}

// parameters are the document's components/parameters: the query
// parameters routes share, and the headers of every request. A name
// differs from the parameter's when one parameter name means different
// things on different routes (from, to, after, limit, node).
func parameters() map[string]any {
	q := func(name, doc string, schema map[string]any) map[string]any {
		return map[string]any{"name": name, "in": "query", "description": doc, "schema": schema}
	}
	required := func(p map[string]any) map[string]any { p["required"] = true; return p }
	str := map[string]any{"type": "string"}
	elementID := ref("ElementID")
	moment := ref("Moment")
	algorithms := []string{}
	for _, a := range graph.Algorithms() {
		algorithms = append(algorithms, a.Name)
	}
	metrics := slices.Sorted(maps.Keys(replay.SeriesMetrics))
	return map[string]any{
		"graph":     map[string]any{"name": "graph", "in": "path", "required": true, "description": "The graph's ID.", "schema": ref("GraphID")},
		"node":      map[string]any{"name": "node", "in": "path", "required": true, "description": "The node's ID (URL-encoded).", "schema": elementID},
		"edge":      map[string]any{"name": "edge", "in": "path", "required": true, "description": "The edge's ID (URL-encoded).", "schema": elementID},
		"algorithm": map[string]any{"name": "algorithm", "in": "path", "required": true, "description": "The algorithm's name, as GET /v1/algorithms lists it ('_' may be written '-').", "schema": map[string]any{"type": "string", "examples": algorithms}},
		"as_of":     q("as_of", "Read the graph as it was at this recorded time (docs/ARCHITECTURE.md, \"Time travel\"); not with version.", map[string]any{"type": "string", "format": "date-time"}),
		"version":   q("version", "Read the graph as it was at this version; not with as_of.", map[string]any{"type": "integer", "minimum": 1}),
		"dry_run":   q("dry_run", "true: judge and apply the transaction to a copy of the state, store nothing, and answer a WhatIfAnswer.", map[string]any{"type": "boolean"}),
		"prefix":    q("prefix", "Only graphs whose ID starts with this.", ref("GraphID")),
		"after":     q("after", "The next field of the previous page: list graphs after this ID.", ref("GraphID")),
		"limit":     q("limit", fmt.Sprintf("At most this many (default %d).", api.DefaultLimit), map[string]any{"type": "integer", "minimum": 1, "maximum": api.MaxLimit}),
		"detail":    q("detail", "head: add each listed graph's version, sequence and time of its last change (heads).", map[string]any{"enum": []string{"head"}}),
		"direction": q("direction", "Which edges: leaving the node (out, the default), arriving (in), or both.", map[string]any{"enum": []string{"out", "in", "both"}}),
		"history_after": q("after", "The next_after of the previous page: transactions after this version.",
			map[string]any{"type": "integer", "minimum": 0}),
		"history_limit": q("limit", fmt.Sprintf("At most this many transactions (default %d).", replay.DefaultHistoryLimit),
			map[string]any{"type": "integer", "minimum": 1, "maximum": replay.MaxHistoryLimit}),
		"after_version": q("after_version", "Transactions with a version above this (a page's next_after_version).", map[string]any{"type": "integer", "minimum": 0}),
		"after_sequence": q("after_sequence", "A page's next_after_sequence, with after_version: read the log from there.",
			map[string]any{"type": "integer", "minimum": 0}),
		"stream_after_version": q("after_version", "Send transactions after this version (or version:sequence, a message's id); "+
			"without it or Last-Event-ID, those after the graph's current version.", map[string]any{"type": "string", "pattern": "^[0-9]+(:[0-9]+)?$"}),
		"access_token": q("access_token", "The bearer token, for EventSource clients, which cannot send headers; taken on this route only.", str),
		"LastEventID": map[string]any{"name": "Last-Event-ID", "in": "header", "description": "Sent by a reconnecting EventSource: the id of the last message it got.",
			"schema": map[string]any{"type": "string", "pattern": "^[0-9]+(:[0-9]+)?$"}},
		"path_from": required(q("from", "The node the path starts at.", elementID)),
		"path_to":   required(q("to", "The node the path ends at.", elementID)),
		"weight": q("weight", "An edge property that holds each edge's weight; without it, every edge weighs 1.",
			map[string]any{"type": "string"}),
		"kind": q("kind", "weak (the default) or strong.", map[string]any{"enum": []string{"weak", "strong"}}),
		"algorithm_params": map[string]any{"name": "params", "in": "query", "style": "form", "explode": true,
			"description": "The algorithm's parameters, each given once, as GET /v1/algorithms describes them.",
			"schema":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}},
		"compare_query": required(q("query", "The read (graph, node, edge, neighbors, shortest-path, components, topological-order) or the algorithm of GET /v1/algorithms whose answers to compare.",
			map[string]any{"type": "string"})),
		"before":        required(q("before", "The moment to compare with.", moment)),
		"compare_after": q("after", "The moment to compare (default: the present).", moment),
		"answers":       q("answers", "true: add the two answers whole (before, after).", map[string]any{"type": "boolean"}),
		"read_params": map[string]any{"name": "params", "in": "query", "style": "form", "explode": true,
			"description": "The read's or the algorithm's parameters, as its GET route takes them.",
			"schema":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}}},
		"source":      required(q("source", "The node paths start from.", elementID)),
		"target":      q("target", "A node to answer the path to.", elementID),
		"window_from": q("from", "Where the window starts (default: the beginning).", moment),
		"window_to":   q("to", "Where the window ends (default: the present).", moment),
		"diff_from":   required(q("from", "The earlier moment.", moment)),
		"metric":      required(q("metric", "What to compute at each point.", map[string]any{"enum": metrics})),
		"metric_node": q("node", "The node of a node metric (degree, pagerank); only with those.", elementID),
		"follow": q("follow", "true: go on past the head, one frame per transaction as each commits, until the client goes.",
			map[string]any{"type": "boolean"}),
		"every": q("every", "A step every this many events; give every or interval.", map[string]any{"type": "integer", "minimum": 1}),
		"interval": q("interval", "A step every this much recorded time, a Go duration such as 1s or 5m; give every or interval.",
			map[string]any{"type": "string", "pattern": `^([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h)(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|ms|s|m|h))*$`}),
		"RequestID": map[string]any{"name": api.HeaderRequestID, "in": "header",
			"description": "The request's ID (1 to 128 printable ASCII characters), echoed in the answer and on every log line; a fresh one when absent.",
			"schema":      requestIDSchema()},
		"CorrelationID": map[string]any{"name": api.HeaderCorrelationID, "in": "header",
			"description": "Becomes the correlation ID of submitted events whose body gives none; echoed in the answer.",
			"schema":      requestIDSchema()},
	}
}

func requestIDSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": "^[\\x21-\\x7e]{1,128}$"}
}

// errorStatuses are the error statuses every route of /v1 may answer: all
// that classify (errors.go) gives but 405, which answers a path for a
// method it has no operation for. Each has its codes; a test of package
// api holds both to classify.
var errorStatuses = map[int]struct {
	name string // the components/responses key
	doc  string
}{
	http.StatusBadRequest:            {"BadRequest", "A parameter, path value or body is malformed; the message names it and says what to use."},
	http.StatusUnauthorized:          {"Unauthorized", "The node requires a bearer token (--http-token) and the request has none, or another."},
	http.StatusNotFound:              {"NotFound", "The graph has no events, or what the request names does not exist."},
	http.StatusMethodNotAllowed:      {"MethodNotAllowed", "The path exists, with other methods (the Allow header lists them)."},
	http.StatusConflict:              {"Conflict", "A stale expected_version (conflict), or a transaction ID used for other events (duplicate_transaction_id)."},
	http.StatusRequestEntityTooLarge: {"TooLarge", "The body or the transaction is over a limit of the node; the message names it."},
	http.StatusUnprocessableEntity:   {"Unprocessable", "The graph's rules refuse it (rejected, cycle) or it is over a configured limit (limit_exceeded, naming the flag)."},
	http.StatusTooManyRequests:       {"TooManyStreams", "Live streams over the node's or the client's limit."},
	http.StatusInternalServerError:   {"Internal", "Anything else; the message has the request ID to report, the detail is in the node's log."},
	http.StatusServiceUnavailable:    {"Unavailable", "The log or the cluster did not answer in time, the request ran out of time (--request-timeout), or this node does not serve the route; retry."},
	http.StatusInsufficientStorage:   {"StorageFull", "JetStream's storage is full; nothing was stored."},
}

// codesOf lists the codes an error answer of status carries: those of
// replay.Codes, and the HTTP layer's own.
func codesOf(status int) []string {
	own := map[int][]string{
		http.StatusBadRequest:            {api.CodeInvalidArgument},
		http.StatusUnauthorized:          {api.CodeUnauthorized},
		http.StatusNotFound:              {api.CodeNotFound},
		http.StatusMethodNotAllowed:      {api.CodeMethodNotAllowed},
		http.StatusRequestEntityTooLarge: {api.CodeTooLarge},
		http.StatusTooManyRequests:       {api.CodeTooManyStreams},
		http.StatusServiceUnavailable:    {api.CodeUnavailable},
		http.StatusInternalServerError:   {api.CodeInternal},
	}
	codes := own[status]
	for _, c := range replay.Codes {
		if c.Status == status && !slices.Contains(codes, c.Name) {
			codes = append(codes, c.Name)
		}
	}
	slices.Sort(codes)
	return codes
}
