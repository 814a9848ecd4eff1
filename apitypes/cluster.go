package apitypes

// Member is one cluster member as the API shows it.
type Member struct {
	// ID is the member's ID, new on every start.
	ID string `json:"id"`
	// Address is where its actors are reached (host:port).
	Address string `json:"address"`
	// Self is set on the member that answered.
	Self bool `json:"self,omitempty"`
}

// ClusterResponse is the body of GET /v1/cluster.
type ClusterResponse struct {
	Members []Member `json:"members"`
}

// PlacementResponse is the body of GET /v1/cluster/graphs/{graph}.
type PlacementResponse struct {
	Graph  string `json:"graph"`
	Member Member `json:"member"`
}
