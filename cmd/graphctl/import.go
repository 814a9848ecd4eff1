package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// maxWarnings bounds the warnings an import prints; the rest are counted.
const maxWarnings = 10

// The bounds of an import's transactions: a transaction holds at most
// --batch events (defaultImportBatch, up to maxImportBatch) and at most
// --max-transaction-bytes (defaultImportBytes, minImportBytes to
// maxImportBytes) of its size in the log, as eventSize and txOverhead
// bound it. The server's own limit is bytes too (its
// --max-transaction-bytes, default 1,000,000); the default here stays
// under it with room for the bound's slack and what the server adds.
const (
	defaultImportBatch = 5000
	maxImportBatch     = 100_000
	defaultImportBytes = 900_000
	minImportBytes     = 1024
	maxImportBytes     = 64 << 20
)

// How long an import retries a transaction by default, and the bounds of
// the wait between tries.
const (
	defaultRetryFor = time.Minute
	retryBackoffMin = 250 * time.Millisecond
	retryBackoffMax = 4 * time.Second
)

func setupImport(fs *flag.FlagSet) runFunc {
	format := fs.String("format", "", "input `format`: csv, json or graphml (default: from the file name's extension)")
	batch := fs.Int("batch", defaultImportBatch, fmt.Sprintf("most `events` per transaction, 1 to %d", maxImportBatch))
	maxBytes := fs.Int("max-transaction-bytes", defaultImportBytes,
		"most `bytes` per transaction in the log (its protobuf encoding, bounded from above as events are built), at most the server's "+
			"--max-transaction-bytes; the default is under the server's default (1000000), with room for what the server adds to the JSON "+
			"it is sent. A transaction the server refuses as too large (413) is sent in halves")
	every := fs.Duration("progress-interval", defaultProgressEvery, "when stderr is not a terminal, a progress line this often (0: none)")
	retryFor := fs.Duration("retry-for", defaultRetryFor, "retry a transaction the cluster could not take (a node down, a graph moving) for this `long`; 0: do not retry")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 2, 2); err != nil {
			return err
		}
		f := *format
		if f == "" {
			f = formatFromName(args[1])
		}
		switch {
		case f == "" && (args[1] == "-"):
			return usagef("--format is required when reading stdin: csv, json or graphml")
		case f == "":
			return usagef("cannot tell the format of %q from its name; give --format csv, json or graphml", args[1])
		case f != "csv" && f != "json" && f != "graphml":
			return usagef("--format is %q; use csv, json or graphml", f)
		case *batch < 1 || *batch > maxImportBatch:
			return usagef("--batch is %d; use 1 to %d events", *batch, maxImportBatch)
		case *maxBytes < minImportBytes || *maxBytes > maxImportBytes:
			return usagef("--max-transaction-bytes is %d; use %d to %d bytes, at most the server's --max-transaction-bytes (default 1000000)",
				*maxBytes, minImportBytes, maxImportBytes)
		case *every < 0:
			return usagef("--progress-interval is %s; use a positive duration, or 0 for none", *every)
		case *retryFor < 0:
			return usagef("--retry-for is %s; use a positive duration, or 0 not to retry", *retryFor)
		}
		in, err := openInput(args[1], s.stdin)
		if err != nil {
			return err
		}
		defer in.Close()
		return importGraph(ctx, s, args[0], in, importOptions{format: f, batch: *batch, maxBytes: *maxBytes, every: *every, retryFor: *retryFor})
	}
}

func formatFromName(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return "csv"
	case ".json":
		return "json"
	case ".graphml", ".xml":
		return "graphml"
	}
	return ""
}

// countingReader counts the bytes read through it, for progress.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// importOptions are the flags of import.
type importOptions struct {
	format   string
	batch    int           // most events per transaction
	maxBytes int           // most bytes per transaction in the log (eventSize, txOverhead)
	every    time.Duration // progress line interval off a terminal
	retryFor time.Duration // how long a transaction is retried
}

// importer submits the planner's events in transactions, one after the
// other, each stating the version the one before produced.
type importer struct {
	s        *session
	graphID  string
	opts     importOptions
	txPrefix string // of the transaction IDs: txPrefix-1, txPrefix-2, ...; the halves of 7: txPrefix-7.1, txPrefix-7.2
	overhead int    // txOverhead of the import's transactions
	// ceiling, once the server refused a transaction as too large, is
	// half its size: the most bytes per transaction from then on, below
	// opts.maxBytes. Set by the sender, read by the producer too.
	ceiling     atomic.Int64
	plan        *planner
	prog        *progress
	read        *countingReader
	baseVersion uint64 // the graph's version before the import
	queued      int    // transactions handed to the sender
	stats       importStats
	failed      error    // the first transaction that failed
	lastPos     position // of the last element planned
}

