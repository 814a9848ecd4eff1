package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EnvConfig names the config file when --config is not given.
const EnvConfig = "GRAPHLOG_CONFIG"

// EnvName is the environment variable of a flag: GRAPHLOG_ plus the flag
// name in upper snake case (data-dir: GRAPHLOG_DATA_DIR).
func EnvName(flagName string) string {
	return "GRAPHLOG_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// Load builds a Config from, lowest precedence first, Default(), the JSON
// file named by --config or GRAPHLOG_CONFIG, the environment (read with
// getenv; nil means os.Getenv) and the flags in args (without the program
// name). It then validates the result.
//
// With -h or --help it prints the reference of every setting to stderr and
// returns an error that wraps flag.ErrHelp. On any error the returned Config
// is what was loaded so far, for diagnostics only.
func Load(args []string, getenv func(string) string) (Config, error) {
	return load(args, getenv, os.Stderr)
}

func load(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	// First pass: flags alone, to find --config and to report flag errors
	// (and -h) before anything else is read.
	scratch := Default()
	fs := NewFlagSet(&scratch)
	fs.SetOutput(out)
	if err := fs.Parse(args); err != nil {
		return Default(), err
	}
	if fs.NArg() > 0 {
		return Default(), fmt.Errorf("unexpected argument %q: every setting is a flag, such as --%s ./data (see -h)", fs.Arg(0), FlagDataDir)
	}
	path := scratch.ConfigFile
	if path == "" {
		path = getenv(EnvConfig)
	}

	c := Default()
	fs = NewFlagSet(&c)
	fs.SetOutput(io.Discard)
	if path != "" {
		if err := applyFile(fs, path); err != nil {
			return c, err
		}
	}
	if err := applyEnv(fs, getenv); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err // not reached: the first pass parsed the same args
	}
	c.ConfigFile = path
	return c, c.Validate()
}

// applyFile sets the flags named by the keys of the JSON object in path.
func applyFile(fs *flag.FlagSet, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w; fix --%s or %s", err, FlagConfig, EnvConfig)
	}
	return applyJSON(fs, path, data)
}

// applyJSON sets the flags named by the keys of the JSON object in data,
// read from path.
func applyJSON(fs *flag.FlagSet, path string, data []byte) error {
	var values map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&values); err != nil {
		return fmt.Errorf("config file %s: %v; it must be one JSON object whose keys are flag names, e.g. {\"%s\": \"./data\"}", path, err, FlagDataDir)
	}
	if values == nil {
		return fmt.Errorf("config file %s: is null; it must be one JSON object whose keys are flag names", path)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("config file %s: has data after the JSON object; it must hold exactly one object", path)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same error first every time
	for _, k := range keys {
		f := fs.Lookup(k)
		if f == nil || k == FlagConfig {
			hint := "the keys are the flag names listed by -h"
			if alt := strings.ReplaceAll(k, "_", "-"); alt != k && fs.Lookup(alt) != nil {
				hint = fmt.Sprintf("did you mean %q?", alt)
			}
			return fmt.Errorf("config file %s: unknown key %q; %s", path, k, hint)
		}
		s, err := scalar(values[k])
		if err != nil {
			return fmt.Errorf("config file %s: key %q: %v", path, k, err)
		}
		if err := f.Value.Set(s); err != nil {
			return fmt.Errorf("config file %s: key %q: %v", path, k, err)
		}
	}
	return nil
}

// scalar turns a JSON string, number or boolean into the text a flag takes.
func scalar(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0:
		return "", errors.New("has no value")
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	case raw[0] == '{' || raw[0] == '[':
		return "", errors.New("is an object or a list; give a string, number or boolean")
	case string(raw) == "null":
		return "", errors.New("is null; remove the key to keep the default")
	}
	return string(raw), nil // a number or a boolean, as written
}

// applyEnv sets every flag whose environment variable is set and not empty.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) error {
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == FlagConfig {
			return // read before the file, see Load
		}
		name := EnvName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		if err := f.Value.Set(v); err != nil {
			errs = append(errs, fmt.Errorf("environment %s: %v", name, err))
		}
	})
	return errors.Join(errs...)
}

