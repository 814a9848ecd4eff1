// Package api serves graphlog's HTTP API v1: JSON over net/http's ServeMux.
// It owns the wire contract (routes, JSON shapes, status codes) and the
// decoding of transactions posted by clients, which it stamps at the edge
// with a transaction ID, event IDs and metadata before any grain sees them.
//
// Routes (written by go generate, from the description of the routes
// that openapi.json is generated from; the document gives each one's
// parameters, bodies, answers and statuses):
//
//	POST /v1/graphs/{graph}/transactions?dry_run
//	     Submit a transaction, or with dry_run=true ask what it would change
//	GET  /v1/graphs?prefix&after&limit&detail
//	     List graphs, a page at a time, in ID order
//	GET  /v1/graphs/{graph}?as_of&version
//	     The whole graph, now or as of a version or time
//	GET  /v1/graphs/{graph}/nodes/{node}?as_of&version
//	     One node
//	GET  /v1/graphs/{graph}/nodes/{node}/neighbors?direction&as_of&version
//	     A node's neighbours and the edges to them
//	GET  /v1/graphs/{graph}/edges/{edge}?as_of&version
//	     One edge
//	GET  /v1/graphs/{graph}/nodes/{node}/history?after&limit&as_of&version
//	     Every transaction that added, changed or removed a node, a page at a time
//	GET  /v1/graphs/{graph}/edges/{edge}/history?after&limit&as_of&version
//	     Every transaction that added, changed or removed an edge, a page at a time
//	GET  /v1/graphs/{graph}/events?after_version&after_sequence&limit
//	     The graph's history, whole transactions, a page at a time
//	GET  /v1/graphs/{graph}/events/stream?after_version&access_token
//	     Committed transactions as they are committed (Server-Sent Events)
//	GET  /v1/graphs/{graph}/algorithms/shortest-path?from&to&weight&as_of&version
//	     The shortest path between two nodes (fewest edges, or least total weight)
//	GET  /v1/graphs/{graph}/algorithms/components?kind&as_of&version
//	     Weakly or strongly connected components
//	GET  /v1/graphs/{graph}/algorithms/topological-order?as_of&version
//	     A topological order of the nodes
//	GET  /v1/graphs/{graph}/algorithms/{algorithm}?as_of&version&params
//	     Run an algorithm of the library (GET /v1/algorithms lists them and their parameters)
//	GET  /v1/algorithms
//	     The algorithm library: names, parameters and bounds
//	POST /v1/graphs/{graph}/fork
//	     A new graph from this one's state at a version or time
//	GET  /v1/graphs/{graph}/temporal/earliest-arrival?source&target&from&to
//	     When each node first became reachable from a source by time-respecting paths
//	GET  /v1/graphs/{graph}/series?metric&node&every&interval&from&to
//	     A metric over a window of history, one point per step
//	GET  /v1/graphs/{graph}/compare?query&before&after&answers&params
//	     How a read's or an algorithm's answer changed between two moments
//	GET  /v1/graphs/{graph}/diff?from&to
//	     What changed between two moments
//	GET  /v1/graphs/{graph}/replay?from&to&every&interval&follow
//	     The graph's history as frames (NDJSON): a keyframe, then each step's events and changes
//	POST /v1/graphs/{graph}/snapshots
//	     Store a snapshot of the graph's current state
//	GET  /v1/graphs/{graph}/snapshots
//	     The graph's stored snapshots, oldest first
//	GET  /v1/cluster
//	     The cluster's members
//	GET  /v1/cluster/graphs/{graph}
//	     The member that hosts a graph (activating it there)
//	GET  /healthz
//	     Liveness: the process serves HTTP
//	GET  /readyz
//	     Readiness: the node can serve (503 with the reason when not)
//	GET  /metrics
//	     Prometheus metrics, in the text exposition format
//	GET  /v1/openapi.json
//	     The OpenAPI 3.1 document of this API (this one)
//
// The JSON shapes are package apitypes' types, which clients share
// without importing the server; this package names them by aliases
// (types.go) and converts messages to them (GraphJSON, EventJSON …). The
// document (openapi.json, served at GET /v1/openapi.json) has each as a
// schema of the same name and says which route takes or answers it.
// Lists are [] and properties {} when empty, never null. DecodeTransaction
// and EventJSON are exported for the CLI and tests.
//
// Every error is {"error": "<what is wrong and what to do>", "code": "<code>"}
// and one function (classify, errors.go) maps Go errors to it with
// errors.Is / errors.As: the HTTP layer's own errors there, the graphs'
// by the one table of codes, replay.Codes:
//
//	400 invalid_argument    graph.ErrInvalidID, graph.ErrInvalidTransaction, graph.ErrInvalidWeight, ErrInvalidRequest
//	404 not_found           graph.ErrNotFound, store.ErrNotFound, unknown routes, a graph with no events
//	405 method_not_allowed  a known path with another method
//	409 conflict            store.ErrConflict
//	409 duplicate_transaction_id  store.ErrDuplicateTransactionID (the ID was used for other events)
//	413 too_large           store.ErrTooLarge, a body over the limit (http.MaxBytesError)
//	422 rejected            graph.ErrRejected (nothing was applied)
//	422 cycle               graph.ErrCycle
//	422 limit_exceeded      graph.ErrLimit (a configured limit; the message names it and its flag)
//	429 too_many_streams    live streams over the node's or the client's limit
//	507 storage_full        store.ErrStorageFull (JetStream's storage limit reached; nothing stored)
//	503 unavailable         store.ErrUnavailable, context.DeadlineExceeded (timeouts), context.Canceled
//	500 internal            anything else: a generic message; the detail is logged
//
// Requests carry an ID: X-Request-ID when the client sends a sane one,
// otherwise a fresh nuid; it is echoed in the response and is on every log
// line of the request. X-Correlation-ID (else the request ID) becomes the
// correlation ID of submitted events whose body gives none.
//
// The API reaches grains only through the Graphs interface and the log only
// through store.Reader and store.GraphLister. It imports apitypes (the
// JSON shapes), graph (for ID validation and sentinels), store (ports and
// sentinels), messages, metrics, the Prometheus client and nuid. Handlers
// keep no state between requests; the handler New returns is safe for
// concurrent use.
package api
