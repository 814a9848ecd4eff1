// Package apitypes holds the JSON shapes of graphlog's HTTP API v1: every
// request body and answer, the event types, the error body and its codes,
// the headers and the page sizes. The server (package api) and its clients
// (package client, graphctl) share them, so a change of the wire contract
// is one change that both sides compile against.
//
// It imports the standard library only, so a client of the API needs
// nothing of the server: no protobuf, no NATS, no Prometheus. The
// conversions of the server's messages to these shapes (api.GraphJSON,
// api.EventJSON …) stay in package api.
//
// Lists are never null in answers ([] when empty) and properties never
// null ({} when empty). Fields typed any (an algorithm's result, a
// comparison's changes, a what-if answer, a property change's sides) hold
// whatever JSON the route answers; decoding into them gives the generic
// forms of encoding/json unless the caller sets them to a pointer of the
// type to decode into (package client sets them to *json.RawMessage).
//
// The OpenAPI document of the API (GET /v1/openapi.json) is generated from
// these types and their doc comments, under the same names.
package apitypes
