package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/graphlog/graphlog/store"
)

// listEvents handles GET /v1/graphs/{graph}/events: whole transactions with
// a version above after_version, up to limit events (the first transaction
// is listed whole even when it alone has more). With after_sequence (a
// page's next_after_sequence) the log is read from that sequence on, not
// from the start: the message there may hold more than one transaction (a
// group commit), so it is read again and after_version says where the page
// ends in it.
func (s *server) listEvents(w http.ResponseWriter, r *http.Request) error {
	graphID, err := graphParam(r)
	if err != nil {
		return err
	}
	var after uint64
	if v := r.URL.Query().Get("after_version"); v != "" {
		if after, err = strconv.ParseUint(v, 10, 64); err != nil {
			return fmt.Errorf("%w: after_version is %q; use a whole number, 0 or more", ErrInvalidRequest, clip(v))
		}
	}
	var from uint64
	if v := r.URL.Query().Get("after_sequence"); v != "" {
		seq, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return fmt.Errorf("%w: after_sequence is %q; use a whole number, 0 or more (a page's next_after_sequence)", ErrInvalidRequest, clip(v))
		}
		from = max(seq, 1) - 1
	}
	limit, err := limitParam(r)
	if err != nil {
		return err
	}
	if s.opts.Log == nil {
		return fmt.Errorf("%w: this node does not read the event log", errNotServed)
	}
	log := requestInfoFrom(r.Context()).log

	out := Events{Graph: graphID, Events: []Event{}, NextAfterVersion: after, NextAfterSequence: from}
	exists := from > 0
	for tx, err := range s.opts.Log.Read(r.Context(), graphID, from) {
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) {
				// The reader goes on after an undecodable event; so does the
				// listing, which shows what can be decoded. The grain treats
				// the same bytes the same way on every replay.
				exists = true
				log.Error("skipping an undecodable event", keyGraph, graphID, keyError, err.Error())
				continue
			}
			return err
		}
		exists = true
		if tx.GetVersion() <= after {
			continue
		}
		if len(out.Events) > 0 && len(out.Events)+len(tx.GetEvents()) > limit {
			break
		}
		for _, ev := range tx.GetEvents() {
			e := EventJSON(ev)
			// Fill what the reader put on the transaction only.
			if e.TransactionID == "" {
				e.TransactionID = tx.GetTransactionId()
			}
			if e.Version == 0 {
				e.Version = tx.GetVersion()
			}
			if e.RecordedAt == "" {
				e.RecordedAt = timeJSON(tx.GetRecordedAt())
			}
			out.Events = append(out.Events, e)
		}
		out.NextAfterVersion, out.NextAfterSequence = tx.GetVersion(), tx.GetSequence()
		if len(out.Events) >= limit {
			break
		}
	}
	if !exists {
		return graphNotFound(graphID)
	}
	return writeJSON(w, http.StatusOK, out)
}
