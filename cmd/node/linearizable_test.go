package main

// TestLinearizable records what concurrent HTTP clients see of a few graphs
// while cluster members die and join, and has porcupine check that every
// graph's history is linearizable.
//
// The load lasts linearizabilityLoad; a longer campaign by hand:
//
//	GRAPHLOG_LINEARIZABILITY_DURATION=2m go test -count=1 -run TestLinearizable -v -timeout 30m ./cmd/node
//
// Every linearizabilityFaultCycle of load (or the whole load, if shorter)
// kills one member with SIGKILL a quarter of the way in and starts a fresh
// one halfway, so a long campaign goes through many failovers and joins.

import (
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/internal/natstest"
)

const (
	// linearizabilityLoad is how long the clients run unless
	// GRAPHLOG_LINEARIZABILITY_DURATION says otherwise.
	linearizabilityLoad = 20 * time.Second
	// linearizabilityFaultCycle is the period of one kill and one join.
	linearizabilityFaultCycle = 20 * time.Second
	// linearizabilityCheckTimeout bounds porcupine per graph. A history
	// it cannot decide within it fails the test: an Unknown proves
	// nothing, and with a handful of clients the search is nearly linear,
	// so it finishes in well under a second when nothing is wrong.
	linearizabilityCheckTimeout = 30 * time.Second
	linearizabilityClients      = 6
	linearizabilityGraphs       = 4
	// linearizabilityHTTPTimeout is above the members' --request-timeout
	// (5 s), so a client usually hears the member's 503 rather than
	// giving up first; either way the write's outcome is unknown.
	linearizabilityHTTPTimeout = 10 * time.Second
	linearizabilityDurationEnv = "GRAPHLOG_LINEARIZABILITY_DURATION"
)

// The model: a graph's state is its version and a digest of its node IDs.
// Each write adds one node no one else adds, so the digest tells which
// writes a read saw, not only how many.
type linState struct {
	version uint64
	digest  uint64 // XOR of nodeDigest over the graph's nodes
}

type linInput struct {
	write    bool
	expected uint64 // the version the client last knew, sent as expected_version
	node     string // the node the write adds
}

type linOutcome int

const (
	linRead     linOutcome = iota // 200 (or 404: version 0, no nodes)
	linOK                         // 200 with the new version
	linConflict                   // 409 conflict: expected_version was not the graph's version
	linUnknown                    // no answer, 503 or another 5xx: applied or not
)

type linOutput struct {
	outcome linOutcome
	version uint64 // linRead, linOK
	digest  uint64 // linRead
	nodes   int    // linRead, for the visualization
}

func nodeDigest(id string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(id))
	return h.Sum64()
}

func nodesDigest(nodes []api.Node) uint64 {
	var d uint64
	for _, n := range nodes {
		d ^= nodeDigest(n.ID)
	}
	return d
}

// linModel is one graph's sequential specification. An unknown write is
// given a return time after the whole history, so it may take effect at
// any point after its call; its step applies it whenever the version
// matches and is a no-op otherwise. That is as permissive as letting it
// either apply or not: where it did not happen, the checker can place it
// after a later write moved the version on, or after every observation,
// where applying it changes nothing anyone saw.
func linModel(seed linState) porcupine.Model {
	return porcupine.Model{
		Init: func() any { return seed },
		Step: func(state, input, output any) (bool, any) {
			s, in, out := state.(linState), input.(linInput), output.(linOutput)
			applied := linState{version: in.expected + 1, digest: s.digest ^ nodeDigest(in.node)}
			switch out.outcome {
			case linRead:
				return s == linState{version: out.version, digest: out.digest}, s
			case linOK:
				return s.version == in.expected && out.version == in.expected+1, applied
			case linConflict:
				return s.version != in.expected, s
			default: // linUnknown
				if s.version == in.expected {
					return true, applied
				}
				return true, s
			}
		},
		Hash: func(state any) uint64 {
			s := state.(linState)
			return s.digest ^ s.version*0x9e3779b97f4a7c15
		},
		DescribeOperation: func(input, output any) string {
			in, out := input.(linInput), output.(linOutput)
			if !in.write {
				return fmt.Sprintf("read → v%d, %d nodes #%04x", out.version, out.nodes, out.digest&0xffff)
			}
			var res string
			switch out.outcome {
			case linOK:
				res = fmt.Sprintf("ok v%d", out.version)
			case linConflict:
				res = "conflict"
			default:
				res = "unknown"
			}
			return fmt.Sprintf("add %s at v%d → %s", in.node, in.expected, res)
		},
		DescribeState: func(state any) string {
			s := state.(linState)
			return fmt.Sprintf("v%d #%04x", s.version, s.digest&0xffff)
		},
	}
}

