package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"

	"github.com/graphlog/graphlog/apitypes"
)

// compareParams are the comparison's own query parameters, with what
// sets them.
var compareParams = map[string]string{"before": "--before", "after": "--after", "query": "the second argument",
	"answers": "-o json with --answers", "version": "--before and --after", "as_of": "--before and --after"}

func setupCompare(fs *flag.FlagSet) runFunc {
	before := fs.String("before", "", "the `moment` to compare with: a version or an RFC 3339 time (required)")
	after := fs.String("after", "", "the `moment` compared: a version or an RFC 3339 time (default: the present)")
	answers := fs.Bool("answers", false, "with -o json, the two answers whole too")
	return func(ctx context.Context, s *session, args []string) error {
		if len(args) < 2 {
			return wantArgs(s.cmd, args, 2, 2)
		}
		if *before == "" {
			return usagef("give --before, the version or time to compare with")
		}
		q := url.Values{"query": {args[1]}, "before": {*before}}
		if *after != "" {
			q.Set("after", *after)
		}
		if *answers {
			q.Set("answers", "true")
		}
		q, err := paramArgs(q, args[2:], "the query's", compareParams)
		if err != nil {
			return err
		}
		var c struct {
			apitypes.Comparison
			Changes json.RawMessage `json:"changes"`
		}
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "compare"), q, &c)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		fmt.Fprintf(s.out, "graph %s  %s  version %d -> %d", c.Graph, c.Query, c.BeforeVersion, c.AfterVersion)
		if !c.Changed {
			fmt.Fprintln(s.out, "  unchanged")
			return nil
		}
		fmt.Fprintln(s.out)
		return printAnswer(s.out, c.Changes)
	}
}
