package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// Commands about a graph's history: diff, replay, snapshots.

func setupDiff(fs *flag.FlagSet) runFunc {
	from := fs.String("from", "", "the earlier `moment`: a version or an RFC 3339 time (required)")
	to := fs.String("to", "", "the later `moment`: a version or an RFC 3339 time (default: the present)")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		if *from == "" {
			return usagef("--from is required: a version or an RFC 3339 time")
		}
		q := url.Values{"from": {*from}}
		if err := checkMoment("from", *from); err != nil {
			return err
		}
		if *to != "" {
			if err := checkMoment("to", *to); err != nil {
				return err
			}
			q.Set("to", *to)
		}
		var d apitypes.Diff
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "diff"), q, &d)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		fmt.Fprintf(s.out, "graph %s  from version %d  to version %d\n", d.Graph, d.FromVersion, d.ToVersion)
		t := newTable(s.out, "CHANGE", "ELEMENT", "ID", "DETAIL")
		printChanges(t, d.Nodes, d.Edges)
		return t.flush()
	}
}

// printChanges writes one row per added, removed or changed element.
func printChanges(t *table, nodes apitypes.NodeChanges, edges apitypes.EdgeChanges) {
	for _, n := range nodes.Added {
		t.row("added", "node", n.ID, nodeDetail(n.Type, n.Properties))
	}
	for _, n := range nodes.Removed {
		t.row("removed", "node", n.ID, nodeDetail(n.Type, n.Properties))
	}
	for _, c := range nodes.Changed {
		t.row("changed", "node", c.ID, propertyChanges(c.Properties))
	}
	for _, e := range edges.Added {
		t.row("added", "edge", e.ID, edgeDetail(e.Source, e.Target, e.Type, e.Properties))
	}
	for _, e := range edges.Removed {
		t.row("removed", "edge", e.ID, edgeDetail(e.Source, e.Target, e.Type, e.Properties))
	}
	for _, c := range edges.Changed {
		t.row("changed", "edge", c.ID, propertyChanges(c.Properties))
	}
}

func nodeDetail(typ string, props map[string]any) string {
	return joinNonEmpty(typeDetail(typ), compact(props))
}

func edgeDetail(source, target, typ string, props map[string]any) string {
	return joinNonEmpty(source+" -> "+target, typeDetail(typ), compact(props))
}

func typeDetail(typ string) string {
	if typ == "" {
		return ""
	}
	return "type=" + typ
}

func propertyChanges(cs []apitypes.PropertyChange) string {
	parts := make([]string, 0, len(cs))
	for _, c := range cs {
		before, after := "(none)", "(none)"
		if c.Before != nil {
			before = jsonValue(c.Before)
		}
		if c.After != nil {
			after = jsonValue(c.After)
		}
		parts = append(parts, fmt.Sprintf("%s: %s -> %s", c.Key, before, after))
	}
	return strings.Join(parts, "; ")
}

func joinNonEmpty(parts ...string) string {
	out := parts[:0:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func setupReplay(fs *flag.FlagSet) runFunc {
	from := fs.String("from", "", "start `moment`: a version or an RFC 3339 time (default: the beginning)")
	to := fs.String("to", "", "end `moment`: a version or an RFC 3339 time (default: the present)")
	every := fs.Int("every", 0, "a frame every `N` events (default 10 unless --interval)")
	interval := fs.Duration("interval", 0, "a frame per `duration` of recorded time, instead of --every")
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		q := url.Values{}
		for _, m := range []struct{ name, v string }{{"from", *from}, {"to", *to}} {
			if m.v == "" {
				continue
			}
			if err := checkMoment(m.name, m.v); err != nil {
				return err
			}
			q.Set(m.name, m.v)
		}
		if err := setStep(q, *every, *interval, 10); err != nil {
			return err
		}
		body, err := s.client.open(ctx, "GET", graphPath(args[0], "replay"), q, "application/x-ndjson")
		if err != nil {
			return err
		}
		defer body.Close()
		return printFrames(ctx, s, body)
	}
}

// printFrames copies replay frames to the output as they arrive: the lines
// themselves with -o json, else one row per frame.
func printFrames(ctx context.Context, s *session, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var t *streamTable
	if !s.json {
		t = newStreamTable(s.out, []int{8, 30}, "VERSION", "AT", "FRAME")
	}
	for {
		line, err := br.ReadBytes('\n')
		if len(line) > 0 && len(strings.TrimSpace(string(line))) > 0 {
			var f apitypes.Frame
			if err := json.Unmarshal(line, &f); err != nil {
				return fmt.Errorf("replay: a frame is not the expected JSON: %v", err)
			}
			if s.json {
				if err := writeRaw(s.out, line); err != nil {
					return err
				}
			} else if f.Error == "" {
				t.row(strconv.FormatUint(f.Version, 10), f.At, frameSummary(f))
			}
			if err := s.out.Flush(); err != nil {
				return err
			}
			if f.Error != "" {
				// The server ended the replay before its end.
				return fmt.Errorf("replay: ended at version %d (%s): %s; go on with --from %d", f.NextFrom, f.Code, f.Error, f.NextFrom)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil // interrupted: what was printed stands
			}
			return fmt.Errorf("replay: the stream broke off: %v", err)
		}
	}
}

func frameSummary(f apitypes.Frame) string {
	if f.State != nil {
		return fmt.Sprintf("state: %d nodes, %d edges", len(f.State.Nodes), len(f.State.Edges))
	}
	var n apitypes.NodeChanges
	var e apitypes.EdgeChanges
	if f.Nodes != nil {
		n = *f.Nodes
	}
	if f.Edges != nil {
		e = *f.Edges
	}
	return fmt.Sprintf("%d events: nodes +%d -%d ~%d, edges +%d -%d ~%d", len(f.Events),
		len(n.Added), len(n.Removed), len(n.Changed), len(e.Added), len(e.Removed), len(e.Changed))
}

func setupSnapshots(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		var ss apitypes.Snapshots
		raw, err := s.client.getJSON(ctx, graphPath(args[0], "snapshots"), nil, &ss)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		return printSnapshots(s.out, ss.Snapshots...)
	}
}

