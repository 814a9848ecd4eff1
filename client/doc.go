// Package client is a Go client of graphlog's HTTP API v1: one typed
// method per route, with the API's JSON shapes of package apitypes.
//
// A Client is given a list of servers, the nodes of one cluster, any of
// which answers for any graph. It stays with the one that last answered
// and moves on to the next when one cannot be connected to (nothing was
// sent, so this is safe for any request). Every method takes a context
// first; its deadline bounds the request.
//
// Errors match sentinels with errors.Is: an error answer is an *Error
// (the status, the server's code and message, the request ID of the
// node's log lines), which matches ErrInvalid (400), ErrUnauthorized
// (401), ErrNotFound (404), ErrConflict (409), ErrTooLarge (413),
// ErrRejected (422), ErrTooManyStreams (429) or ErrUnavailable (503); a
// failure to reach any server, or a connection lost after sending, is a
// *ConnError, which matches ErrUnavailable.
//
// Submit is safe to retry: it gives the transaction an ID when it has
// none and resends it, with that ID, when the answer is lost or the node
// is unavailable, on the next server. The graph answers a resend of a
// committed ID with its first answer, so a transaction is never applied
// twice (docs/ARCHITECTURE.md, "Retries are safe forever").
//
// Reads take the present, or one Moment of the past given last:
// AtVersion(v) or AtTime(t). Live streams (StreamEvents, FollowReplay)
// and replays are iterators (range over func); the live ones go on after
// a break, on another server if need be.
//
// The package imports only the standard library and apitypes, nothing of
// the server.
package client
