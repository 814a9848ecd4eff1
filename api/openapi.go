package api

import (
	_ "embed"
	"net/http"
)

//go:generate go run ./internal/openapigen

// OpenAPI is the API's OpenAPI 3.1 document, served at GET
// /v1/openapi.json. It is generated (go generate ./api) from the
// description of the routes in internal/openapigen and from this
// package's types and their doc comments; tests hold it to the routes New
// registers, to the statuses classify gives and to the answers of real
// requests, so it says what the code does.
//
//go:embed openapi.json
var OpenAPI []byte

func (s *server) openAPI(w http.ResponseWriter, _ *http.Request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(OpenAPI) // the client may have left; nothing to do
	return nil
}
