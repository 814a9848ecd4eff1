package natsjs_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/store/natsjs"
)

// fnv1a32 is FNV-1a, 32 bits, written out here so that the test does not
// trust the package's hash.
func fnv1a32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

var partitionIDs = []string{"g", "a", "g-1", "graph-1", "orders", "A_b-9", strings.Repeat("z", graph.MaxGraphIDLen)}

// Partition is FNV-1a-32 of the graph ID modulo the partition count: a
// graph's partition never changes, so it must be exactly this hash.
func TestPartition(t *testing.T) {
	// Published FNV-1a-32 test vectors: fnv1a32 is the standard hash.
	for s, want := range map[string]uint32{"": 0x811c9dc5, "a": 0xe40c292c, "foobar": 0xbf9cf968} {
		if got := fnv1a32(s); got != want {
			t.Fatalf("fnv1a32(%q) = %#x, want %#x", s, got, want)
		}
	}
	// Known values: a change here moves graphs of existing logs.
	known := []struct {
		id         string
		partitions int
		want       int
	}{
		{"g", 1, 0}, {"g", 2, 0}, {"g", 4, 2}, {"g", 16, 6},
		{"a", 4, 0}, {"graph-1", 4, 1}, {"graph-1", 16, 13},
		{"orders", 1024, 748}, {"g-1", 1024, 128},
	}
	for _, k := range known {
		if got := natsjs.Partition(k.id, k.partitions); got != k.want {
			t.Errorf("Partition(%q, %d) = %d, want %d", k.id, k.partitions, got, k.want)
		}
	}
	for _, id := range partitionIDs {
		for _, n := range []int{1, 2, 3, 4, 7, 16, 100, natsjs.MaxPartitions} {
			want := int(fnv1a32(id) % uint32(n))
			if got := natsjs.Partition(id, n); got != want || got < 0 || got >= n {
				t.Errorf("Partition(%q, %d) = %d, want %d", id, n, got, want)
			}
		}
		if got := natsjs.Partition(id, 0); got != 0 {
			t.Errorf("Partition(%q, 0) = %d, want 0", id, got)
		}
	}
}

// Partition agrees with NATS's own partition() subject mapping, so that a
// server-side mapping would put graphs where this package looks for them.
func TestPartitionAgreesWithNATSMapping(t *testing.T) {
	for _, n := range []int{2, 4, 16, 1024} {
		tr, err := server.NewSubjectTransform("event.store.*", "event.store.{{partition("+strconv.Itoa(n)+",1)}}.{{wildcard(1)}}")
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range partitionIDs {
			mapped, err := tr.Match("event.store." + id)
			if err != nil {
				t.Fatal(err)
			}
			if want := natsjs.Subject(id, n); mapped != want {
				t.Errorf("NATS maps graph %s of %d partitions to %s, Subject says %s", id, n, mapped, want)
			}
		}
	}
}

func TestSubjectAndStreamName(t *testing.T) {
	for _, tt := range []struct {
		id         string
		partitions int
		want       string
	}{
		{"g", 1, "event.store.0.g"},
		{"g", 0, "event.store.0.g"},
		{"g", 4, "event.store.2.g"},
		{"graph-1", 16, "event.store.13.graph-1"},
		{"orders", 1024, "event.store.748.orders"},
	} {
		if got := natsjs.Subject(tt.id, tt.partitions); got != tt.want {
			t.Errorf("Subject(%q, %d) = %q, want %q", tt.id, tt.partitions, got, tt.want)
		}
	}
	if got := natsjs.PartitionPrefix(12); got != "event.store.12." {
		t.Errorf("PartitionPrefix(12) = %q", got)
	}
	for _, tt := range []struct {
		base string
		p    int
		want string
	}{{"EVENTS", 0, "EVENTS-0"}, {"EVENTS", 3, "EVENTS-3"}, {"LOG", 1023, "LOG-1023"}} {
		if got := natsjs.StreamName(tt.base, tt.p); got != tt.want {
			t.Errorf("StreamName(%q, %d) = %q, want %q", tt.base, tt.p, got, tt.want)
		}
	}
}

