package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/replay"
	"github.com/graphlog/graphlog/store"
)

// Fuzz targets for what the API reads from clients: transaction bodies,
// moments, query parameters, and whole requests. `go test ./api` runs each
// target's seeds as a test; scripts/fuzz runs every target of the
// repository for a bounded time. FuzzDecodeTransaction (transactions_test.go)
// checks what an accepted body is; FuzzTransactionBody adds what a refusal
// is and what a listed transaction decodes back to.
//
// Where a parser's verdict is checked, it is against a deliberately naive
// reading written here (naiveUint, naiveInt, naiveMoment, naiveAsOf), not
// against the strconv call the parser makes.

// fuzzMaxErrorText bounds the text of an error answer however large the
// request: client input is quoted clipped. The longest quote allowed is an
// element ID of graph.MaxElementIDLen bytes escaped by %q (4 characters a
// byte).
const fuzzMaxErrorText = 2048

// fuzzFrameEvents is the servers' --max-frame-events: every above it is
// refused with limit_exceeded.
const fuzzFrameEvents = 50

// transactionSeeds are bodies from the package's tests, accepted and
// refused, and the shapes that once echoed client input unclipped.
var transactionSeeds = []string{
	`{"events": [{"type": "NodeAdded", "node_id": "a"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a"}, {"type": "NodeAdded", "node_id": "b"}]}`,
	`{"expected_version": 0, "events": [{"type": "NodeRemoved", "node_id": "a"}]}`,
	`{"expected_version": 7, "transaction_id": "tx-1", "metadata": {"correlation_id": "corr", "causation_id": "cause", "author": "ann"}, "events": [
		{"type": "NodeAdded", "node_id": "a", "node_type": "person", "properties": {"name": "Ann", "age": 42}, "occurred_at": "2025-01-02T03:04:05.123456789Z"},
		{"type": "EdgeAdded", "edge_id": "e1", "source_id": "a", "target_id": "b", "edge_type": "knows", "properties": {"since": 2020}, "occurred_at": "2025-01-02T04:04:05+01:00"},
		{"type": "NodeUpdated", "node_id": "a", "set": {"age": 43}, "unset": ["name"]},
		{"type": "EdgeUpdated", "edge_id": "e1", "set": {"w": 1.5}, "unset": ["since", "x"]},
		{"type": "EdgeRemoved", "edge_id": "e1"},
		{"type": "NodeRemoved", "node_id": "a"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "n", "properties": {"string": "h\u00e9llo \u2603", "int": 42, "negative": -7, "float": 3.25, "exp": 1e21, "zero": -0, "big": 9007199254740993, "true": true, "null": null, "list": [1, "two", false, null, {"k": [[]]}, []], "nested": {"a": {"b": {"c": [1, {"d": null}]}}, "empty": {}}, "": "empty key"}}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "c", "node_type": "person", "properties": {"name": "Cy", "tags": ["x", 1, null], "meta": {"ok": true}}}, {"type": "NodeAdded", "node_id": "b/2 x", "node_type": "city"}, {"type": "EdgeAdded", "edge_id": "e2", "source_id": "c", "target_id": "b/2 x", "edge_type": "knows"}]}`,
	`{"expected_version": null, "transaction_id": null, "metadata": null, "events": [{"type": "NodeAdded", "node_id": "a", "node_type": null, "properties": null, "occurred_at": null}]}`,
	`{"metadata": {}, "events": [{"type": "NodeUpdated", "node_id": "a", "set": {}, "unset": []}]}`,
	`{"events": [{"type": "NodeUpdated", "node_id": "a", "unset": [""]}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "occurred_at": "9999-12-31T23:59:59-01:00"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "occurred_at": "0001-01-01T00:00:00+01:00"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "occurred_at": "0001-01-01T00:00:00.` + strings.Repeat("0", 3000) + `+01:00"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"x": 1e400}}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"x": 1` + strings.Repeat("0", 3000) + `}}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "set": {"x": [` + strings.Repeat("1,", 100) + `1e999]}}]}`,
	`{"events": [{"type": "NodeUpdated", "node_id": "a", "set": {"x": [` + strings.Repeat("1,", 100) + `-1e999]}}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "properties": ` + strings.Repeat(`{"a":`, 65) + `1` + strings.Repeat(`}`, 65) + `}]}`,
	`{"transaction_id": "a\u0000b", "events": [{"type": "NodeRemoved", "node_id": "a"}]}`,
	`{"transaction_id": "` + strings.Repeat(`\u0085`, 128) + `", "events": [{"type": "NodeRemoved", "node_id": "a"}]}`,
	`{"events": [{"type": "NodeRemoved", "node_id": "` + strings.Repeat(`\u0000`, 256) + `"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "\xff"}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"\xff": "\xfe"}}]}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a", "Node_Id": "b"}]}`,
	`{"events": [{"type": "NodeAdded", "type": "NodeRemoved", "node_id": "a"}]}`,
	`{"events": [{"type": "NodeRemoved", "node_id": "a"}, {"type": "NodeRemoved", "node_id": "a"}, {"type": "NodeRemoved", "node_id": "a"}, {"type": "NodeRemoved", "node_id": "a"}]}`,
	`{"expected_version": 18446744073709551616, "events": []}`,
	`{"expected_version": 1.5, "events": []}`,
	`{"expected_version": "1", "events": []}`,
	`{"metadata": {"author": 1}, "events": []}`,
	`{"metadata": {"user": "x"}, "events": []}`,
	`{"Events": [{"type": "NodeAdded", "node_id": "a"}]}`,
	`{"events": [{"type": "Foo"}]}`,
	`{"events": [{"type": 1}]}`,
	`{"events": {"type": "NodeAdded"}}`,
	`{"events": [5]}`, `{"events": [null]}`, `{"events": []}`, `{"events": null}`, `{}`,
	`{"events": [{"type": "NodeAdded", "node_id": "a"}]}{}`,
	`[]`, `null`, `"x"`, `{`, ``, "   ", "\xef\xbb\xbf{}",
}

