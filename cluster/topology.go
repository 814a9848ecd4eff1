package cluster

import (
	"slices"
	"sync"

	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// topology is the member set a provider last gave protoactor, for this
// package's readers (Member.Members, the client's member watch).
// protoactor's MemberList.Members hands out its set without the lock
// under which UpdateClusterTopology replaces it (and its block list is
// read the same way), so reading them while the membership changes is a
// data race.
type topology struct {
	mu      sync.Mutex
	members []*pcluster.Member
	// gone are the members that left: protoactor blocks their IDs, so
	// they never count again even if a stale view lists them.
	gone map[string]bool
}

// apply gives protoactor members and keeps those it admits.
func (t *topology) apply(c *pcluster.Cluster, members pcluster.Members) {
	c.MemberList.UpdateClusterTopology(members)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.gone == nil {
		t.gone = map[string]bool{}
	}
	listed := make(map[string]bool, len(members))
	for _, m := range members {
		listed[m.Id] = true
	}
	for _, m := range t.members {
		if !listed[m.Id] {
			t.gone[m.Id] = true
		}
	}
	t.members = slices.DeleteFunc(slices.Clone(members), func(m *pcluster.Member) bool { return t.gone[m.Id] })
}

// list returns the members, as last applied.
func (t *topology) list() []*pcluster.Member {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.members)
}
