package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Follow is a replay that does not stop at the graph's head
// (docs/ARCHITECTURE.md, "Replays that follow"): it passes emit a keyframe with the
// state at from (the empty graph, version 0, when from is the zero Point),
// then one frame per transaction after it, in the frames' format (its
// events, what they changed as graph.Capture reports it), first those the
// log holds and then each as it is committed, until ctx ends (Follow then
// returns nil), emit returns an error or the log fails (either returned).
// It follows with follower, which reads from the message of the
// keyframe's last transaction on; a graph that has no transactions yet is
// followed from its first.
//
// Its memory is the state and one frame; its work per frame is what the
// frame's transaction changed, as for Replay.
func (h *History) Follow(ctx context.Context, follower store.Follower, graphID string, from Point, emit func(*messages.Frame) error) error {
	if follower == nil {
		return fmt.Errorf("%w: nothing follows graph %s's log on this node", store.ErrUnavailable, graphID)
	}
	g, last := graph.New(graphID), time.Time{}
	if !from.IsPresent() {
		var err error
		if g, last, err = h.at(ctx, graphID, from); err != nil {
			return err
		}
	} else if err := graph.ValidateGraphID(graphID); err != nil {
		return err
	}
	if err := emit(&messages.Frame{State: StateView(g), Version: g.Version(), At: timestamppb.New(last)}); err != nil {
		return err
	}
	p := player{g: g, every: FrameEvery{Events: 1}, emit: emit}
	// The message of the state's last transaction may hold the next ones
	// too (group commit): follow from it, and skip what the state has.
	for tx, err := range follower.Follow(ctx, graphID, max(g.Sequence(), 1)-1) {
		if err != nil {
			if errors.Is(err, store.ErrCorrupt) {
				continue // the live grain reports it
			}
			return err
		}
		if tx.GetVersion() <= p.g.Version() {
			continue
		}
		if err := p.play(tx); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
