package cluster

import (
	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// soloProvider is the membership of a cluster of one: the member itself.
// It needs no host list and no network; a multi-member provider replaces it
// without touching the rest.
type soloProvider struct {
	c       *pcluster.Cluster
	view    *topology
	ingress bool
}

var _ pcluster.ClusterProvider = (*soloProvider)(nil)

func (p *soloProvider) StartMember(c *pcluster.Cluster) error {
	p.c = c
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		return err
	}
	p.view.apply(c, pcluster.Members{{
		Id:    c.ActorSystem.ID,
		Host:  host,
		Port:  int32(port),
		Kinds: announcedKinds(c, p.ingress),
	}})
	return nil
}

func (p *soloProvider) StartClient(c *pcluster.Cluster) error {
	p.c = c
	return nil
}

// Shutdown leaves the topology as it is: the member is alone and its
// actor system stops right after. (Emptying it would race protoactor's
// member list, which reads the members unlocked while activations
// terminate.)
func (p *soloProvider) Shutdown(bool) error { return nil }
