package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/internal/openapitest"
	"github.com/graphlog/graphlog/replay"
)

// The document's tests hold openapi.json to the code: its operations to
// the routes New registers, its statuses to what classify and the
// handlers answer, its references and schemas to what compiles. The
// answers of real requests are checked against it in cmd/node
// (TestOpenAPIAnswers); that the committed file is what the generator
// writes, in internal/openapigen.

func loadOpenAPI(t *testing.T) *openapitest.Document {
	t.Helper()
	doc, err := openapitest.Load(OpenAPI)
	if err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

// isProbe reports a route outside /v1: /healthz, /readyz, /metrics.
func isProbe(pattern string) bool {
	_, path, _ := strings.Cut(pattern, " ")
	return !strings.HasPrefix(path, "/v1/")
}

// TestOpenAPIRoutes: every route the server registers is an operation of
// the document, and every operation a registered route.
func TestOpenAPIRoutes(t *testing.T) {
	s := New(Options{}).(*server)
	doc := loadOpenAPI(t)
	var documented []string
	for _, op := range doc.Operations() {
		documented = append(documented, op.Key())
	}
	for _, r := range s.routes {
		if !slices.Contains(documented, r) {
			t.Errorf("route %q is registered (server.go) but not in openapi.json; describe it in api/internal/openapigen and run go generate ./api", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(s.routes, d) {
			t.Errorf("openapi.json has %q, which the server does not register", d)
		}
	}
	if len(s.routes) < 20 {
		t.Fatalf("the server notes %d routes; it registers more", len(s.routes))
	}
	// The mux serves each documented path with its own route.
	for _, op := range doc.Operations() {
		path := strings.NewReplacer("{graph}", "g", "{node}", "n", "{edge}", "e", "{algorithm}", "pagerank").Replace(op.Path)
		if _, pattern := s.mux.Handler(httptest.NewRequest(op.Method, path, nil)); pattern != op.Key() {
			t.Errorf("%s %s is served by %q, not %q", op.Method, path, pattern, op.Key())
		}
	}
}

// classifyPairs are the (status, code) pairs classify (errors.go) can
// answer: classify itself applied to every error it judges, which its
// source names (errors.Is and errors.As in its cases), to every sentinel
// of replay.Codes, which it answers through, and to any other error.
func classifyPairs(t *testing.T) map[int][]string {
	t.Helper()
	known := map[string]error{
		"ErrInvalidRequest":   ErrInvalidRequest,
		"errNoRoute":          errNoRoute,
		"errUnauthorized":     errUnauthorized,
		"errMethodNotAllowed": errMethodNotAllowed,
		"errTooManyStreams":   errTooManyStreams,
		"errNotServed":        errNotServed,
		"context.Canceled":    context.Canceled,
		"tooBig":              &http.MaxBytesError{Limit: 1},
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var judged []error
	found := false
	for _, decl := range f.Decls {
		fn, ok := decl.(*ast.FuncDecl)
		if !ok || fn.Name.Name != "classify" {
			continue
		}
		found = true
		ast.Inspect(fn, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || types.ExprString(sel) != "errors.Is" && types.ExprString(sel) != "errors.As" {
				return true
			}
			name := strings.TrimPrefix(types.ExprString(call.Args[1]), "&")
			e, ok := known[name]
			if !ok {
				t.Fatalf("classify judges %s, which this test does not know: add it to known", name)
			}
			judged = append(judged, e)
			return true
		})
	}
	if !found || len(judged) < 5 {
		t.Fatalf("errors.go: classify not found, or it judges %d errors", len(judged))
	}
	for _, c := range replay.Codes {
		judged = append(judged, c.Sentinels...)
	}
	judged = append(judged, errors.New("anything else"))
	pairs := map[int][]string{}
	for _, e := range judged {
		status, code := classify(fmt.Errorf("wrapped: %w", e))
		if !slices.Contains(pairs[status], code) {
			pairs[status] = append(pairs[status], code)
		}
	}
	return pairs
}

// httpStatuses reads net/http's status constants from the standard
// library's source.
func httpStatuses(t *testing.T) map[string]int {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(build.Default.GOROOT, "src", "net", "http", "status.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok {
			for i, name := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.INT {
					out[name.Name], _ = strconv.Atoi(lit.Value)
				}
			}
		}
		return true
	})
	if out["StatusTeapot"] != 418 {
		t.Fatalf("could not read net/http's status constants")
	}
	return out
}

