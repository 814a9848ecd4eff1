package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/graphlog/graphlog/internal/devcerts"
)

// runCerts writes a development CA and one member certificate for TLS
// between local members (NATS client and route connections, the actor
// remote): `node certs --dir certs --hosts node1,node2,node3`.
func runCerts(args []string, out, _ io.Writer) error {
	fs := flag.NewFlagSet("node certs", flag.ContinueOnError)
	dir := fs.String("dir", "certs", "`directory` to write ca.pem, cert.pem and key.pem to")
	hosts := fs.String("hosts", "localhost,127.0.0.1", "comma-separated host `names` and IP addresses the certificate is valid for: every address members and clients use")
	validity := fs.Duration("validity", 365*24*time.Hour, "how long the certificates are valid")
	readable := fs.Bool("readable-key", false, "make key.pem readable by every user (for containers that run as another user); for local use only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var list []string
	for _, h := range strings.Split(*hosts, ",") {
		if h = strings.TrimSpace(h); h != "" {
			list = append(list, h)
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("certs: --hosts is empty; list the names members are reached at, e.g. node1,node2,node3")
	}
	mode := 0o600
	if *readable {
		mode = 0o644
	}
	f, err := devcerts.Write(*dir, list, *validity, os.FileMode(mode))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "wrote %s, %s and %s for %s (development use: the key is a plain file)\n", f.CA, f.Cert, f.Key, strings.Join(list, ", "))
	return nil
}