// importGraph streams in into graphID. Malformed input stops it; only whole
// transactions are ever submitted, and the error says how many were
// committed.
func importGraph(ctx context.Context, s *session, graphID string, in *input, opts importOptions) error {
	existing, version, err := currentNodes(ctx, s, graphID)
	if err != nil {
		return err
	}
	read := &countingReader{r: in.r}
	prog := newProgress(s.stderr, s.stderrTTY, opts.every, in.size, "graphctl: import "+graphID+": ", time.Now)
	warnings := 0
	warn := func(msg string) {
		warnings++
		if warnings <= maxWarnings {
			prog.clear()
			fmt.Fprintf(s.stderr, "graphctl: warning: %s\n", msg)
		}
	}
	var src source
	declares := true
	switch opts.format {
	case "csv":
		src, declares = newCSVSource(read, in.name), false
	case "json":
		src = newJSONSource(read, in.name)
	case "graphml":
		src = newGraphMLSource(read, in.name, warn)
	}
	im := &importer{s: s, graphID: graphID, opts: opts, txPrefix: newImportID(), read: read, prog: prog,
		plan:        newPlanner(in.name, declares, existing, warn),
		baseVersion: version, stats: importStats{version: version}}
	im.overhead = txOverhead(graphID, im.txPrefix)

	start := time.Now()
	err = im.run(ctx, src)
	prog.clear()
	if warnings > maxWarnings {
		fmt.Fprintf(s.stderr, "graphctl: %d more warnings not shown\n", warnings-maxWarnings)
	}
	if err != nil {
		return im.failure(ctx, err)
	}
	elapsed := time.Since(start)
	st := im.stats
	edgesPerSecond := rate(st.edges, elapsed)
	fmt.Fprintf(s.stderr, "imported %d edges and %d nodes into %s: %d events in %d transactions (now at version %d) in %s, %s edges/s\n",
		st.edges, st.nodes, graphID, st.events, st.transactions, st.version, elapsed.Round(time.Millisecond), formatRate(edgesPerSecond))
	if s.json {
		return writeJSONLine(s.out, importSummary{Graph: graphID, Version: st.version, Transactions: st.transactions,
			Events: st.events, Nodes: st.nodes, Edges: st.edges, Seconds: elapsed.Seconds(), EdgesPerSecond: edgesPerSecond})
	}
	return nil
}

// importSummary is what import prints with -o json.
type importSummary struct {
	Graph          string  `json:"graph"`
	Version        uint64  `json:"version"`
	Transactions   int     `json:"transactions"`
	Events         int     `json:"events"`
	Nodes          int     `json:"nodes"`
	Edges          int     `json:"edges"`
	Seconds        float64 `json:"seconds"`
	EdgesPerSecond float64 `json:"edges_per_second"`
}

// currentNodes returns the IDs of the graph's nodes and its version; a
// graph without events has none and version 0.
func currentNodes(ctx context.Context, s *session, graphID string) ([]string, uint64, error) {
	var g apitypes.Graph
	_, err := s.client.getJSON(ctx, graphPath(graphID), nil, &g)
	var api *apiError
	if errors.As(err, &api) && api.Status == http.StatusNotFound && api.Code == "not_found" {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, err
	}
	ids := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		ids[i] = n.ID
	}
	return ids, g.Version, nil
}

// run reads, plans and encodes the next transaction while the one before
// is in flight. One goroutine sends them, strictly one after the other,
// each stating the version the one before it produced; this one does
// everything else, so the planner, the counters and stderr have a single
// user. A transaction is sent only after every one before it was
// committed.
func (im *importer) run(ctx context.Context, src source) error {
	jobs := make(chan txJob, 1)
	results := make(chan txResult, 2)
	go im.send(ctx, jobs, results)
	err := im.produce(src, jobs, results)
	close(jobs)
	for r := range results {
		im.record(r)
	}
	if im.failed != nil {
		return im.failed // it comes before any input error found after it
	}
	return err
}

// txJob is one transaction as the input was cut, its events encoded. The
// sender gives it its ID and expected version when it sends it, so that
// it can send it in parts (txPart) if the server refuses it as too large.
type txJob struct {
	n    int        // its number in the import, from 1
	json []byte     // the events' JSON, one after the other, separated by commas
	evs  []jobEvent // where each is in json, and what it is
	upTo position   // the input it covers ends here
}

// jobEvent is one event of a txJob.
type jobEvent struct {
	start, end int // json[start:end] is its JSON
	size       int // its eventSize
	kind       eventKind
}

