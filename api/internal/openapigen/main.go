// Command openapigen writes the API's OpenAPI 3.1 document (api/openapi.json)
// and the route list of api/doc.go, from one description of the routes
// (operations) and from the Go types of the JSON shapes (package apitypes,
// which package api aliases) and their doc comments, so
// that neither can drift from the code: its test fails when the committed
// files differ from what it writes, and package api's tests hold the
// document to the routes the server registers, the statuses it answers and
// the answers real requests get.
//
// Run it with `go generate ./api`.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/graphlog/graphlog/api"
	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/replay"
)

func main() {
	dir := flag.String("dir", ".", "the api package's directory")
	flag.Parse()
	doc, docGo, err := build(*dir)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "openapi.json"), doc, 0o644); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(*dir, "doc.go"), docGo, 0o644); err != nil {
		log.Fatal(err)
	}
}

// build returns the document and doc.go with its route list rewritten.
func build(dir string) (doc, docGo []byte, err error) {
	docs, err := readDocs(dir)
	if err != nil {
		return nil, nil, err
	}
	// The JSON shapes are package apitypes' (package api has aliases of
	// them, without doc comments): their docs come from there.
	shapes, err := readDocs(filepath.Join(dir, "..", "apitypes"))
	if err != nil {
		return nil, nil, err
	}
	docs.merge(shapes)
	g := newSchemas(docs, notes())
	ops := operations(g)
	d, err := document(g, ops)
	if err != nil {
		return nil, nil, err
	}
	doc, err = json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, nil, err
	}
	doc = append(doc, '\n')
	old, err := os.ReadFile(filepath.Join(dir, "doc.go"))
	if err != nil {
		return nil, nil, err
	}
	docGo, err = routeList(old, ops)
	return doc, docGo, err
}

// notes say what the Go types cannot: enums, what an `any` holds.
func notes() map[string]map[string]any {
	changes := []string{replay.ChangeAdded, replay.ChangeUpdated, replay.ChangeRemoved, replay.ChangeReplaced, replay.ChangeTransient, replay.ChangeUnchanged}
	anyValue := map[string]any{"description": "Any JSON value."}
	answers := []any{}
	for _, t := range []reflect.Type{typ[api.Graph](), typ[api.Node](), typ[api.Edge](), typ[api.Neighbors](), typ[api.Path](),
		typ[api.Components](), typ[api.Order](), typ[api.AlgorithmAnswer]()} {
		answers = append(answers, ref(t.Name()))
	}
	return map[string]map[string]any{
		"EventData.type":         {"enum": graph.EventTypes},
		"Event.type":             {"enum": append(slices.Clone(graph.EventTypes), "Unknown"), "description": "The event's type; Unknown for an event written past the API by a newer or broken producer."},
		"Neighbor.direction":     {"enum": []string{"out", "in"}},
		"Neighbors.direction":    {"enum": []string{"out", "in", "both"}},
		"Components.kind":        {"enum": []string{"weak", "strong"}},
		"ElementHistory.kind":    {"enum": []string{"node", "edge"}},
		"ElementVersion.change":  {"enum": changes},
		"ErrorResponse.code":     {"enum": allCodes()},
		"PropertyChange.before":  anyValue,
		"PropertyChange.after":   anyValue,
		"AlgorithmAnswer.result": {"description": "The algorithm's result: its shape is the algorithm's (GET /v1/algorithms)."},
		"WhatIfResult.answer":    {"anyOf": answers, "description": "What the read's GET route would answer."},
		"SeriesValue.value": {"type": []string{"number", "object", "null"}, "additionalProperties": map[string]any{"type": "integer"},
			"description": "A number; for nodes_by_type and edges_by_type an object of counts by type; null for a node metric while the node does not exist."},
		"Comparison.changes":                {"description": "What differs between the two answers, by the rules of docs/ARCHITECTURE.md, \"How an answer changed\"; its shape follows the read's answer."},
		"Comparison.before":                 {"description": "The answer at before, without graph and version (with answers=true)."},
		"Comparison.after":                  {"description": "The answer at after, without graph and version (with answers=true)."},
		"Frame.code":                        {"enum": allCodes()},
		"ParamInfo.kind":                    {"enum": paramKinds()},
		"WhatIfQuery.params":                {"description": "The parameters its GET route takes, as strings."},
		"TransactionRequest.transaction_id": {"maxLength": graph.MaxElementIDLen},
	}
}

func allCodes() []string {
	var codes []string
	for status := range errorStatuses {
		codes = append(codes, codesOf(status)...)
	}
	slices.Sort(codes)
	return slices.Compact(codes)
}

