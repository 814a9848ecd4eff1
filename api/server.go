package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"time"

	"github.com/nats-io/nuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/metrics"
	"github.com/graphlog/graphlog/store"
)

// Graphs is how the API reaches graph grains. The cluster client implements
// it. When a grain replies with an error, the returned error wraps the
// sentinel of its code (graph.ErrRejected, store.ErrConflict …); a reply
// whose Error is set is treated the same way.
type Graphs interface {
	Submit(ctx context.Context, tx *messages.Transaction) (*messages.SubmitReply, error)
	Query(ctx context.Context, graphID string, q *messages.Query) (*messages.QueryReply, error)
}

// Options configure the HTTP API. Only Graphs is needed for the graph
// routes; a route whose dependency is nil answers 503.
type Options struct {
	Graphs Graphs
	// Log serves GET .../events.
	Log store.Reader
	// Lister serves GET /v1/graphs.
	Lister store.GraphLister
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
	// Metrics records request latency per route; nil records nothing.
	Metrics *metrics.Metrics
	// Gatherer is served on /metrics; nil serves prometheus.DefaultGatherer.
	Gatherer prometheus.Gatherer
	// Ready reports whether the node can serve; /readyz answers 503 with
	// its error. Nil means always ready.
	Ready func(ctx context.Context) error
	// MaxBodyBytes bounds a request body; 0 means 4 MiB.
	MaxBodyBytes int64
	// MaxEventsPerTransaction bounds a transaction's events; 0 means no
	// bound but the log's on its encoded bytes.
	MaxEventsPerTransaction int
	// MaxTransactionBytes is the log's bound on a transaction's encoding
	// (--max-transaction-bytes): a fork of a larger state is cut into
	// transactions within it. 0: forks are one transaction.
	MaxTransactionBytes int
	// RequestTimeout bounds each request's context; 0 means no bound
	// beyond the client's.
	RequestTimeout time.Duration
	// History serves as_of and version reads, diffs and replays; nil
	// answers them 503.
	History History
	// Snapshots lists stored snapshots; nil answers 503. Taking one needs
	// Graphs to implement SnapshotTaker.
	Snapshots SnapshotLister
	// Cluster serves GET /v1/cluster; nil answers 503.
	Cluster Cluster
	// Follower serves GET .../events/stream (with Log); nil answers 503.
	Follower store.Follower
	// UI, if set, is the web viewer, served at / and under /ui/.
	UI http.Handler
	// Token, when set, is the bearer token every /v1 request must carry;
	// others are answered 401. /healthz, /readyz and /metrics stay open.
	Token string
	// Limits bound what one request can make the node do.
	Limits Limits
	// Closing, when closed, ends the live streams open on the node: each
	// sends an "end" message and closes, and its client reconnects. The
	// node closes it first when it shuts down, since net/http's Shutdown
	// waits for streams that would never end by themselves.
	Closing <-chan struct{}
}

// Limits bound what one request can make the node do (docs/ARCHITECTURE.md,
// "Every request is bounded"). A zero field takes its default; each is a
// flag of the node, which every refusal names.
type Limits struct {
	// ReplayFrames bounds the frames of one replay after its keyframe
	// (--max-replay-frames); a longer replay ends with an error line
	// naming the version to go on from.
	ReplayFrames int
	// FrameEvents bounds the events of one replay frame
	// (--max-frame-events): every above it is refused, and a step of
	// interval with more events is cut into several frames.
	FrameEvents int
	// Streams bounds the live streams open on the node at once
	// (--max-streams), StreamsPerClient those of one client address
	// (--max-streams-per-client); more are answered 429.
	Streams          int
	StreamsPerClient int
}

// Defaults of Limits.
const (
	DefaultMaxReplayFrames     = 100_000
	DefaultMaxFrameEvents      = 10_000
	DefaultMaxStreams          = 1_000
	DefaultMaxStreamsPerClient = 32
)

func (l Limits) withDefaults() Limits {
	if l.ReplayFrames <= 0 {
		l.ReplayFrames = DefaultMaxReplayFrames
	}
	if l.FrameEvents <= 0 {
		l.FrameEvents = DefaultMaxFrameEvents
	}
	if l.Streams <= 0 {
		l.Streams = DefaultMaxStreams
	}
	if l.StreamsPerClient <= 0 {
		l.StreamsPerClient = DefaultMaxStreamsPerClient
	}
	return l
}

// DefaultMaxBodyBytes is the body limit when none is configured.
const DefaultMaxBodyBytes = 4 << 20

// routeUnmatched labels requests that matched no route, so metrics keep a
// bounded label set.
const routeUnmatched = "unmatched"

type server struct {
	opts      Options
	log       *slog.Logger
	mux       *http.ServeMux
	maxBody   int64
	maxEvents int
	limits    Limits
	streams   *streamSlots
	// routes are the patterns of the API's routes, as registered.
	routes []string
}

