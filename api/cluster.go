package api

import (
	"context"
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// Cluster tells which members there are and where a graph lives. The node
// implements it with the cluster member.
type Cluster interface {
	Members() []Member
	// Locate returns the member that hosts graphID, activating the graph
	// there if it is not active.
	Locate(ctx context.Context, graphID string) (Member, error)
}

func (s *server) clusterMembers(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Cluster == nil {
		return fmt.Errorf("%w: cluster membership", errNotServed)
	}
	members := s.opts.Cluster.Members()
	if members == nil {
		members = []Member{} // lists are [], never null
	}
	return writeJSON(w, http.StatusOK, ClusterResponse{Members: members})
}

func (s *server) locateGraph(w http.ResponseWriter, r *http.Request) error {
	if s.opts.Cluster == nil {
		return fmt.Errorf("%w: cluster membership", errNotServed)
	}
	g, err := graphParam(r)
	if err != nil {
		return err
	}
	m, err := s.opts.Cluster.Locate(r.Context(), g)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, PlacementResponse{Graph: g, Member: m})
}

// authorize checks the bearer token of a /v1 request when one is
// configured: the Authorization header, or for a GET the access_token
// query parameter. The comparison takes the same time whatever the token.
func (s *server) authorize(r *http.Request) error {
	if s.opts.Token == "" || !strings.HasPrefix(r.URL.Path, "/v1/") && r.URL.Path != "/v1" {
		return nil
	}
	auth := r.Header.Get("Authorization")
	if r.URL.Query().Has("access_token") {
		if !isStream(r) {
			// A token in a URL ends up in logs and browser history: it is
			// taken only where a header cannot be sent.
			return fmt.Errorf("%w: access_token is accepted only on .../events/stream (EventSource cannot send headers); send the bearer token as Authorization: Bearer <token>", errUnauthorized)
		}
		if auth == "" {
			auth = "Bearer " + r.URL.Query().Get("access_token")
		}
	}
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return fmt.Errorf("%w: this API needs a bearer token; send Authorization: Bearer <token>", errUnauthorized)
	}
	if subtle.ConstantTimeCompare([]byte(strings.TrimSpace(token)), []byte(s.opts.Token)) != 1 {
		return fmt.Errorf("%w: the bearer token is not valid; check the token the node was started with (--http-token)", errUnauthorized)
	}
	return nil
}
