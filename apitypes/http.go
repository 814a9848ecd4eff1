package apitypes

// Headers read and written by the API.
const (
	HeaderRequestID     = "X-Request-ID"
	HeaderCorrelationID = "X-Correlation-ID"
)

// Page sizes of the list routes.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Health is the answer of GET /healthz ("ok") and of GET /readyz when the
// node can serve ("ready"); a node that cannot answers /readyz 503 with
// an ErrorResponse.
type Health struct {
	Status string `json:"status"`
}