// New returns the HTTP API v1 handler. See the package documentation for
// the routes.
func New(opts Options) http.Handler {
	s := &server{opts: opts, log: opts.Logger, mux: http.NewServeMux(),
		maxBody: opts.MaxBodyBytes, maxEvents: opts.MaxEventsPerTransaction, limits: opts.Limits.withDefaults()}
	s.streams = newStreamSlots(s.limits.Streams, s.limits.StreamsPerClient)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.maxBody <= 0 {
		s.maxBody = DefaultMaxBodyBytes
	}
	s.handle("POST /v1/graphs/{graph}/transactions", s.submit)
	s.handle("GET /v1/graphs", s.listGraphs)
	s.handle("GET /v1/graphs/{graph}", s.serveRead(graphRead))
	s.handle("GET /v1/graphs/{graph}/nodes/{node}", s.serveRead(nodeRead))
	s.handle("GET /v1/graphs/{graph}/nodes/{node}/neighbors", s.serveRead(neighborsRead))
	s.handle("GET /v1/graphs/{graph}/edges/{edge}", s.serveRead(edgeRead))
	s.handle("GET /v1/graphs/{graph}/nodes/{node}/history", s.elementHistory(false))
	s.handle("GET /v1/graphs/{graph}/edges/{edge}/history", s.elementHistory(true))
	s.handle("GET /v1/graphs/{graph}/events", s.listEvents)
	s.handle("GET /v1/graphs/{graph}/events/stream", s.streamEvents)
	s.handle("GET /v1/graphs/{graph}/algorithms/shortest-path", s.serveRead(shortestPathRead))
	s.handle("GET /v1/graphs/{graph}/algorithms/components", s.serveRead(componentsRead))
	s.handle("GET /v1/graphs/{graph}/algorithms/topological-order", s.serveRead(topologicalOrderRead))
	s.handle("GET /v1/graphs/{graph}/algorithms/{algorithm}", s.serveRead(algorithmRead))
	s.handle("GET /v1/algorithms", s.listAlgorithms)
	s.handle("POST /v1/graphs/{graph}/fork", s.fork)
	s.handle("GET /v1/graphs/{graph}/temporal/earliest-arrival", s.earliestArrival)
	s.handle("GET /v1/graphs/{graph}/series", s.series)
	s.handle("GET /v1/graphs/{graph}/compare", s.compare)
	s.handle("GET /v1/graphs/{graph}/diff", s.diff)
	s.handle("GET /v1/graphs/{graph}/replay", s.replay)
	s.handle("POST /v1/graphs/{graph}/snapshots", s.takeSnapshot)
	s.handle("GET /v1/graphs/{graph}/snapshots", s.listSnapshots)
	s.handle("GET /v1/cluster", s.clusterMembers)
	s.handle("GET /v1/cluster/graphs/{graph}", s.locateGraph)
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.route("GET /metrics", metrics.Handler(opts.Gatherer))
	s.handle("GET /v1/openapi.json", s.openAPI)
	if opts.UI != nil {
		s.mux.Handle("GET /{$}", opts.UI)
		s.mux.Handle("GET /ui/", opts.UI)
	}
	return s
}

// handle registers a handler that returns its error instead of writing it,
// so every error goes through writeError and classify.
func (s *server) handle(pattern string, h func(http.ResponseWriter, *http.Request) error) {
	s.route(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			writeError(w, r, err)
		}
	}))
}

// route registers a route of the API and notes its pattern: the OpenAPI
// document (openapi.go) describes every one, which a test checks.
func (s *server) route(pattern string, h http.Handler) {
	s.routes = append(s.routes, pattern)
	s.mux.Handle(pattern, h)
}

// requestInfo is what the middleware learns about a request; handlers read
// it from the context.
type requestInfo struct {
	requestID     string
	correlationID string // header, else request ID
	log           *slog.Logger
}

type requestInfoKey struct{}

func requestInfoFrom(ctx context.Context) requestInfo {
	if info, ok := ctx.Value(requestInfoKey{}).(requestInfo); ok {
		return info
	}
	return requestInfo{log: slog.New(slog.DiscardHandler)}
}

