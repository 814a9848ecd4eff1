package main

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"strings"
)

// schemas builds the document's components/schemas from the api package's
// Go types: one schema per named struct, its properties the fields as
// encoding/json writes them (embedded structs flattened, omitempty fields
// not required), its descriptions the types' and fields' doc comments.
// What Go types do not say (formats, enums, what an `any` holds) comes
// from notes.
type schemas struct {
	defs  map[string]any
	docs  sourceDocs
	notes map[string]map[string]any // "Type.json_name" → keywords added to the field's schema
}

func newSchemas(docs sourceDocs, notes map[string]map[string]any) *schemas {
	return &schemas{defs: map[string]any{}, docs: docs, notes: notes}
}

var rawMessage = reflect.TypeFor[json.RawMessage]()

// of returns the schema of a value of type t: a $ref for a named struct
// (defined in components on first use), an inline schema otherwise.
func (g *schemas) of(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == rawMessage:
		return map[string]any{}
	case t.Kind() == reflect.Struct && t.Name() != "":
		if _, ok := g.defs[t.Name()]; !ok {
			g.defs[t.Name()] = nil // placeholder: a type may refer to itself
			g.defs[t.Name()] = g.object(t)
		}
		return ref(t.Name())
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return map[string]any{"type": "integer"}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.Interface:
		return map[string]any{} // any JSON value; notes say more
	case reflect.Slice, reflect.Array:
		return map[string]any{"type": "array", "items": g.of(t.Elem())}
	case reflect.Map:
		if t.Elem().Kind() == reflect.Interface {
			return ref("Properties") // the only objects of any values an answer holds
		}
		if t.Key().Kind() != reflect.String {
			panic(fmt.Sprintf("map key %s: JSON objects have string keys", t.Key()))
		}
		return map[string]any{"type": "object", "additionalProperties": g.of(t.Elem())}
	}
	panic(fmt.Sprintf("no schema for Go type %s", t))
}

func ref(name string) map[string]any {
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// object is the schema of a named struct. Answers never carry a field
// the type lacks, and request bodies are decoded strictly, so neither
// admits additional properties.
func (g *schemas) object(t reflect.Type) map[string]any {
	props := map[string]any{}
	required := []string{}
	g.fields(t, t.Name(), props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	if d := g.docs.types[t.Name()]; d != "" {
		s["description"] = d
	}
	return s
}

// fields adds the JSON fields of t (declared in t or in structs it
// embeds) to props, as encoding/json encodes them for outer.
func (g *schemas) fields(t reflect.Type, outer string, props map[string]any, required *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() && !f.Anonymous {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			g.fields(f.Type, outer, props, required)
			continue
		}
		if name == "" {
			name = f.Name
		}
		s := g.of(f.Type)
		if d := g.docs.fields[t.Name()+"."+f.Name]; d != "" {
			s["description"] = d
		}
		for _, key := range []string{t.Name() + "." + name, outer + "." + name} {
			for k, v := range g.notes[key] {
				s[k] = v
			}
		}
		if strings.HasSuffix(name, "_at") || name == "at" || name == "as_of" {
			s["format"] = "date-time"
		}
		props[name] = s
		if !strings.Contains(","+opts+",", ",omitempty,") {
			*required = append(*required, name)
		}
	}
}

// sourceDocs are the doc comments of the api package's types and struct
// fields ("Type" and "Type.Field").
type sourceDocs struct {
	types  map[string]string
	fields map[string]string
}

// merge adds o's non-empty docs, which take the place of d's.
func (d sourceDocs) merge(o sourceDocs) {
	for k, v := range o.types {
		if v != "" {
			d.types[k] = v
		}
	}
	for k, v := range o.fields {
		if v != "" {
			d.fields[k] = v
		}
	}
}

func readDocs(dir string) (sourceDocs, error) {
	out := sourceDocs{types: map[string]string{}, fields: map[string]string{}}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ParseComments)
		if err != nil {
			return out, err
		}
		files = append(files, f)
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/graphlog/graphlog/api")
	if err != nil {
		return out, err
	}
	for _, t := range pkg.Types {
		out.types[t.Name] = clean(t.Doc)
		for _, spec := range t.Decl.Specs {
			ts, ok := spec.(*ast.TypeSpec)
			if !ok || ts.Name.Name != t.Name {
				continue
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			for _, f := range st.Fields.List {
				text := f.Doc.Text()
				if text == "" {
					text = f.Comment.Text()
				}
				for _, n := range f.Names {
					out.fields[t.Name+"."+n.Name] = clean(text)
				}
			}
		}
	}
	return out, nil
}

// clean makes a doc comment a description: its paragraphs, each on one
// line, and its indented blocks as they are.
func clean(text string) string {
	var paras []string
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			paras = append(paras, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case strings.HasPrefix(line, "\t") || strings.HasPrefix(line, "  "):
			flush()
			if n := len(paras); n > 0 && strings.HasPrefix(paras[n-1], "\t") {
				paras[n-1] += "\n" + line
			} else {
				paras = append(paras, line)
			}
		default:
			cur = append(cur, strings.TrimSpace(line))
		}
	}
	flush()
	return strings.Join(paras, "\n\n")
}
