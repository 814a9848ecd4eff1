package graph

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/graphlog/graphlog/messages"
)

var update = flag.Bool("update", false, "rewrite the expected outputs of testdata/scripts/*.txt")

// A script is a list of blocks, each a command line, optional input lines,
// a "----" line, and the expected output up to a blank line:
//
//	apply
//	[{"nodeAdded": {"nodeId": "a"}}]
//	----
//	ok version=1 sequence=1
//
// Lines starting with '#' between blocks are comments. Every script starts
// with an empty graph "g". Commands:
//
//	new ID                          start over with an empty graph ID
//	apply [version=N] [seq=N] [id=T] input: a JSON array of events; the
//	                                envelope (graph_id, version, index,
//	                                count) is filled in, version defaults
//	                                to the next one, seq to the last plus
//	                                the number of events; id is the
//	                                transaction ID
//	apply raw                       input: a whole Transaction, as is
//	check                           input: a JSON array of events, as is
//	remembered id=T                 what the graph remembers of transaction T
//	state                           the whole state as canonical JSON, without the trails
//	history kind=node|edge id=X     the element's trail: v<version>@<sequence> …
//	node id=X | edge id=X           one element
//	neighbors id=X dir=out|in|both
//	path from=X to=Y [weight=W]
//	components kind=weak|strong
//	topo
//
// Beside the expected output the driver checks invariants after every
// command: a check or a failed apply changes nothing (a rejection only the
// version, the sequence and the remembered transactions), and
// Decode(Encode()) gives the same bytes back.
func TestScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scripts", "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no scripts in testdata/scripts")
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			runScript(t, file)
		})
	}
}

type block struct {
	head    string // comments and blank lines before the command, verbatim
	line    int
	command string
	input   string
	want    string
	got     string
}

