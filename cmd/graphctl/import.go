package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/graphlog/graphlog/api"
)

// maxWarnings bounds the warnings an import prints; the rest are counted.
const maxWarnings = 10

func setupImport(fs *flag.FlagSet) runFunc {
	format := fs.String("format", "", "input `format`: csv, json or graphml (default: from the file name's extension)")
	batch := fs.Int("batch", api.DefaultMaxEvents, "most `events` per transaction, 1 to 1000")
	every := fs.Duration("progress-interval", defaultProgressEvery, "when stderr is not a terminal, a progress line this often (0: none)")
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
		case *batch < 1 || *batch > api.DefaultMaxEvents:
			return usagef("--batch is %d; use 1 to %d events", *batch, api.DefaultMaxEvents)
		case *every < 0:
			return usagef("--progress-interval is %s; use a positive duration, or 0 for none", *every)
		}
		in, err := openInput(args[1], s.stdin)
		if err != nil {
			return err
		}
		defer in.Close()
		return importGraph(ctx, s, args[0], in, f, *batch, *every)
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

// importer submits the planner's events in transactions, one after the
// other, each stating the version the one before produced.
type importer struct {
	s           *session
	graphID     string
	batch       int
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
func importGraph(ctx context.Context, s *session, graphID string, in *input, format string, batch int, every time.Duration) error {
	existing, version, err := currentNodes(ctx, s, graphID)
	if err != nil {
		return err
	}
	read := &countingReader{r: in.r}
	prog := newProgress(s.stderr, s.stderrTTY, every, in.size, "graphctl: import "+graphID+": ", time.Now)
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
	switch format {
	case "csv":
		src, declares = newCSVSource(read, in.name), false
	case "json":
		src = newJSONSource(read, in.name)
	case "graphml":
		src = newGraphMLSource(read, in.name, warn)
	}
	im := &importer{s: s, graphID: graphID, batch: batch, read: read, prog: prog,
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
	n                    int // its number in the import, from 1
	body                 []byte
	events, nodes, edges int
	upTo                 position // the input it covers ends here
}

type txResult struct {
	job     txJob
	version uint64
	err     error
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
		for im.plan.ready() >= im.batch {
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
	events := im.plan.take(im.batch)
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
	job.body, err = json.Marshal(api.TransactionRequest{ExpectedVersion: &expected, Events: events})
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
		raw, err := im.s.client.post(ctx, graphPath(im.graphID, "transactions"), job.body)
		if err != nil {
			r.err = &submitError{n: job.n, upTo: job.upTo, err: err}
		} else {
			var res api.SubmitResult
			if err := json.Unmarshal(raw, &res); err != nil {
				r.err = fmt.Errorf("transaction %d was committed, but the answer is not the expected JSON: %v", job.n, err)
			}
			r.version = res.Version
		}
		results <- r
		if r.err != nil {
			return
		}
	}
}

// record counts a committed transaction, or keeps the first failure.
func (im *importer) record(r txResult) {
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