// linPending marks the return of an unknown write until the history ends.
const linPending = -1

// linRecorder keeps every graph's history, timed by one monotonic clock.
type linRecorder struct {
	start      time.Time
	nextClient atomic.Int64 // porcupine client IDs; a client whose write is unknown takes a new one

	mu          sync.Mutex
	ops         map[string][]porcupine.Operation
	reads       int
	failedReads int
	oks         int
	conflicts   int
	unknowns    int
	unexpected  []string
}

func (r *linRecorder) now() int64 { return int64(time.Since(r.start)) }

func (r *linRecorder) add(graphID string, op porcupine.Operation) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops[graphID] = append(r.ops[graphID], op)
	switch out := op.Output.(linOutput); out.outcome {
	case linRead:
		r.reads++
	case linOK:
		r.oks++
	case linConflict:
		r.conflicts++
	default:
		r.unknowns++
	}
}

func (r *linRecorder) failedRead() {
	r.mu.Lock()
	r.failedReads++
	r.mu.Unlock()
}

func (r *linRecorder) unexpectedAnswer(what string) {
	r.mu.Lock()
	r.unexpected = append(r.unexpected, what)
	r.mu.Unlock()
}

// read records one read of graphID through c. It returns what the client
// learnt: the graph's version, and whether it got an answer.
func (r *linRecorder) read(c *client, clientID int, graphID string) (uint64, bool) {
	var got api.Graph
	call := r.now()
	status, e, err := c.do("GET", "/v1/graphs/"+graphID, nil, &got)
	ret := r.now()
	var out linOutput
	switch {
	case err == nil && status == http.StatusOK:
		out = linOutput{outcome: linRead, version: got.Version, digest: nodesDigest(got.Nodes), nodes: len(got.Nodes)}
	case err == nil && status == http.StatusNotFound && e.Code == api.CodeNotFound:
		out = linOutput{outcome: linRead} // a graph with no events: every graph was seeded, so only a stale read
	default:
		r.failedRead() // a read that was not answered changed nothing
		return 0, false
	}
	r.add(graphID, porcupine.Operation{ClientId: clientID, Input: linInput{}, Call: call, Output: out, Return: ret})
	return out.version, true
}

// write records one write to graphID through c that adds node, expecting
// the graph at version expected. It returns the outcome and, if ok, the new
// version.
func (r *linRecorder) write(c *client, clientID int, graphID string, expected uint64, node string) (linOutcome, uint64) {
	body := map[string]any{
		"expected_version": expected,
		"transaction_id":   "lin-" + node,
		"events":           []any{addNode(node)},
	}
	in := linInput{write: true, expected: expected, node: node}
	var res submitResult
	call := r.now()
	status, e, err := c.do("POST", "/v1/graphs/"+graphID+"/transactions", body, &res)
	ret := r.now()
	var out linOutput
	switch {
	case err == nil && status == http.StatusOK:
		out = linOutput{outcome: linOK, version: res.Version}
	case err == nil && status == http.StatusConflict && e.Code == api.CodeConflict:
		out = linOutput{outcome: linConflict}
	case err != nil || status == http.StatusServiceUnavailable || status >= 500:
		out = linOutput{outcome: linUnknown}
		ret = linPending
	default:
		// A rejection (422: the node exists), a duplicate transaction ID
		// or a 400 says nothing the model can take: each write is new
		// and valid, so any of them is either a bug of the test or of
		// the node, to be looked at.
		r.unexpectedAnswer(fmt.Sprintf("%s: add %s at v%d → %d %s: %s", graphID, node, expected, status, e.Code, e.Error))
		return linUnknown, 0
	}
	r.add(graphID, porcupine.Operation{ClientId: clientID, Input: in, Call: call, Output: out, Return: ret})
	return out.outcome, out.version
}