func parseScript(t *testing.T, file string) []*block {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var (
		blocks []*block
		head   strings.Builder
		cur    *block
		state  = "between" // between, input, output
		sc     = bufio.NewScanner(bytes.NewReader(data))
		lineNo = 0
		input  []string
		output []string
	)
	sc.Buffer(nil, 1<<20)
	finish := func() {
		cur.input = strings.Join(input, "\n")
		cur.want = strings.Join(output, "\n")
		blocks = append(blocks, cur)
		cur, input, output = nil, nil, nil
		state = "between"
	}
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		switch state {
		case "between":
			if line == "" || strings.HasPrefix(line, "#") {
				head.WriteString(line + "\n")
				continue
			}
			cur = &block{head: head.String(), line: lineNo, command: line}
			head.Reset()
			state = "input"
		case "input":
			if line == "----" {
				state = "output"
				continue
			}
			input = append(input, line)
		case "output":
			if line == "" {
				finish()
				head.WriteString("\n")
				continue
			}
			output = append(output, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	switch state {
	case "input":
		t.Fatalf("%s:%d: block %q has no ---- line", file, cur.line, cur.command)
	case "output":
		finish()
	}
	return blocks
}

func runScript(t *testing.T, file string) {
	blocks := parseScript(t, file)
	g := New("g")
	for _, b := range blocks {
		b.got = runCommand(t, file, b, &g)
		if !*update && b.got != b.want {
			t.Errorf("%s:%d: %s\n--- got\n%s\n--- want\n%s", file, b.line, b.command, b.got, b.want)
		}
	}
	if *update {
		var out strings.Builder
		for _, b := range blocks {
			out.WriteString(b.head)
			out.WriteString(b.command + "\n")
			if b.input != "" {
				out.WriteString(b.input + "\n")
			}
			out.WriteString("----\n" + b.got + "\n")
		}
		if err := os.WriteFile(file, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func runCommand(t *testing.T, file string, b *block, gp **Graph) string {
	t.Helper()
	fields := strings.Fields(b.command)
	args := map[string]string{}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		args[k] = v
	}
	fail := func(format string, a ...any) string {
		t.Fatalf("%s:%d: %s", file, b.line, fmt.Sprintf(format, a...))
		return ""
	}
	g := *gp
	switch fields[0] {
	case "new":
		*gp = New(fields[1])
		return "ok"

	case "apply":
		tx := &messages.Transaction{}
		if _, raw := args["raw"]; raw {
			if err := protojson.Unmarshal([]byte(b.input), tx); err != nil {
				return fail("bad transaction JSON: %v", err)
			}
		} else {
			events, err := parseEvents(b.input)
			if err != nil {
				return fail("%v", err)
			}
			tx.GraphId = g.ID()
			tx.TransactionId = args["id"]
			tx.Version = g.Version() + 1
			if v, ok := args["version"]; ok {
				tx.Version = mustUint(t, v)
			}
			tx.Sequence = g.Sequence() + uint64(len(events))
			if s, ok := args["seq"]; ok {
				tx.Sequence = mustUint(t, s)
			}
			for i, ev := range events {
				if ev == nil {
					continue
				}
				ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), tx.Version, uint32(i), uint32(len(events))
			}
			tx.Events = events
		}
		before := g.Clone()
		err := g.Apply(tx)
		var rej *RejectedError
		switch {
		case err == nil:
			if g.Version() != tx.Version || g.Sequence() != tx.Sequence {
				t.Errorf("%s:%d: applied, but version %d sequence %d, want %d %d", file, b.line, g.Version(), g.Sequence(), tx.Version, tx.Sequence)
			}
		case errors.As(err, &rej):
			before.version, before.sequence = tx.Version, tx.Sequence
			before.remember(tx, nil)
			if rej.Version != tx.Version {
				t.Errorf("%s:%d: RejectedError.Version = %d, want %d", file, b.line, rej.Version, tx.Version)
			}
			assertSameBytes(t, fmt.Sprintf("%s:%d: after a rejection", file, b.line), before, g)
		default:
			assertSameBytes(t, fmt.Sprintf("%s:%d: after a failed apply", file, b.line), before, g)
		}
		assertRoundTrip(t, fmt.Sprintf("%s:%d", file, b.line), g)
		switch {
		case err == nil:
			return fmt.Sprintf("ok version=%d sequence=%d nodes=%d edges=%d", g.Version(), g.Sequence(), g.NodeCount(), g.EdgeCount())
		case rej != nil:
			return fmt.Sprintf("rejected version=%d sequence=%d %s\n%v", g.Version(), g.Sequence(), sentinels(err), err)
		default:
			return fmt.Sprintf("error %s\n%v", sentinels(err), err)
		}

	case "check":
		events, err := parseEvents(b.input)
		if err != nil {
			return fail("%v", err)
		}
		before := g.Clone()
		err = g.Check(events)
		assertSameBytes(t, fmt.Sprintf("%s:%d: after check", file, b.line), before, g)
		if err == nil {
			return "ok"
		}
		return fmt.Sprintf("error %s\n%v", sentinels(err), err)

	case "state":
		s := g.State()
		s.Trails = nil // see history
		return canonicalJSON(t, s)

	case "history":
		var out []string
		for _, touch := range g.History(args["kind"] == "edge", args["id"]) {
			out = append(out, fmt.Sprintf("v%d@%d", touch.Version, touch.Sequence))
		}
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, " ")

	case "remembered":
		c, ok := g.Remembered(args["id"])
		if !ok {
			return "not remembered"
		}
		return fmt.Sprintf("version=%d sequence=%d events=%d digest=%x", c.Version, c.Sequence, c.Events, c.Digest)

	case "node":
		n, ok := g.Node(args["id"])
		if !ok {
			return "not found"
		}
		return canonicalJSON(t, n)

	case "edge":
		e, ok := g.Edge(args["id"])
		if !ok {
			return "not found"
		}
		return canonicalJSON(t, e)

	case "neighbors":
		dir, ok := messages.Direction_value["DIRECTION_"+strings.ToUpper(args["dir"])]
		if !ok {
			return fail("unknown dir %q", args["dir"])
		}
		ns, err := g.Neighbors(args["id"], messages.Direction(dir))
		if err != nil {
			return fmt.Sprintf("error %s\n%v", sentinels(err), err)
		}
		var lines []string
		for _, n := range ns {
			lines = append(lines, fmt.Sprintf("%s %s %s->%s node=%s", n.Direction, n.Edge.Id, n.Edge.Source, n.Edge.Target, n.Node.Id))
		}
		if len(lines) == 0 {
			return "none"
		}
		return strings.Join(lines, "\n")

	case "path":
		p, err := g.ShortestPath(t.Context(), args["from"], args["to"], args["weight"])
		if err != nil {
			return fmt.Sprintf("error %s\n%v", sentinels(err), err)
		}
		return fmt.Sprintf("nodes=%s edges=%s cost=%v", strings.Join(p.Nodes, ","), strings.Join(p.Edges, ","), p.Cost)

	case "components":
		kind, ok := messages.ComponentKind_value["COMPONENT_KIND_"+strings.ToUpper(args["kind"])]
		if !ok {
			return fail("unknown kind %q", args["kind"])
		}
		cs, err := g.Components(t.Context(), messages.ComponentKind(kind))
		if err != nil {
			return fmt.Sprintf("error %s\n%v", sentinels(err), err)
		}
		var parts []string
		for _, c := range cs.Components {
			parts = append(parts, "{"+strings.Join(c.Nodes, ",")+"}")
		}
		return "components " + strings.Join(parts, " ")

	case "topo":
		o, err := g.TopologicalOrder(t.Context())
		if err != nil {
			return fmt.Sprintf("error %s\n%v", sentinels(err), err)
		}
		return "order " + strings.Join(o.Nodes, ",")
	}
	return fail("unknown command %q", fields[0])
}

func parseEvents(input string) ([]*messages.Event, error) {
	var raws []json.RawMessage
	if err := json.Unmarshal([]byte(input), &raws); err != nil {
		return nil, fmt.Errorf("input is not a JSON array of events: %v", err)
	}
	events := make([]*messages.Event, len(raws))
	for i, r := range raws {
		if string(r) == "null" {
			continue // a nil event
		}
		events[i] = new(messages.Event)
		if err := protojson.Unmarshal(r, events[i]); err != nil {
			return nil, fmt.Errorf("event %d: %v", i, err)
		}
	}
	return events, nil
}

func mustUint(t *testing.T, s string) uint64 {
	t.Helper()
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// allSentinels in the order sentinels lists them.
var allSentinels = []struct {
	name string
	err  error
}{
	{"ErrInvalidID", ErrInvalidID},
	{"ErrInvalidTransaction", ErrInvalidTransaction},
	{"ErrRejected", ErrRejected},
	{"ErrOutOfOrder", ErrOutOfOrder},
	{"ErrNotFound", ErrNotFound},
	{"ErrCycle", ErrCycle},
	{"ErrInvalidWeight", ErrInvalidWeight},
	{"ErrCorrupt", ErrCorrupt},
	{"ErrSnapshotFormat", ErrSnapshotFormat},
	{"ErrInvalidArgument", ErrInvalidArgument},
}

// sentinels names the sentinels err wraps, e.g. "[ErrRejected]".
func sentinels(err error) string {
	var names []string
	for _, s := range allSentinels {
		if errors.Is(err, s.err) {
			names = append(names, s.name)
		}
	}
	return "[" + strings.Join(names, ",") + "]"
}

// canonicalJSON renders m as indented JSON with stable whitespace:
// protojson's own spacing varies on purpose between builds.
func canonicalJSON(t *testing.T, m proto.Message) string {
	t.Helper()
	b, err := protojson.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, b); err != nil {
		t.Fatal(err)
	}
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func mustEncode(t testing.TB, g *Graph) []byte {
	t.Helper()
	b, err := g.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func assertSameBytes(t testing.TB, what string, want, got *Graph) {
	t.Helper()
	if w, g := mustEncode(t, want), mustEncode(t, got); !bytes.Equal(w, g) {
		t.Errorf("%s: state changed\n got %v\nwant %v", what, got.State(), want.State())
	}
}

// assertRoundTrip checks that Decode(Encode(g)) is g, down to the bytes, and
// that Encode agrees with protobuf-go's deterministic marshal of State().
func assertRoundTrip(t testing.TB, what string, g *Graph) {
	t.Helper()
	b := mustEncode(t, g)
	d, err := Decode(b)
	if err != nil {
		t.Fatalf("%s: Decode(Encode()): %v", what, err)
	}
	if b2 := mustEncode(t, d); !bytes.Equal(b, b2) {
		t.Errorf("%s: Encode(Decode(Encode())) differs", what)
	}
	if !proto.Equal(g.State(), d.State()) {
		t.Errorf("%s: Decode(Encode()) has another state", what)
	}
	pb, err := proto.MarshalOptions{Deterministic: true}.Marshal(g.State())
	if err != nil {
		t.Fatalf("%s: marshal State(): %v", what, err)
	}
	if !bytes.Equal(b, pb) {
		t.Errorf("%s: Encode() differs from the deterministic marshal of State()\n got %x\nwant %x", what, b, pb)
	}
}