// ServeHTTP is the middleware: request ID, timeout, panic recovery, JSON
// for unmatched routes, one log line and one observation per request.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	info := requestInfo{requestID: headerID(r, HeaderRequestID)}
	if info.requestID == "" {
		info.requestID = nuid.Next()
	}
	w.Header().Set(HeaderRequestID, info.requestID)
	info.correlationID = headerID(r, HeaderCorrelationID)
	if info.correlationID != "" {
		w.Header().Set(HeaderCorrelationID, info.correlationID)
	} else {
		info.correlationID = info.requestID
	}
	info.log = s.log.With(keyRequestID, info.requestID)

	ctx := context.WithValue(r.Context(), requestInfoKey{}, info)
	if s.opts.RequestTimeout > 0 && !isStream(r) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, s.opts.RequestTimeout)
		defer cancel()
	}
	r = r.WithContext(ctx)
	rec := &recorder{ResponseWriter: w}
	s.dispatch(rec, r)

	route := r.Pattern // set by the mux on this very request
	if route == "" {
		route = routeUnmatched
	}
	status := rec.status
	if status == 0 {
		status = http.StatusOK // the handler wrote nothing
	}
	elapsed := time.Since(start)
	s.opts.Metrics.ObserveHTTP(route, status, elapsed)

	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelError
	case route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics":
		level = slog.LevelDebug // probes and scrapes would drown the log
	}
	attrs := []any{keyMethod, r.Method, keyPath, r.URL.Path, keyRoute, route, keyStatus, status, keyDuration, elapsed}
	if g := r.PathValue("graph"); g != "" {
		attrs = append(attrs, keyGraph, g)
	}
	if rec.err != nil {
		attrs = append(attrs, keyCode, rec.code, keyError, rec.err.Error())
	}
	info.log.Log(ctx, level, "http request", attrs...)
}

// isStream reports whether r asks for a live stream (events, or a replay
// that follows), which lasts as long as the client stays, not a request
// timeout.
func isStream(r *http.Request) bool {
	if r.Method != http.MethodGet {
		return false
	}
	p := r.URL.Path
	return strings.HasSuffix(p, "/events/stream") || (strings.HasSuffix(p, "/replay") && following(r.URL.Query()))
}

// dispatch serves r through the mux, answering unmatched routes in JSON and
// turning a panic into a 500 (http.ErrAbortHandler is left to net/http).
func (s *server) dispatch(w *recorder, r *http.Request) {
	defer func() {
		p := recover()
		if p == nil {
			return
		}
		if p == http.ErrAbortHandler {
			panic(p)
		}
		requestInfoFrom(r.Context()).log.Error("panic serving request",
			keyPanic, fmt.Sprint(p), keyStack, string(debug.Stack()))
		if w.status == 0 {
			writeError(w, r, fmt.Errorf("panic: %v", p))
		}
	}()

	if err := s.authorize(r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="graphlog"`)
		writeError(w, r, err)
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		// The mux would answer 404 or 405 in plain text: learn which (and
		// the Allow header) from its handler, then answer in JSON.
		probe := &probeWriter{header: http.Header{}}
		h.ServeHTTP(probe, r)
		if probe.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", probe.header.Get("Allow"))
			writeError(w, r, fmt.Errorf("%w: %s %s; this path takes %s", errMethodNotAllowed, clip(r.Method), clip(r.URL.Path), probe.header.Get("Allow")))
			return
		}
		writeError(w, r, fmt.Errorf("%w: %s %s; the API lives under /v1/graphs", errNoRoute, clip(r.Method), clip(r.URL.Path)))
		return
	}
	s.mux.ServeHTTP(w, r)
}

// writeError answers err as an ErrorResponse and notes it for the request's
// log line.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := classify(err)
	if rec, ok := w.(*recorder); ok {
		rec.err, rec.code = err, code
	}
	msg := errorMessage(err, code, requestInfoFrom(r.Context()).requestID)
	if werr := writeJSON(w, status, ErrorResponse{Error: msg, Code: code}); werr != nil {
		// An ErrorResponse always encodes; this is unreachable.
		http.Error(w, msg, status)
	}
}

// headerID returns a request or correlation ID from a header when it is 1 to
// 128 printable ASCII characters; anything else is ignored.
func headerID(r *http.Request, name string) string {
	v := r.Header.Get(name)
	if len(v) == 0 || len(v) > 128 {
		return ""
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x21 || v[i] > 0x7e {
			return ""
		}
	}
	return v
}

// recorder remembers the status and the error answered.
type recorder struct {
	http.ResponseWriter
	status int
	err    error
	code   string
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// probeWriter catches what the mux's fallback handler would answer.
type probeWriter struct {
	header http.Header
	status int
}

func (p *probeWriter) Header() http.Header         { return p.header }
func (p *probeWriter) Write(b []byte) (int, error) { return len(b), nil }
func (p *probeWriter) WriteHeader(status int)      { p.status = status }

func (s *server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Ready != nil {
		if err := s.opts.Ready(r.Context()); err != nil {
			if rec, ok := w.(*recorder); ok {
				rec.err, rec.code = err, CodeUnavailable
			}
			return writeJSON(w, http.StatusServiceUnavailable, ErrorResponse{
				Error: "not ready: " + err.Error(), Code: CodeUnavailable})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}