// linMembers are the live members the clients send to.
type linMembers struct {
	mu sync.Mutex
	ms []*member
}

func (l *linMembers) pick() *member {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ms[rand.IntN(len(l.ms))]
}

func (l *linMembers) list() []*member {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.ms)
}

func (l *linMembers) remove(m *member) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ms = slices.DeleteFunc(l.ms, func(o *member) bool { return o == m })
}

func (l *linMembers) add(m *member) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ms = append(l.ms, m)
}

// linClient reads and writes random graphs through random live members
// until stop is closed. A write expects the version the client last knew
// of the graph (its last read, or its own last write); after a conflict
// or an unknown outcome it reads the graph again before writing to it.
func linClient(t *testing.T, r *linRecorder, live *linMembers, graphs []string, w int, stop <-chan struct{}) {
	c := &client{t: t, http: &http.Client{Timeout: linearizabilityHTTPTimeout}}
	clientID := w
	known := map[string]uint64{}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		g := graphs[rand.IntN(len(graphs))]
		c.base = live.pick().Base
		expected, ok := known[g]
		if !ok || rand.IntN(2) == 0 {
			if v, ok := r.read(c, clientID, g); ok {
				known[g] = v
			}
			continue
		}
		switch outcome, v := r.write(c, clientID, g, expected, fmt.Sprintf("c%d-%d", w, i)); outcome {
		case linOK:
			known[g] = v
		case linConflict:
			delete(known, g)
		default:
			delete(known, g)
			// The write may still take effect after this client goes on;
			// like a crashed process in Jepsen, the client goes on under a
			// new ID, so that its operations do not overlap.
			clientID = int(r.nextClient.Add(1) - 1)
		}
	}
}

func linearizabilityDuration(t *testing.T) time.Duration {
	s := os.Getenv(linearizabilityDurationEnv)
	if s == "" {
		return linearizabilityLoad
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration such as 2m", linearizabilityDurationEnv, s)
	}
	return d
}

