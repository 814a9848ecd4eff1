package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/apitypes"
	"github.com/graphlog/graphlog/store"
)

// An import cuts its transactions by bytes: wide rows through a node whose
// transactions are limited to 200,000 bytes. With --max-transaction-bytes
// at the node's limit, every transaction fits the first time and there are
// about as many as the bytes need (not rows / --batch); with the default
// (900,000, over the node's limit) the node refuses the first transactions
// as too large, the import sends them in halves, each with an ID of its
// own and the next version, and cuts smaller from then on. Either way
// every message of the log is under the limit, the versions are
// consecutive, no transaction ID repeats, and the export is the input.
func TestImportByBytes(t *testing.T) {
	const limit = 200_000
	node := ownNode(t, "--max-transaction-bytes", strconv.Itoa(limit))
	const rows = 3000
	path := filepath.Join(t.TempDir(), "wide.csv")
	want := writeWideCSV(t, path, rows, 10, 100) // about 1 KB of properties a row

	t.Run("at the server's limit", func(t *testing.T) {
		const g = "wide-fit"
		r := ctl(t, node.Base, "", "import", g, path, "--max-transaction-bytes", strconv.Itoa(limit), "--progress-interval", "0").want(t, exitOK)
		if strings.Contains(r.stderr, "too large") {
			t.Errorf("a transaction was refused:\n%s", r.stderr)
		}
		if !strings.Contains(r.stderr, fmt.Sprintf("imported %d edges", rows)) {
			t.Errorf("stderr:\n%s", r.stderr)
		}
		txs, total := checkLog(t, node, g, limit)
		// Cut greedily by an upper bound a few percent over the real size:
		// a transaction is more than 80% full, save the last.
		if least := (total + limit - 1) / limit; txs < least || txs > total*10/(limit*8)+1 {
			t.Errorf("%d transactions for %d bytes of log: want %d to %d", txs, total, least, total*10/(limit*8)+1)
		}
		t.Logf("%d rows: %d transactions, %d bytes in the log (%d a transaction)", rows, txs, total, total/txs)
		checkExport(t, node.Base, g, want)
	})

	t.Run("over the server's limit", func(t *testing.T) {
		const g = "wide-split"
		r := ctl(t, node.Base, "", "import", g, path, "--progress-interval", "0").want(t, exitOK)
		for _, w := range []string{"graphctl: transaction 1 (", "is too large for the server (", fmt.Sprintf("the limit is %d", limit),
			"sending it in two halves", "This import's --max-transaction-bytes is 900000"} {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
			}
		}
		txs, total := checkLog(t, node, g, limit)
		if txs < (total+limit-1)/limit || txs > 4*total/limit+4 {
			t.Errorf("%d transactions for %d bytes of log", txs, total)
		}
		t.Logf("%d rows: %d transactions, %d bytes in the log (%d a transaction)", rows, txs, total, total/txs)
		checkExport(t, node.Base, g, want)
	})

	t.Run("one event over the server's limit", func(t *testing.T) {
		const g = "wide-one"
		big := "source,target,p\na,b,c\nc,d," + strings.Repeat("x", limit) + "\n"
		r := ctl(t, node.Base, big, "import", g, "-", "--format", "csv", "--progress-interval", "0").want(t, exitError)
		// The first transaction is refused; its first half (a, b, c, d and
		// the edge between a and b) goes in, its second (the wide edge)
		// alone is too large.
		for _, w := range []string{"transaction 1.2 (input up to line 3) was not applied: ", fmt.Sprintf("the limit is %d", limit),
			"it holds one event, of up to", "cannot be split", "the server's --max-transaction-bytes (and --max-body-bytes) must be raised",
			"1 transaction (5 events: 4 nodes, 1 edges) was committed before it; the graph is at version 1"} {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
			}
		}
	})
}