// handlerStatuses are the statuses each route's handler writes itself:
// every http.Status… named in the code it reaches (the handler expression
// of its registration in New, and the functions, methods and variables of
// the package it names, transitively), apart from what goes through
// classify, which classifyPairs covers.
func handlerStatuses(t *testing.T) map[string][]int {
	t.Helper()
	statuses := httpStatuses(t)
	fset := token.NewFileSet()
	decls := map[string][]ast.Node{}
	var newFunc *ast.FuncDecl
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				decls[d.Name.Name] = append(decls[d.Name.Name], d)
				if d.Name.Name == "New" && d.Recv == nil {
					newFunc = d
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					if vs, ok := spec.(*ast.ValueSpec); ok {
						for _, name := range vs.Names {
							decls[name.Name] = append(decls[name.Name], vs)
						}
					}
				}
			}
		}
	}
	skip := map[string]bool{"classify": true, "writeError": true, "errorMessage": true}
	reach := func(root ast.Node) []int {
		seen := map[string]bool{}
		var found []int
		var walk func(n ast.Node)
		walk = func(n ast.Node) {
			ast.Inspect(n, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.SelectorExpr:
					if pkg, ok := x.X.(*ast.Ident); ok && pkg.Name == "http" && strings.HasPrefix(x.Sel.Name, "Status") {
						if v, ok := statuses[x.Sel.Name]; ok && !slices.Contains(found, v) {
							found = append(found, v)
						}
					}
				case *ast.Ident:
					if !seen[x.Name] && !skip[x.Name] {
						seen[x.Name] = true
						for _, d := range decls[x.Name] {
							walk(d)
						}
					}
				}
				return true
			})
		}
		walk(root)
		return found
	}
	out := map[string][]int{}
	ast.Inspect(newFunc, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok || len(call.Args) != 2 {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok || sel.Sel.Name != "handle" && sel.Sel.Name != "route" {
			return true
		}
		lit, ok := call.Args[0].(*ast.BasicLit)
		if !ok {
			t.Fatalf("a route of New is registered with a pattern that is not a literal")
		}
		pattern, _ := strconv.Unquote(lit.Value)
		out[pattern] = reach(call.Args[1])
		return true
	})
	return out
}

// TestOpenAPIStatuses: every operation lists every status its handler
// can answer: those it writes itself, and, for the routes of /v1, every
// status classify can give (but 405, which answers a path for a method
// it has no operation for), each with every code classify pairs with it.
// The probes' handlers return no error but writeJSON's (a 500).
func TestOpenAPIStatuses(t *testing.T) {
	doc := loadOpenAPI(t)
	pairs := classifyPairs(t)
	if len(pairs) < 10 {
		t.Fatalf("classify gives %d statuses; reading it went wrong", len(pairs))
	}
	direct := handlerStatuses(t)
	s := New(Options{}).(*server)
	for _, r := range s.routes {
		if _, ok := direct[r]; !ok {
			t.Errorf("route %s: its registration in New was not found in the source", r)
		}
	}
	for _, op := range doc.Operations() {
		want := map[int][]string{}
		for _, st := range direct[op.Key()] {
			want[st] = nil
		}
		switch {
		case isProbe(op.Key()):
			if op.Key() != "GET /metrics" {
				want[http.StatusInternalServerError] = pairs[http.StatusInternalServerError]
			}
		default:
			for st, codes := range pairs {
				if st != http.StatusMethodNotAllowed {
					want[st] = codes
				}
			}
		}
		if len(direct[op.Key()]) == 0 {
			want[http.StatusOK] = nil // a handler outside the package (/metrics)
		}
		for st, codes := range want {
			if !slices.Contains(op.Statuses(), st) {
				t.Errorf("%s can answer %d; openapi.json lists %v", op.Key(), st, op.Statuses())
				continue
			}
			r, ptr, _ := doc.Response(op, st)
			if st >= 400 && r["content"] != nil {
				for _, code := range codes {
					body := fmt.Sprintf(`{"error":"e","code":%q}`, code)
					if err := doc.Validate(ptr+"/content/application~1json/schema", []byte(body)); err != nil {
						t.Errorf("%s: answer %d with code %s does not validate: %v", op.Key(), st, code, err)
					}
				}
			}
		}
	}
}

// TestOpenAPIReferences: every $ref of the document resolves, and every
// schema compiles (JSON Schema 2020-12).
func TestOpenAPIReferences(t *testing.T) {
	doc := loadOpenAPI(t)
	raw := doc.Raw()
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				if !strings.HasPrefix(ref, "#/") || lookup(raw, ref[1:]) == nil {
					t.Errorf("%s: $ref %s does not resolve", at, ref)
				}
			}
			for k, e := range x {
				walk(at+"/"+k, e)
			}
		case []any:
			for i, e := range x {
				walk(at+"/"+strconv.Itoa(i), e)
			}
		}
	}
	walk("", raw)
	schemas, _ := raw["components"].(map[string]any)["schemas"].(map[string]any)
	if len(schemas) < 30 {
		t.Fatalf("%d schemas; the answers have more types", len(schemas))
	}
	for name := range schemas {
		if err := doc.Compile("/components/schemas/" + name); err != nil {
			t.Error(err)
		}
	}
	if v := raw["openapi"]; v != "3.1.0" {
		t.Errorf("openapi is %v", v)
	}
}

func lookup(v any, ptr string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")]
	}
	return v
}

// TestOpenAPIServed: GET /v1/openapi.json answers the embedded document,
// behind the token like the rest of /v1.
func TestOpenAPIServed(t *testing.T) {
	h := New(Options{Token: "secret"})
	for _, c := range []struct {
		auth   string
		status int
	}{{"", http.StatusUnauthorized}, {"Bearer secret", http.StatusOK}} {
		req := httptest.NewRequest("GET", "/v1/openapi.json", nil)
		if c.auth != "" {
			req.Header.Set("Authorization", c.auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != c.status {
			t.Fatalf("with %q: status %d, want %d: %s", c.auth, rec.Code, c.status, body)
		}
		if c.status != http.StatusOK {
			continue
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if string(body) != string(OpenAPI) {
			t.Errorf("the answer is not the embedded document")
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil || v["openapi"] != "3.1.0" {
			t.Errorf("not an OpenAPI 3.1 document: %v", err)
		}
	}
}