// Concurrent clients read graphs and write to them with expected_version
// through three members, one of which is killed with SIGKILL and replaced
// by a fresh member while they run. Every graph's history is linearizable:
// a read sees every write acknowledged before it began and no write that
// was refused, and a write with expected_version is acknowledged exactly
// when the graph was at that version.
func TestLinearizable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	load := linearizabilityDuration(t)
	srv, _, _ := natstest.Start(t)
	natsURL := srv.ClientURL()
	first := []*member{startMember(t, "a", natsURL), startMember(t, "b", natsURL), startMember(t, "c", natsURL)}
	waitMembers(t, 15*time.Second, first...)
	live := &linMembers{ms: first}

	graphs := testGraphs("lin", linearizabilityGraphs)
	// Every graph starts at version 1 with one node, so the histories
	// start from a known state and a read answered 404 is a stale read.
	seed := linState{version: 1, digest: nodeDigest("seed")}
	for _, g := range graphs {
		if res := newClient(t, first[0].Base).mustSubmit(g, events(addNode("seed"))); res.Version != 1 {
			t.Fatalf("seeding %s: version %d, want 1", g, res.Version)
		}
	}

	r := &linRecorder{start: time.Now(), ops: map[string][]porcupine.Operation{}}
	r.nextClient.Store(linearizabilityClients)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	stopClients := sync.OnceFunc(func() { close(stop); wg.Wait() })
	t.Cleanup(stopClients) // also when a fault below fails the test
	for w := range linearizabilityClients {
		wg.Go(func() { linClient(t, r, live, graphs, w, stop) })
	}

	cycle := min(linearizabilityFaultCycle, load)
	names := 0
	for at := time.Duration(0); at+cycle <= load; at += cycle {
		time.Sleep(time.Until(r.start.Add(at + cycle/4)))
		victim, hosted := linVictim(t, live.list(), graphs)
		live.remove(victim)
		victim.Kill()
		t.Logf("%s: killed %s, which hosted %v", time.Since(r.start).Round(time.Millisecond), victim.name, hosted)

		time.Sleep(time.Until(r.start.Add(at + cycle/2)))
		m := startMember(t, fmt.Sprintf("n%d", names), natsURL)
		names++
		live.add(m)
		t.Logf("%s: %s joined", time.Since(r.start).Round(time.Millisecond), m.name)
	}
	time.Sleep(time.Until(r.start.Add(load)))
	stopClients()

	hosts := map[string]string{}
	for _, m := range live.list() {
		hosts[m.address] = m.name
	}
	placed := map[string]string{}
	for _, g := range graphs {
		placed[g] = hosts[placement(t, live.pick(), g)]
	}
	t.Logf("graphs at the end: %v", placed)

	// Last, every live member is asked for every graph once the cluster
	// settled: unknown writes that took effect must show consistently.
	final := int(r.nextClient.Add(1) - 1)
	for _, m := range live.list() {
		c := newClient(t, m.Base)
		for _, g := range graphs {
			eventually(t, 15*time.Second, "graph "+g+" answers through "+m.name, func() bool {
				_, ok := r.read(c, final, g)
				return ok
			})
		}
	}

	end := r.now() + 1
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Logf("%s of load: %d reads (%d unanswered, not recorded), %d writes ok, %d conflicts, %d unknown",
		load, r.reads, r.failedReads, r.oks, r.conflicts, r.unknowns)
	for _, u := range r.unexpected {
		t.Errorf("unexpected answer: %s", u)
	}
	if r.reads == 0 || r.oks == 0 {
		t.Fatalf("%d reads and %d writes ok: the history shows nothing", r.reads, r.oks)
	}
	model := linModel(seed)
	for _, g := range graphs {
		ops := r.ops[g]
		for i := range ops {
			if ops[i].Return == linPending {
				ops[i].Return = end
			}
		}
		began := time.Now()
		res := porcupine.CheckOperationsTimeout(model, ops, linearizabilityCheckTimeout)
		t.Logf("graph %s: %d operations, %s in %s", g, len(ops), res, time.Since(began).Round(time.Millisecond))
		if res == porcupine.Ok {
			continue
		}
		_, info := porcupine.CheckOperationsVerbose(model, ops, linearizabilityCheckTimeout)
		path := linVisualize(t, g, model, info)
		t.Errorf("graph %s: history of %d operations is %s (porcupine, within %s); visualization: %s",
			g, len(ops), res, linearizabilityCheckTimeout, path)
	}
}

// linVictim returns the live member hosting most of graphs, and those
// graphs, so that killing it moves some.
func linVictim(t *testing.T, live []*member, graphs []string) (*member, []string) {
	t.Helper()
	hosted := map[string][]string{}
	for _, g := range graphs {
		var at string
		for _, m := range live {
			if at = placement(t, m, g); at != "" {
				break
			}
		}
		hosted[at] = append(hosted[at], g)
	}
	victim := live[0]
	for _, m := range live {
		if len(hosted[m.address]) > len(hosted[victim.address]) {
			victim = m
		}
	}
	return victim, hosted[victim.address]
}