// NewFlagSet returns a flag set (ContinueOnError) whose flags write into c.
// Each flag's default is c's value when NewFlagSet is called, so pass a
// Config from Default() to document the true defaults. Its Usage prints the
// configuration reference.
func NewFlagSet(c *Config) *flag.FlagSet {
	fs := flag.NewFlagSet("graphlog-node", flag.ContinueOnError)
	str := func(p *string, name, usage string) { fs.Var((*stringValue)(p), name, usage) }

	str(&c.ConfigFile, FlagConfig,
		"JSON `file` of settings: one object whose keys are flag names, e.g. {\"data-dir\": \"/var/lib/graphlog\"}. Unknown keys are an error. Also "+EnvConfig+".")
	str(&c.NodeName, FlagNodeName,
		"`name` of this member in logs and cluster IDs: letters, digits, '_' and '-' (default: the short host name, or \"node\")")
	str(&c.DataDir, FlagDataDir,
		"`directory` where the embedded NATS server stores JetStream data (unused with --nats-url)")
	str(&c.HTTP.Addr, FlagHTTPAddr,
		"`host:port` the HTTP API listens on (default "+DefaultHTTPAddr+", loopback only; "+DefaultHTTPAddrToken+", every interface, when --http-token is set)")
	fs.Var((*intValue)(&c.HTTP.MaxReplayFrames), FlagMaxReplayFrames,
		"most `frames` one replay sends after its keyframe; a longer one ends with a line naming the version to go on from")
	fs.Var((*intValue)(&c.HTTP.MaxFrameEvents), FlagMaxFrameEvents,
		"most `events` in one replay frame: a larger every is answered 422, and a step of interval with more is cut into several frames")
	fs.Var((*intValue)(&c.HTTP.MaxStreams), FlagMaxStreams,
		"most live event streams (`count`) open on this node at once; more are answered 429")
	fs.Var((*intValue)(&c.HTTP.MaxStreamsPerClient), FlagMaxStreamsPerClient,
		"most live event streams (`count`) one client address keeps open on this node; more are answered 429. Behind a proxy every client shares its address")
	fs.Var((*intValue)(&c.Graphs.MaxActivations), FlagMaxActivations,
		"most graphs (`count`) of this member that read their log to activate at once; the others wait their turn")
	fs.Var((*intValue)(&c.Graphs.MaxActiveGraphs), FlagMaxActiveGraphs,
		"most graphs (`count`) active on this member at once; past it the least recently used passivate, each with a snapshot. 0: no bound but --"+FlagGrainIdleTimeout)
	fs.Var((*intValue)(&c.Graphs.MaxAlgorithmElements), FlagMaxAlgorithmElements,
		"most nodes plus edges (`count`) of a graph an algorithm (shortest path, components, ...) runs on; a larger graph is answered 422")
	fs.Var((*durationValue)(&c.Graphs.AlgorithmTimeout), FlagAlgorithmTimeout,
		"longest `duration` one algorithm runs; past it the request is answered 422")
	str(&c.NATS.URL, FlagNATSURL,
		"NATS server `URLs` (comma-separated) to use instead of the embedded server; empty runs an embedded server")
	str(&c.NATS.Listen, FlagNATSListen,
		"`host:port` of the embedded NATS server's client listener; port 0 or -1 picks a random port")
	fs.Var((*boolValue)(&c.NATS.SyncAlways), FlagNATSSyncAlways,
		"fsync every JetStream write before acknowledging it (embedded server only). "+
			"With false, JetStream fsyncs every 2 minutes, and Jepsen (2025) showed acknowledged writes can be lost "+
			"when machines lose power; true closes that window at the cost of write latency and throughput")
	str(&c.NATS.Stream, FlagStream,
		"base `name` of the JetStream streams that hold every transaction (<name>-<partition>)")
	fs.Var((*intValue)(&c.NATS.Replicas), FlagReplicas,
		"`count` of replicas of the event and dead-letter streams, 1 to 5; more than 1 needs a NATS cluster (--nats-url), use 3 there")
	fs.Var((*int64Value)(&c.HTTP.MaxBodyBytes), FlagMaxBodyBytes,
		"largest HTTP request body in `bytes`; larger bodies are answered 413")
	fs.Var((*intValue)(&c.Graphs.MaxTransactionBytes), FlagMaxTransactionBytes,
		"most `bytes` of one transaction's encoding (one NATS message); larger ones are answered 413. "+
			"An external NATS server's max_payload must be at least this plus 4096")
	fs.Var((*intValue)(&c.NATS.Partitions), FlagPartitions,
		"`number` of streams the graphs are spread over; fixed when the log is created")
	fs.Var((*durationValue)(&c.NATS.DuplicateWindow), FlagDuplicateWindow,
		"how long the streams answer a resent transaction with its first ack, a `duration`")
	fs.Var((*durationValue)(&c.Graphs.IdleTimeout), FlagGrainIdleTimeout,
		"passivate a graph grain that received nothing for this `duration`: its memory is freed and the next request activates it again from the log")
	fs.Var((*durationValue)(&c.HTTP.RequestTimeout), FlagRequestTimeout,
		"bound on one request (a `duration`), including the append to the log; requests that take longer are answered 503")
	str(&c.Snapshots.Bucket, FlagSnapshotBucket,
		"`name` of the Object Store bucket of graph snapshots (its index is the KV bucket name_INDEX)")
	fs.Var((*intValue)(&c.Snapshots.Every), FlagSnapshotEvery,
		"snapshot a graph after this many `events` since its last snapshot; 0 turns it off")
	fs.Var((*floatValue)(&c.Snapshots.EveryPerElement), FlagSnapshotEveryPerElement,
		"and wait for at least this many `events` per element of the graph (nodes and edges), so that snapshots of large graphs cost as little per event as those of small ones; 0 turns it off")
	fs.Var((*durationValue)(&c.Snapshots.Interval), FlagSnapshotInterval,
		"snapshot a graph that changed this `duration` after its last snapshot; 0 turns it off (shutdown always snapshots a changed graph)")
	fs.Var((*intValue)(&c.Snapshots.PassivationEvents), FlagSnapshotPassivation,
		"a graph passivated (idle, or its member at --max-active-graphs) snapshots when this many `events` changed since its last snapshot; 0: any change. Fewer are read again from the log at less cost")
	fs.Var((*intValue)(&c.Snapshots.Keep), FlagSnapshotKeep,
		"`count` of each graph's newest snapshots to keep")
	fs.Var((*uint64Value)(&c.Snapshots.KeepEvery), FlagSnapshotKeepEvery,
		"also keep one snapshot per this many `events` of history, so time travel anywhere starts near its target; 0 keeps only the newest")
	fs.Var((*boolValue)(&c.Ingress.Enabled), FlagIngress,
		"run the JetStream ingress on this node: it hands transactions appended directly to the log to their graphs")
	str(&c.Ingress.Consumer, FlagIngressConsumer,
		"`name` of the durable JetStream consumer the ingress nodes share")
	str(&c.Actor.Host, FlagActorHost,
		"`host` the actor remote listens on; other members reach it there unless --actor-advertise-host is set")
	fs.Var((*intValue)(&c.Actor.Port), FlagActorPort,
		"`port` of the actor remote; 0 picks a random free port")
	str(&c.Actor.AdvertiseHost, FlagActorAdvertiseHost,
		"`host` other members reach this member's actors at; empty means --actor-host (required when that is 0.0.0.0)")
	str(&c.Actor.TLS.Cert, FlagActorTLSCert,
		"PEM `file` of this member's certificate for the actor remote (mutual TLS with --actor-tls-key and --actor-tls-ca); without TLS, run members on a private network")
	str(&c.Actor.TLS.Key, FlagActorTLSKey,
		"PEM `file` of the key of --actor-tls-cert")
	str(&c.Actor.TLS.CA, FlagActorTLSCA,
		"PEM `file` of the CA that signs every member's actor certificate")
	str(&c.Cluster.Bucket, FlagClusterBucket,
		"`name` of the NATS KV bucket every member registers in")
	fs.Var((*durationValue)(&c.Cluster.MemberTTL), FlagMemberTTL,
		"a member that stops refreshing its registration for this `duration` (killed, cut off) drops out of the cluster and its graphs move")
	str(&c.HTTP.Token, FlagHTTPToken,
		"bearer `token` every /v1 request must carry (Authorization: Bearer ...); empty leaves the API open. /healthz, /readyz and /metrics stay open")
	fs.Var((*int64Value)(&c.NATS.MaxStorage), FlagNATSMaxStorage,
		"most `bytes` the embedded NATS server's JetStream keeps on disk; 0 is the server's default (most of the free space). Past it writes are answered 507 until space returns")
	fs.Var((*durationValue)(&c.NATS.SyncInterval), FlagNATSSyncInterval,
		"how often the embedded server fsyncs JetStream writes, a `duration`; 0 is the server default (2m). See --nats-sync-always")
	str(&c.NATS.ClusterName, FlagNATSClusterName,
		"`name` of the NATS cluster the embedded server joins; every server of it uses the same")
	str(&c.NATS.ClusterListen, FlagNATSClusterListen,
		"`host:port` where the embedded server accepts routes from other NATS servers; set it (with --nats-routes) to run a NATS cluster of nodes")
	str(&c.NATS.ClusterAdvertise, FlagNATSClusterAdvertise,
		"`host:port` other NATS servers reach this one's routes at, when not --nats-cluster-listen")
	str(&c.NATS.Routes, FlagNATSRoutes,
		"the other NATS servers' route `URLs`, comma-separated, e.g. nats-route://node2:6222,nats-route://node3:6222")
	str(&c.NATS.User, FlagNATSUser,
		"NATS `user` (with --nats-password); the embedded server then requires it of every client")
	str(&c.NATS.Password, FlagNATSPassword,
		"NATS `password` of --nats-user")
	str(&c.NATS.NkeySeedFile, FlagNATSNkeySeedFile,
		"`file` holding an nkey user seed to authenticate to NATS; the embedded server then requires that nkey of every client")
	str(&c.NATS.TLS.Cert, FlagNATSTLSCert,
		"PEM `file` of the certificate for NATS TLS: the embedded server's listeners, and the client certificate when --nats-tls-ca asks for mutual TLS")
	str(&c.NATS.TLS.Key, FlagNATSTLSKey,
		"PEM `file` of the key of --nats-tls-cert")
	str(&c.NATS.TLS.CA, FlagNATSTLSCA,
		"PEM `file` of the CA trusted for NATS TLS connections")
	fs.Var((*boolValue)(&c.Demo), FlagDemo,
		"seed the graph \"demo\" with a small history if it does not exist, to see something in the viewer at once")
	str(&c.Log.Level, FlagLogLevel,
		"log `level`: debug, info, warn or error")
	str(&c.Log.Format, FlagLogFormat,
		"log `format`: text or json")

	fs.Usage = func() { usage(fs.Output(), fs) }
	return fs
}

