package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nuid"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/graphlog/graphlog/graph"
	"github.com/graphlog/graphlog/messages"
	"github.com/graphlog/graphlog/store"
)

// Limits of a transaction body beyond the configured ones.
const (
	// MaxPropertyDepth bounds how deeply property values nest, as the
	// graph's rules do. Checking at the edge also keeps every accepted
	// event readable: each JSON level costs about three protobuf levels,
	// and protobuf refuses to decode past 10,000.
	MaxPropertyDepth = graph.MaxPropertyDepth
	// MaxMetadataLen bounds each metadata string, in bytes.
	MaxMetadataLen = 1024
)

var (
	transactionFields = []string{"expected_version", "transaction_id", "metadata", "events"}
	metadataFields    = []string{"correlation_id", "causation_id", "author"}
	// eventFields lists the payload fields of each event type, as the
	// schema names them (graph.EventFields); every event also takes "type"
	// and "occurred_at".
	eventFields = func() map[string][]string {
		m := make(map[string][]string, len(graph.EventTypes))
		for _, typ := range graph.EventTypes {
			m[typ], _ = graph.EventFields(typ)
		}
		return m
	}()
	eventTypes = graph.EventTypes
)

// DecodeTransaction turns a POSTed body into a transaction for graphID,
// stamped at the edge: a transaction ID (nuid) unless the body has one, and
// for each event an event ID (nuid), the graph ID, its index, the count and
// the body's metadata. maxEvents > 0 bounds the events; the log bounds a
// transaction by its encoded bytes in any case.
//
// It is strict: unknown fields, fields that do not belong to an event's
// type, keys that differ only in case, non-object properties and trailing
// data are errors. Errors wrap graph.ErrInvalidID (a bad graph or element
// ID), store.ErrTooLarge (more than maxEvents events) or
// graph.ErrInvalidTransaction (anything else), and name the offending field,
// e.g. events[2].node_id.
//
// It checks the shape of each event, not the graph's rules (a node that
// already exists, an edge to a missing node): the grain does that.
func DecodeTransaction(graphID string, body []byte, maxEvents int) (*messages.Transaction, error) {
	if err := graph.ValidateGraphID(graphID); err != nil {
		return nil, err
	}
	top, err := object(body, "request body", transactionFields)
	if err != nil {
		return nil, err
	}
	return decodeTransaction(graphID, top, maxEvents)
}

// decodeTransaction is DecodeTransaction on the body's fields.
func decodeTransaction(graphID string, top map[string]json.RawMessage, maxEvents int) (*messages.Transaction, error) {
	var err error
	tx := &messages.Transaction{GraphId: graphID}

	if raw, ok := present(top, "expected_version"); ok {
		var v uint64
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, invalid("expected_version must be a whole number, 0 or more (it is %s)", kind(raw))
		}
		tx.ExpectedVersion = &v
	}
	if tx.TransactionId, err = stringField(top, "", "transaction_id"); err != nil {
		return nil, err
	}
	if tx.TransactionId == "" {
		tx.TransactionId = nuid.Next()
	} else if err := checkTransactionID(tx.TransactionId); err != nil {
		return nil, err
	}
	md, err := decodeMetadata(top)
	if err != nil {
		return nil, err
	}

	raw, ok := present(top, "events")
	if !ok {
		return nil, invalid("the transaction has no events; send at least one in \"events\"")
	}
	var events []json.RawMessage
	if err := json.Unmarshal(raw, &events); err != nil {
		return nil, invalid("events must be a list of event objects (it is %s)", kind(raw))
	}
	switch {
	case len(events) == 0:
		return nil, invalid("the transaction has no events; send at least one in \"events\"")
	case maxEvents > 0 && len(events) > maxEvents:
		return nil, fmt.Errorf("%w: %d events, the limit is %d", store.ErrTooLarge, len(events), maxEvents)
	}

	tx.Events = make([]*messages.Event, len(events))
	for i, raw := range events {
		ev, err := decodeEvent(raw, fmt.Sprintf("events[%d]", i))
		if err != nil {
			return nil, err
		}
		ev.EventId = nuid.Next()
		ev.GraphId = graphID
		ev.TransactionId = tx.TransactionId
		ev.Index = uint32(i)
		ev.Count = uint32(len(events))
		if md != nil {
			c := *md // each event owns its metadata
			ev.Metadata = &messages.Metadata{CorrelationId: c.CorrelationID, CausationId: c.CausationID, Author: c.Author}
		}
		tx.Events[i] = ev
	}
	return tx, nil
}