// writeWideCSV writes rows edges, each with cols properties of width
// characters (text, never a number), and returns them by their ID.
func writeWideCSV(t *testing.T, path string, rows, cols, width int) map[string]apitypes.Edge {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("source,target,type")
	for c := range cols {
		fmt.Fprintf(w, ",p%d", c)
	}
	w.WriteString("\n")
	edges := make(map[string]apitypes.Edge, rows)
	for i := range rows {
		e := apitypes.Edge{ID: "e" + strconv.Itoa(i+2), Source: "s" + strconv.Itoa(i%101), Target: "t" + strconv.Itoa(i%97), Type: "wide",
			Properties: map[string]any{}}
		fmt.Fprintf(w, "%s,%s,%s", e.Source, e.Target, e.Type)
		for c := range cols {
			v := "v" + strings.Repeat(string(rune('a'+(i+c)%26)), width-1)
			e.Properties["p"+strconv.Itoa(c)] = v
			w.WriteString("," + v)
		}
		w.WriteString("\n")
		edges[e.ID] = e
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return edges
}

// checkLog reads graphID's messages from the node's log and checks that
// each is at most limit bytes and that they hold the graph's transactions
// in order, versions 1, 2, 3…, each ID once. It returns how many
// transactions there are and their bytes.
func checkLog(t *testing.T, node *nodeProcess, graphID string, limit int) (txs, total int) {
	t.Helper()
	ctx := t.Context()
	nc, err := nats.Connect(node.natsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := js.Stream(ctx, "EVENTS-0")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("message %d: %v", seq, err)
		}
		if !strings.HasSuffix(msg.Subject, "."+graphID) {
			continue
		}
		if len(msg.Data) > limit {
			t.Errorf("message %d is %d bytes, over the limit %d", seq, len(msg.Data), limit)
		}
		total += len(msg.Data)
		entry, err := store.DecodeEntry(graphID, msg.Subject, seq, msg.Time, msg.Data)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range entry {
			txs++
			if tx.Version != uint64(txs) {
				t.Errorf("transaction %q has version %d, want %d", tx.TransactionId, tx.Version, txs)
			}
			if ids[tx.TransactionId] {
				t.Errorf("transaction ID %q twice", tx.TransactionId)
			}
			ids[tx.TransactionId] = true
		}
	}
	if g := getGraph(t, node.Base, graphID); g.Version != uint64(txs) {
		t.Errorf("the graph is at version %d, the log has %d transactions", g.Version, txs)
	}
	if txs == 0 {
		t.Fatalf("no transaction of %s in the log", graphID)
	}
	return txs, total
}

// checkExport compares the graph's JSON export with the edges imported.
func checkExport(t *testing.T, base, graphID string, want map[string]apitypes.Edge) {
	t.Helper()
	r := ctl(t, base, "", "export", graphID, "--format", "json").want(t, exitOK)
	var g apitypes.Graph
	if err := json.Unmarshal([]byte(r.stdout), &g); err != nil {
		t.Fatal(err)
	}
	if len(g.Edges) != len(want) {
		t.Errorf("%d edges, want %d", len(g.Edges), len(want))
	}
	nodes := map[string]bool{}
	for _, e := range want {
		nodes[e.Source], nodes[e.Target] = true, true
	}
	if len(g.Nodes) != len(nodes) {
		t.Errorf("%d nodes, want %d", len(g.Nodes), len(nodes))
	}
	for _, e := range g.Edges {
		w, ok := want[e.ID]
		if !ok {
			t.Fatalf("edge %q was not imported", e.ID)
		}
		if e.Source != w.Source || e.Target != w.Target || e.Type != w.Type || len(e.Properties) != len(w.Properties) {
			t.Fatalf("edge %s is %+v, want %+v", e.ID, e, w)
		}
		for k, v := range w.Properties {
			if e.Properties[k] != v {
				t.Fatalf("edge %s: property %s is %v, want %v", e.ID, k, e.Properties[k], v)
			}
		}
	}
}
