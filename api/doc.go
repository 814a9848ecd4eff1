// Package api serves graphlog's HTTP API v1: JSON over net/http's ServeMux.
// It owns the wire contract (routes, JSON shapes, status codes) and the
// decoding of transactions posted by clients, which it stamps at the edge
// with a transaction ID, event IDs and metadata before any grain sees them.
//
// Routes:
//
//	POST /v1/graphs/{graph}/transactions                   submit a transaction
//	POST /v1/graphs/{graph}/transactions?dry_run=true      what it would change, and reads of the result
//	GET  /v1/graphs?prefix=P&after=ID&limit=N              list graphs
//	GET  /v1/graphs/{graph}                                whole graph
//	GET  /v1/graphs/{graph}/nodes/{node}                   one node
//	GET  /v1/graphs/{graph}/nodes/{node}/neighbors?direction=out|in|both
//	GET  /v1/graphs/{graph}/edges/{edge}                   one edge
//	GET  /v1/graphs/{graph}/nodes/{node}/history?after=V&limit=N   one element's history
//	GET  /v1/graphs/{graph}/edges/{edge}/history?after=V&limit=N
//	GET  /v1/graphs/{graph}/events?after_version=N&limit=M history, whole transactions
//	GET  /v1/graphs/{graph}/replay?from=X&to=Y&every=N|interval=D   history as frames (NDJSON)
//	GET  /v1/graphs/{graph}/replay?from=X&follow=true      the same frames, one per transaction, on past the head as they commit
//	POST /v1/graphs/{graph}/fork                           a new graph from this one's state at a version
//	GET  /v1/graphs/{graph}/temporal/earliest-arrival?source=a[&target=b][&from=X][&to=Y]
//	GET  /v1/graphs/{graph}/series?metric=M[&node=N]&every=K|interval=D[&from=X][&to=Y]
//	GET  /v1/graphs/{graph}/algorithms/shortest-path?from=a&to=b[&weight=prop]
//	GET  /v1/graphs/{graph}/algorithms/components?kind=weak|strong
//	GET  /v1/graphs/{graph}/algorithms/topological-order
//	GET  /v1/graphs/{graph}/algorithms/{name}?param=value  an algorithm of the library
//	GET  /v1/algorithms                                    the library
//	GET  /healthz   liveness    GET /readyz   readiness    GET /metrics   Prometheus
//
// The JSON shapes are the exported types: TransactionRequest, EventData
// and Metadata (POST bodies), SubmitResult, Graph, Node, Edge, Neighbors,
// Events and Event, Path, Components, Order, AlgorithmAnswer, AlgorithmList,
// WhatIfQuery and WhatIfAnswer, ElementHistory and ElementVersion,
// ForkRequest, ForkResult and Lineage, EarliestArrival and ArrivalJSON,
// Series and SeriesValue,
// GraphList, ErrorResponse.
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
// through store.Reader and store.GraphLister. It imports graph (for ID
// validation and sentinels), store (ports and sentinels), messages, metrics,
// the Prometheus client and nuid. Handlers keep no state between requests;
// the handler New returns is safe for concurrent use.
package api