// decodeEvent decodes one event object; at names it in errors.
func decodeEvent(raw json.RawMessage, at string) (*messages.Event, error) {
	m, err := object(raw, at, nil)
	if err != nil {
		return nil, err
	}
	typ, err := stringField(m, at, "type")
	if err != nil {
		return nil, err
	}
	fields, ok := eventFields[typ]
	if !ok {
		what := fmt.Sprintf("has unknown type %q", clip(typ))
		if typ == "" {
			what = "has no \"type\""
		}
		return nil, invalid("%s %s; use one of %s", at, what, strings.Join(eventTypes, ", "))
	}
	for k := range m {
		if k != "type" && k != "occurred_at" && !slices.Contains(fields, k) {
			return nil, invalid("%s: field %q does not belong to %s; %s takes type, occurred_at, %s",
				at, clip(k), typ, typ, strings.Join(fields, ", "))
		}
	}

	// Fields are read through d, which remembers the first error, so the
	// per-type code below reads as a list of fields.
	d := fieldDecoder{m: m, at: at}
	ev := &messages.Event{OccurredAt: d.time("occurred_at")}
	switch typ {
	case EventNodeAdded:
		ev.Payload = &messages.Event_NodeAdded{NodeAdded: &messages.NodeAdded{
			NodeId:     d.id("node_id", "node"),
			NodeType:   d.typ("node_type", "node"),
			Properties: d.properties("properties"),
		}}
	case EventNodeUpdated:
		ev.Payload = &messages.Event_NodeUpdated{NodeUpdated: &messages.NodeUpdated{
			NodeId: d.id("node_id", "node"),
			Set:    d.properties("set"),
			Unset:  d.strings("unset"),
		}}
	case EventNodeRemoved:
		ev.Payload = &messages.Event_NodeRemoved{NodeRemoved: &messages.NodeRemoved{
			NodeId: d.id("node_id", "node"),
		}}
	case EventEdgeAdded:
		ev.Payload = &messages.Event_EdgeAdded{EdgeAdded: &messages.EdgeAdded{
			EdgeId:     d.id("edge_id", "edge"),
			SourceId:   d.id("source_id", "source node"),
			TargetId:   d.id("target_id", "target node"),
			EdgeType:   d.typ("edge_type", "edge"),
			Properties: d.properties("properties"),
		}}
	case EventEdgeUpdated:
		ev.Payload = &messages.Event_EdgeUpdated{EdgeUpdated: &messages.EdgeUpdated{
			EdgeId: d.id("edge_id", "edge"),
			Set:    d.properties("set"),
			Unset:  d.strings("unset"),
		}}
	case EventEdgeRemoved:
		ev.Payload = &messages.Event_EdgeRemoved{EdgeRemoved: &messages.EdgeRemoved{
			EdgeId: d.id("edge_id", "edge"),
		}}
	}
	if d.err != nil {
		return nil, d.err
	}
	return ev, nil
}

// fieldDecoder reads the fields of one JSON object and keeps the first error.
type fieldDecoder struct {
	m   map[string]json.RawMessage
	at  string
	err error
}

func (d *fieldDecoder) str(key string) string {
	if d.err != nil {
		return ""
	}
	s, err := stringField(d.m, d.at, key)
	if err != nil {
		d.err = err
	}
	return s
}

func (d *fieldDecoder) id(key, what string) string {
	s := d.str(key)
	if d.err != nil {
		return ""
	}
	if err := graph.ValidateElementID(what, s); err != nil {
		d.err = fmt.Errorf("%s.%s: %w", d.at, key, err)
	}
	return s
}

