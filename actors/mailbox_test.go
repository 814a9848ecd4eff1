package actors

import (
	"errors"
	"testing"
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// stopper stops itself on its first message, after the test lets it go;
// it answers every other request.
type stopper struct{ release chan struct{} }

func (s *stopper) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case string:
		<-s.release
		ctx.Stop(ctx.Self())
	case int:
		ctx.Respond("answered")
	}
}

// Requests queued behind an actor that stops itself are answered as dead
// letters at once, so their senders retry elsewhere instead of waiting
// out their timeouts; protoactor's own mailbox drops them silently.
func TestRequestsQueuedAtStopAreAnsweredAsDeadLetters(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mailbox actor.MailboxProducer
		want    error
	}{
		{"answering mailbox", answeringMailbox(), actor.ErrDeadLetter},
		{"protoactor's mailbox", actor.Unbounded(), actor.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			system := actor.NewActorSystem()
			s := &stopper{release: make(chan struct{})}
			pid := system.Root.Spawn(actor.PropsFromProducer(func() actor.Actor { return s }, actor.WithMailbox(tc.mailbox)))
			system.Root.Send(pid, "stop")
			const timeout = 2 * time.Second
			var futures []*actor.Future
			for i := range 20 {
				futures = append(futures, system.Root.RequestFuture(pid, i, timeout))
			}
			close(s.release)
			start := time.Now()
			for i, f := range futures {
				if _, err := f.Result(); !errors.Is(err, tc.want) {
					t.Fatalf("request %d queued at the stop: %v, want %v", i, err, tc.want)
				}
			}
			if tc.want == actor.ErrDeadLetter && time.Since(start) > timeout/2 {
				t.Fatalf("dead letters took %s to arrive", time.Since(start))
			}
		})
	}
}
