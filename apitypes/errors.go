package apitypes

// Codes of the error body, each with its one HTTP status (the table of
// package api's doc): cycle, rejected and limit_exceeded share 422,
// conflict and duplicate_transaction_id 409.
const (
	CodeInvalidArgument        = "invalid_argument"         // 400
	CodeUnauthorized           = "unauthorized"             // 401
	CodeNotFound               = "not_found"                // 404
	CodeMethodNotAllowed       = "method_not_allowed"       // 405
	CodeConflict               = "conflict"                 // 409
	CodeDuplicateTransactionID = "duplicate_transaction_id" // 409: the ID was used for other events
	CodeTooLarge               = "too_large"                // 413
	CodeRejected               = "rejected"                 // 422: nothing was applied
	CodeCycle                  = "cycle"                    // 422
	CodeLimitExceeded          = "limit_exceeded"           // 422: a configured limit of the node
	CodeTooManyStreams         = "too_many_streams"         // 429
	CodeInternal               = "internal"                 // 500
	CodeUnavailable            = "unavailable"              // 503: retry later, or on another node
	CodeStorageFull            = "storage_full"             // 507
)

// ErrorResponse is the body of every error answer.
type ErrorResponse struct {
	// Error says what is wrong and what to do.
	Error string `json:"error"`
	// Code is one of the Code constants.
	Code string `json:"code"`
}
