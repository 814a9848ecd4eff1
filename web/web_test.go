package web

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/graphlog/graphlog/graph"
)

func get(t *testing.T, h http.Handler, method, path string, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for k, vs := range header {
		r.Header[k] = vs
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHandlerServesAssets(t *testing.T) {
	h := Handler()
	cases := []struct {
		path, file, contentType string
	}{
		{"/", "assets/index.html", "text/html; charset=utf-8"},
		{"/ui/app.js", "assets/app.js", "text/javascript; charset=utf-8"},
		{"/ui/model.js", "assets/model.js", "text/javascript; charset=utf-8"},
		{"/ui/style.css", "assets/style.css", "text/css; charset=utf-8"},
		{"/ui/favicon.svg", "assets/favicon.svg", "image/svg+xml"},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			resp := get(t, h, "GET", tc.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tc.contentType {
				t.Errorf("Content-Type %q, want %q", got, tc.contentType)
			}
			if got := resp.Header.Get("Cache-Control"); got != "no-cache" {
				t.Errorf("Cache-Control %q, want no-cache", got)
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Error("no X-Content-Type-Options: nosniff")
			}
			want, err := fs.ReadFile(assets, tc.file)
			if err != nil {
				t.Fatal(err)
			}
			if got := body(t, resp); got != string(want) {
				t.Errorf("body is not %s (%d bytes, want %d)", tc.file, len(got), len(want))
			}
		})
	}
}

func TestHandlerRefusesUnknownPaths(t *testing.T) {
	h := Handler()
	for _, p := range []string{
		"/index.html", "/app.js", "/assets/app.js", // index.html is at / only, the rest under /ui/
		"/ui/", "/ui", "/ui/missing.js", "/ui/app.js/x", "/ui/assets/app.js",
		"/ui/../web.go", "/ui/./app.js", "/ui//app.js", // unclean paths are refused, not cleaned
		"/v1/graphs", // the API's, not the viewer's
	} {
		t.Run(p, func(t *testing.T) {
			resp := get(t, h, "GET", p, nil)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("GET %s: status %d, want 404", p, resp.StatusCode)
			}
		})
	}
}

func TestHandlerMethodsAndRevalidation(t *testing.T) {
	h := Handler()
	if resp := get(t, h, "POST", "/ui/app.js", nil); resp.StatusCode != http.StatusMethodNotAllowed ||
		resp.Header.Get("Allow") != "GET, HEAD" {
		t.Fatalf("POST: status %d Allow %q, want 405 with Allow: GET, HEAD", resp.StatusCode, resp.Header.Get("Allow"))
	}
	head := get(t, h, "HEAD", "/", nil)
	if head.StatusCode != http.StatusOK || body(t, head) != "" || head.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("HEAD /: status %d, Content-Type %q", head.StatusCode, head.Header.Get("Content-Type"))
	}

	first := get(t, h, "GET", "/ui/app.js", nil)
	etag := first.Header.Get("ETag")
	if !regexp.MustCompile(`^"[0-9a-f]{24}"$`).MatchString(etag) {
		t.Fatalf("ETag %q is not a quoted content hash", etag)
	}
	if other := get(t, h, "GET", "/ui/style.css", nil).Header.Get("ETag"); other == etag {
		t.Fatal("two different files have one ETag")
	}
	again := get(t, h, "GET", "/ui/app.js", http.Header{"If-None-Match": {etag}})
	if again.StatusCode != http.StatusNotModified || body(t, again) != "" {
		t.Fatalf("revalidation with the ETag: status %d, want 304 and no body", again.StatusCode)
	}
}