type eventKind uint8

const (
	otherEvent eventKind = iota
	nodeAddedEvent
	edgeAddedEvent
)

// encodeJob encodes events, of the given eventSizes, as transaction n.
func encodeJob(n int, events []apitypes.EventData, sizes []int) (txJob, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	job := txJob{n: n, evs: make([]jobEvent, len(events))}
	for i := range events {
		if i > 0 {
			buf.WriteByte(',')
		}
		start := buf.Len()
		if err := enc.Encode(&events[i]); err != nil {
			return txJob{}, err
		}
		kind := otherEvent
		switch events[i].Type {
		case apitypes.EventNodeAdded:
			kind = nodeAddedEvent
		case apitypes.EventEdgeAdded:
			kind = edgeAddedEvent
		}
		job.evs[i] = jobEvent{start: start, end: buf.Len(), size: sizes[i], kind: kind}
	}
	job.json = buf.Bytes()
	return job, nil
}

// txPart is what the sender submits as one transaction: events lo to hi
// of a job, all of them unless the job is sent in halves.
type txPart struct {
	job    *txJob
	lo, hi int
	label  string // the job's number, then .1 or .2 for each halving: 7, 7.2, 7.2.1
}

func wholeJob(job *txJob) txPart {
	return txPart{job: job, lo: 0, hi: len(job.evs), label: strconv.Itoa(job.n)}
}

func (p txPart) events() int { return p.hi - p.lo }

// size bounds the part's size in the log, without the transaction's
// overhead.
func (p txPart) size() int {
	n := 0
	for _, ev := range p.job.evs[p.lo:p.hi] {
		n += ev.size
	}
	return n
}

// count returns how many NodeAdded and EdgeAdded events the part has.
func (p txPart) count() (nodes, edges int) {
	for _, ev := range p.job.evs[p.lo:p.hi] {
		switch ev.kind {
		case nodeAddedEvent:
			nodes++
		case edgeAddedEvent:
			edges++
		}
	}
	return nodes, edges
}

// upTo is where the input the part covers ends, when it is known: for
// every part that ends its job.
func (p txPart) upTo() position {
	if p.hi == len(p.job.evs) {
		return p.job.upTo
	}
	return position{}
}

// halves splits a part of two events or more in two of about the same
// size, labelled .1 and .2.
func (p txPart) halves() (txPart, txPart) {
	half, sum, cut := p.size()/2, 0, p.lo+1
	for i := p.lo; i < p.hi-1; i++ {
		sum += p.job.evs[i].size
		cut = i + 1
		if sum >= half {
			break
		}
	}
	return txPart{job: p.job, lo: p.lo, hi: cut, label: p.label + ".1"},
		txPart{job: p.job, lo: cut, hi: p.hi, label: p.label + ".2"}
}

// body is the request that submits the part as transaction id after
// version expected, with correlation ID correlation (at most
// maxCorrelationLen bytes, which eventSize counts in every event).
func (p txPart) body(id, correlation string, expected uint64) []byte {
	evs := p.job.json[p.job.evs[p.lo].start:p.job.evs[p.hi-1].end]
	quotedID, _ := json.Marshal(id) // a string always encodes
	quotedCorrelation, _ := json.Marshal(correlation)
	b := make([]byte, 0, len(evs)+len(quotedID)+len(quotedCorrelation)+96)
	b = append(b, `{"expected_version":`...)
	b = strconv.AppendUint(b, expected, 10)
	b = append(b, `,"transaction_id":`...)
	b = append(b, quotedID...)
	b = append(b, `,"metadata":{"correlation_id":`...)
	b = append(b, quotedCorrelation...)
	b = append(b, `},"events":[`...)
	b = append(b, evs...)
	return append(b, "]}"...)
}

// txResult is what became of a transaction (a part of a job), or a
// notice to print.
type txResult struct {
	events, nodes, edges int
	version              uint64
	err                  error
	retry                string // not a result: why a transaction is sent again, or in halves
}

// budget is how many bytes of events (eventSize) a transaction may hold.
func (im *importer) budget() int {
	limit := im.opts.maxBytes
	if c := int(im.ceiling.Load()); c > 0 && c < limit {
		limit = c
	}
	return max(limit-im.overhead, 1)
}

