// Package metrics owns graphlog's Prometheus collectors: one Metrics value,
// built by New against a registry that the caller owns (cmd/node), and
// handed to the packages that count things. Every name starts with
// graphlog_.
//
// The helper methods (Appended, Applied, Rejected, ObserveHTTP …) are safe
// on a nil *Metrics and then do nothing, so code and tests that do not care
// about metrics pass nil. Collectors are safe for concurrent use.
//
// Label values are bounded: Rejections' source is "submit" or "log";
// HTTPRequestSeconds' route is a ServeMux pattern (never a raw path) and
// code an HTTP status.
//
// This package imports the Prometheus client only.
package metrics
