package graph

import (
	"bytes"
	"fmt"
	"math/rand"
	"testing"

	"github.com/graphlog/graphlog/messages"
)

// Transactions prepared one after another (PrepareAfter, group commit) are
// judged exactly as if each was prepared after the others were committed:
// the same ones are refused with the same error, and committing the plans
// in order gives the same state, byte for byte. Groups are random runs of
// a random history whose transactions are meant for the state as of each.
func TestPrepareAfterEqualsPrepareThenCommit(t *testing.T) {
	for seed := int64(1); seed <= 60; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewSource(seed))
			gn := &gen{r: r, graphID: "g", nodes: 3 + int(seed%8), edges: 4 + int(seed%12)}
			txs := gn.history(120)
			chained, sequential := New("g"), New("g")
			refused := 0
			for start := 0; start < len(txs); {
				n := min(1+r.Intn(8), len(txs)-start)
				group := txs[start : start+n]
				start += n

				// Sequential: prepare, commit, next.
				var seqErrs []error
				for _, tx := range group {
					p, err := sequential.Prepare(tx.Events)
					seqErrs = append(seqErrs, err)
					if err == nil {
						if err := sequential.Commit(p, committedCopy(sequential, tx)); err != nil {
							t.Fatalf("sequential commit: %v", err)
						}
					}
				}
				// Chained: prepare every one after the last accepted, then
				// commit the plans in order.
				var plans []*Plan
				var accepted []*messages.Transaction
				var prev *Plan
				for i, tx := range group {
					p, err := chained.PrepareAfter(prev, tx.Events)
					if fmt.Sprint(err) != fmt.Sprint(seqErrs[i]) {
						t.Fatalf("group tx %d: PrepareAfter = %v, sequential Prepare = %v", i, err, seqErrs[i])
					}
					if err != nil {
						refused++
						continue
					}
					plans, accepted, prev = append(plans, p), append(accepted, tx), p
				}
				for i, p := range plans {
					if err := chained.Commit(p, committedCopy(chained, accepted[i])); err != nil {
						t.Fatalf("chained commit %d: %v", i, err)
					}
				}
				if !bytes.Equal(mustEncode(t, chained), mustEncode(t, sequential)) {
					t.Fatalf("after a group of %d: chained state differs from sequential\n got %v\nwant %v", n, chained.State(), sequential.State())
				}
			}
			if refused == 0 {
				t.Logf("no transaction refused in this history")
			}
		})
	}
}

// committedCopy is tx stamped as g's next committed transaction, sharing
// tx's events (so Commit takes its fast path).
func committedCopy(g *Graph, tx *messages.Transaction) *messages.Transaction {
	c := &messages.Transaction{GraphId: g.ID(), TransactionId: tx.TransactionId, Version: g.Version() + 1, Sequence: g.Sequence() + 1, Events: tx.Events}
	for i, ev := range c.Events {
		if ev != nil {
			ev.GraphId, ev.Version, ev.Index, ev.Count = g.ID(), c.Version, uint32(i), uint32(len(c.Events))
		}
	}
	return c
}
