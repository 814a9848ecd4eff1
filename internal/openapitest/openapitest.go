// Package openapitest checks HTTP answers against an OpenAPI 3.1 document:
// that the route and the status are documented, and that the body is what
// the document's schema for them says (JSON Schema 2020-12, formats
// asserted), for JSON, NDJSON (each line) and Server-Sent Events (each
// message's data, by the operation's x-events). Tests of the API use it
// to hold api/openapi.json to the answers of a real node.
package openapitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL names the document for the schema compiler; nothing is fetched.
const docURL = "https://graphlog.invalid/openapi.json"

// Document is a loaded OpenAPI document.
type Document struct {
	raw map[string]any
	ops []Operation

	mu       sync.Mutex
	compiler *jsonschema.Compiler
	compiled map[string]*jsonschema.Schema
}

// Operation is one method of one path.
type Operation struct {
	Method, Path string // Path is the document's template: /v1/graphs/{graph}
	obj          map[string]any
}

// Key is the operation as a ServeMux pattern: "GET /v1/graphs/{graph}".
func (o Operation) Key() string { return o.Method + " " + o.Path }

// Load reads a document.
func Load(doc []byte) (*Document, error) {
	var raw map[string]any
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, v); err != nil {
		return nil, err
	}
	d := &Document{raw: raw, compiler: c, compiled: map[string]*jsonschema.Schema{}}
	paths, _ := raw["paths"].(map[string]any)
	for path, item := range paths {
		for method, obj := range item.(map[string]any) {
			o, ok := obj.(map[string]any)
			if !ok {
				continue
			}
			d.ops = append(d.ops, Operation{Method: strings.ToUpper(method), Path: path, obj: o})
		}
	}
	slices.SortFunc(d.ops, func(a, b Operation) int { return strings.Compare(a.Key(), b.Key()) })
	return d, nil
}

// Operations lists the document's operations, sorted by Key.
func (d *Document) Operations() []Operation { return slices.Clone(d.ops) }

// Find returns the operation that serves method and an URL path, as
// ServeMux would choose it: of the templates that match, the one whose
// segments are literal first.
func (d *Document) Find(method, urlPath string) (Operation, bool) {
	var best Operation
	bestScore := -1
	segs := strings.Split(urlPath, "/")
	for _, o := range d.ops {
		if o.Method != method {
			continue
		}
		tsegs := strings.Split(o.Path, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		score := 0
		for i, t := range tsegs {
			switch {
			case strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}"):
				if segs[i] == "" {
					score = -1
				}
			case t == segs[i]:
				score += 1 << (len(tsegs) - i) // a literal segment earlier wins, as ServeMux's precedence does here
			default:
				score = -1
			}
			if score < 0 {
				break
			}
		}
		if score > bestScore {
			best, bestScore = o, score
		}
	}
	return best, bestScore >= 0
}