func setupSnapshot(fs *flag.FlagSet) runFunc {
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 1, 1); err != nil {
			return err
		}
		raw, err := s.client.post(ctx, graphPath(args[0], "snapshots"), nil)
		if err != nil {
			return err
		}
		if s.json {
			return writeRaw(s.out, raw)
		}
		var snap apitypes.Snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			return fmt.Errorf("snapshot: the answer is not the expected JSON: %v", err)
		}
		return printSnapshots(s.out, snap)
	}
}

func printSnapshots(w io.Writer, ss ...apitypes.Snapshot) error {
	t := newTable(w, "CID", "VERSION", "SEQUENCE", "RECORDED AT", "SIZE")
	for _, s := range ss {
		at := s.RecordedAt
		if ts, err := time.Parse(time.RFC3339Nano, at); err == nil {
			at = ts.UTC().Format(time.RFC3339)
		}
		t.row(s.CID, s.Version, s.Sequence, at, s.Size)
	}
	return t.flush()
}

// setupHistory prints the history of one node or edge, every page.
func setupHistory(fs *flag.FlagSet) runFunc {
	var at moment
	at.register(fs)
	return func(ctx context.Context, s *session, args []string) error {
		if err := wantArgs(s.cmd, args, 3, 3); err != nil {
			return err
		}
		var segment string
		switch args[1] {
		case "node":
			segment = "nodes"
		case "edge":
			segment = "edges"
		default:
			return usagef("the second argument is %q; say node or edge", args[1])
		}
		q, err := at.query(nil)
		if err != nil {
			return err
		}
		var all apitypes.ElementHistory
		for after := uint64(0); ; {
			q.Set("after", strconv.FormatUint(after, 10))
			q.Set("limit", "1000")
			var page apitypes.ElementHistory
			if _, err := s.client.getJSON(ctx, graphPath(args[0], segment, args[2], "history"), q, &page); err != nil {
				return err
			}
			if all.Graph == "" {
				all = page
			} else {
				all.Changes = append(all.Changes, page.Changes...)
			}
			if page.NextAfter == 0 {
				break
			}
			after = page.NextAfter
		}
		all.NextAfter = 0
		if s.json {
			return writeJSONLine(s.out, all)
		}
		t := newTable(s.out, "VERSION", "RECORDED", "CHANGE", "AUTHOR", "DETAIL")
		for _, c := range all.Changes {
			author := ""
			if c.Metadata != nil {
				author = c.Metadata.Author
			}
			t.row(c.Version, c.RecordedAt, c.Change, author, propertyChanges(c.Properties))
		}
		return t.flush()
	}
}

// setStep sets how a window is cut into steps (frames, points): every N
// events or every interval of recorded time, one of the two; without
// either, every fallback events, or a usage error when fallback is 0.
func setStep(q url.Values, every int, interval time.Duration, fallback int) error {
	switch {
	case every != 0 && interval != 0:
		return usagef("give --every or --interval, not both")
	case every < 0:
		return usagef("--every is %d; use a whole number from 1", every)
	case interval < 0:
		return usagef("--interval is %s; use a positive duration", interval)
	case interval > 0:
		q.Set("interval", interval.String())
	case every > 0:
		q.Set("every", strconv.Itoa(every))
	case fallback > 0:
		q.Set("every", strconv.Itoa(fallback))
	default:
		return usagef("give --every N (events per point) or --interval d (recorded time per point)")
	}
	return nil
}
