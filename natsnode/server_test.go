package natsnode_test

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/graphlog/graphlog/natsnode"
)

func TestStartServesJetStream(t *testing.T) {
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()

	nc, err := nats.Connect(s.ClientURL())
	if err != nil {
		t.Fatalf("connect to %s: %v", s.ClientURL(), err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}}); err != nil {
		t.Fatalf("create stream: %v", err)
	}
	if _, err := js.Publish(ctx, "t.1", []byte("x")); err != nil {
		t.Fatalf("publish: %v", err)
	}
}

func TestStartRejectsMissingDataDir(t *testing.T) {
	_, err := natsnode.Start(natsnode.Options{Port: natsnode.RandomPort, NoLog: true})
	if err == nil || !strings.Contains(err.Error(), "DataDir") {
		t.Fatalf("Start without DataDir: err = %v, want one naming DataDir", err)
	}
}

func TestStartFailsFastWhenPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port

	begin := time.Now()
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: port, NoLog: true})
	if err == nil {
		s.Shutdown()
		t.Fatalf("Start on busy port %d succeeded", port)
	}
	if took := time.Since(begin); took > 5*time.Second {
		t.Errorf("Start on a busy port took %s to fail, want well under the ready timeout", took)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name the port", err)
	}
}

func TestShutdownTwice(t *testing.T) {
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	s.Shutdown()
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func TestLogsGoToSlog(t *testing.T) {
	var buf syncBuffer
	lg := slog.New(slog.NewTextHandler(&buf, nil))
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, Logger: lg})
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	out := buf.String()
	if !strings.Contains(out, "component=nats-server") || !strings.Contains(out, "JetStream") {
		t.Errorf("server log lines did not reach slog; got:\n%s", out)
	}
}

func TestSyncAlways(t *testing.T) {
	s, err := natsnode.Start(natsnode.Options{DataDir: t.TempDir(), Port: natsnode.RandomPort, NoLog: true, SyncAlways: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	if !s.NATSServer().JetStreamConfig().SyncAlways {
		t.Error("JetStream does not sync always")
	}
}
