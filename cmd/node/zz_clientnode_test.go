package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/graphlog/graphlog/cluster"
	"github.com/graphlog/graphlog/config"
	"github.com/graphlog/graphlog/internal/devcerts"
	"github.com/graphlog/graphlog/internal/natstest"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store/natsjs"
)

// This file's name sorts last on purpose: its test runs an actor-cluster
// client node in this process, whose gRPC transports read grpc's global
// logger as they wind down, and protoactor's remote writes that logger on
// every start, with nothing ordering the two. A member started in this
// process after it (any later test) would race with it; none starts after
// the last file.

// A client-only cluster node (a program that hosts no graphs) reaches
// graphs on the members through the actor remote, here with mutual TLS
// between every node of the cluster.
func TestClusterClientNodeWithTLS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	certs, err := devcerts.Write(t.TempDir(), []string{"127.0.0.1", "localhost"}, time.Hour, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	tlsFlags := []string{"--actor-tls-cert", certs.Cert, "--actor-tls-key", certs.Key, "--actor-tls-ca", certs.CA}
	srv, _, _ := natstest.Start(t)
	natsURL := srv.ClientURL()
	a := startMember(t, "a", natsURL, tlsFlags...)
	b := startMember(t, "b", natsURL, tlsFlags...)
	waitMembers(t, 15*time.Second, a, b)

	_, js := openLogAt(t, natsURL)
	ctx := context.Background()
	members, err := natsjs.OpenMembership(ctx, js, natsjs.MembershipConfig{Bucket: config.Default().Cluster.Bucket, TTL: testMemberTTL})
	if err != nil {
		t.Fatal(err)
	}
	serverTLS, clientTLS, err := actorTLS(config.TLS{Cert: certs.Cert, Key: certs.Key, CA: certs.CA})
	if err != nil {
		t.Fatal(err)
	}
	node, err := cluster.StartClient(cluster.ClientConfig{
		Host: "127.0.0.1", Membership: members, ServerTLS: serverTLS, ClientTLS: clientTLS,
		RequestTimeout: 10 * time.Second, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Shutdown)
	cl := node.Client()

	hosts := map[string]bool{}
	for _, g := range testGraphs("client", 8) {
		var r *messages.SubmitReply
		eventually(t, 15*time.Second, "the client reaches graph "+g, func() bool {
			r, err = cl.Submit(ctx, &messages.Transaction{GraphId: g, TransactionId: g + "-t1",
				Events: []*messages.Event{{Payload: &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{NodeId: "from-client"}}}}})
			return err == nil
		})
		if r.GetVersion() != 1 {
			t.Fatalf("submit to %s from the client node: version %d, want 1", g, r.GetVersion())
		}
		// The members see the write, wherever the graph lives.
		status, got := newClient(t, b.Base).graph(g)
		if status != http.StatusOK || got.Version != 1 || len(got.Nodes) != 1 || got.Nodes[0].ID != "from-client" {
			t.Fatalf("graph %s through member b: %d %+v", g, status, got)
		}
		hosts[placement(t, a, g)] = true
	}
	if !hosts[a.address] || !hosts[b.address] {
		t.Errorf("graphs written by the client live on %v; want both members", hosts)
	}
}