// FuzzTransactionBody posts arbitrary bytes to DecodeTransaction. An
// accepted body satisfies checkDecoded, and listing its events (EventJSON)
// and posting them back decodes to the same events: a client that copies
// what it reads writes what it read. A refused one wraps a sentinel the
// doc comment names, so the client gets a 4xx, and quotes its input
// clipped.
func FuzzTransactionBody(f *testing.F) {
	for _, s := range transactionSeeds {
		f.Add([]byte(s), uint8(0))
	}
	f.Add([]byte(transactionSeeds[0]), uint8(1))
	f.Add([]byte(transactionSeeds[3]), uint8(3))
	f.Fuzz(func(t *testing.T, body []byte, limit uint8) {
		maxEvents := int(limit % 8) // 0: no bound
		tx, err := DecodeTransaction("g", body, maxEvents)
		if err != nil {
			if tx != nil {
				t.Fatal("DecodeTransaction returned a transaction and an error")
			}
			checkDecodeError(t, err)
			return
		}
		bound := maxEvents
		if bound == 0 {
			bound = math.MaxInt
		}
		checkDecoded(t, "g", tx, bound)
		checkResubmit(t, tx)
	})
}

// checkDecodeError: a refusal wraps one of DecodeTransaction's documented
// sentinels, answers 400 or 413, and quotes the body clipped.
func checkDecodeError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, graph.ErrInvalidTransaction) && !errors.Is(err, graph.ErrInvalidID) && !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("refusal %q wraps none of ErrInvalidTransaction, ErrInvalidID, ErrTooLarge", err)
	}
	if status, code := classify(err); status != http.StatusBadRequest && status != http.StatusRequestEntityTooLarge {
		t.Fatalf("refusal %q is answered %d %s, not a client error", err, status, code)
	}
	if n := len(err.Error()); n > fuzzMaxErrorText {
		t.Fatalf("refusal is %d bytes long; client input must be clipped: %.200q…", n, err.Error())
	}
}

// checkResubmit lists tx's events as GET .../events does, posts them back
// as a client would, and wants the same events (IDs are stamped anew).
func checkResubmit(t *testing.T, tx *messages.Transaction) {
	t.Helper()
	req := TransactionRequest{ExpectedVersion: tx.ExpectedVersion, TransactionID: tx.TransactionId}
	for _, ev := range tx.Events {
		e := EventJSON(ev)
		req.Events = append(req.Events, e.EventData)
		req.Metadata = e.Metadata // every event carries the body's metadata
	}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("an accepted transaction cannot be written back: %v", err)
	}
	back, err := DecodeTransaction(tx.GraphId, body, 0)
	if err != nil {
		t.Fatalf("an accepted transaction, listed and posted back, is refused: %v\n%s", err, body)
	}
	if back.TransactionId != tx.TransactionId || back.GetExpectedVersion() != tx.GetExpectedVersion() ||
		(back.ExpectedVersion == nil) != (tx.ExpectedVersion == nil) || len(back.Events) != len(tx.Events) {
		t.Fatalf("posted back, the transaction changed:\n%v\nwant\n%v", back, tx)
	}
	for i := range tx.Events {
		want, got := fuzzListed(t, tx.Events[i]), fuzzListed(t, back.Events[i])
		if got != want {
			t.Fatalf("event %d, listed and posted back, lists as\n%s\nwant\n%s", i, got, want)
		}
	}
}

// fuzzListed is an event as GET .../events lists it, without the IDs the
// edge stamps.
func fuzzListed(t *testing.T, ev *messages.Event) string {
	t.Helper()
	e := EventJSON(ev)
	e.EventID = ""
	b, err := json.Marshal(e)
	if err != nil {
		t.Fatalf("an accepted event cannot be listed: %v", err)
	}
	return string(b)
}

// momentSeeds are versions and times, well and badly written.
var momentSeeds = []string{
	"1", "42", "0", "007", "18446744073709551615", "18446744073709551616", "-1", "+1", "1.5", "0x10", "1_000", " 1", "1 ", "",
	"2026-01-02T15:04:05Z", "2026-01-02T15:04:05.123456789+05:30", "2026-01-02T15:04:05.1234567891234Z",
	"2026-01-02T15:04:05", "2026-01-02", "2026-01-02 15:04:05Z", "2026-01-02t15:04:05z", "2026-13-01T00:00:00Z",
	"2026-02-30T00:00:00Z", "2026-01-02T24:00:00Z", "2026-01-02T15:04:60Z", "2026-01-02T15:04:05+24:00",
	"0001-01-01T00:00:00Z", "0000-01-01T00:00:00+01:00", "9999-12-31T23:59:59-23:59", "yesterday", "now",
}