func paramKinds() []string {
	var kinds []string
	for _, a := range graph.Algorithms() {
		for _, p := range a.Params {
			kinds = append(kinds, string(p.Kind))
		}
	}
	slices.Sort(kinds)
	return slices.Compact(kinds)
}

var pathParam = regexp.MustCompile(`\{([a-z]+)\}`)

func document(g *schemas, ops []operation) (map[string]any, error) {
	params := parameters()
	paths := map[string]any{}
	for _, op := range ops {
		method, path, ok := strings.Cut(op.pattern, " ")
		if !ok {
			return nil, fmt.Errorf("pattern %q has no method", op.pattern)
		}
		o := map[string]any{"operationId": op.id, "summary": op.summary, "tags": []string{op.tag}}
		if op.doc != "" {
			o["description"] = op.doc
		}
		var ps []any
		for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
			ps = append(ps, paramRef(params, m[1]))
		}
		for _, q := range op.query {
			if name, ok := q.(string); ok {
				ps = append(ps, paramRef(params, name))
			} else {
				ps = append(ps, q)
			}
		}
		if !op.probe {
			ps = append(ps, paramRef(params, "RequestID"), paramRef(params, "CorrelationID"))
		}
		if slices.Contains(ps, nil) {
			return nil, fmt.Errorf("%s: a parameter is not in components/parameters", op.pattern)
		}
		if len(ps) > 0 {
			o["parameters"] = ps
		}
		if op.body != nil {
			o["requestBody"] = map[string]any{"required": true, "description": op.bodyDoc,
				"content": map[string]any{"application/json": map[string]any{"schema": op.body}}}
		}
		content := op.content
		if content == "" {
			content = "application/json"
		}
		ok200 := map[string]any{"description": "OK.", "content": map[string]any{content: map[string]any{"schema": op.answer}}}
		if !op.probe {
			ok200["headers"] = map[string]any{api.HeaderRequestID: map[string]any{"$ref": "#/components/headers/RequestID"}}
		}
		responses := map[string]any{"200": ok200}
		if op.probe {
			o["security"] = []any{}
			for status, r := range op.probeErrors {
				responses[strconv.Itoa(status)] = r
			}
		} else {
			for status := range errorStatuses {
				if status == 405 {
					continue
				}
				responses[strconv.Itoa(status)] = errorRef(status, op.errors[status])
			}
		}
		for status := range op.errors {
			if _, ok := errorStatuses[status]; !ok || status == 405 {
				return nil, fmt.Errorf("%s: error status %d is not one the API answers", op.pattern, status)
			}
		}
		o["responses"] = responses
		for k, v := range op.extra {
			o[k] = v
		}
		item, _ := paths[path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[path] = item
		}
		item[strings.ToLower(method)] = o
	}

	schemas := g.defs
	// The body of a dry run: a transaction, and reads of its result.
	tx, _ := schemas["TransactionRequest"].(map[string]any)
	wi := map[string]any{}
	for k, v := range tx {
		wi[k] = v
	}
	props := map[string]any{}
	for k, v := range tx["properties"].(map[string]any) {
		props[k] = v
	}
	props["queries"] = map[string]any{"type": "array", "items": g.of(typ[api.WhatIfQuery]()), "maxItems": replay.MaxWhatIfQueries,
		"description": "Reads asked of the state the transaction would leave, each answered as its GET route would answer it."}
	wi["properties"] = props
	wi["description"] = "The body of POST .../transactions?dry_run=true: a transaction and the reads to ask of its result."
	schemas["WhatIfRequest"] = wi
	schemas["Properties"] = map[string]any{"type": "object", "additionalProperties": map[string]any{},
		"description": "An element's properties: any JSON values by key (numbers are doubles; NaN and ±Infinity, possible only in events written past the API, read as the strings \"NaN\", \"Infinity\", \"-Infinity\")."}
	schemas["GraphID"] = map[string]any{"type": "string", "pattern": fmt.Sprintf("^[A-Za-z0-9_-]{1,%d}$", graph.MaxGraphIDLen),
		"description": "A graph's ID: letters, digits, '_' and '-'."}
	schemas["ElementID"] = map[string]any{"type": "string", "minLength": 1,
		"description": fmt.Sprintf("A node's or an edge's ID: 1 to %d bytes of UTF-8.", graph.MaxElementIDLen)}
	schemas["Moment"] = map[string]any{"anyOf": []any{
		map[string]any{"type": "integer", "minimum": 1},
		map[string]any{"type": "string", "format": "date-time"},
	}, "description": "A point of a graph's history: a version (1, 2, …) or an RFC 3339 time (when the log recorded the events)."}

	responses := map[string]any{}
	for status, e := range errorStatuses {
		codes := codesOf(status)
		responses[e.name] = map[string]any{"description": e.doc,
			"headers": map[string]any{api.HeaderRequestID: map[string]any{"$ref": "#/components/headers/RequestID"}},
			"content": map[string]any{"application/json": map[string]any{"schema": map[string]any{
				"allOf": []any{ref("ErrorResponse"), map[string]any{"properties": map[string]any{"code": map[string]any{"enum": codes}}}},
			}}}}
	}
	var tags []any
	for _, t := range []struct{ name, doc string }{
		{"graphs", "Graphs and their elements: write, read now or as of a moment, snapshots."},
		{"history", "The log: events, live streams, element history, diffs, replays, forks, time-respecting reads, series."},
		{"algorithms", "Graph algorithms on the state now or as of a moment."},
		{"cluster", "Cluster membership and placement."},
		{"probes", "Liveness, readiness and metrics; never behind the token."},
		{"api", "The API itself."},
	} {
		tags = append(tags, map[string]any{"name": t.name, "description": t.doc})
	}
	return map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "graphlog API",
			"version": "1",
			"description": "Graphs as event-sourced state: every change is a transaction of events in a NATS JetStream log, " +
				"and every graph can be read as of any version or time. Every error answer is an ErrorResponse " +
				"({\"error\", \"code\"}); a known path asked with another method is answered 405 method_not_allowed, " +
				"an unknown path 404 not_found. Requests carry X-Request-ID (echoed) and X-Correlation-ID. " +
				"Generated by api/internal/openapigen from the api package; served at GET /v1/openapi.json.",
		},
		"servers":  []any{map[string]any{"url": "http://127.0.0.1:8080", "description": "A node's default --http-addr."}},
		"tags":     tags,
		"security": []any{map[string]any{}, map[string]any{"bearer": []string{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas":    schemas,
			"parameters": params,
			"responses":  responses,
			"headers": map[string]any{"RequestID": map[string]any{"description": "The request's ID, as sent or made by the node.",
				"schema": requestIDSchema()}},
			"securitySchemes": map[string]any{"bearer": map[string]any{"type": "http", "scheme": "bearer",
				"description": "Needed on /v1 when the node runs with --http-token."}},
		},
	}, nil
}

