package natsnode

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// pollInterval is how often WaitJetStream looks at the server's state.
const pollInterval = 50 * time.Millisecond

// WaitJetStream returns once JetStream can serve requests on this server:
// at once for a standalone server, and in a cluster once the servers have
// elected a JetStream meta leader. A new cluster (no server has JetStream
// metadata yet) elects its first leader only when every server named in
// the routes runs and reaches the others: servers with empty logs never
// form a quorum among themselves. From then on a quorum (2 of 3) suffices.
// If ctx ends first, the error says what this server sees.
//
// A leader alone does not guarantee that a stream with R replicas can be
// placed yet: the peers may still be registering. Callers that create
// replicated streams retry while the server answers that resources are
// insufficient or JetStream is temporarily unavailable.
func (s *Server) WaitJetStream(ctx context.Context) error {
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		ready, state := s.jetStreamState()
		if ready {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("natsnode: JetStream on %s has no meta leader: %s; start the cluster's other servers (a new cluster needs all of them for its first election, later a quorum such as 2 of 3) and check that their routes reach each other: %w",
				s.Name(), state, context.Cause(ctx))
		case <-t.C:
		}
	}
}

// jetStreamState reports whether JetStream can serve, and if not, why.
func (s *Server) jetStreamState() (bool, string) {
	if !s.srv.JetStreamEnabled() {
		return false, "JetStream is not enabled"
	}
	if !s.srv.JetStreamIsClustered() {
		return true, "standalone"
	}
	jsz, err := s.srv.Jsz(&server.JSzOptions{})
	if err != nil {
		return false, err.Error()
	}
	if jsz.Meta == nil {
		return false, "no cluster information yet"
	}
	if jsz.Meta.Leader != "" {
		return true, "leader " + jsz.Meta.Leader
	}
	return false, fmt.Sprintf("no leader elected (cluster size %d, quorum %d)", jsz.Meta.Size, jsz.Meta.QuorumNeeded)
}