// produce plans the input and hands each full transaction to the sender:
// one as soon as the events queued reach --batch, or are more bytes than a
// transaction may hold. It returns early when a transaction failed
// (im.failed is set).
func (im *importer) produce(src source, jobs chan<- txJob, results <-chan txResult) error {
	for n := 0; ; n++ {
		el, err := src.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if err := im.plan.add(el); err != nil {
			return err
		}
		im.lastPos = el.pos
		for im.plan.ready() >= im.opts.batch || im.plan.readyBytes() > im.budget() {
			if err := im.hand(jobs, results); err != nil || im.failed != nil {
				return err
			}
		}
		if n%256 == 0 {
			select {
			case r := <-results:
				im.record(r)
				if im.failed != nil {
					return nil
				}
			default:
			}
			im.prog.update(im.stats, im.read.n)
		}
	}
	im.plan.finish()
	for im.plan.ready() > 0 {
		if err := im.hand(jobs, results); err != nil || im.failed != nil {
			return err
		}
	}
	return nil
}

// hand encodes the next transaction and passes it to the sender, taking
// in results while it waits.
func (im *importer) hand(jobs chan<- txJob, results <-chan txResult) error {
	events, sizes := im.plan.take(im.opts.batch, im.budget())
	im.queued++
	job, err := encodeJob(im.queued, events, sizes)
	if err != nil {
		return err
	}
	job.upTo = im.lastPos
	for {
		select {
		case jobs <- job:
			return nil
		case r, ok := <-results:
			if !ok {
				return nil // the sender stopped after a failure, recorded already
			}
			im.record(r)
			if im.failed != nil {
				return nil
			}
		}
	}
}

// send submits the transactions in order, each stating the version the
// one before produced, and stops at the first failure.
//
// A transaction the server refuses as too large (413: its limit is below
// --max-transaction-bytes, or the body is over its --max-body-bytes) is
// sent as two halves instead, each with an ID of its own (the refused
// one's with .1 and .2) and the next expected version: the refused one
// was not stored, and nothing else may come between, so the graph gets
// every event once and in order. From then on transactions are cut at
// half the refused size, and one cut larger before is sent in parts.
func (im *importer) send(ctx context.Context, jobs <-chan txJob, results chan<- txResult) {
	defer close(results)
	expected := im.baseVersion // the version the next transaction states
	for job := range jobs {
		parts := []txPart{wholeJob(&job)}
		for len(parts) > 0 {
			p := parts[0]
			if c := int(im.ceiling.Load()); c > 0 && p.events() > 1 && p.size()+im.overhead > c+c/8 {
				a, b := p.halves()
				parts = append([]txPart{a, b}, parts[1:]...)
				continue
			}
			version, err := im.commit(ctx, p, expected, results)
			var answer *apiError
			if errors.As(err, &answer) && answer.Code == apitypes.CodeTooLarge && ctx.Err() == nil {
				size := p.size() + im.overhead
				if p.events() > 1 {
					half := int64(size / 2)
					if c := im.ceiling.Load(); c == 0 || half < c {
						im.ceiling.Store(half)
					}
					results <- txResult{retry: fmt.Sprintf("transaction %s (%d events, up to %d bytes) is too large for the server (%v); "+
						"sending it in two halves, and transactions of at most %d bytes from now on. "+
						"This import's --max-transaction-bytes is %d: set it to the server's --max-transaction-bytes or lower",
						p.label, p.events(), size, err, im.ceiling.Load(), im.opts.maxBytes)}
					a, b := p.halves()
					parts = append([]txPart{a, b}, parts[1:]...)
					continue
				}
				err = fmt.Errorf("%w; it holds one event, of up to %d bytes in the log: it cannot be split, "+
					"so the server's --max-transaction-bytes (and --max-body-bytes) must be raised above its size", err, size)
			}
			var unreadable *unreadableAnswer
			if err != nil && !errors.As(err, &unreadable) {
				err = &submitError{label: p.label, upTo: p.upTo(), err: err}
			}
			if err != nil {
				results <- txResult{err: err}
				return
			}
			nodes, edges := p.count()
			results <- txResult{events: p.events(), nodes: nodes, edges: edges, version: version}
			expected++
			parts = parts[1:]
		}
	}
}