// FuzzParseMoment: parseMoment accepts exactly the naive reading (a
// version from 1, or an RFC 3339 time); what it accepts it reads as that
// version or instant, and writing it back reads the same again; what it
// refuses wraps ErrInvalidRequest and names the parameter.
func FuzzParseMoment(f *testing.F) {
	for _, s := range momentSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		m, err := parseMoment("from", v)
		want, ok := naiveMoment(v)
		if !ok {
			if err == nil {
				t.Fatalf("parseMoment(%q) = %+v, want a refusal", v, m)
			}
			checkParamError(t, err, "from")
			if !m.isZero() {
				t.Fatalf("parseMoment(%q) refused with a moment %+v", v, m)
			}
			return
		}
		if err != nil {
			t.Fatalf("parseMoment(%q): %v, want %+v", v, err, want)
		}
		if !sameMoment(m, want) {
			t.Fatalf("parseMoment(%q) = %+v, want %+v", v, m, want)
		}
		// Written back the way a client would, it reads the same.
		again := strconv.FormatUint(m.Version, 10)
		if m.Version == 0 {
			again = m.Time.Format(time.RFC3339Nano)
		}
		if back, err := parseMoment("from", again); err != nil || !sameMoment(back, m) {
			t.Fatalf("parseMoment(%q) = %+v, but its form %q reads as %+v, %v", v, m, again, back, err)
		}
	})
}

// FuzzAsOf: asOf reads as_of and version as the naive reading does: at
// most one of them, a time or a version from 1; neither is the present.
func FuzzAsOf(f *testing.F) {
	for _, s := range momentSeeds {
		f.Add(s, "")
		f.Add("", s)
	}
	f.Add("2026-01-02T15:04:05Z", "3")
	f.Fuzz(func(t *testing.T, at, ver string) {
		q := url.Values{}
		if at != "" {
			q.Set("as_of", at)
		}
		if ver != "" {
			q.Set("version", ver)
		}
		r := httptest.NewRequest(http.MethodGet, "/v1/graphs/g?"+q.Encode(), nil)
		m, err := asOf(r)
		want, ok := naiveAsOf(q)
		if !ok {
			if err == nil {
				t.Fatalf("as_of=%q version=%q read as %+v, want a refusal", at, ver, m)
			}
			checkParamError(t, err, "")
			return
		}
		if err != nil || !sameMoment(m, want) {
			t.Fatalf("as_of=%q version=%q read as %+v, %v; want %+v", at, ver, m, err, want)
		}
	})
}

// FuzzLimitParam: limit is DefaultLimit when absent, else a whole number
// from 1 to MaxLimit, read as that number.
func FuzzLimitParam(f *testing.F) {
	for _, s := range []string{"", "1", "100", "1000", "1001", "0", "-1", "+5", "005", "0x10", "1e3", "1.0", " 1", "ten",
		"9223372036854775807", "9223372036854775808", "-9223372036854775809", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := httptest.NewRequest(http.MethodGet, "/v1/graphs?"+url.Values{"limit": {s}}.Encode(), nil)
		n, err := limitParam(r)
		want, ok := naiveLimit(s)
		if !ok {
			if err == nil {
				t.Fatalf("limit=%q read as %d, want a refusal", s, n)
			}
			checkParamError(t, err, "limit")
			return
		}
		if err != nil || n != want {
			t.Fatalf("limit=%q read as %d, %v; want %d", s, n, err, want)
		}
	})
}

// checkParamError: a refused parameter is the client's fault (400), names
// the parameter, and quotes it clipped.
func checkParamError(t *testing.T, err error, name string) {
	t.Helper()
	if !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("refusal %q does not wrap ErrInvalidRequest", err)
	}
	if !strings.Contains(err.Error(), name) {
		t.Fatalf("refusal %q does not name %s", err, name)
	}
	if len(err.Error()) > fuzzMaxErrorText {
		t.Fatalf("refusal is %d bytes long; client input must be clipped", len(err.Error()))
	}
}

// paramRoutes are the read routes whose query parameters FuzzQueryParams
// drives, on the graph fuzzServer seeds.
var paramRoutes = []string{
	"graphs", "events", "stream", "graph", "node", "edge", "neighbors",
	"shortest-path", "components", "topological-order", "diff", "replay",
}

var paramRoutePaths = map[string]string{
	"graphs":            "/v1/graphs",
	"events":            "/v1/graphs/g/events",
	"stream":            "/v1/graphs/g/events/stream",
	"graph":             "/v1/graphs/g",
	"node":              "/v1/graphs/g/nodes/a",
	"edge":              "/v1/graphs/g/edges/e",
	"neighbors":         "/v1/graphs/g/nodes/a/neighbors",
	"shortest-path":     "/v1/graphs/g/algorithms/shortest-path",
	"components":        "/v1/graphs/g/algorithms/components",
	"topological-order": "/v1/graphs/g/algorithms/topological-order",
	"diff":              "/v1/graphs/g/diff",
	"replay":            "/v1/graphs/g/replay",
}

