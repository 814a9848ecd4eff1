package natsjs

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// readAtParallel is how many direct gets ReadAt keeps in flight.
const readAtParallel = 16

// ReadAt reads graph graphID's log messages at the given stream
// sequences: the committed transactions each holds, in the order of seqs.
// A sequence that holds another graph's message, or none, is
// store.ErrNotFound: sequences come from the graph's own trails, so that
// means the caller asked for the wrong graph. It costs one direct get per
// sequence, several in flight, whatever the length of the graph's
// history.
func (l *Log) ReadAt(ctx context.Context, graphID string, seqs []uint64) ([][]*messages.Transaction, error) {
	p := Partition(graphID, l.cfg.Partitions)
	stream := l.streams[p]
	_, subject := l.stream(graphID)
	out := make([][]*messages.Transaction, len(seqs))
	errs := make([]error, len(seqs))
	var (
		wg    sync.WaitGroup
		slots = make(chan struct{}, readAtParallel)
	)
	for i, seq := range seqs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			m, err := stream.GetMsg(ctx, seq)
			switch {
			case errors.Is(err, jetstream.ErrMsgNotFound):
				err = fmt.Errorf("%w: graph %s has no message at sequence %d", store.ErrNotFound, graphID, seq)
			case err != nil:
				err = translate(err)
			case m.Subject != subject:
				err = fmt.Errorf("%w: the message at sequence %d is not graph %s's", store.ErrNotFound, seq, graphID)
			default:
				out[i], err = decode(graphID, m.Subject, seq, m.Time, m.Data)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, &Error{Op: opRead, GraphID: graphID, Err: err}
		}
	}
	return out, nil
}