func (d *fieldDecoder) strings(key string) []string {
	raw, ok := present(d.m, key)
	if d.err != nil || !ok {
		return nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		d.err = invalid("%s.%s must be a list of strings (it is %s)", d.at, key, kind(raw))
		return nil
	}
	return ss
}

// typ reads a node or edge type: optional, at most graph.MaxTypeLen bytes.
func (d *fieldDecoder) typ(key, what string) string {
	s := d.str(key)
	if d.err == nil && len(s) > graph.MaxTypeLen {
		d.err = invalid("%s.%s: %s type is %d bytes long, the limit is %d", d.at, key, what, len(s), graph.MaxTypeLen)
	}
	return s
}

func (d *fieldDecoder) properties(key string) *structpb.Struct {
	raw, ok := present(d.m, key)
	if d.err != nil || !ok {
		return nil
	}
	s, err := decodeProperties(raw, d.at+"."+key)
	if err != nil {
		d.err = err
	}
	return s
}

func (d *fieldDecoder) time(key string) *timestamppb.Timestamp {
	s := d.str(key)
	if d.err != nil || s == "" {
		return nil
	}
	t, err := parseTime(s)
	if err != nil {
		d.err = invalid("%s.%s is %q, not an RFC 3339 time; write it like 2025-01-02T15:04:05Z", d.at, key, clip(s))
		return nil
	}
	ts := timestamppb.New(t)
	if err := ts.CheckValid(); err != nil {
		d.err = invalid("%s.%s is %q, outside the years 0001 to 9999 UTC", d.at, key, clip(s))
		return nil
	}
	return ts
}

// decodeProperties turns a JSON object (or null: none) into a Struct.
// Numbers become float64, as in every JSON-to-protobuf mapping: integers
// beyond 2^53 lose precision.
func decodeProperties(raw json.RawMessage, at string) (*structpb.Struct, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return nil, invalid("%s has the %s, beyond what a property number (a double, up to about 1.8e308) can hold", at, clip(typeErr.Value))
		}
		return nil, invalid("%s: %v", at, err)
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, invalid("%s must be a JSON object of properties (it is %s)", at, kind(raw))
	}
	if depth(m) > MaxPropertyDepth {
		return nil, invalid("%s nests deeper than %d levels; flatten it", at, MaxPropertyDepth)
	}
	s, err := structpb.NewStruct(m)
	if err != nil {
		return nil, invalid("%s: %v", at, err)
	}
	return s, nil
}

// depth is how deeply v nests objects and lists (a scalar is 0).
func depth(v any) int {
	deepest := 0
	switch v := v.(type) {
	case map[string]any:
		for _, e := range v {
			deepest = max(deepest, depth(e))
		}
	case []any:
		for _, e := range v {
			deepest = max(deepest, depth(e))
		}
	default:
		return 0
	}
	return deepest + 1
}

func decodeMetadata(top map[string]json.RawMessage) (*Metadata, error) {
	raw, ok := present(top, "metadata")
	if !ok {
		return nil, nil
	}
	m, err := object(raw, "metadata", metadataFields)
	if err != nil {
		return nil, err
	}
	md := &Metadata{}
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"correlation_id", &md.CorrelationID},
		{"causation_id", &md.CausationID},
		{"author", &md.Author},
	} {
		if *f.dst, err = stringField(m, "metadata", f.key); err != nil {
			return nil, err
		}
		if len(*f.dst) > MaxMetadataLen {
			return nil, invalid("metadata.%s is %d bytes long; the limit is %d", f.key, len(*f.dst), MaxMetadataLen)
		}
	}
	return md, nil
}

// checkTransactionID accepts what ValidateElementID accepts, without
// control characters: the ID may travel in a NATS header.
func checkTransactionID(id string) error {
	if err := graph.ValidateElementID("transaction", id); err != nil {
		return fmt.Errorf("transaction_id: %w", err)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return fmt.Errorf("transaction_id: %w: transaction ID %q has a control character", graph.ErrInvalidID, id)
		}
	}
	return nil
}

