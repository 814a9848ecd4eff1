package api

// Attribute keys of structured logs, one spelling for every line.
const (
	keyRequestID     = "request_id"
	keyCorrelationID = "correlation_id"
	keyGraph         = "graph"
	keyTransaction   = "transaction"
	keyVersion       = "version"
	keyEvents        = "events"
	keyMethod        = "method"
	keyPath          = "path"
	keyRoute         = "route"
	keyStatus        = "status"
	keyCode          = "code"
	keyDuration      = "duration"
	keyError         = "error"
	keyPanic         = "panic"
	keyStack         = "stack"
)
