package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"

	"github.com/graphlog/graphlog/apitypes"
)

func setupExport(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	format := fs.String("format", "json", "output `format`: json, graphml or dot")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		switch *format {
		case "json", "graphml", "dot":
		default:
			return usagef("--format is %q; use json, graphml or dot", *format)
		}
		q, err := at.query(nil)
		if err != nil {
			return err
		}
		body, err := s.client.open(ctx, http.MethodGet, graphPath(args[0]), q, "application/json")
		if err != nil {
			return err
		}
		defer body.Close()
		if *format == "json" {
			// As the server wrote it, without holding it all.
			if _, err := io.Copy(s.out, body); err != nil {
				return fmt.Errorf("export: reading the graph: %v", err)
			}
			return nil
		}
		var g apitypes.Graph
		if err := json.NewDecoder(body).Decode(&g); err != nil {
			return fmt.Errorf("export: the graph is not the expected JSON: %v", err)
		}
		if *format == "graphml" {
			return writeGraphML(s.out, g)
		}
		return writeDOT(s.out, g)
	}
}