// FuzzQueryParams sends a raw query string (and a Last-Event-ID) to one
// read route of a server over the fake, and holds the answer to the naive
// reading of the parameters: refused (400, or 422 for every over the
// node's limit) exactly when the naive reading refuses, and otherwise
// answered as the parameters say: the page of events and graphs, the
// direction and kind, the moments and steps handed to History, the ends
// and weight handed to the algorithm.
func FuzzQueryParams(f *testing.F) {
	seeds := map[string][]string{
		"graphs":            {"", "limit=1", "after=a", "after=g", "after=a.b", "after=" + strings.Repeat("a", 129), "limit=ten", "detail=head", "detail=x", "limit=0&detail=x"},
		"events":            {"", "after_version=1", "after_version=3&limit=1", "after_sequence=2", "after_sequence=0&after_version=1", "after_sequence=18446744073709551615", "limit=2", "limit=1001", "after_version=-1", "after_sequence=x", "limit=+2"},
		"stream":            {"", "after_version=2", "after_version=2:2", "after_version=2:", "after_version=:2", "after_version=a", "after_version=1:2:3"},
		"graph":             {"", "version=1", "as_of=2026-01-02T15:04:05Z", "version=0", "as_of=x", "version=1&as_of=2026-01-02T15:04:05Z", "as_of=0001-01-01T00:00:00Z"},
		"node":              {"", "version=2", "version=-1"},
		"edge":              {"", "as_of=2026-01-02T15:04:05.5+01:00"},
		"neighbors":         {"", "direction=in", "direction=out", "direction=both", "direction=up", "direction=IN", "direction=in&version=1"},
		"shortest-path":     {"from=a&to=b", "from=a&to=b&weight=w", "from=a%20b&to=%C3%A9", "from=a", "to=b", "from=%FF&to=b", "from=a&to=b&weight=%FF", "from=a&to=b&weight=" + strings.Repeat("w", 257), "from=a;to=b"},
		"components":        {"", "kind=weak", "kind=strong", "kind=medium", "kind=strong&as_of=2026-01-02T15:04:05Z"},
		"topological-order": {"", "version=3", "version=18446744073709551616"},
		"diff":              {"from=1", "from=1&to=3", "from=2026-01-02T15:04:05Z&to=3", "", "from=0", "from=1&to=x"},
		"replay":            {"every=1", "every=50", "every=51", "every=99999999999999999999", "every=+3", "interval=1h", "interval=-1s", "interval=0", "every=1&interval=1s", "", "from=2&to=3&every=1", "from=x&every=51"},
	}
	for i, route := range paramRoutes {
		for _, q := range seeds[route] {
			f.Add(uint8(i), q, "")
		}
	}
	f.Add(uint8(slices.Index(paramRoutes, "stream")), "", "2:3")
	f.Add(uint8(slices.Index(paramRoutes, "stream")), "", "x")
	f.Add(uint8(slices.Index(paramRoutes, "stream")), "after_version=1", "x")

	fs := newFuzzServer(f, "", nil)
	f.Fuzz(func(t *testing.T, routeIndex uint8, rawQuery, lastEventID string) {
		route := paramRoutes[int(routeIndex)%len(paramRoutes)]
		fs.reset()
		u := &url.URL{Path: paramRoutePaths[route], RawQuery: rawQuery}
		req := (&http.Request{Method: http.MethodGet, URL: u, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
			Header: http.Header{}, Host: "example.com", RemoteAddr: "192.0.2.1:1234", Body: http.NoBody}).WithContext(context.Background())
		if lastEventID != "" {
			req.Header.Set("Last-Event-ID", lastEventID)
		}
		rec := httptest.NewRecorder()
		fs.h.ServeHTTP(rec, req)
		checkAnswer(t, rec, fs.logs)

		q := u.Query()
		want := expectedStatus(route, q, lastEventID)
		if rec.Code != want {
			t.Fatalf("GET %s?%s (Last-Event-ID %q): %d %s; the naive reading wants %d", u.Path, rawQuery, lastEventID, rec.Code, rec.Body, want)
		}
		if rec.Code == http.StatusOK {
			checkParamsHonoured(t, route, q, rec.Body.Bytes(), fs)
		}
	})
}

// expectedStatus is the answer the naive reading of q gives on route:
// 400 for a malformed parameter, 422 for every over the node's limit, 503
// where the fuzz server lacks what the route needs, else 200 (the seeded
// graph has what every read names).
func expectedStatus(route string, q url.Values, lastEventID string) int {
	const bad, ok = http.StatusBadRequest, http.StatusOK
	if _, asOfOK := naiveAsOf(q); !asOfOK {
		switch route {
		case "graph", "node", "edge", "neighbors", "shortest-path", "components", "topological-order":
			return bad
		}
	}
	limitOK := func() bool { _, ok := naiveLimit(q.Get("limit")); return ok }
	uintOK := func(name string) bool { _, ok := naiveUint(q.Get(name)); return q.Get(name) == "" || ok }
	momentOK := func(name string) bool { _, ok := naiveMoment(q.Get(name)); return q.Get(name) == "" || ok }
	switch route {
	case "graphs":
		if after := q.Get("after"); after != "" && graph.ValidateGraphID(after) != nil || !limitOK() {
			return bad
		}
		switch q.Get("detail") {
		case "":
			return ok
		case "head":
			return http.StatusServiceUnavailable // the memory log tells no heads
		}
		return bad
	case "events":
		if !uintOK("after_version") || !uintOK("after_sequence") || !limitOK() {
			return bad
		}
	case "stream":
		v := q.Get("after_version")
		if v == "" {
			v = lastEventID
		}
		if v != "" {
			version, seq, hasSeq := strings.Cut(v, ":")
			_, vOK := naiveUint(version)
			_, sOK := naiveUint(seq)
			if !vOK || hasSeq && !sOK {
				return bad
			}
		}
		return http.StatusServiceUnavailable // the fuzz server follows no log
	case "neighbors":
		if !slices.Contains([]string{"", "out", "in", "both"}, q.Get("direction")) {
			return bad
		}
	case "components":
		if !slices.Contains([]string{"", "weak", "strong"}, q.Get("kind")) {
			return bad
		}
	case "shortest-path":
		elementOK := func(s string) bool { return s != "" && len(s) <= graph.MaxElementIDLen && utf8.ValidString(s) }
		w := q.Get("weight")
		if !elementOK(q.Get("from")) || !elementOK(q.Get("to")) || len(w) > graph.MaxElementIDLen || !utf8.ValidString(w) {
			return bad
		}
	case "diff":
		if q.Get("from") == "" || !momentOK("from") || !momentOK("to") {
			return bad
		}
	case "replay":
		if !momentOK("from") || !momentOK("to") {
			return bad
		}
		_, err := naiveEvery(q)
		switch {
		case errors.Is(err, graph.ErrLimit):
			return http.StatusUnprocessableEntity
		case err != nil:
			return bad
		}
	}
	return ok
}

