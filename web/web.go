package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed assets
var assets embed.FS

// UIPrefix is the path under which every asset but index.html is served.
const UIPrefix = "/ui/"

// contentTypes maps the extensions the viewer uses to their media types.
// A file of another extension is not served: an asset nobody declared a
// type for is more likely a mistake than a feature.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

// contentSecurityPolicy lets the page load only its own scripts, styles
// and API: graph properties are user data, and the viewer shows them as
// text, but a policy makes a slip in that harmless.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

// asset is one embedded file, read once.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// Handler returns the viewer's handler: index.html at "/", assets under
// "/ui/", 404 for anything else. It answers GET and HEAD.
func Handler() http.Handler {
	files, err := load(assets)
	if err != nil {
		// The files are compiled in; failing here means the build is broken.
		panic("web: " + err.Error())
	}
	return handler{files: files}
}

// load reads every embedded file with a known extension, keyed by its
// path under assets/.
func load(fsys fs.FS) (map[string]asset, error) {
	files := map[string]asset{}
	err := fs.WalkDir(fsys, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, ok := contentTypes[path.Ext(p)]
		if !ok {
			return nil
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		files[strings.TrimPrefix(p, "assets/")] = asset{body: body, contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
		return nil
	})
	return files, err
}

type handler struct {
	files map[string]asset
}

func (h handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name, ok := assetName(r.URL.Path)
	a, found := h.files[name]
	if !ok || !found {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "no-cache")
	hdr.Set("ETag", a.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	// ServeContent answers If-None-Match with 304 (the ETag is set) and
	// HEAD without a body; the zero time sends no Last-Modified.
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.body))
}

// assetName maps a request path to a file under assets/: "/" is
// index.html, "/ui/x" is x. Paths that are not clean (.., //) are refused
// rather than cleaned, so one file has one URL.
func assetName(p string) (string, bool) {
	if p == "/" {
		return "index.html", true
	}
	name, ok := strings.CutPrefix(p, UIPrefix)
	if !ok || name == "" || !fs.ValidPath(name) {
		return "", false
	}
	return name, true
}
