package actors

import (
	"sync"

	"github.com/asynkron/protoactor-go/actor"
)

// ReadMarks knows, for the grains live on one member, how far each has
// read its graph's log: the stream sequence of the last message it applied
// or skipped. The ingress of the same member acknowledges a notice at or
// below a graph's mark without asking the grain (a notice only asks the
// grain to read its log that far), so the transactions the grains wrote
// themselves cost the ingress no request. A grain's mark goes when it
// stops; a graph whose grain lives elsewhere has none, and is asked.
//
// Safe for concurrent use.
type ReadMarks struct {
	mu    sync.Mutex
	marks map[string]readMark
}

type readMark struct {
	pid     *actor.PID
	seq     uint64
	writing bool // an append of the grain's is in flight
}

// NewReadMarks returns empty read marks.
func NewReadMarks() *ReadMarks { return &ReadMarks{marks: make(map[string]readMark)} }

// set records that the grain pid of graphID has read its log to seq.
func (r *ReadMarks) set(graphID string, pid *actor.PID, seq uint64) {
	if r == nil || seq == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.marks[graphID]; !ok || m.pid != pid || m.seq < seq {
		r.marks[graphID] = readMark{pid: pid, seq: seq}
	}
}

// writing records whether grain pid of graphID has an append in flight:
// its notice may reach the ingress before the append's ack reaches the
// grain, and is then worth a moment's wait rather than a request.
func (r *ReadMarks) writing(graphID string, pid *actor.PID, writing bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.marks[graphID]
	if ok && m.pid != pid {
		return
	}
	m.pid, m.writing = pid, writing
	r.marks[graphID] = m
}

// drop forgets graphID's mark if grain pid set it.
func (r *ReadMarks) drop(graphID string, pid *actor.PID) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.marks[graphID]; ok && m.pid == pid {
		delete(r.marks, graphID)
	}
}

// Read reports whether a grain live on this member has read graphID's log
// at least to seq, and whether it is writing to it.
func (r *ReadMarks) Read(graphID string, seq uint64) (read, writing bool) {
	if r == nil {
		return false, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.marks[graphID]
	return ok && m.seq >= seq, ok && m.writing
}