// linVisualize writes porcupine's visualization of a failed check to a
// file that outlives the test, and returns its path.
func linVisualize(t *testing.T, graphID string, model porcupine.Model, info porcupine.LinearizationInfo) string {
	dir, err := os.MkdirTemp("", "graphlog-linearizability-")
	if err != nil {
		t.Errorf("visualization of %s: %v", graphID, err)
		return ""
	}
	path := filepath.Join(dir, graphID+".html")
	if err := porcupine.VisualizePath(model, info, path); err != nil {
		t.Errorf("visualization of %s: %v", graphID, err)
		return ""
	}
	return path
}

// The model refuses what the node must never do, and accepts an unknown
// write whether or not it took effect.
func TestLinearizableModel(t *testing.T) {
	seed := linState{version: 1, digest: nodeDigest("seed")}
	at := func(v uint64, nodes ...string) linOutput {
		d := seed.digest
		for _, n := range nodes {
			d ^= nodeDigest(n)
		}
		return linOutput{outcome: linRead, version: v, digest: d}
	}
	read := func(client int, call, ret int64, out linOutput) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: linInput{}, Call: call, Output: out, Return: ret}
	}
	write := func(client int, call, ret int64, expected uint64, node string, outcome linOutcome) porcupine.Operation {
		out := linOutput{outcome: outcome}
		if outcome == linOK {
			out.version = expected + 1
		}
		return porcupine.Operation{ClientId: client, Input: linInput{write: true, expected: expected, node: node}, Call: call, Output: out, Return: ret}
	}
	const never = 1000 // the end of these histories: an unknown write's return
	cases := []struct {
		name string
		ops  []porcupine.Operation
		want porcupine.CheckResult
	}{
		{"write then read", []porcupine.Operation{write(0, 0, 1, 1, "x", linOK), read(1, 2, 3, at(2, "x"))}, porcupine.Ok},
		{"stale read after an acknowledged write", []porcupine.Operation{write(0, 0, 1, 1, "x", linOK), read(1, 2, 3, at(1))}, porcupine.Illegal},
		{"read of a graph with no events", []porcupine.Operation{read(0, 0, 1, linOutput{outcome: linRead})}, porcupine.Illegal},
		{"two writes at one version", []porcupine.Operation{write(0, 0, 1, 1, "x", linOK), write(1, 2, 3, 1, "y", linOK)}, porcupine.Illegal},
		{"conflict at the graph's version", []porcupine.Operation{write(0, 0, 1, 1, "x", linConflict)}, porcupine.Illegal},
		{"conflict after a concurrent write", []porcupine.Operation{write(0, 0, 3, 1, "x", linConflict), write(1, 1, 2, 1, "y", linOK)}, porcupine.Ok},
		{"a refused write seen", []porcupine.Operation{write(0, 0, 3, 1, "x", linConflict), write(1, 1, 2, 1, "y", linOK), read(2, 4, 5, at(2, "x"))}, porcupine.Illegal},
		{"an unknown write seen", []porcupine.Operation{write(0, 0, never, 1, "x", linUnknown), read(1, 2, 3, at(2, "x"))}, porcupine.Ok},
		{"an unknown write not seen", []porcupine.Operation{write(0, 0, never, 1, "x", linUnknown), read(1, 2, 3, at(1)), write(1, 4, 5, 1, "y", linOK), read(1, 6, 7, at(2, "y"))}, porcupine.Ok},
		{"an unknown write seen, then gone", []porcupine.Operation{write(0, 0, never, 1, "x", linUnknown), read(1, 2, 3, at(2, "x")), read(1, 4, 5, at(1))}, porcupine.Illegal},
	}
	for _, tc := range cases {
		model := linModel(seed)
		res, info := porcupine.CheckOperationsVerbose(model, tc.ops, time.Second)
		if res != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, res, tc.want)
		}
		if err := porcupine.Visualize(model, info, io.Discard); err != nil {
			t.Errorf("%s: visualization: %v", tc.name, err)
		}
	}
}
