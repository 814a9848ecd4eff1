package client

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// NewTransactionID returns a fresh transaction ID: 128 random bits, in
// hex.
func NewTransactionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Submit commits a transaction to a graph and returns its version and
// stream sequence.
//
// It gives the transaction an ID when tx has none (NewTransactionID), and
// sends it again, with the same ID, when the answer is lost (the
// connection broke after sending it) or the node answers
// ErrUnavailable, moving on to the next server, up to the attempts of
// WithSubmitRetries. A resend can never apply the transaction twice: the
// graph remembers the IDs it committed and answers a resend of one with
// its first answer (docs/ARCHITECTURE.md, "Retries are safe forever"). So
// give an ID of your own, kept with the work it records, to resend it
// safely after Submit itself gave up, even from another process.
//
// A refusal is not retried: ErrConflict (tx.ExpectedVersion is not the
// graph's version, or the ID was used for other events), ErrRejected (the
// graph's rules; nothing was applied), ErrInvalid, ErrTooLarge.
func (c *Client) Submit(ctx context.Context, graphID string, tx apitypes.TransactionRequest) (*apitypes.SubmitResult, error) {
	if tx.TransactionID == "" {
		tx.TransactionID = NewTransactionID()
	}
	if tx.Events == nil {
		tx.Events = []apitypes.EventData{}
	}
	body, err := json.Marshal(tx)
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the transaction: %v", ErrInvalid, err)
	}
	path := GraphPath(graphID, "transactions")
	wait := c.backoff
	for attempt := 1; ; attempt++ {
		raw, err := c.Do(ctx, http.MethodPost, path, nil, body)
		if err == nil {
			var out apitypes.SubmitResult
			return &out, decode(http.MethodPost, path, raw, &out)
		}
		if attempt >= c.attempts || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return nil, err
		}
		// The server in use failed after it was reached, or none could be:
		// the next attempt starts with another one.
		var conn *ConnError
		if !errors.As(err, &conn) || conn.Sent {
			c.moveOn(c.Server())
		}
		if serr := sleep(ctx, wait); serr != nil {
			return nil, fmt.Errorf("POST %s: %w; the last attempt: %w", path, serr, err)
		}
		wait = min(2*wait, maxBackoff)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// DryRun asks what a transaction would change, and the answers of reads
// on the state it would leave, with nothing stored (a what-if). Each
// answer's Answer is a json.RawMessage of what the read's GET route would
// answer (Decode reads it), or its Error what that route would refuse.
// A dry run changes nothing, so it needs no transaction ID; one the graph
// committed already is answered with Committed set.
func (c *Client) DryRun(ctx context.Context, graphID string, tx apitypes.TransactionRequest, queries ...apitypes.WhatIfQuery) (*apitypes.WhatIfAnswer, error) {
	if tx.Events == nil {
		tx.Events = []apitypes.EventData{}
	}
	body, err := json.Marshal(apitypes.WhatIfRequest{TransactionRequest: tx, Queries: queries})
	if err != nil {
		return nil, fmt.Errorf("%w: encoding the transaction: %v", ErrInvalid, err)
	}
	path := GraphPath(graphID, "transactions")
	b, err := c.Do(ctx, http.MethodPost, path, url.Values{"dry_run": {"true"}}, body)
	if err != nil {
		return nil, err
	}
	var out apitypes.WhatIfAnswer
	if err := decode(http.MethodPost, path, b, &out); err != nil {
		return nil, err
	}
	// The answers again, as raw JSON.
	var answers struct {
		Answers []struct {
			Answer json.RawMessage `json:"answer"`
		} `json:"answers"`
	}
	if err := decode(http.MethodPost, path, b, &answers); err != nil {
		return nil, err
	}
	for i := range out.Answers {
		if i < len(answers.Answers) && len(answers.Answers[i].Answer) > 0 {
			out.Answers[i].Answer = answers.Answers[i].Answer
		}
	}
	return &out, nil
}
