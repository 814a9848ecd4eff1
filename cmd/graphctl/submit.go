package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/graphlog/graphlog/apitypes"
)

func setupSubmit(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 2); err != nil {
			return err
		}
		path := ""
		if len(args) == 2 {
			path = args[1]
		}
		in, err := openInput(path, s.stdin)
		if err != nil {
			return err
		}
		defer in.Close()
		return submitAll(ctx, s, args[0], in)
	}
}

// submitAll submits each JSON value of the input as one transaction, in
// order, and stops at the first failure. The body sent is the value as
// written: the server's decoder is the judge of its shape.
func submitAll(ctx context.Context, s *session, graphID string, in *input) error {
	txs := newTransactionReader(in)
	var t *table // made with the first row
	defer func() {
		// Rows of the transactions committed stay printed after a failure;
		// a write error sticks in s.out and is reported when it is flushed.
		if t != nil {
			_ = t.flush()
		}
	}()
	n := 0
	for {
		raw, line, err := txs.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return committed(err, n)
		}
		body, err := s.client.post(ctx, graphPath(graphID, "transactions"), raw)
		if err != nil {
			return committed(fmt.Errorf("%s: line %d: transaction %d: %w", in.name, line, n+1, err), n)
		}
		n++
		if s.json {
			if err := writeRaw(s.out, body); err != nil {
				return err
			}
			continue
		}
		var res apitypes.SubmitResult
		if err := json.Unmarshal(body, &res); err != nil {
			return fmt.Errorf("transaction %d was committed, but the answer is not the expected JSON: %v", n, err)
		}
		if t == nil {
			t = newTable(s.out, "GRAPH", "VERSION", "SEQUENCE", "EVENTS")
		}
		t.row(res.Graph, res.Version, res.Sequence, res.Events)
	}
	if n == 0 {
		return errNoTransaction(in)
	}
	return nil
}

// transactionReader reads the transactions of an input, as submit and
// whatif take them: one JSON object, or several one after the other
// (NDJSON), each as written.
type transactionReader struct {
	in  *input
	lc  *lineCounter
	dec *json.Decoder
}

func newTransactionReader(in *input) *transactionReader {
	lc := newLineCounter(in.r)
	return &transactionReader{in: in, lc: lc, dec: json.NewDecoder(lc)}
}

// next returns the next transaction and the line it starts on, io.EOF
// after the last, or an *inputError naming where the input is malformed.
func (r *transactionReader) next() (json.RawMessage, int, error) {
	var raw json.RawMessage
	err := r.dec.Decode(&raw)
	if err == io.EOF {
		return nil, 0, io.EOF
	}
	if err != nil {
		var syntax *json.SyntaxError
		pos := position{}
		if errors.As(err, &syntax) {
			pos.Line = r.lc.lineAt(syntax.Offset)
		}
		return nil, 0, &inputError{Name: r.in.name, Pos: pos, Msg: fmt.Sprintf("not valid JSON: %v", err)}
	}
	line := r.lc.lineAt(r.dec.InputOffset() - int64(len(raw)))
	if len(raw) == 0 || raw[0] != '{' {
		return nil, 0, &inputError{Name: r.in.name, Pos: position{Line: line},
			Msg: "a transaction must be a JSON object: {\"events\": [...]}"}
	}
	return bytes.TrimSpace(raw), line, nil
}

func errNoTransaction(in *input) error {
	return &inputError{Name: in.name, Msg: "no transaction in the input; write a JSON object {\"events\": [...]}, or one per line"}
}

// committed adds to err how many transactions went in before it, when
// some did: what the user needs to resume.
func committed(err error, n int) error {
	if n == 0 {
		return err
	}
	return &committedError{err: err, n: n}
}

type committedError struct {
	err error
	n   int
}

func (e *committedError) Error() string {
	if e.n == 1 {
		return fmt.Sprintf("%v (1 transaction before it was committed)", e.err)
	}
	return fmt.Sprintf("%v (%d transactions before it were committed)", e.err, e.n)
}

func (e *committedError) Unwrap() error { return e.err }
