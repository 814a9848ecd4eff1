package cluster

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"time"

	pcluster "github.com/asynkron/protoactor-go/cluster"
	"github.com/asynkron/protoactor-go/remote"

	"github.com/graphlog/graphlog/store"
)

// ClientConfig starts a client-only cluster node: a program (or another
// actor system's process) that reaches graphs on the members but hosts
// none itself.
type ClientConfig struct {
	// Host and Port are where its actor remote listens for replies; Port 0
	// picks a free one. AdvertisedHost as in MemberConfig.
	Host           string
	Port           int
	AdvertisedHost string
	// Membership is the members' registry; required.
	Membership store.Membership
	// TLS as in MemberConfig: the members' CA must have signed it.
	ServerTLS *tls.Config
	ClientTLS *tls.Config
	// RequestTimeout bounds a request when the caller's context has no
	// earlier deadline.
	RequestTimeout time.Duration
	Logger         *slog.Logger
}

// ClientNode is a running client-only cluster node.
type ClientNode struct {
	cluster  *pcluster.Cluster
	provider *kvProvider
	client   *Client
}

// StartClient joins the cluster as a client: it follows the membership
// and routes requests to graph grains on the members.
func StartClient(cfg ClientConfig) (n *ClientNode, err error) {
	if cfg.Membership == nil {
		return nil, errors.New("cluster: a client needs the members' registry (ClientConfig.Membership)")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 10 * time.Second
	}
	system := newSystem(cfg.Logger)
	ropts, err := remoteOptions(cfg.AdvertisedHost, cfg.Port, cfg.ServerTLS, cfg.ClientTLS)
	if err != nil {
		return nil, err
	}
	view := &topology{}
	prov := &kvProvider{members: cfg.Membership, view: view, logger: cfg.Logger.With(slog.String("component", "membership"))}
	c := pcluster.New(system, pcluster.Configure(Name, prov, newPlacement(),
		remote.Configure(cfg.Host, cfg.Port, ropts...),
		pcluster.WithRequestTimeout(cfg.RequestTimeout),
	))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("starting cluster client on %s:%d: %v", cfg.Host, cfg.Port, r)
		}
	}()
	c.StartClient()
	return &ClientNode{cluster: c, provider: prov, client: newClient(c, view, cfg.RequestTimeout)}, nil
}

// Client returns the client that reaches any graph.
func (n *ClientNode) Client() *Client { return n.client }

// Shutdown stops following the members and stops the actor system. (A
// client has no gossip to leave, so protoactor's own cluster shutdown,
// which assumes one, is not used.)
func (n *ClientNode) Shutdown() {
	_ = n.provider.Shutdown(true)
	n.cluster.Remote.Shutdown(true)
	n.cluster.ActorSystem.Shutdown()
}