func TestGraphIDFromSubjectRoundTrip(t *testing.T) {
	for _, id := range partitionIDs {
		for _, n := range []int{1, 2, 4, 16, natsjs.MaxPartitions} {
			subject := natsjs.Subject(id, n)
			if got, err := natsjs.GraphIDFromSubject(subject, n); err != nil || got != id {
				t.Errorf("GraphIDFromSubject(%q, %d) = %q, %v; want %q", subject, n, got, err, id)
			}
		}
	}
}

func TestGraphIDFromSubjectRejects(t *testing.T) {
	tests := []struct {
		subject    string
		partitions int
	}{
		// The partition is not the graph's.
		{"event.store.1.g", 4}, // g is in partition 2 of 4
		{"event.store.3.g", 4},
		{"event.store.1.g", 1},
		{"event.store.2.g", 2},
		{"event.store.6.g", 4}, // right modulo 4 is 2, not 6
		// The partition is not a canonical number.
		{"event.store.x.g", 1},
		{"event.store.02.g", 4},
		{"event.store.00.g", 1},
		{"event.store.+2.g", 4},
		{"event.store.-0.g", 1},
		{"event.store.-2.g", 4},
		{"event.store. 2.g", 4},
		{"event.store..g", 1},
		{"event.store.*.g", 1},
		{"event.store.>", 1},
		// The graph ID is not valid.
		{"event.store.0.", 1},
		{"event.store.0.a.b", 1},
		{"event.store.0.*", 1},
		{"event.store.0.>", 1},
		{"event.store.0.bad:id", 1},
		{"event.store.0.bad id", 1},
		{"event.store.0." + strings.Repeat("z", graph.MaxGraphIDLen+1), 1},
		// Other shapes and prefixes.
		{"", 1},
		{"event.store", 1},
		{"event.store.", 1},
		{"event.store.0", 1},
		{"event.store.g", 1},
		{"event.stored.0.g", 1},
		{"EVENT.STORE.0.g", 1},
		{"other.store.0.g", 1},
		{"deadletter.event.store.0.g", 1},
		{"event.store.g.NodeAdded", 1}, // a subject of log format 1
	}
	for _, tt := range tests {
		if id, err := natsjs.GraphIDFromSubject(tt.subject, tt.partitions); !errors.Is(err, graph.ErrInvalidID) {
			t.Errorf("GraphIDFromSubject(%q, %d) = %q, %v; want graph.ErrInvalidID", tt.subject, tt.partitions, id, err)
		}
	}
}

func FuzzGraphIDFromSubject(f *testing.F) {
	for _, s := range []string{"event.store.0.g", "event.store.2.g", "event.store.02.g", "event.store.0.g.x", "event.store..x", "event.store.g.NodeAdded", "x"} {
		f.Add(s, uint16(4))
		f.Add(s, uint16(1))
	}
	f.Fuzz(func(t *testing.T, s string, p uint16) {
		n := 1 + int(p)%natsjs.MaxPartitions
		id, err := natsjs.GraphIDFromSubject(s, n)
		if err != nil {
			if !errors.Is(err, graph.ErrInvalidID) {
				t.Fatalf("GraphIDFromSubject(%q, %d): err = %v, want graph.ErrInvalidID", s, n, err)
			}
			return
		}
		if graph.ValidateGraphID(id) != nil {
			t.Fatalf("GraphIDFromSubject(%q, %d) accepted invalid graph ID %q", s, n, id)
		}
		// An accepted subject is exactly the graph's subject: one graph,
		// one subject.
		if subject := natsjs.Subject(id, n); subject != s {
			t.Fatalf("GraphIDFromSubject(%q, %d) = %q, whose subject is %q", s, n, id, subject)
		}
		if back, err := natsjs.GraphIDFromSubject(natsjs.Subject(id, n), n); err != nil || back != id {
			t.Fatalf("round trip of %q gave %q, %v", id, back, err)
		}
	})
}

func TestDeadLetterSubject(t *testing.T) {
	for in, want := range map[string]string{
		"event.store.0.g": "deadletter.event.store.0.g",
		"a":               "deadletter.a",
		"":                "deadletter._invalid",
		"a..b":            "deadletter._invalid",
		"a.*":             "deadletter._invalid",
		"a.>":             "deadletter._invalid",
		"a b":             "deadletter._invalid",
	} {
		if got := natsjs.DeadLetterSubject(in); got != want {
			t.Errorf("DeadLetterSubject(%q) = %q, want %q", in, got, want)
		}
	}
}