func paramRef(params map[string]any, name string) any {
	if _, ok := params[name]; !ok {
		return nil
	}
	return map[string]any{"$ref": "#/components/parameters/" + name}
}

// errorRef is the response of an error status, with what it means on
// the route when doc says.
func errorRef(status int, doc string) map[string]any {
	r := map[string]any{"$ref": "#/components/responses/" + errorStatuses[status].name}
	if doc != "" {
		r["description"] = doc
	}
	return r
}

// routeList rewrites the route list of doc.go: from the line "// Routes"
// to the end of the tab-indented lines after the next empty comment line.
func routeList(docGo []byte, ops []operation) ([]byte, error) {
	lines := strings.SplitAfter(string(docGo), "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "// Routes") })
	if start < 0 {
		return nil, fmt.Errorf("doc.go has no line \"// Routes …\"")
	}
	end := start
	for end < len(lines) && lines[end] != "//\n" {
		end++
	}
	for end++; end < len(lines) && strings.HasPrefix(lines[end], "//\t"); end++ {
	}
	params := parameters()
	var out bytes.Buffer
	out.WriteString(strings.Join(lines[:start], ""))
	out.WriteString("// Routes (written by go generate, from the description of the routes\n")
	out.WriteString("// that openapi.json is generated from; the document gives each one's\n")
	out.WriteString("// parameters, bodies, answers and statuses):\n")
	out.WriteString("//\n")
	for _, op := range ops {
		method, path, _ := strings.Cut(op.pattern, " ")
		var q []string
		for _, p := range op.query {
			if name, ok := p.(string); ok {
				if pm := params[name].(map[string]any); pm["in"] == "query" {
					q = append(q, pm["name"].(string))
				}
			}
		}
		if len(q) > 0 {
			path += "?" + strings.Join(q, "&")
		}
		fmt.Fprintf(&out, "//\t%-4s %s\n//\t     %s\n", method, path, op.summary)
	}
	out.WriteString(strings.Join(lines[end:], ""))
	return out.Bytes(), nil
}
