package actors

import (
	"sync/atomic"

	"github.com/asynkron/protoactor-go/actor"
)

// answeringMailbox returns mailboxes that answer, as dead letters, the
// requests still queued when their actor stops.
//
// protoactor drops the user messages left in a stopped actor's mailbox
// without a word, so a request that reached a grain just as it stopped
// itself (passivation, a read of a graph with no events, a failed
// activation) would wait for its whole timeout. Answered as a dead
// letter, it is sent again at once to the graph's next activation
// (cluster.Client retries dead letters; every message is safe to send
// twice).
//
// The queues are protoactor's lock-free linked ones: unlike its default
// mailbox, which starts each actor with a ring of ten slots, an idle
// grain's queue costs a node, and most grains are idle.
func answeringMailbox() actor.MailboxProducer {
	produce := actor.UnboundedLockfree()
	return func() actor.Mailbox { return &answeringBox{Mailbox: produce()} }
}

type answeringBox struct{ actor.Mailbox }

func (b *answeringBox) RegisterHandlers(invoker actor.MessageInvoker, d actor.Dispatcher) {
	b.Mailbox.RegisterHandlers(&answeringInvoker{MessageInvoker: invoker}, d)
}

type answeringInvoker struct {
	actor.MessageInvoker
	stopped atomic.Bool
}

func (i *answeringInvoker) InvokeSystemMessage(m any) {
	i.MessageInvoker.InvokeSystemMessage(m)
	if _, ok := m.(*actor.Stop); ok {
		// A grain has no children, so its Stop has run to the end: the
		// actor is gone and every user message from now on is dropped.
		i.stopped.Store(true)
	}
}

func (i *answeringInvoker) InvokeUserMessage(m any) {
	if !i.stopped.Load() {
		i.MessageInvoker.InvokeUserMessage(m)
		return
	}
	env, ok := m.(*actor.MessageEnvelope)
	if !ok || env.Sender == nil {
		return // not a request: nobody waits for it
	}
	if c, ok := i.MessageInvoker.(actor.Context); ok {
		c.ActorSystem().Root.Send(env.Sender, &actor.DeadLetterResponse{Target: c.Self()})
	}
}
