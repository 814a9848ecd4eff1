// Package devcerts makes a small certificate authority and certificates it
// signs, with crypto/x509: what a local cluster (docker-compose) and the
// tests need for TLS without any tool outside Go. It is not a PKI for
// production: keys live in plain files and certificates are long-lived.
package devcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// CA is a certificate authority that can sign certificates.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA creates a self-signed authority valid for validity.
func NewCA(name string, validity time.Duration) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devcerts: generate CA key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("devcerts: create CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("devcerts: parse CA: %w", err)
	}
	return &CA{Cert: cert, key: key}, nil
}

// Issue signs a certificate for hosts (DNS names or IP addresses), usable
// by servers and clients alike, as NATS routes and the actor remote need.
// It returns the certificate and its PKCS #8 key, DER encoded.
func (ca *CA) Issue(name string, hosts []string, validity time.Duration) (certDER, keyDER []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("devcerts: generate key: %w", err)
	}
	serial, err := serialNumber()
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("devcerts: sign certificate: %w", err)
	}
	keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("devcerts: encode key: %w", err)
	}
	return certDER, keyDER, nil
}

// Files names the PEM files Write makes.
type Files struct {
	CA, Cert, Key string
}

// Write creates, in dir, a CA (ca.pem) and one certificate for hosts
// (cert.pem, key.pem) that every member uses. keyMode is the key file's
// permission bits: 0o600 unless a process of another user (a container)
// must read it.
func Write(dir string, hosts []string, validity time.Duration, keyMode os.FileMode) (Files, error) {
	ca, err := NewCA("graphlog development CA", validity)
	if err != nil {
		return Files{}, err
	}
	cert, key, err := ca.Issue("graphlog member", hosts, validity)
	if err != nil {
		return Files{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Files{}, fmt.Errorf("devcerts: %w", err)
	}
	f := Files{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem")}
	for _, w := range []struct {
		path, typ string
		der       []byte
		mode      os.FileMode
	}{{f.CA, "CERTIFICATE", ca.Cert.Raw, 0o644}, {f.Cert, "CERTIFICATE", cert, 0o644}, {f.Key, "PRIVATE KEY", key, keyMode}} {
		if err := WritePEM(w.path, w.typ, w.der, w.mode); err != nil {
			return Files{}, err
		}
	}
	return f, nil
}

// WritePEM writes one PEM block to path with mode.
func WritePEM(path, typ string, der []byte, mode os.FileMode) error {
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode); err != nil {
		return fmt.Errorf("devcerts: write %s: %w", path, err)
	}
	return os.Chmod(path, mode) // WriteFile keeps the mode of a file that existed
}

func serialNumber() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("devcerts: serial number: %w", err)
	}
	return n, nil
}
