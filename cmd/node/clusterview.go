package main

import (
	"context"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/cluster"
)

// clusterView shows the cluster member to the API.
type clusterView struct{ m *cluster.Member }

func (v clusterView) Members() []api.Member {
	self := v.m.Address()
	var out []api.Member
	for _, m := range v.m.Members() {
		out = append(out, api.Member{ID: m.ID, Address: m.Address, Self: m.Address == self})
	}
	return out
}

func (v clusterView) Locate(ctx context.Context, graphID string) (api.Member, error) {
	addr, err := v.m.Client().Locate(ctx, graphID)
	if err != nil {
		return api.Member{}, err
	}
	for _, m := range v.Members() {
		if m.Address == addr {
			return m, nil
		}
	}
	return api.Member{Address: addr, Self: addr == v.m.Address()}, nil
}
