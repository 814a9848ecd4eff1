package graph

import (
	"fmt"

	"github.com/graphlog/graphlog/messages"
)

// lineage is where a forked graph started (docs/ARCHITECTURE.md,
// "Forks"): its first transaction names a graph, a version of it and the
// CID of that state's encoding, and how many transactions add the copy
// when more than one do.
type lineage struct {
	graphID      string
	version      uint64
	cid          string
	transactions uint64
}

// maxCIDLen bounds a lineage's CID; a snapshot's CID is 59 characters.
const maxCIDLen = 128

// lineageOf checks a transaction's forked_from: only a graph's first
// transaction may carry one, and it must name a valid graph, a version
// and a CID.
func lineageOf(tx *messages.Transaction) (*lineage, error) {
	f := tx.GetForkedFrom()
	if f == nil {
		return nil, nil
	}
	switch {
	case tx.GetVersion() != 1:
		return nil, malformedf("only a graph's first transaction may say it is a fork; this one has version %d", tx.GetVersion())
	case ValidateGraphID(f.GetGraphId()) != nil:
		return nil, malformedf("forked_from names graph %q, not a valid graph ID", f.GetGraphId())
	case f.GetVersion() == 0:
		return nil, malformedf("forked_from names no version of graph %q", f.GetGraphId())
	case f.GetCid() == "" || len(f.GetCid()) > maxCIDLen:
		return nil, malformedf("forked_from has a CID of %d bytes; give the CID of the state forked (1 to %d bytes)", len(f.GetCid()), maxCIDLen)
	case f.GetTransactions() == 1:
		return nil, malformedf("forked_from says the copy takes 1 transaction; say 0 for one, so that a state has one encoding")
	}
	return &lineage{graphID: f.GetGraphId(), version: f.GetVersion(), cid: f.GetCid(), transactions: f.GetTransactions()}, nil
}

// CheckForkedFrom checks a transaction's forked_from as the fold will:
// the transaction must be the graph's first (expecting version 0), and
// the lineage must name a graph, a version and a CID. Nil without one.
func CheckForkedFrom(tx *messages.Transaction) error {
	if tx.GetForkedFrom() == nil {
		return nil
	}
	if tx.ExpectedVersion == nil || tx.GetExpectedVersion() != 0 {
		return fmt.Errorf("%w: a transaction that says it is a fork must be the graph's first: give it expected_version 0", ErrInvalidTransaction)
	}
	_, err := lineageOf(&messages.Transaction{Version: 1, ForkedFrom: tx.GetForkedFrom()})
	return err
}

func (l *lineage) message() *messages.Lineage {
	if l == nil {
		return nil
	}
	return &messages.Lineage{GraphId: l.graphID, Version: l.version, Cid: l.cid, Transactions: l.transactions}
}

// ForkedFrom returns where the graph started when it is a fork: the
// graph, its version and the CID of its state there; nil otherwise.
func (g *Graph) ForkedFrom() *messages.Lineage { return g.origin.message() }

func (l *lineage) size() int {
	return sizeString(lineageGraph, l.graphID) + sizeVarint(lineageVersion, l.version) + sizeString(lineageCID, l.cid) +
		sizeVarint(lineageTrans, l.transactions)
}

// lineageFromState reads a state's forked_from, as FromState verifies.
func lineageFromState(s *messages.GraphState) (*lineage, error) {
	f := s.GetForkedFrom()
	if f == nil {
		return nil, nil
	}
	l, err := lineageOf(&messages.Transaction{Version: 1, ForkedFrom: f})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if s.GetVersion() == 0 {
		return nil, fmt.Errorf("%w: a state of no version says it is a fork", ErrCorrupt)
	}
	return l, nil
}
