package natsjs

import (
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/graphlog/graphlog/graph"
)

// Subjects of the streams.
const (
	// DeadLetterSubjects are the dead-letter stream's subjects.
	DeadLetterSubjects = deadLetterPrefix + ">"

	subjectPrefix    = "event.store."
	deadLetterPrefix = "deadletter."
)

// Partition is the partition of graph graphID in a log of partitions
// partitions: FNV-1a-32 of the ID modulo the count, the hash NATS's own
// partition() subject mapping uses, so a server-side mapping and this
// package agree on where a graph lives.
func Partition(graphID string, partitions int) int {
	if partitions <= 1 {
		return 0
	}
	h := fnv.New32a()
	h.Write([]byte(graphID))
	return int(h.Sum32() % uint32(partitions))
}

// Subject is the literal subject of graph graphID's transactions in a log
// of partitions partitions: event.store.<partition>.<graphID>. graphID must
// be valid (graph.ValidateGraphID): it is one subject token.
func Subject(graphID string, partitions int) string {
	return PartitionPrefix(Partition(graphID, partitions)) + graphID
}

// PartitionPrefix is the subject prefix of partition p's graphs,
// event.store.<p>.; PartitionPrefix(p)+"*" is its stream's subject.
func PartitionPrefix(p int) string {
	return subjectPrefix + strconv.Itoa(p) + "."
}

// StreamName is the name of partition p's stream: <base>-<p>.
func StreamName(base string, p int) string {
	return base + "-" + strconv.Itoa(p)
}

// GraphIDFromSubject returns the graph ID and partition of a subject
// event.store.<partition>.<graphID>. A subject of another shape, with an
// invalid graph ID, or whose partition is not the graph's in a log of
// partitions partitions, is an error wrapping graph.ErrInvalidID.
func GraphIDFromSubject(subject string, partitions int) (string, error) {
	rest, ok := strings.CutPrefix(subject, subjectPrefix)
	if !ok {
		return "", fmt.Errorf("%w: subject %q is not a graph subject (%s<partition>.<graph>)", graph.ErrInvalidID, subject, subjectPrefix)
	}
	part, id, ok := strings.Cut(rest, ".")
	p, err := strconv.Atoi(part)
	if !ok || err != nil || p < 0 || strconv.Itoa(p) != part {
		return "", fmt.Errorf("%w: subject %q is not a graph subject (%s<partition>.<graph>)", graph.ErrInvalidID, subject, subjectPrefix)
	}
	if err := graph.ValidateGraphID(id); err != nil {
		return "", fmt.Errorf("subject %q: %w", subject, err)
	}
	if want := Partition(id, partitions); want != p {
		return "", fmt.Errorf("%w: subject %q is in partition %d, graph %s belongs to partition %d of %d",
			graph.ErrInvalidID, subject, p, id, want, partitions)
	}
	return id, nil
}
