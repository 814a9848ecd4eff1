package main

import (
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
	"time"

	"github.com/graphlog/graphlog/api"
)

// maxWarnings bounds the warnings an import prints; the rest are counted.
const maxWarnings = 10

// How long an import retries a transaction by default, and the bounds of
// the wait between tries.
const (
	// defaultImportBatch is how many events a transaction of the import
	// holds at most.
	defaultImportBatch = 1000
	defaultRetryFor    = time.Minute
	retryBackoffMin    = 250 * time.Millisecond
	retryBackoffMax    = 4 * time.Second
)

func setupImport(fs *flag.FlagSet) runFunc {
	format := fs.String("format", "", "input `format`: csv, json or graphml (default: from the file name's extension)")
	batch := fs.Int("batch", defaultImportBatch, "most `events` per transaction, 1 to 1000")
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
		case *batch < 1 || *batch > defaultImportBatch:
			return usagef("--batch is %d; use 1 to %d events", *batch, defaultImportBatch)
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
		return importGraph(ctx, s, args[0], in, importOptions{format: f, batch: *batch, every: *every, retryFor: *retryFor})
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
	every    time.Duration // progress line interval off a terminal
	retryFor time.Duration // how long a transaction is retried
}

// importer submits the planner's events in transactions, one after the
// other, each stating the version the one before produced.
type importer struct {
	s           *session
	graphID     string
	opts        importOptions
	txPrefix    string // of the transaction IDs: txPrefix-1, txPrefix-2, ...
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
	var g api.Graph
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
// each stating the version the one before it produces (so they can be
// encoded ahead); this one does everything else, so the planner, the
// counters and stderr have a single user. A transaction is sent only after
// every one before it was committed.
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

// txJob is one transaction, encoded.
type txJob struct {
	n                    int    // its number in the import, from 1
	id                   string // its transaction ID
	body                 []byte
	events, nodes, edges int
	upTo                 position // the input it covers ends here
}

// txResult is what became of a transaction, or a notice that it is
// being retried.
type txResult struct {
	job     txJob
	version uint64
	err     error
	retry   string // not a result: why the transaction is sent again
}

// produce plans the input and hands each full transaction to the sender.
// It returns early when a transaction failed (im.failed is set).
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
		for im.plan.ready() >= im.opts.batch {
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
	events := im.plan.take(im.opts.batch)
	im.queued++
	job := txJob{n: im.queued, events: len(events), upTo: im.lastPos}
	for _, ev := range events {
		switch ev.Type {
		case api.EventNodeAdded:
			job.nodes++
		case api.EventEdgeAdded:
			job.edges++
		}
	}
	expected := im.baseVersion + uint64(job.n-1)
	var err error
	job.id = im.txPrefix + "-" + strconv.Itoa(job.n)
	job.body, err = json.Marshal(api.TransactionRequest{ExpectedVersion: &expected, TransactionID: job.id, Events: events})
	if err != nil {
		return err
	}
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

// send submits the transactions in order, stopping at the first failure.
func (im *importer) send(ctx context.Context, jobs <-chan txJob, results chan<- txResult) {
	defer close(results)
	for job := range jobs {
		r := txResult{job: job}
		r.version, r.err = im.commit(ctx, job, results)
		results <- r
		if r.err != nil {
			return
		}
	}
}

// commit submits a transaction until the graph has it, or fails. A failure
// that may pass (no node answers, the graph's member died, the cluster is
// slow) is retried, with backoff, for opts.retryFor. A retry is safe: it
// has the same transaction ID, which the graph answers again if it already
// has it, and the same expected version, which the graph refuses if
// anything else came first. When such a refusal follows a retry, the log
// tells whether it was this transaction that came first.
func (im *importer) commit(ctx context.Context, job txJob, notices chan<- txResult) (uint64, error) {
	deadline := time.Now().Add(im.opts.retryFor)
	backoff := retryBackoffMin
	for retried := false; ; retried = true {
		raw, err := im.s.client.post(ctx, graphPath(im.graphID, "transactions"), job.body)
		if err == nil {
			var res api.SubmitResult
			if err := json.Unmarshal(raw, &res); err != nil {
				return 0, fmt.Errorf("transaction %d was committed, but the answer is not the expected JSON: %v", job.n, err)
			}
			return res.Version, nil
		}
		var answer *apiError
		if retried && errors.As(err, &answer) && answer.Code == api.CodeConflict {
			if v, ok := im.committedBefore(ctx, job); ok {
				return v, nil
			}
		}
		if !mayPass(ctx, err) || time.Now().Add(backoff).After(deadline) {
			return 0, &submitError{n: job.n, upTo: job.upTo, err: err}
		}
		notices <- txResult{job: job, retry: fmt.Sprintf("transaction %d: %v; sending it again in %s", job.n, err, backoff)}
		select {
		case <-ctx.Done():
			return 0, &submitError{n: job.n, upTo: job.upTo, err: err}
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, retryBackoffMax)
	}
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

// committedBefore reports whether the graph's next transaction after the
// job's expected version is the job's own, and the version it got.
func (im *importer) committedBefore(ctx context.Context, job txJob) (uint64, bool) {
	expected := im.baseVersion + uint64(job.n-1)
	q := url.Values{"after_version": {strconv.FormatUint(expected, 10)}, "limit": {"1"}}
	var evs api.Events
	if _, err := im.s.client.getJSON(ctx, graphPath(im.graphID, "events"), q, &evs); err != nil || len(evs.Events) == 0 {
		return 0, false
	}
	first := evs.Events[0]
	return first.Version, first.TransactionID == job.id && first.Version == expected+1
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
	st.events += r.job.events
	st.nodes += r.job.nodes
	st.edges += r.job.edges
	st.version = r.version
	im.prog.update(*st, im.read.n)
}

// submitError is a transaction the server did not commit.
type submitError struct {
	n    int      // its number in the import, from 1
	upTo position // the input it covers ends here
	err  error
}

func (e *submitError) Error() string {
	where := ""
	if p := e.upTo.String(); p != "" {
		where = " (input up to " + p + ")"
	}
	return fmt.Sprintf("transaction %d%s was not applied: %v", e.n, where, e.err)
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
// enough that a graph never saw the same ID from another import.
func newImportID() string {
	return "import-" + rand.Text()[:16]
}
