package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/graphlog/graphlog/apitypes"
)

// The algorithm library (docs/ARCHITECTURE.md, "The algorithm library"):
// its list, and one algorithm run on a graph.

func setupAlgorithms(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 0, 1); err != nil {
			return err
		}
		var lib apitypes.AlgorithmList
		raw, err := s.client.getJSON(ctx, "/v1/algorithms", nil, &lib)
		if err != nil {
			return err
		}
		if len(args) == 0 {
			if s.json {
				return writeRaw(s.out, raw)
			}
			t := newTable(s.out, "NAME", "PARAMETERS", "SUMMARY")
			for _, a := range lib.Algorithms {
				t.row(a.Name, paramSummary(a.Params), a.Summary)
			}
			return t.flush()
		}
		want := strings.ReplaceAll(args[0], "-", "_")
		for _, a := range lib.Algorithms {
			if a.Name != want {
				continue
			}
			if s.json {
				return writeJSONLine(s.out, a)
			}
			return printAlgorithm(s.out, a)
		}
		return fmt.Errorf("no algorithm %q in the library; 'graphctl algorithms' lists them", args[0])
	}
}

// paramSummary is an algorithm's parameters on one line: name=default, or
// name (kind, required).
func paramSummary(ps []apitypes.ParamInfo) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		switch {
		case p.Required:
			parts = append(parts, p.Name+" (required)")
		case p.Default != "":
			parts = append(parts, p.Name+"="+p.Default)
		default:
			parts = append(parts, p.Name)
		}
	}
	return strings.Join(parts, ", ")
}

func printAlgorithm(w io.Writer, a apitypes.AlgorithmInfo) error {
	fmt.Fprintf(w, "%s: %s\n", a.Name, a.Summary)
	if a.MaxNodes > 0 {
		fmt.Fprintf(w, "runs on graphs of at most %d nodes\n", a.MaxNodes)
	}
	if len(a.Params) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	t := newTable(w, "PARAMETER", "KIND", "REQUIRED", "DEFAULT", "VALUES", "DOC")
	for _, p := range a.Params {
		req := ""
		if p.Required {
			req = "yes"
		}
		values := strings.Join(p.Values, "|")
		switch {
		case p.Min != "" && p.Max != "":
			values = joinNonEmpty(values, p.Min+" to "+p.Max)
		case p.Min != "":
			values = joinNonEmpty(values, ">= "+p.Min)
		case p.Max != "":
			values = joinNonEmpty(values, "<= "+p.Max)
		}
		t.row(p.Name, p.Kind, req, p.Default, values, p.Doc)
	}
	return t.flush()
}

// reservedParams are query parameters an algorithm's route reads itself.
var reservedParams = map[string]string{"version": "--version", "as_of": "--as-of", "algorithm": "the second argument"}

// paramArgs adds name=value arguments to q, refusing the names reserved
// gives another way to set (whose are they are not).
func paramArgs(q url.Values, args []string, whose string, reserved map[string]string) (url.Values, error) {
	for _, kv := range args {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("parameter %q is not name=value", kv)
		}
		if instead, ok := reserved[k]; ok {
			return nil, usagef("parameter %s is not %s; use %s", k, whose, instead)
		}
		q.Add(k, v)
	}
	return q, nil
}

func setupAlgorithm(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	return func(ctx context.Context, s *session, args []string) error {
		if len(args) < 2 {
			return wantArgs(s.cmd, args, 2, 2)
		}
		q, err := paramArgs(url.Values{}, args[2:], "the algorithm's", reservedParams)
		if err != nil {
			return err
		}
		q, err = at.query(q)
		if err != nil {
			return err
		}
		var answer json.RawMessage
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "algorithms", args[1]), q, &answer)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		return printAnswer(s.out, answer)
	}
}
