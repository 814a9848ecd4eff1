package natsjs

import (
	"context"
	"slices"

	"github.com/nats-io/nats.go/jetstream"
)

// ListGraphs returns up to limit graph IDs greater than after, sorted; limit
// 0 or less means all. It asks the server for the events stream's subjects
// (stream info with subject details), so its cost grows with the number of
// graphs times event types, not with the number of events; a KV index of
// graphs will replace it when that matters.
func (l *Log) ListGraphs(ctx context.Context, after string, limit int) ([]string, error) {
	info, err := l.events.Info(ctx, jetstream.WithSubjectFilter(subjectPrefix+"*.>"))
	if err != nil {
		return nil, &Error{Op: opList, Err: translate(err)}
	}
	seen := make(map[string]struct{}, len(info.State.Subjects))
	ids := make([]string, 0, len(info.State.Subjects))
	for subject := range info.State.Subjects {
		id, err := GraphIDFromSubject(subject)
		if err != nil || id <= after {
			// Messages on other shapes of subject are not graphs.
			continue
		}
		if _, dup := seen[id]; !dup {
			seen[id] = struct{}{}
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	if limit > 0 && len(ids) > limit {
		ids = ids[:limit]
	}
	return ids, nil
}