// checkParamsHonoured checks a 200 answer against what q asked for.
func checkParamsHonoured(t *testing.T, route string, q url.Values, body []byte, fs *fuzzServer) {
	t.Helper()
	asked, _ := naiveAsOf(q)
	switch route {
	case "graph", "node", "edge", "neighbors", "shortest-path", "components", "topological-order":
		if fs.history.calls > 0 && !sameMoment(fs.history.at, asked) {
			t.Fatalf("History was asked at %+v; the query names %+v", fs.history.at, asked)
		}
		if fs.history.calls > 0 && q.Get("as_of") == "" && q.Get("version") == "" {
			t.Fatal("a read of the present went to History")
		}
	}
	var answer map[string]any
	if route != "replay" {
		if err := json.Unmarshal(body, &answer); err != nil {
			t.Fatalf("answer %q: %v", body, err)
		}
	}
	switch route {
	case "graphs":
		want := []any{}
		if "g" > q.Get("after") {
			want = []any{"g"}
		}
		if got := answer["graphs"]; !equalJSON(got, want) || answer["next"] != "" {
			t.Fatalf("listed %s; want graphs %v and no next page", body, want)
		}
	case "events":
		versions, nextVersion, nextSequence := wantEventsPage(q)
		var got []uint64
		for _, e := range answer["events"].([]any) {
			got = append(got, uint64(e.(map[string]any)["version"].(float64)))
		}
		if !slices.Equal(got, versions) || answer["next_after_version"] != float64(nextVersion) || answer["next_after_sequence"] != float64(nextSequence) {
			t.Fatalf("listed %s; want versions %v, next_after_version %d, next_after_sequence %d", body, versions, nextVersion, nextSequence)
		}
	case "neighbors":
		want := q.Get("direction")
		if want == "" {
			want = "out"
		}
		if answer["direction"] != want {
			t.Fatalf("neighbors answered direction %v, want %s", answer["direction"], want)
		}
	case "components":
		want := q.Get("kind")
		if want == "" {
			want = "weak"
		}
		if answer["kind"] != want {
			t.Fatalf("components answered kind %v, want %s", answer["kind"], want)
		}
	case "shortest-path":
		p := fs.path
		if p == nil || p.From != q.Get("from") || p.To != q.Get("to") || p.Weight != q.Get("weight") {
			t.Fatalf("the algorithm was asked %v; the query names from %q, to %q, weight %q", p, q.Get("from"), q.Get("to"), q.Get("weight"))
		}
	case "diff":
		from, _ := naiveMoment(q.Get("from"))
		to, _ := naiveMoment(q.Get("to")) // absent: the zero Moment
		h := fs.history
		if h.calls != 1 || !sameMoment(h.from, from) || !sameMoment(h.to, to) {
			t.Fatalf("History diffed %+v to %+v (%d calls); the query names %+v to %+v", h.from, h.to, h.calls, from, to)
		}
	case "replay":
		from, _ := naiveMoment(q.Get("from")) // absent: the zero Moment
		to, _ := naiveMoment(q.Get("to"))
		every, _ := naiveEvery(q)
		h := fs.history
		if h.calls != 1 || !sameMoment(h.from, from) || !sameMoment(h.to, to) || h.every != every {
			t.Fatalf("History replayed %+v to %+v by %+v (%d calls); the query names %+v to %+v by %+v", h.from, h.to, h.every, h.calls, from, to, every)
		}
	}
}

// wantEventsPage is the page GET .../events answers on the seeded graph
// (versions 1 to 3, one event each, at sequences 1 to 3): the versions
// listed and the next page's after_version and after_sequence.
func wantEventsPage(q url.Values) (versions []uint64, nextVersion, nextSequence uint64) {
	after, _ := naiveUint(q.Get("after_version"))
	seq, _ := naiveUint(q.Get("after_sequence"))
	limit, _ := naiveLimit(q.Get("limit"))
	from := max(seq, 1) - 1 // the message at after_sequence is read again
	nextVersion, nextSequence = after, from
	for v := uint64(1); v <= 3 && len(versions) < limit; v++ {
		if v > from && v > after {
			versions = append(versions, v)
			nextVersion, nextSequence = v, v
		}
	}
	return versions, nextVersion, nextSequence
}

var fuzzMethods = []string{http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions}

