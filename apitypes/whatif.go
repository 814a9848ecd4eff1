package apitypes

// WhatIfQuery is one read asked of the state a dry run's transaction
// would leave: Query names a read ("graph", "node", "edge", "neighbors",
// "shortest-path", "components", "topological-order") or an algorithm of
// the library ("pagerank"…, see GET /v1/algorithms); Params are the
// parameters its GET route takes, as strings ("node" for node, edge and
// neighbors, which take it from their path there).
type WhatIfQuery struct {
	Query  string            `json:"query"`
	Params map[string]string `json:"params,omitempty"`
}

// WhatIfAnswer answers POST .../transactions?dry_run=true: what the
// transaction would change and the version it would get, judged on the
// graph at BaseVersion, with nothing stored. Committed: the graph
// committed the transaction's ID with the same events already, at
// Version, and a submit would change nothing.
type WhatIfAnswer struct {
	Graph       string         `json:"graph"`
	BaseVersion uint64         `json:"base_version"`
	Version     uint64         `json:"version"`
	Committed   bool           `json:"committed"`
	Nodes       NodeChanges    `json:"nodes"`
	Edges       EdgeChanges    `json:"edges"`
	Answers     []WhatIfResult `json:"answers"`
}

// WhatIfResult is one query's answer on the resulting state: what its GET
// route would answer, or the error it would.
type WhatIfResult struct {
	Query  string         `json:"query"`
	Answer any            `json:"answer,omitempty"`
	Error  *ErrorResponse `json:"error,omitempty"`
}

// WhatIfRequest is the body of POST .../transactions?dry_run=true: a
// transaction, as a submit takes it, and the reads to answer on the state
// it would leave (at most replay.MaxWhatIfQueries).
type WhatIfRequest struct {
	TransactionRequest
	Queries []WhatIfQuery `json:"queries,omitempty"`
}
