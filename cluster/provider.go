package cluster

import (
	pcluster "github.com/asynkron/protoactor-go/cluster"
)

// soloProvider is the membership of a cluster of one: the member itself.
// It needs no host list and no network; a multi-member provider replaces it
// without touching the rest.
type soloProvider struct {
	c *pcluster.Cluster
}

var _ pcluster.ClusterProvider = (*soloProvider)(nil)

func (p *soloProvider) StartMember(c *pcluster.Cluster) error {
	p.c = c
	host, port, err := c.ActorSystem.GetHostPort()
	if err != nil {
		return err
	}
	c.MemberList.UpdateClusterTopology(pcluster.Members{{
		Id:    c.ActorSystem.ID,
		Host:  host,
		Port:  int32(port),
		Kinds: c.GetClusterKinds(),
	}})
	return nil
}

func (p *soloProvider) StartClient(c *pcluster.Cluster) error {
	p.c = c
	return nil
}

func (p *soloProvider) Shutdown(bool) error {
	if p.c != nil {
		p.c.MemberList.UpdateClusterTopology(pcluster.Members{})
	}
	return nil
}
