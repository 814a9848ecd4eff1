package actors

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// warmIdle is how long a dispatcher goroutine waits for another mailbox
// to run before it exits.
const warmIdle = 10 * time.Second

// warmDispatcher runs mailboxes on goroutines it keeps. A mailbox that has
// messages runs on an idle goroutine if one is waiting, else on a new one;
// a goroutine left idle for warmIdle exits, so their number follows the
// mailboxes busy at once, including those blocked on the log.
//
// The default dispatcher starts a goroutine for every run of a mailbox, and
// Go starts each with a small stack. A grain's submit (validation, protobuf
// encoding, the JetStream publish) grows that stack several times over,
// copying it each time, which cost more CPU than the encoding itself. The
// goroutines kept here keep their grown stacks between runs.
type warmDispatcher struct {
	work       chan func()
	throughput int
}

var _ actor.Dispatcher = (*warmDispatcher)(nil)

// newWarmDispatcher returns a dispatcher that lets a mailbox process up to
// throughput messages before it yields its goroutine.
func newWarmDispatcher(throughput int) *warmDispatcher {
	return &warmDispatcher{work: make(chan func()), throughput: throughput}
}

func (d *warmDispatcher) Schedule(fn func()) {
	select {
	case d.work <- fn:
	default:
		go d.run(fn)
	}
}

func (d *warmDispatcher) Throughput() int { return d.throughput }

func (d *warmDispatcher) run(fn func()) {
	idle := time.NewTimer(warmIdle)
	defer idle.Stop()
	for {
		fn()
		idle.Reset(warmIdle)
		select {
		case fn = <-d.work:
		case <-idle.C:
			return
		}
	}
}