// commit submits a part as transaction txPrefix-label after version
// expected, until the graph has it, or fails. A failure that may pass (no
// node answers, the graph's member died, the cluster is slow) is retried,
// with backoff, for opts.retryFor. A retry is safe: it has the same
// transaction ID, which the graph answers again if it already has it, and
// the same expected version, which the graph refuses if anything else came
// first. When such a refusal (or one as too large: the node now answering
// may have a lower limit than the one that took it) follows a retry, the
// log tells whether it was this transaction that came first.
func (im *importer) commit(ctx context.Context, p txPart, expected uint64, notices chan<- txResult) (uint64, error) {
	id := im.txPrefix + "-" + p.label
	body := p.body(id, im.txPrefix, expected)
	deadline := time.Now().Add(im.opts.retryFor)
	backoff := retryBackoffMin
	for retried := false; ; retried = true {
		raw, err := im.s.client.post(ctx, graphPath(im.graphID, "transactions"), body)
		if err == nil {
			var res apitypes.SubmitResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return 0, &unreadableAnswer{label: p.label, err: err}
			}
			return res.Version, nil
		}
		var answer *apiError
		if retried && errors.As(err, &answer) && (answer.Code == apitypes.CodeConflict || answer.Code == apitypes.CodeTooLarge) {
			if v, ok := im.committedBefore(ctx, id, expected); ok {
				return v, nil
			}
		}
		if !mayPass(ctx, err) || time.Now().Add(backoff).After(deadline) {
			return 0, err
		}
		notices <- txResult{retry: fmt.Sprintf("transaction %s: %v; sending it again in %s", p.label, err, backoff)}
		select {
		case <-ctx.Done():
			return 0, err
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, retryBackoffMax)
	}
}

// unreadableAnswer is a 2xx answer to a transaction that is not the JSON
// expected: the transaction was committed, at a version the import does not
// know.
type unreadableAnswer struct {
	label string
	err   error
}

func (e *unreadableAnswer) Error() string {
	return fmt.Sprintf("transaction %s was committed, but the answer is not the expected JSON: %v", e.label, e.err)
}

// mayPass reports whether a failed request may succeed if sent again: no
// answer at all, or the answer that the cluster cannot serve it now.
func mayPass(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var answer *apiError
	if errors.As(err, &answer) {
		switch answer.Status {
		case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true
		}
		return false
	}
	return true // the connection failed or timed out
}

// committedBefore reports whether the graph's next transaction after
// version expected is transaction id, and the version it got.
func (im *importer) committedBefore(ctx context.Context, id string, expected uint64) (uint64, bool) {
	q := url.Values{"after_version": {strconv.FormatUint(expected, 10)}, "limit": {"1"}}
	var evs apitypes.Events
	if _, err := im.s.client.getJSON(ctx, graphPath(im.graphID, "events"), q, &evs); err != nil || len(evs.Events) == 0 {
		return 0, false
	}
	first := evs.Events[0]
	return first.Version, first.TransactionID == id && first.Version == expected+1
}

// record counts a committed transaction, or keeps the first failure.
func (im *importer) record(r txResult) {
	if r.retry != "" {
		im.prog.clear()
		fmt.Fprintf(im.s.stderr, "graphctl: %s\n", r.retry)
		return
	}
	if r.err != nil {
		if im.failed == nil {
			im.failed = r.err
		}
		return
	}
	st := &im.stats
	st.transactions++
	st.events += r.events
	st.nodes += r.nodes
	st.edges += r.edges
	st.version = r.version
	im.prog.update(*st, im.read.n)
}

// submitError is a transaction the server did not commit.
type submitError struct {
	label string   // its number in the import, from 1, and which half: 7, 7.2
	upTo  position // the input it covers ends here; the zero position when unknown (a first half)
	err   error
}

func (e *submitError) Error() string {
	where := ""
	if p := e.upTo.String(); p != "" {
		where = " (input up to " + p + ")"
	}
	return fmt.Sprintf("transaction %s%s was not applied: %v", e.label, where, e.err)
}

func (e *submitError) Unwrap() error { return e.err }

// failure adds to err what the import committed before it.
func (im *importer) failure(ctx context.Context, err error) error {
	st := im.stats
	var done string
	switch st.transactions {
	case 0:
		done = "nothing was committed"
	case 1:
		done = fmt.Sprintf("1 transaction (%d events: %d nodes, %d edges) was committed before it; the graph is at version %d",
			st.events, st.nodes, st.edges, st.version)
	default:
		done = fmt.Sprintf("%d transactions (%d events: %d nodes, %d edges) were committed before it; the graph is at version %d",
			st.transactions, st.events, st.nodes, st.edges, st.version)
	}
	if ctx.Err() != nil {
		done += "; the transaction in flight when interrupted may have been applied too: check the graph's version"
	}
	return &importError{err: err, msg: done}
}

type importError struct {
	err error
	msg string
}

func (e *importError) Error() string { return fmt.Sprintf("import failed: %v; %s", e.err, e.msg) }
func (e *importError) Unwrap() error { return e.err }

// newImportID names an import's transactions: import-<random>-<n>, unique
// enough that a graph never saw the same ID from another import. It is
// also the correlation ID of every event of the import (at most
// maxCorrelationLen bytes).
func newImportID() string {
	return "import-" + rand.Text()[:16]
}