// FuzzHandler drives the whole handler with a method, a path, a raw query,
// a Last-Event-ID, an Authorization header (when set, the server wants the
// bearer token "secret") and a body, written as a raw HTTP/1.1 request
// and read by net/http as a server would. Against the fake, which never
// fails, no request is a 500 or a panic; every error is a JSON
// ErrorResponse whose code matches its status.
func FuzzHandler(f *testing.F) {
	get, post := uint8(0), uint8(1)
	for _, s := range []struct {
		method      uint8
		path, query string
		body        string
	}{
		{post, "v1/graphs/g/transactions", "", transactionSeeds[0]},
		{post, "v1/graphs/g/transactions", "", `{"expected_version": 3, "events": [{"type": "NodeUpdated", "node_id": "a", "set": {"k": [1, "x"]}}]}`},
		{post, "v1/graphs/g/transactions", "", `{"expected_version": 1, "events": [{"type": "NodeAdded", "node_id": "z"}]}`},
		{post, "v1/graphs/g/transactions", "", `{"events": [{"type": "NodeAdded", "node_id": "a"}]}`},
		{post, "v1/graphs/h/transactions", "", `{"events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a", "target_id": "b"}]}`},
		{post, "v1/graphs/g/transactions", "", `{"events": [` + strings.Repeat(`{"type": "NodeRemoved", "node_id": "a"},`, 10) + `{"type": "NodeRemoved", "node_id": "a"}]}`},
		{post, "v1/graphs/g/transactions", "", `{"events": [{"type": "NodeAdded", "node_id": "a", "properties": {"x": "` + strings.Repeat("x", 5000) + `"}}]}`},
		{post, "v1/graphs/g/transactions", "", transactionSeeds[13]},
		{post, "v1/graphs/g/transactions", "", `{`},
		{post, "v1/graphs/a.b/transactions", "", transactionSeeds[0]},
		{post, "v1/graphs/g/snapshots", "", ""},
		{get, "v1/graphs", "limit=1&after=a", ""},
		{get, "v1/graphs", "detail=head", ""},
		{get, "v1/graphs/g", "", ""},
		{get, "v1/graphs/g", "version=2", ""},
		{get, "v1/graphs/g", "as_of=2026-01-02T15:04:05Z", ""},
		{get, "v1/graphs/nope", "", ""},
		{get, "v1/graphs/g/nodes/a", "", ""},
		{get, "v1/graphs/g/nodes/zz", "", ""},
		{get, "v1/graphs/g/nodes/%FF", "", ""},
		{get, "v1/graphs/g/nodes/a%2Fb", "", ""},
		{get, "v1/graphs/g/nodes/a/neighbors", "direction=both", ""},
		{get, "v1/graphs/g/edges/e", "", ""},
		{get, "v1/graphs/g/events", "after_version=1&limit=1", ""},
		{get, "v1/graphs/g/events/stream", "after_version=1:1", ""},
		{get, "v1/graphs/g/algorithms/shortest-path", "from=a&to=b&weight=w", ""},
		{get, "v1/graphs/g/algorithms/components", "kind=strong", ""},
		{get, "v1/graphs/g/algorithms/topological-order", "", ""},
		{get, "v1/graphs/g/diff", "from=1&to=3", ""},
		{get, "v1/graphs/g/replay", "every=1&from=1", ""},
		{get, "v1/graphs/g/replay", "interval=1ms", ""},
		{get, "v1/graphs/g/snapshots", "", ""},
		{get, "v1/cluster", "", ""},
		{get, "v1/cluster/graphs/g", "", ""},
		{get, "healthz", "", ""},
		{get, "readyz", "", ""},
		{get, "metrics", "", ""},
		{get, "", "", ""},
		{get, "v1/nope", "", ""},
		{get, "v1//graphs/./g/../g", "", ""},
		{uint8(2), "v1/graphs/g", "", ""},
		{uint8(3), "v1/graphs/g/transactions", "", transactionSeeds[0]},
		{uint8(4), "v1/graphs/g", "", ""},
		{uint8(6), "v1/graphs", "", ""},
	} {
		f.Add(s.method, s.path, s.query, "", "", []byte(s.body))
	}
	f.Add(get, "v1/graphs/g/events/stream", "", "2:2", "", []byte(nil))
	f.Add(get, "v1/graphs/g", "", "", "Bearer secret", []byte(nil))
	f.Add(get, "v1/graphs/g", "", "", "Bearer wrong", []byte(nil))
	f.Add(get, "v1/graphs/g", "access_token=secret", "", "x", []byte(nil))
	f.Add(get, "v1/graphs/g/events/stream", "access_token=secret", "", "x", []byte(nil))
	f.Add(post, "v1/graphs/g/transactions", "", "", "bearer  secret ", []byte(transactionSeeds[0]))

	m := metrics.New(prometheus.NewRegistry())
	f.Fuzz(func(t *testing.T, method uint8, path, rawQuery, lastEventID, authorization string, body []byte) {
		token := ""
		if authorization != "" {
			token = "secret"
		}
		req, ok := rawRequest(fuzzMethods[int(method)%len(fuzzMethods)], path, rawQuery, lastEventID, authorization, body)
		if !ok {
			return // net/http would answer 400 before the handler
		}
		fs := newFuzzServer(t, token, m)
		rec := httptest.NewRecorder()
		fs.h.ServeHTTP(rec, req)
		checkAnswer(t, rec, fs.logs)
	})
}

// rawRequest writes a request as a client would send it and reads it as
// net/http's server does; ok is false when that refuses it.
func rawRequest(method, path, rawQuery, lastEventID, authorization string, body []byte) (*http.Request, bool) {
	target := "/" + path
	if rawQuery != "" {
		target += "?" + rawQuery
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: example.com\r\nContent-Length: %d\r\n", method, target, len(body))
	if lastEventID != "" {
		fmt.Fprintf(&b, "Last-Event-ID: %s\r\n", lastEventID)
	}
	if authorization != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", authorization)
	}
	b.WriteString("\r\n")
	b.Write(body)
	req, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil {
		return nil, false
	}
	req.RemoteAddr = "192.0.2.1:1234"
	return req, true
}

