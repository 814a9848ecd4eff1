package natstest

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/devcerts"
)

// Certs are PEM files of a test certificate authority and certificates it
// signed, in a temporary directory.
type Certs struct {
	// CA is the authority's certificate.
	CA string
	// Cert and Key are a certificate for 127.0.0.1, ::1 and localhost,
	// usable by servers and clients alike (as cluster routes need).
	Cert string
	Key  string
	// OtherCA is a second authority that signed nothing here, for tests
	// that a peer trusting the wrong CA is refused.
	OtherCA string
}

// NewCerts creates a CA and a certificate it signed, with crypto/x509.
func NewCerts(t testing.TB) Certs {
	t.Helper()
	dir := t.TempDir()
	files, err := devcerts.Write(dir, []string{"localhost", "127.0.0.1", "::1"}, 24*time.Hour, 0o600)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	other, err := devcerts.NewCA("natstest other CA", 24*time.Hour)
	if err != nil {
		t.Fatalf("natstest: %v", err)
	}
	c := Certs{CA: files.CA, Cert: files.Cert, Key: files.Key, OtherCA: filepath.Join(dir, "other-ca.pem")}
	if err := devcerts.WritePEM(c.OtherCA, "CERTIFICATE", other.Cert.Raw, 0o644); err != nil {
		t.Fatalf("natstest: %v", err)
	}
	return c
}