// Usage writes the configuration reference: every setting with its flag,
// environment variable, default and meaning.
func Usage(w io.Writer) {
	c := Default()
	usage(w, NewFlagSet(&c))
}

func usage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: %s [flags]

Settings come from, lowest precedence first: defaults, a JSON config
file (--%s or %s), environment variables (GRAPHLOG_ + the flag
name in upper snake case) and flags. Durations are written like 30s, 5m
or 1h30m.

`, fs.Name(), FlagConfig, EnvConfig)
	fs.VisitAll(func(f *flag.Flag) {
		name, text := flag.UnquoteUsage(f)
		if _, ok := f.Value.(*boolValue); ok {
			name = "" // bool flags take no argument (--ingress=false turns one off)
		}
		fmt.Fprintf(w, "  --%s", f.Name)
		if name != "" {
			fmt.Fprintf(w, " %s", name)
		}
		fmt.Fprintf(w, "\n    \t%s\n", text)
		def := f.DefValue
		if f.Name == FlagNodeName {
			def = "" // host-dependent, described in the text
		}
		if def != "" {
			fmt.Fprintf(w, "    \tdefault: %s\n", def)
		}
		if f.Name != FlagConfig {
			fmt.Fprintf(w, "    \tenvironment: %s\n", EnvName(f.Name))
		}
	})
}

// Flag values with errors that say what a good value looks like (the flag
// package's own say only "parse error").

type stringValue string

func (v *stringValue) Set(s string) error { *v = stringValue(s); return nil }
func (v *stringValue) String() string     { return string(*v) }

type boolValue bool

func (v *boolValue) Set(s string) error {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("%q is not a boolean; use true or false", s)
	}
	*v = boolValue(b)
	return nil
}
func (v *boolValue) String() string   { return strconv.FormatBool(bool(*v)) }
func (v *boolValue) IsBoolFlag() bool { return true }

type intValue int

func (v *intValue) Set(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = intValue(n)
	return nil
}
func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

type floatValue float64

func (v *floatValue) Set(s string) error {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Errorf("%q is not a number", s)
	}
	*v = floatValue(f)
	return nil
}
func (v *floatValue) String() string { return strconv.FormatFloat(float64(*v), 'g', -1, 64) }

type int64Value int64

func (v *int64Value) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a whole number", s)
	}
	*v = int64Value(n)
	return nil
}
func (v *int64Value) String() string { return strconv.FormatInt(int64(*v), 10) }

type uint64Value uint64

func (v *uint64Value) Set(s string) error {
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not a whole number of 0 or more", s)
	}
	*v = uint64Value(n)
	return nil
}
func (v *uint64Value) String() string { return strconv.FormatUint(uint64(*v), 10) }

type durationValue time.Duration

func (v *durationValue) Set(s string) error {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration; write it like 30s, 5m or 1h30m", s)
	}
	*v = durationValue(d)
	return nil
}
func (v *durationValue) String() string { return time.Duration(*v).String() }
