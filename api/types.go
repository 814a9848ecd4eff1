package api

import "github.com/graphlog/graphlog/apitypes"

// The JSON shapes of API v1 are package apitypes', which clients share
// without importing the server; these names keep them where the server's
// code (and the OpenAPI generator) expects them. Lists are never null ([]
// when empty) and properties never null ({} when empty).
type (
	Node                = apitypes.Node
	Edge                = apitypes.Edge
	Graph               = apitypes.Graph
	Lineage             = apitypes.Lineage
	Neighbor            = apitypes.Neighbor
	Neighbors           = apitypes.Neighbors
	Path                = apitypes.Path
	Components          = apitypes.Components
	Order               = apitypes.Order
	GraphList           = apitypes.GraphList
	GraphHead           = apitypes.GraphHead
	Event               = apitypes.Event
	Events              = apitypes.Events
	TransactionRequest  = apitypes.TransactionRequest
	Metadata            = apitypes.Metadata
	EventData           = apitypes.EventData
	SubmitResult        = apitypes.SubmitResult
	WhatIfQuery         = apitypes.WhatIfQuery
	WhatIfAnswer        = apitypes.WhatIfAnswer
	WhatIfResult        = apitypes.WhatIfResult
	ErrorResponse       = apitypes.ErrorResponse
	Member              = apitypes.Member
	ClusterResponse     = apitypes.ClusterResponse
	PlacementResponse   = apitypes.PlacementResponse
	Comparison          = apitypes.Comparison
	ElementHistory      = apitypes.ElementHistory
	ElementVersion      = apitypes.ElementVersion
	ForkRequest         = apitypes.ForkRequest
	ForkResult          = apitypes.ForkResult
	Diff                = apitypes.Diff
	NodeChanges         = apitypes.NodeChanges
	EdgeChanges         = apitypes.EdgeChanges
	ElementChange       = apitypes.ElementChange
	PropertyChange      = apitypes.PropertyChange
	Frame               = apitypes.Frame
	Snapshot            = apitypes.Snapshot
	Snapshots           = apitypes.Snapshots
	AlgorithmAnswer     = apitypes.AlgorithmAnswer
	AlgorithmList       = apitypes.AlgorithmList
	AlgorithmInfo       = apitypes.AlgorithmInfo
	ParamInfo           = apitypes.ParamInfo
	Series              = apitypes.Series
	SeriesValue         = apitypes.SeriesValue
	StreamedTransaction = apitypes.StreamedTransaction
	StreamEnd           = apitypes.StreamEnd
	EarliestArrival     = apitypes.EarliestArrival
	ArrivalJSON         = apitypes.ArrivalJSON
)

// Event types, as written in the "type" field.
const (
	EventNodeAdded   = apitypes.EventNodeAdded
	EventNodeUpdated = apitypes.EventNodeUpdated
	EventNodeRemoved = apitypes.EventNodeRemoved
	EventEdgeAdded   = apitypes.EventEdgeAdded
	EventEdgeUpdated = apitypes.EventEdgeUpdated
	EventEdgeRemoved = apitypes.EventEdgeRemoved
)

// Codes of the error body (apitypes.Code…). Each has one HTTP status (see
// the table in doc.go); cycle and rejected share 422, conflict and
// duplicate_transaction_id 409. The codes of the graphs' errors, with
// their statuses, are replay.Codes; these constants spell them for
// clients (a test holds the two together) and add the HTTP layer's own.
const (
	CodeInvalidArgument        = apitypes.CodeInvalidArgument
	CodeNotFound               = apitypes.CodeNotFound
	CodeConflict               = apitypes.CodeConflict
	CodeDuplicateTransactionID = apitypes.CodeDuplicateTransactionID
	CodeRejected               = apitypes.CodeRejected
	CodeCycle                  = apitypes.CodeCycle
	CodeTooLarge               = apitypes.CodeTooLarge
	CodeUnavailable            = apitypes.CodeUnavailable
	CodeInternal               = apitypes.CodeInternal
	CodeMethodNotAllowed       = apitypes.CodeMethodNotAllowed
	CodeUnauthorized           = apitypes.CodeUnauthorized
	CodeLimitExceeded          = apitypes.CodeLimitExceeded
	CodeStorageFull            = apitypes.CodeStorageFull
	CodeTooManyStreams         = apitypes.CodeTooManyStreams
)

// Page sizes of the list routes.
const (
	DefaultLimit = apitypes.DefaultLimit
	MaxLimit     = apitypes.MaxLimit
)

// Headers read and written by the API.
const (
	HeaderRequestID     = apitypes.HeaderRequestID
	HeaderCorrelationID = apitypes.HeaderCorrelationID
)