// TestAssetsReferenceOnlyServedFiles checks that every /ui/ URL the page
// and its modules name is a file the handler serves, so a rename cannot
// leave the viewer loading a 404.
func TestAssetsReferenceOnlyServedFiles(t *testing.T) {
	h := Handler()
	ref := regexp.MustCompile(`"(/ui/[^"?#]+)"`)
	seen := 0
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".html") || strings.HasSuffix(p, ".js")) {
			return err
		}
		src, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		for _, m := range ref.FindAllStringSubmatch(string(src), -1) {
			seen++
			if resp := get(t, h, "GET", m[1], nil); resp.StatusCode != http.StatusOK {
				t.Errorf("%s refers to %s, answered %d", p, m[1], resp.StatusCode)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 5 {
		t.Fatalf("found only %d /ui/ references; the pattern no longer matches the sources", seen)
	}
}

// TestScriptsAreStrictAndSelfContained keeps the viewer to its own plain
// JavaScript: strict mode, and nothing loaded from elsewhere.
func TestScriptsAreStrictAndSelfContained(t *testing.T) {
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		text := string(src)
		if strings.HasSuffix(p, ".js") && !strings.Contains(text, "\"use strict\";") {
			t.Errorf("%s has no \"use strict\"", p)
		}
		if strings.Contains(text, "http://") || strings.Contains(text, "https://") {
			if !strings.HasSuffix(p, ".svg") { // the SVG namespace is a URL
				t.Errorf("%s names an external URL", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The viewer keeps no fold of events of its own: it applies the changes
// the server computed (docs/ARCHITECTURE.md, "Replays that follow"), so no
// asset decides what an event type does. The events the what-if form
// writes are of types the schema has (graph.EventTypes).
func TestViewerFoldsNoEvents(t *testing.T) {
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".js") {
			return err
		}
		src, err := fs.ReadFile(assets, p)
		if err != nil {
			return err
		}
		for _, typ := range graph.EventTypes {
			if strings.Contains(string(src), `case "`+typ+`":`) {
				t.Errorf("%s has a case for event type %s: a fold of its own", p, typ)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	src, err := fs.ReadFile(assets, "assets/whatif.js")
	if err != nil {
		t.Fatal(err)
	}
	written := regexp.MustCompile(`type: "([A-Za-z]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(written) == 0 {
		t.Fatal("assets/whatif.js writes no events")
	}
	for _, m := range written {
		if !slices.Contains(graph.EventTypes, m[1]) {
			t.Errorf("assets/whatif.js writes events of type %s, which the schema does not have", m[1])
		}
	}
}

// TestModulesAreReachedAndResolve follows the page's references and the
// modules' imports from index.html: every embedded file is reached (none
// is left over from a move), every import names a served module, and
// every name imported is one that module exports.
func TestModulesAreReachedAndResolve(t *testing.T) {
	ref := regexp.MustCompile(`(?:href|src)="/ui/([^"?#]+)"`)
	imp := regexp.MustCompile(`(?s)import\s*\{([^}]*)\}\s*from\s*"([^"]*)"`)
	read := func(name string) string {
		t.Helper()
		b, err := fs.ReadFile(assets, "assets/"+name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return string(b)
	}
	reached := map[string]bool{"index.html": true}
	queue := []string{}
	for _, m := range ref.FindAllStringSubmatch(read("index.html"), -1) {
		if !reached[m[1]] {
			reached[m[1]] = true
			queue = append(queue, m[1])
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if !strings.HasSuffix(name, ".js") {
			continue
		}
		src := read(name)
		for _, m := range imp.FindAllStringSubmatch(src, -1) {
			dep, ok := strings.CutPrefix(m[2], UIPrefix)
			if !ok {
				t.Errorf("%s imports %q, not a module under %s", name, m[2], UIPrefix)
				continue
			}
			if _, err := fs.Stat(assets, "assets/"+dep); err != nil {
				t.Errorf("%s imports %s, which does not exist", name, m[2])
				continue
			}
			exported := read(dep)
			for _, n := range strings.Split(m[1], ",") {
				n = strings.TrimSpace(n)
				n, _, _ = strings.Cut(n, " as ")
				if n == "" {
					continue
				}
				export := regexp.MustCompile(`(?m)^export (?:async )?(?:function\*?|class|const|let) ` + regexp.QuoteMeta(n) + `\b`)
				if !export.MatchString(exported) {
					t.Errorf("%s imports %s from %s, which does not export it", name, n, dep)
				}
			}
			if !reached[dep] {
				reached[dep] = true
				queue = append(queue, dep)
			}
		}
	}
	err := fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if name := strings.TrimPrefix(p, "assets/"); !reached[name] {
			t.Errorf("%s is neither referenced by index.html nor imported by a module it loads", name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(reached) < 10 {
		t.Fatalf("reached only %d files from index.html; the patterns no longer match the sources", len(reached))
	}
}

// TestDocListsEveryModule keeps the package comment's list of modules
// (doc.go) in step with the modules there are.
func TestDocListsEveryModule(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^//\t([a-z]+\.js) `).FindAllStringSubmatch(string(doc), -1) {
		listed[m[1]] = true
	}
	modules, err := fs.Glob(assets, "assets/*.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range modules {
		name := strings.TrimPrefix(p, "assets/")
		if !listed[name] {
			t.Errorf("doc.go does not say what %s does", name)
		}
		delete(listed, name)
	}
	for name := range listed {
		t.Errorf("doc.go lists %s, which is not a module", name)
	}
}
