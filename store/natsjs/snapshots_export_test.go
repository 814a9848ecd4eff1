package natsjs

import "github.com/nats-io/nats.go/jetstream"

// Objects is the Object Store bucket of s, for tests that damage objects
// behind the store's back.
func (s *Snapshots) Objects() jetstream.ObjectStore { return s.objects }