// checkAnswer holds what every answer satisfies against a fake that never
// fails: no panic, no 500, a request ID, and errors as JSON
// ErrorResponses whose code is their status's.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, logs *bytes.Buffer) {
	t.Helper()
	if strings.Contains(logs.String(), "panic serving request") {
		t.Fatalf("the handler panicked: %s", logs)
	}
	body := rec.Body.Bytes()
	if rec.Code == http.StatusInternalServerError {
		t.Fatalf("a fake that never fails answered 500: %s\nlog: %s", body, logs)
	}
	if rec.Header().Get(HeaderRequestID) == "" {
		t.Fatal("the answer has no request ID")
	}
	ct := rec.Header().Get("Content-Type")
	if rec.Code < 400 {
		switch ct {
		case "application/json":
			if !json.Valid(body) {
				t.Fatalf("%d answer is not JSON: %q", rec.Code, body)
			}
		case "application/x-ndjson":
			for line := range bytes.Lines(body) {
				if !json.Valid(line) {
					t.Fatalf("replay line is not JSON: %q", line)
				}
			}
		}
		return
	}
	if ct != "application/json" || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("%d answer has Content-Type %q (nosniff %q), want application/json: %q", rec.Code, ct, rec.Header().Get("X-Content-Type-Options"), body)
	}
	var e map[string]any
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%d answer %q is not a JSON object: %v", rec.Code, body, err)
	}
	msg, _ := e["error"].(string)
	code, _ := e["code"].(string)
	if len(e) != 2 || msg == "" || code == "" {
		t.Fatalf("%d answer %s is not {\"error\": …, \"code\": …}", rec.Code, body)
	}
	if want, known := fuzzCodeStatus[code]; !known || want != rec.Code {
		t.Fatalf("%d answer has code %q, whose status is %d", rec.Code, code, want)
	}
	if len(msg) > fuzzMaxErrorText {
		t.Fatalf("error message is %d bytes long; client input must be clipped", len(msg))
	}
}

// fuzzCodeStatus is the status of each error code: the HTTP layer's own
// (doc.go) and the graphs' (replay.Codes).
var fuzzCodeStatus = func() map[string]int {
	m := map[string]int{
		CodeInvalidArgument: 400, CodeUnauthorized: 401, CodeNotFound: 404, CodeMethodNotAllowed: 405,
		CodeTooLarge: 413, CodeTooManyStreams: 429, CodeInternal: 500, CodeUnavailable: 503,
	}
	for _, c := range replay.Codes {
		m[c.Name] = c.Status
	}
	return m
}()

// fuzzServer is the API over fakeGraphs with graph "g" seeded: nodes a and
// b, edge e from a to b, one transaction each (versions and sequences 1
// to 3). History answers from the present and remembers what it was
// asked; the algorithms echo their query.
type fuzzServer struct {
	h       http.Handler
	fake    *fakeGraphs
	history *recordingHistory
	path    *messages.GetShortestPath // the last shortest path asked
	logs    *bytes.Buffer
}

