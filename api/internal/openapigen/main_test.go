package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestOpenAPIGenerated fails when api/openapi.json or the route list of
// api/doc.go is not what the generator writes from the code as it is: a
// route, type or doc comment changed without `go generate ./api`, or the
// committed files were edited by hand.
func TestOpenAPIGenerated(t *testing.T) {
	const dir = "../.."
	doc, docGo, err := build(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		want []byte
	}{{"openapi.json", doc}, {"doc.go", docGo}} {
		got, err := os.ReadFile(filepath.Join(dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.want) {
			t.Errorf("api/%s is not what the generator writes (first difference at byte %d); run go generate ./api", f.name, firstDiff(got, f.want))
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
