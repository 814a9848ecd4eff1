package actors_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/graphlog/graphlog/actors"
	"github.com/graphlog/graphlog/metrics"
)

// BenchmarkSubmit is one writer submitting one-event transactions to one
// graph through the cluster client: the fixed cost of a submit beside its
// append (compare BenchmarkAppend in store/natsjs).
func BenchmarkSubmit(b *testing.B) {
	log, _ := openLog(b)
	member := startMember(b, actors.GrainConfig{Log: log, Metrics: metrics.New(nil)})
	cl := member.Client()
	mustSubmit(b, cl, txOf("bench", addNode("first")))
	b.ResetTimer()
	for i := range b.N {
		mustSubmit(b, cl, txOf("bench", addNode(fmt.Sprint("n", i))))
	}
}

// BenchmarkSubmitParallel is 16 writers submitting one-event transactions
// to 200 graphs through the cluster client, with the ingress running, as
// `node bench` does on a node: where a submit's CPU goes.
func BenchmarkSubmitParallel(b *testing.B) {
	log, _ := openLog(b)
	member := startMember(b, actors.GrainConfig{Log: log, Metrics: metrics.New(nil)})
	cl := member.Client()
	root := member.System().Root
	pid := root.Spawn(actors.NewIngressProps(actors.IngressConfig{
		Subscriber: log.Feed(), DeadLetters: log.Feed(), Grains: cl, Marks: member.ReadMarks(), Durable: "bench",
	}))
	b.Cleanup(func() { _ = root.StopFuture(pid).Wait() })
	var next atomic.Int64
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := next.Add(1)
			mustSubmit(b, cl, txOf(fmt.Sprint("g", i%200), addNode(fmt.Sprint("n", i))))
		}
	})
}