// Statuses lists the statuses an operation documents.
func (o Operation) Statuses() []int {
	var out []int
	for k := range o.responses() {
		if n, err := strconv.Atoi(k); err == nil {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

func (o Operation) responses() map[string]any {
	r, _ := o.obj["responses"].(map[string]any)
	return r
}

// Response returns the response object of status, its $ref resolved,
// and the JSON pointer where it is.
func (d *Document) Response(o Operation, status int) (map[string]any, string, bool) {
	r, ok := o.responses()[strconv.Itoa(status)].(map[string]any)
	if !ok {
		return nil, "", false
	}
	ptr := "/paths/" + escape(o.Path) + "/" + strings.ToLower(o.Method) + "/responses/" + strconv.Itoa(status)
	if ref, ok := r["$ref"].(string); ok {
		ptr = strings.TrimPrefix(ref, "#")
		r, ok = d.pointer(ptr).(map[string]any)
		if !ok {
			return nil, "", false
		}
	}
	return r, ptr, true
}

// Check validates an answer to method urlPath: the operation and the
// status are documented, the media type is one the response has, the
// headers it documents are there, and the body validates against its
// schema. A path no operation serves must be answered with an
// ErrorResponse. It returns the operation (zero when none).
func (d *Document) Check(method, urlPath string, resp *http.Response, body []byte) (Operation, error) {
	o, ok := d.Find(method, urlPath)
	if !ok {
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			return o, fmt.Errorf("%s %s: no operation, yet answered %d", method, urlPath, resp.StatusCode)
		}
		return o, d.validate("/components/schemas/ErrorResponse", body)
	}
	r, ptr, ok := d.Response(o, resp.StatusCode)
	if !ok {
		return o, fmt.Errorf("%s (%s %s): status %d is not documented; it documents %v", o.Key(), method, urlPath, resp.StatusCode, o.Statuses())
	}
	for name := range mapOf(r["headers"]) {
		if resp.Header.Get(name) == "" {
			return o, fmt.Errorf("%s: answer %d has no %s header, which the document gives it", o.Key(), resp.StatusCode, name)
		}
	}
	media, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil {
		return o, fmt.Errorf("%s: answer %d: Content-Type %q: %v", o.Key(), resp.StatusCode, resp.Header.Get("Content-Type"), err)
	}
	content := mapOf(r["content"])
	if _, ok := content[media]; !ok {
		return o, fmt.Errorf("%s: answer %d is %s; the document has %v", o.Key(), resp.StatusCode, media, keys(content))
	}
	schema := ptr + "/content/" + escape(media) + "/schema"
	var errs []error
	switch media {
	case "application/json":
		errs = append(errs, d.validate(schema, body))
	case "application/x-ndjson":
		for i, line := range bytes.Split(body, []byte("\n")) {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			if err := d.validate(schema, line); err != nil {
				errs = append(errs, fmt.Errorf("line %d: %w", i+1, err))
			}
		}
	case "text/event-stream":
		events := mapOf(o.obj["x-events"])
		for _, m := range sseMessages(body) {
			if _, ok := events[m.event]; !ok {
				errs = append(errs, fmt.Errorf("event %q is not in x-events (%v)", m.event, keys(events)))
				continue
			}
			evPtr := "/paths/" + escape(o.Path) + "/" + strings.ToLower(o.Method) + "/x-events/" + escape(m.event)
			if err := d.validate(evPtr, []byte(m.data)); err != nil {
				errs = append(errs, fmt.Errorf("event %q: %w", m.event, err))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, fmt.Errorf("%s (%s %s) answer %d does not match the document: %w\nbody: %.2000s", o.Key(), method, urlPath, resp.StatusCode, err, body)
	}
	return o, nil
}

// Validate validates a JSON value against the schema at a JSON pointer of
// the document ("/components/schemas/Graph").
func (d *Document) Validate(pointer string, body []byte) error { return d.validate(pointer, body) }

func (d *Document) validate(pointer string, body []byte) error {
	sch, err := d.schema(pointer)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	return sch.Validate(v)
}

// Compile compiles the schema at a JSON pointer of the document.
func (d *Document) Compile(pointer string) error {
	_, err := d.schema(pointer)
	return err
}

func (d *Document) schema(pointer string) (*jsonschema.Schema, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.compiled[pointer]; ok {
		return s, nil
	}
	s, err := d.compiler.Compile(docURL + "#" + pointer)
	if err != nil {
		return nil, fmt.Errorf("compiling the schema at %s: %w", pointer, err)
	}
	d.compiled[pointer] = s
	return s, nil
}

// pointer resolves a JSON pointer in the document.
func (d *Document) pointer(ptr string) any {
	var v any = d.raw
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[tok]
	}
	return v
}

// Raw is the decoded document.
func (d *Document) Raw() map[string]any { return d.raw }

// escape makes s one token of a JSON pointer inside a URL fragment.
func escape(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
	return strings.NewReplacer("{", "%7B", "}", "%7D").Replace(s)
}

func mapOf(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

type sseMessage struct{ event, data string }

// sseMessages parses a Server-Sent Events body into its messages;
// comments are skipped.
func sseMessages(body []byte) []sseMessage {
	var out []sseMessage
	for _, block := range strings.Split(string(body), "\n\n") {
		m := sseMessage{event: "message"}
		var data []string
		for _, line := range strings.Split(block, "\n") {
			switch {
			case strings.HasPrefix(line, "event: "):
				m.event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = append(data, strings.TrimPrefix(line, "data: "))
			}
		}
		if len(data) > 0 {
			m.data = strings.Join(data, "\n")
			out = append(out, m)
		}
	}
	return out
}
