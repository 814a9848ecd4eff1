package natsjs

import (
	"context"
	"slices"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/graph"
)

// ListGraphs returns up to limit IDs of graphs that start with prefix and
// are greater than after, sorted; limit 0 or less means all. It asks each
// partition stream for its subjects (stream info with subject details),
// one subject per graph, so its cost grows with the number of graphs, not
// with the number of transactions: the node lists from the Directory and
// uses this to fill it.
func (l *Log) ListGraphs(ctx context.Context, prefix, after string, limit int) ([]string, error) {
	var ids []string
	for p, stream := range l.streams {
		subjects := PartitionPrefix(p)
		info, err := stream.Info(ctx, jetstream.WithSubjectFilter(PartitionPrefix(p)+"*"))
		if err != nil {
			return nil, &Error{Op: opList, Err: translate(err)}
		}
		for subject := range info.State.Subjects {
			id, ok := strings.CutPrefix(subject, subjects)
			if !ok || id <= after || !strings.HasPrefix(id, prefix) || graph.ValidateGraphID(id) != nil || Partition(id, l.cfg.Partitions) != p {
				// Messages on other shapes of subject, or in a partition
				// that is not their graph's (written past Append), are not
				// graphs: nothing reads them.
				continue
			}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}
