package cluster

import (
	"hash/fnv"
	"slices"
	"strconv"

	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// IngressKind marks, among the kinds a member announces, a member that
// runs the ingress. No actor has this kind: protoactor keeps an unused
// member set for it, and OwnedPartitions reads it.
const IngressKind = "graphlog.ingress"

// announcedKinds are the kinds a member announces: its actor kinds, and
// IngressKind if it runs the ingress.
func announcedKinds(c *pcluster.Cluster, ingress bool) []string {
	kinds := c.GetClusterKinds()
	if ingress {
		kinds = append(kinds, IngressKind)
	}
	return kinds
}

// OwnedPartitions is which of the log's n partitions this member's ingress
// reads. Each partition goes to the member of highest rendezvous weight
// among the members running an ingress that this member sees (itself
// included) that has fewer
// than ceil(n/members) partitions so far, partitions taken in order: every
// member that sees the same members picks the same owner for each, no
// member reads more than one partition above another, and a member
// joining or leaving moves mostly the partitions it wins or held
// (docs/ARCHITECTURE.md, "Ingress: one member per partition").
func (m *Member) OwnedPartitions(n int) []int {
	ids := []string{m.ID()}
	for _, mm := range m.view.list() {
		if mm.Id != m.ID() && slices.Contains(mm.Kinds, IngressKind) {
			ids = append(ids, mm.Id)
		}
	}
	return ownedPartitions(m.ID(), ids, n)
}

// ownedPartitions is the partitions of n that partitionOwners gives self.
func ownedPartitions(self string, members []string, n int) []int {
	var owned []int
	for p, o := range partitionOwners(members, n) {
		if o == self {
			owned = append(owned, p)
		}
	}
	return owned
}

// partitionOwners gives each of n partitions, in order, to the member of
// highest weight for it among those below the cap (ties, which need
// equal 64-bit hashes, go to the smaller ID).
func partitionOwners(members []string, n int) []string {
	if len(members) == 0 {
		return make([]string, n)
	}
	limit := (n + len(members) - 1) / len(members)
	count := make(map[string]int, len(members))
	owners := make([]string, n)
	for p := range n {
		var best string
		var bestWeight uint64
		for _, id := range members {
			if count[id] >= limit {
				continue
			}
			w := rendezvousWeight(id, p)
			if best == "" || w > bestWeight || (w == bestWeight && id < best) {
				best, bestWeight = id, w
			}
		}
		owners[p] = best
		count[best]++
	}
	return owners
}

// rendezvousWeight hashes a member and a partition: FNV-1a 64, then the
// splitmix64 finalizer, since FNV's high bits mix poorly for inputs that
// differ only at their end.
func rendezvousWeight(member string, p int) uint64 {
	h := fnv.New64a()
	h.Write([]byte(member))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(p), 10))
	x := h.Sum64()
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}