func newFuzzServer(t testing.TB, token string, m *metrics.Metrics) *fuzzServer {
	t.Helper()
	fs := &fuzzServer{fake: newFakeGraphs(), logs: &bytes.Buffer{}}
	fs.history = &recordingHistory{graphs: fs.fake}
	fs.fake.algo = fs.algorithms
	for _, body := range []string{
		`{"events": [{"type": "NodeAdded", "node_id": "a", "node_type": "t", "properties": {"k": 1}}]}`,
		`{"events": [{"type": "NodeAdded", "node_id": "b"}]}`,
		`{"events": [{"type": "EdgeAdded", "edge_id": "e", "source_id": "a", "target_id": "b", "properties": {"w": 2}}]}`,
	} {
		tx, err := DecodeTransaction("g", []byte(body), 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fs.fake.Submit(context.Background(), tx); err != nil {
			t.Fatal(err)
		}
	}
	fs.h = New(Options{
		Graphs:                  fs.fake,
		Log:                     fs.fake.log,
		Lister:                  fs.fake.log,
		History:                 fs.history,
		Logger:                  slog.New(slog.NewTextHandler(fs.logs, &slog.HandlerOptions{Level: slog.LevelError})),
		Metrics:                 m,
		Gatherer:                prometheus.NewRegistry(),
		MaxBodyBytes:            4096,
		MaxEventsPerTransaction: 10,
		Limits:                  Limits{FrameEvents: fuzzFrameEvents, ReplayFrames: 10},
		Token:                   token,
	})
	return fs
}

// reset forgets what History and the algorithms were asked.
func (fs *fuzzServer) reset() {
	*fs.history = recordingHistory{graphs: fs.fake}
	fs.path = nil
	fs.logs.Reset()
}

// algorithms answers the algorithm queries: a path of the asked ends, the
// graph as one component, its nodes as the order.
func (fs *fuzzServer) algorithms(graphID string, q *messages.Query) (*messages.QueryReply, error) {
	switch q := q.Query.(type) {
	case *messages.Query_ShortestPath:
		fs.path = q.ShortestPath
		return &messages.QueryReply{Result: &messages.QueryReply_Path{Path: &messages.Path{
			Nodes: []string{q.ShortestPath.From, q.ShortestPath.To}, Edges: []string{"e"}, Cost: 1}}}, nil
	case *messages.Query_Components:
		return &messages.QueryReply{Result: &messages.QueryReply_Components{Components: &messages.Components{
			Components: []*messages.Component{{Nodes: []string{"a", "b"}}}}}}, nil
	case *messages.Query_TopologicalOrder:
		return &messages.QueryReply{Result: &messages.QueryReply_Order{Order: &messages.Order{Nodes: []string{"a", "b"}}}}, nil
	}
	return nil, fmt.Errorf("fuzz: no algorithm answers %T", q.Query)
}

// recordingHistory answers every read of the past with the present and
// remembers the moments and steps it was asked for.
type recordingHistory struct {
	graphs       *fakeGraphs
	calls        int
	at, from, to Moment
	every        Every
}

var _ History = (*recordingHistory)(nil)

func (h *recordingHistory) Query(ctx context.Context, graphID string, m Moment, q *messages.Query) (*messages.QueryReply, error) {
	h.calls++
	h.at = m
	return h.graphs.Query(ctx, graphID, q)
}

func (h *recordingHistory) Diff(ctx context.Context, graphID string, from, to Moment) (*messages.GraphDiff, uint64, uint64, error) {
	h.calls++
	h.from, h.to = from, to
	return &messages.GraphDiff{}, from.Version, to.Version, nil
}

func (h *recordingHistory) Replay(ctx context.Context, graphID string, from, to Moment, every Every, emit func(*messages.Frame) error) error {
	h.calls++
	h.from, h.to, h.every = from, to, every
	reply, err := h.graphs.Query(ctx, graphID, &messages.Query{Query: &messages.Query_Graph{Graph: &messages.GetGraph{}}})
	if err != nil {
		return err
	}
	if err := emit(&messages.Frame{Version: reply.GetVersion(), State: reply.GetGraph()}); err != nil {
		return err
	}
	return emit(&messages.Frame{Version: reply.GetVersion(), Changes: &messages.GraphDiff{}})
}

// naiveUint reads a version or sequence: decimal digits only, at most
// 2^64-1.
func naiveUint(s string) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// naiveInt reads a count as strconv.Atoi does: an optional sign, then
// decimal digits; any size.
func naiveInt(s string) (*big.Int, bool) {
	digits := s
	if digits != "" && (digits[0] == '+' || digits[0] == '-') {
		digits = digits[1:]
	}
	if digits == "" || strings.Trim(digits, "0123456789") != "" {
		return nil, false
	}
	n, ok := new(big.Int).SetString(s, 10)
	return n, ok
}

// naiveLimit is ?limit=: DefaultLimit when empty, else 1 to MaxLimit.
func naiveLimit(s string) (int, bool) {
	if s == "" {
		return DefaultLimit, true
	}
	n, ok := naiveInt(s)
	if !ok || n.Cmp(big.NewInt(1)) < 0 || n.Cmp(big.NewInt(MaxLimit)) > 0 {
		return 0, false
	}
	return int(n.Int64()), true
}

// naiveMoment is a version from 1 (digits only), else an RFC 3339 time.
func naiveMoment(v string) (Moment, bool) {
	if n, ok := naiveUint(v); ok {
		return Moment{Version: n}, n > 0
	}
	t, ok := naiveTime(v)
	return Moment{Time: t}, ok
}

// naiveTime reads RFC 3339's date-time (section 5.6), upper-case T and Z,
// by checking each character's place, then lets time.Parse compute the
// instant (and refuse a day or hour out of range).
func naiveTime(v string) (time.Time, bool) {
	digit := func(i int) bool { return i < len(v) && v[i] >= '0' && v[i] <= '9' }
	if len(v) < 20 {
		return time.Time{}, false
	}
	for i, c := range "dddd-dd-ddTdd:dd:dd" {
		if c == 'd' && !digit(i) || c != 'd' && v[i] != byte(c) {
			return time.Time{}, false
		}
	}
	rest := v[19:]
	if rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		if i == 1 {
			return time.Time{}, false
		}
		rest = rest[i:]
	}
	switch {
	case rest == "Z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		hh, err1 := strconv.Atoi(rest[1:3])
		mm, err2 := strconv.Atoi(rest[4:6])
		if err1 != nil || err2 != nil || hh > 23 || mm > 59 || rest[1] < '0' || rest[4] < '0' {
			return time.Time{}, false
		}
	default:
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, false
	}
	return givenTime(t), true
}

// givenTime is a time a client gave: never the zero Moment's present, so
// the zero instant reads as the one after it, still before every event.
func givenTime(t time.Time) time.Time {
	if t.Equal(time.Time{}) {
		return time.Time{}.Add(time.Nanosecond)
	}
	return t
}

// naiveAsOf is as_of (a time) or version (from 1), not both; neither is
// the present.
func naiveAsOf(q url.Values) (Moment, bool) {
	at, ver := q.Get("as_of"), q.Get("version")
	switch {
	case at != "" && ver != "":
		return Moment{}, false
	case at != "":
		t, ok := naiveTime(at)
		return Moment{Time: t}, ok
	case ver != "":
		n, ok := naiveUint(ver)
		return Moment{Version: n}, ok && n > 0
	}
	return Moment{}, true
}

// naiveEvery is a replay's step: every (1 to MaxInt events, at most
// fuzzFrameEvents, else graph.ErrLimit) or interval (a positive
// duration), exactly one of them. MaxEvents is always fuzzFrameEvents.
func naiveEvery(q url.Values) (Every, error) {
	ev, iv := q.Get("every"), q.Get("interval")
	if (ev == "") == (iv == "") {
		return Every{}, ErrInvalidRequest
	}
	if ev != "" {
		n, ok := naiveInt(ev)
		switch {
		case !ok || n.Sign() < 1 || !n.IsInt64() || n.Int64() > math.MaxInt:
			return Every{}, ErrInvalidRequest
		case n.Int64() > fuzzFrameEvents:
			return Every{}, graph.ErrLimit
		}
		return Every{Events: int(n.Int64()), MaxEvents: fuzzFrameEvents}, nil
	}
	d, err := time.ParseDuration(iv)
	if err != nil || d <= 0 {
		return Every{}, ErrInvalidRequest
	}
	return Every{Interval: d, MaxEvents: fuzzFrameEvents}, nil
}

// sameMoment compares versions and instants (not time zones).
func sameMoment(a, b Moment) bool { return a.Version == b.Version && a.Time.Equal(b.Time) }

func equalJSON(got any, want []any) bool {
	list, ok := got.([]any)
	return ok && slices.Equal(list, want)
}