// object decodes raw as a JSON object. When allowed is not nil, every key
// must be in it.
func object(raw []byte, at string, allowed []string) (map[string]json.RawMessage, error) {
	if len(strings.TrimSpace(string(raw))) == 0 {
		return nil, invalid("%s is empty; send a JSON object", at)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return nil, invalid("%s is not valid JSON: %v (at byte %d)", at, err, syntax.Offset)
		}
		return nil, invalid("%s must be a JSON object (it is %s)", at, kind(raw))
	}
	if m == nil {
		return nil, invalid("%s must be a JSON object (it is null)", at)
	}
	if allowed != nil {
		for k := range m {
			if !slices.Contains(allowed, k) {
				return nil, invalid("%s has unknown field %q; the fields are %s", at, clip(k), strings.Join(allowed, ", "))
			}
		}
	}
	return m, nil
}

// present returns the value of key unless it is missing or null.
func present(m map[string]json.RawMessage, key string) (json.RawMessage, bool) {
	raw, ok := m[key]
	if !ok || string(raw) == "null" {
		return nil, false
	}
	return raw, true
}

// stringField reads an optional string field ("" when missing or null) of
// the object at.
func stringField(m map[string]json.RawMessage, at, key string) (string, error) {
	raw, ok := present(m, key)
	if !ok {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		if at != "" {
			key = at + "." + key
		}
		return "", invalid("%s must be a string (it is %s)", key, kind(raw))
	}
	return s, nil
}

// kind names the JSON kind of a valid JSON value, for error messages.
func kind(raw json.RawMessage) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "empty"
	}
	switch s[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "the number " + clip(s)
}

// clip shortens client input quoted in an error message, so an answer
// never echoes megabytes back.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", graph.ErrInvalidTransaction, fmt.Sprintf(format, args...))
}

// submit handles POST /v1/graphs/{graph}/transactions.
func (s *server) submit(w http.ResponseWriter, r *http.Request) error {
	graphID := r.PathValue("graph")
	if err := graph.ValidateGraphID(graphID); err != nil {
		return err
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	dryRun, err := boolParam(r, "dry_run")
	if err != nil {
		return err
	}
	if dryRun {
		return s.whatIf(w, r, graphID, body)
	}
	tx, err := DecodeTransaction(graphID, body, s.maxEvents)
	if err != nil {
		return err
	}
	info := requestInfoFrom(r.Context())
	stampCorrelation(tx, info.correlationID)
	if s.opts.Graphs == nil {
		return fmt.Errorf("%w: this node has no graphs to submit to", errNotServed)
	}
	reply, err := s.opts.Graphs.Submit(r.Context(), tx)
	if err != nil {
		return err
	}
	if reply == nil {
		return errors.New("submit returned neither a reply nor an error")
	}
	if err := replyError(reply.GetError()); err != nil {
		return err
	}
	info.log.Debug("transaction committed", keyGraph, graphID, keyTransaction, tx.TransactionId,
		keyVersion, reply.GetVersion(), keyEvents, len(tx.Events))
	return writeJSON(w, http.StatusOK, SubmitResult{
		Graph:    graphID,
		Version:  reply.GetVersion(),
		Sequence: reply.GetSequence(),
		Events:   len(tx.Events),
	})
}

// readBody reads a request body of at most the node's limit; a larger
// one is an *http.MaxBytesError (413).
func (s *server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: reading the body: %v", ErrInvalidRequest, err)
	}
	return body, nil
}

// stampCorrelation gives every event without a correlation ID this one.
func stampCorrelation(tx *messages.Transaction, correlationID string) {
	if correlationID == "" {
		return
	}
	for _, ev := range tx.Events {
		if ev.Metadata == nil {
			ev.Metadata = &messages.Metadata{}
		}
		if ev.Metadata.CorrelationId == "" {
			ev.Metadata.CorrelationId = correlationID
		}
	}
}
