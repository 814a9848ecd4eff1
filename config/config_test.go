package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "graphlog.json")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// The API listens on loopback only unless told where, or guarded by a
// token.
func TestListenAddr(t *testing.T) {
	for _, tt := range []struct{ addr, token, want string }{
		{"", "", "127.0.0.1:8080"},
		{"", "secret", ":8080"},
		{":9000", "", ":9000"},
		{"127.0.0.1:9000", "secret", "127.0.0.1:9000"},
	} {
		if got := (HTTP{Addr: tt.addr, Token: tt.token}).ListenAddr(); got != tt.want {
			t.Errorf("ListenAddr(addr %q, token %q) = %q, want %q", tt.addr, tt.token, got, tt.want)
		}
	}
}

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if c.HTTP.ListenAddr() != "127.0.0.1:8080" || c.DataDir != "./data" || c.NATS.Listen != "127.0.0.1:4222" ||
		c.NATS.Stream != "EVENTS" || c.NATS.Replicas != 1 || c.HTTP.MaxBodyBytes != 4194304 ||
		c.Graphs.MaxTransactionBytes != 1_000_000 || c.NATS.Partitions != 1 || c.NATS.DuplicateWindow != time.Minute || c.Graphs.IdleTimeout != 5*time.Minute ||
		c.HTTP.RequestTimeout != 10*time.Second || !c.Ingress.Enabled || c.Ingress.Consumer != "graphlog-ingress" ||
		c.Actor.Host != "127.0.0.1" || c.Actor.Port != 0 || c.Log.Level != "info" || c.Log.Format != "text" ||
		c.NATS.URL != "" || c.NATS.SyncAlways || c.NodeName == "" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadPrecedence(t *testing.T) {
	file := writeFile(t, `{"data-dir": "/from/file", "http-addr": ":1111", "replicas": 1,
		"grain-idle-timeout": "1m", "nats-sync-always": true, "log-level": "warn", "max-body-bytes": 1000}`)
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(t *testing.T, c Config)
	}{
		{
			name: "defaults only",
			check: func(t *testing.T, c Config) {
				if c.DataDir != "./data" || c.ConfigFile != "" {
					t.Errorf("DataDir=%q ConfigFile=%q", c.DataDir, c.ConfigFile)
				}
			},
		},
		{
			name: "file over defaults",
			args: []string{"--config", file},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/from/file" || c.HTTP.Addr != ":1111" || c.Graphs.IdleTimeout != time.Minute ||
					!c.NATS.SyncAlways || c.Log.Level != "warn" || c.HTTP.MaxBodyBytes != 1000 || c.ConfigFile != file {
					t.Errorf("file not applied: %+v", c)
				}
				if c.NATS.Stream != "EVENTS" {
					t.Errorf("unset key changed: stream %q", c.NATS.Stream)
				}
			},
		},
		{
			name: "config path from environment",
			env:  map[string]string{EnvConfig: file},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/from/file" {
					t.Errorf("DataDir=%q", c.DataDir)
				}
			},
		},
		{
			name: "env over file",
			args: []string{"--config", file},
			env:  map[string]string{"GRAPHLOG_DATA_DIR": "/from/env", "GRAPHLOG_GRAIN_IDLE_TIMEOUT": "2m", "GRAPHLOG_NATS_SYNC_ALWAYS": "false"},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/from/env" || c.Graphs.IdleTimeout != 2*time.Minute || c.NATS.SyncAlways {
					t.Errorf("env not applied: %+v", c)
				}
				if c.HTTP.Addr != ":1111" {
					t.Errorf("file value lost: %q", c.HTTP.Addr)
				}
			},
		},
		{
			name: "flags over env and file",
			args: []string{"--config", file, "--data-dir", "/from/flag", "-grain-idle-timeout=3m", "--nats-sync-always=false", "--ingress=false"},
			env:  map[string]string{"GRAPHLOG_DATA_DIR": "/from/env", "GRAPHLOG_GRAIN_IDLE_TIMEOUT": "2m", "GRAPHLOG_LOG_LEVEL": "debug"},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/from/flag" || c.Graphs.IdleTimeout != 3*time.Minute || c.NATS.SyncAlways || c.Ingress.Enabled {
					t.Errorf("flags not applied: %+v", c)
				}
				if c.Log.Level != "debug" {
					t.Errorf("env value lost: %q", c.Log.Level)
				}
			},
		},
		{
			name: "flag config path beats env config path",
			args: []string{"--config", file},
			env:  map[string]string{EnvConfig: "/does/not/exist.json"},
			check: func(t *testing.T, c Config) {
				if c.DataDir != "/from/file" {
					t.Errorf("DataDir=%q", c.DataDir)
				}
			},
		},
		{
			name: "every flag",
			args: []string{"--node-name", "n1", "--data-dir", "d", "--http-addr", "127.0.0.1:9", "--nats-url", "nats://a:4222,b:4223",
				"--nats-listen", "0.0.0.0:-1", "--nats-sync-always", "--stream", "S", "--replicas", "3", "--max-body-bytes", "10",
				"--max-transaction-bytes", "7000", "--partitions", "4", "--duplicate-window", "30s", "--grain-idle-timeout", "1h", "--request-timeout", "1s", "--ingress=false",
				"--ingress-consumer", "c", "--actor-host", "10.0.0.1", "--actor-port", "9000", "--log-level", "error", "--log-format", "json",
				"--snapshot-bucket", "SB", "--snapshot-every", "50", "--snapshot-every-per-element", "0.25", "--snapshot-interval", "2m", "--snapshot-keep", "4", "--snapshot-keep-every", "600",
				"--http-token", "tok", "--nats-sync-interval", "1s", "--nats-user", "u", "--nats-password", "p",
				"--max-replay-frames", "11", "--max-frame-events", "12", "--max-streams", "13", "--max-streams-per-client", "14", "--max-activations", "15", "--nats-max-storage", "16",
				"--max-algorithm-elements", "17", "--algorithm-timeout", "18s", "--max-active-graphs", "19", "--snapshot-passivation-events", "20",
				"--nats-tls-cert", "nc.pem", "--nats-tls-key", "nk.pem", "--nats-tls-ca", "nca.pem",
				"--actor-advertise-host", "n1.example", "--actor-tls-cert", "ac.pem", "--actor-tls-key", "ak.pem", "--actor-tls-ca", "aca.pem",
				"--cluster-bucket", "members", "--member-ttl", "9s"},
			check: func(t *testing.T, c Config) {
				want := Config{NodeName: "n1", DataDir: "d",
					HTTP: HTTP{Addr: "127.0.0.1:9", MaxBodyBytes: 10, RequestTimeout: time.Second, Token: "tok",
						MaxReplayFrames: 11, MaxFrameEvents: 12, MaxStreams: 13, MaxStreamsPerClient: 14},
					NATS: NATS{URL: "nats://a:4222,b:4223", Listen: "0.0.0.0:-1", SyncAlways: true, SyncInterval: time.Second, MaxStorage: 16,
						Stream: "S", Partitions: 4, DuplicateWindow: 30 * time.Second, Replicas: 3, ClusterName: "graphlog", User: "u", Password: "p",
						TLS: TLS{Cert: "nc.pem", Key: "nk.pem", CA: "nca.pem"}},
					Graphs: Graphs{MaxTransactionBytes: 7000, IdleTimeout: time.Hour, MaxActivations: 15, MaxActiveGraphs: 19,
						MaxAlgorithmElements: 17, AlgorithmTimeout: 18 * time.Second},
					Snapshots: Snapshots{Bucket: "SB", Every: 50, EveryPerElement: 0.25, Interval: 2 * time.Minute, Keep: 4, KeepEvery: 600, PassivationEvents: 20},
					Ingress:   Ingress{Enabled: false, Consumer: "c"},
					Actor: Actor{Host: "10.0.0.1", Port: 9000, AdvertiseHost: "n1.example",
						TLS: TLS{Cert: "ac.pem", Key: "ak.pem", CA: "aca.pem"}},
					Cluster: Cluster{Bucket: "members", MemberTTL: 9 * time.Second},
					Log:     Log{Level: "error", Format: "json"}}
				if c != want {
					t.Errorf("got  %+v\nwant %+v", c, want)
				}
			},
		},
		{
			name: "embedded NATS cluster",
			args: []string{"--nats-cluster-name", "prod", "--nats-cluster-listen", "0.0.0.0:6222",
				"--nats-cluster-advertise", "n1:6222", "--nats-routes", "nats-route://n2:6222,n3:6222", "--replicas", "3",
				"--nats-nkey-seed-file", "seed.nk"},
			check: func(t *testing.T, c Config) {
				n := c.NATS
				if n.ClusterName != "prod" || n.ClusterListen != "0.0.0.0:6222" || n.ClusterAdvertise != "n1:6222" ||
					n.Routes != "nats-route://n2:6222,n3:6222" || n.Replicas != 3 || n.NkeySeedFile != "seed.nk" || !n.Clustered() {
					t.Errorf("cluster flags not applied: %+v", n)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load(tt.args, env(tt.env), &bytes.Buffer{})
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		file string // written to a temp file and passed with --config when set
		args []string
		env  map[string]string
		want []string // substrings of the error
	}{
		{name: "unknown file key", file: `{"data-dir": "x", "colour": "blue"}`, want: []string{`unknown key "colour"`}},
		{name: "snake case file key", file: `{"data_dir": "x"}`, want: []string{`unknown key "data_dir"`, `did you mean "data-dir"`}},
		{name: "config key in file", file: `{"config": "other.json"}`, want: []string{`unknown key "config"`}},
		{name: "file not an object", file: `[1,2]`, want: []string{"one JSON object"}},
		{name: "file null", file: `null`, want: []string{"null"}},
		{name: "file trailing data", file: `{} {}`, want: []string{"after the JSON object"}},
		{name: "file object value", file: `{"data-dir": {"a": 1}}`, want: []string{`"data-dir"`, "object or a list"}},
		{name: "file null value", file: `{"data-dir": null}`, want: []string{"remove the key"}},
		{name: "file bad duration", file: `{"grain-idle-timeout": "5 minutes"}`, want: []string{`"grain-idle-timeout"`, "not a duration"}},
		{name: "file duration as number", file: `{"request-timeout": 10}`, want: []string{`"request-timeout"`, "not a duration"}},
		{name: "file bad int", file: `{"replicas": "three"}`, want: []string{`"replicas"`, "not a whole number"}},
		{name: "file bad bool", file: `{"ingress": "yes please"}`, want: []string{`"ingress"`, "not a boolean"}},
		{name: "missing file", args: []string{"--config", "/does/not/exist.json"}, want: []string{"config file", "--config"}},
		{name: "env bad duration", env: map[string]string{"GRAPHLOG_REQUEST_TIMEOUT": "soon"}, want: []string{"GRAPHLOG_REQUEST_TIMEOUT", "not a duration"}},
		{name: "flag bad duration", args: []string{"--grain-idle-timeout", "1x"}, want: []string{"grain-idle-timeout", "not a duration"}},
		{name: "unknown flag", args: []string{"--colour", "blue"}, want: []string{"colour"}},
		{name: "positional argument", args: []string{"serve"}, want: []string{`unexpected argument "serve"`}},
		{name: "validation after load", args: []string{"--replicas", "0"}, want: []string{"--replicas"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"--config", writeFile(t, tt.file)}, args...)
			}
			_, err := load(args, env(tt.env), &bytes.Buffer{})
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		flags  []string // every flag named in the error, and only these
	}{
		{"empty node name", func(c *Config) { c.NodeName = "" }, []string{FlagNodeName}},
		{"dotted node name", func(c *Config) { c.NodeName = "a.b" }, []string{FlagNodeName}},
		{"long node name", func(c *Config) { c.NodeName = strings.Repeat("n", 65) }, []string{FlagNodeName}},
		{"empty data dir embedded", func(c *Config) { c.DataDir = "" }, []string{FlagDataDir}},
		{"empty data dir external", func(c *Config) { c.DataDir = ""; c.NATS.URL = "nats://x:4222" }, nil},
		{"bad http addr", func(c *Config) { c.HTTP.Addr = "8080" }, []string{FlagHTTPAddr}},
		{"bad http port", func(c *Config) { c.HTTP.Addr = ":http" }, []string{FlagHTTPAddr}},
		{"bad nats url scheme", func(c *Config) { c.NATS.URL = "http://x:4222" }, []string{FlagNATSURL}},
		{"empty nats url in list", func(c *Config) { c.NATS.URL = "nats://x:4222," }, []string{FlagNATSURL}},
		{"bad nats listen", func(c *Config) { c.NATS.Listen = "localhost" }, []string{FlagNATSListen}},
		{"nats listen no host", func(c *Config) { c.NATS.Listen = ":4222" }, []string{FlagNATSListen}},
		{"nats listen random", func(c *Config) { c.NATS.Listen = "127.0.0.1:-1" }, nil},
		{"nats listen below -1", func(c *Config) { c.NATS.Listen = "127.0.0.1:-2" }, []string{FlagNATSListen}},
		{"stream with dot", func(c *Config) { c.NATS.Stream = "EV.ENTS" }, []string{FlagStream}},
		{"zero replicas", func(c *Config) { c.NATS.Replicas = 0 }, []string{FlagReplicas}},
		{"six replicas", func(c *Config) { c.NATS.Replicas = 6; c.NATS.URL = "nats://x:4222" }, []string{FlagReplicas}},
		{"replicas on embedded", func(c *Config) { c.NATS.Replicas = 3 }, []string{FlagReplicas}},
		{"replicas on cluster", func(c *Config) { c.NATS.Replicas = 3; c.NATS.URL = "nats://x:4222" }, nil},
		{"zero body", func(c *Config) { c.HTTP.MaxBodyBytes = 0 }, []string{FlagMaxBodyBytes}},
		{"transactions over 64 MiB", func(c *Config) { c.Graphs.MaxTransactionBytes = 64 << 20 }, []string{FlagMaxTransactionBytes}},
		{"tiny transactions", func(c *Config) { c.Graphs.MaxTransactionBytes = 10 }, []string{FlagMaxTransactionBytes}},
		{"zero partitions", func(c *Config) { c.NATS.Partitions = 0 }, []string{FlagPartitions}},
		{"no duplicate window", func(c *Config) { c.NATS.DuplicateWindow = 0 }, []string{FlagDuplicateWindow}},
		{"zero idle", func(c *Config) { c.Graphs.IdleTimeout = 0 }, []string{FlagGrainIdleTimeout}},
		{"negative request timeout", func(c *Config) { c.HTTP.RequestTimeout = -time.Second }, []string{FlagRequestTimeout}},
		{"bad consumer", func(c *Config) { c.Ingress.Consumer = "a b" }, []string{FlagIngressConsumer}},
		{"bad consumer without ingress", func(c *Config) { c.Ingress.Consumer = ""; c.Ingress.Enabled = false }, nil},
		{"empty actor host", func(c *Config) { c.Actor.Host = " " }, []string{FlagActorHost}},
		{"actor port", func(c *Config) { c.Actor.Port = 70000 }, []string{FlagActorPort}},
		{"log level", func(c *Config) { c.Log.Level = "verbose" }, []string{FlagLogLevel}},
		{"log format", func(c *Config) { c.Log.Format = "xml" }, []string{FlagLogFormat}},
		{"snapshot bucket", func(c *Config) { c.Snapshots.Bucket = "a.b" }, []string{FlagSnapshotBucket}},
		{"snapshot every", func(c *Config) { c.Snapshots.Every = -1 }, []string{FlagSnapshotEvery}},
		{"snapshot every per element", func(c *Config) { c.Snapshots.EveryPerElement = -0.5 }, []string{FlagSnapshotEveryPerElement}},
		{"snapshot every per element too many", func(c *Config) { c.Snapshots.EveryPerElement = 1000 }, []string{FlagSnapshotEveryPerElement}},
		{"snapshot interval", func(c *Config) { c.Snapshots.Interval = -time.Second }, []string{FlagSnapshotInterval}},
		{"snapshot keep", func(c *Config) { c.Snapshots.Keep = 0 }, []string{FlagSnapshotKeep}},
		{"replicas on embedded cluster", func(c *Config) {
			c.NATS.Replicas = 3
			c.NATS.ClusterListen = "0.0.0.0:6222"
			c.NATS.Routes = "b:6222"
		}, nil},
		{"cluster listen without routes", func(c *Config) { c.NATS.ClusterListen = "0.0.0.0:6222" }, []string{FlagNATSRoutes}},
		{"cluster listen with external", func(c *Config) { c.NATS.ClusterListen = "0.0.0.0:6222"; c.NATS.URL = "nats://x:4222" },
			[]string{FlagNATSClusterListen}},
		{"bad cluster listen", func(c *Config) { c.NATS.ClusterListen, c.NATS.Routes = "6222", "b:6222" }, []string{FlagNATSClusterListen}},
		{"routes without listen", func(c *Config) { c.NATS.Routes = "nats-route://b:6222" }, []string{FlagNATSRoutes}},
		{"bad route", func(c *Config) { c.NATS.ClusterListen = ":6222"; c.NATS.Routes = "http://b:6222" }, []string{FlagNATSRoutes}},
		{"bare route", func(c *Config) { c.NATS.ClusterListen = ":6222"; c.NATS.Routes = "b:6222, c:6222" }, nil},
		{"bad cluster advertise", func(c *Config) {
			c.NATS.ClusterListen, c.NATS.Routes, c.NATS.ClusterAdvertise = ":6222", "b:6222", "b"
		}, []string{FlagNATSClusterAdvertise}},
		{"bad cluster name", func(c *Config) { c.NATS.ClusterListen, c.NATS.Routes, c.NATS.ClusterName = ":6222", "b:6222", "a b" },
			[]string{FlagNATSClusterName}},
		{"negative sync interval", func(c *Config) { c.NATS.SyncInterval = -time.Second }, []string{FlagNATSSyncInterval}},
		{"user without password", func(c *Config) { c.NATS.User = "u" }, []string{FlagNATSUser}},
		{"user and nkey", func(c *Config) { c.NATS.User = "u"; c.NATS.Password = "p"; c.NATS.NkeySeedFile = "s" },
			[]string{FlagNATSNkeySeedFile}},
		{"nats cert without key", func(c *Config) { c.NATS.TLS.Cert = "c.pem" }, []string{FlagNATSTLSCert}},
		{"nats ca alone", func(c *Config) { c.NATS.TLS.CA = "ca.pem" }, nil},
		{"actor tls without ca", func(c *Config) { c.Actor.TLS = TLS{Cert: "c", Key: "k"} }, []string{FlagActorTLSCA}},
		{"actor key without cert", func(c *Config) { c.Actor.TLS = TLS{Key: "k", CA: "ca"} }, []string{FlagActorTLSCert}},
		{"wildcard actor host", func(c *Config) { c.Actor.Host = "0.0.0.0" }, []string{FlagActorAdvertiseHost}},
		{"wildcard actor host advertised", func(c *Config) { c.Actor.Host, c.Actor.AdvertiseHost, c.Actor.Port = "0.0.0.0", "n1", 7000 }, nil},
		{"advertised host random port", func(c *Config) { c.Actor.AdvertiseHost = "n1" }, []string{FlagActorPort}},
		{"advertised host:port random port", func(c *Config) { c.Actor.AdvertiseHost = "n1:7000" }, nil},
		{"bad cluster bucket", func(c *Config) { c.Cluster.Bucket = "a.b" }, []string{FlagClusterBucket}},
		{"short member ttl", func(c *Config) { c.Cluster.MemberTTL = time.Millisecond }, []string{FlagMemberTTL}},
		{"zero replay frames", func(c *Config) { c.HTTP.MaxReplayFrames = 0 }, []string{FlagMaxReplayFrames}},
		{"zero frame events", func(c *Config) { c.HTTP.MaxFrameEvents = 0 }, []string{FlagMaxFrameEvents}},
		{"zero streams", func(c *Config) { c.HTTP.MaxStreams = 0 }, []string{FlagMaxStreams}},
		{"zero streams per client", func(c *Config) { c.HTTP.MaxStreamsPerClient = -1 }, []string{FlagMaxStreamsPerClient}},
		{"zero activations", func(c *Config) { c.Graphs.MaxActivations = 0 }, []string{FlagMaxActivations}},
		{"negative max storage", func(c *Config) { c.NATS.MaxStorage = -1 }, []string{FlagNATSMaxStorage}},
		{"zero algorithm elements", func(c *Config) { c.Graphs.MaxAlgorithmElements = 0 }, []string{FlagMaxAlgorithmElements}},
		{"zero algorithm timeout", func(c *Config) { c.Graphs.AlgorithmTimeout = 0 }, []string{FlagAlgorithmTimeout}},
		{"negative passivation events", func(c *Config) { c.Snapshots.PassivationEvents = -1 }, []string{FlagSnapshotPassivation}},
		{"negative active graphs", func(c *Config) { c.Graphs.MaxActiveGraphs = -1 }, []string{FlagMaxActiveGraphs}},
		{"no bound on active graphs", func(c *Config) { c.Graphs.MaxActiveGraphs = 0 }, nil},
		{"several at once", func(c *Config) { c.Log.Format = "xml"; c.NATS.Replicas = 0; c.HTTP.Addr = "8080" },
			[]string{FlagLogFormat, FlagReplicas, FlagHTTPAddr}},
	}
	all := []string{FlagNodeName, FlagDataDir, FlagHTTPAddr, FlagNATSURL, FlagNATSListen, FlagStream, FlagReplicas,
		FlagMaxBodyBytes, FlagMaxTransactionBytes, FlagPartitions, FlagDuplicateWindow, FlagGrainIdleTimeout, FlagRequestTimeout, FlagIngressConsumer,
		FlagActorHost, FlagActorPort, FlagLogLevel, FlagLogFormat, FlagSnapshotBucket, FlagSnapshotEvery, FlagSnapshotInterval, FlagSnapshotKeep,
		FlagSnapshotEveryPerElement, FlagHTTPToken, FlagNATSSyncInterval, FlagNATSClusterName, FlagNATSClusterListen, FlagNATSClusterAdvertise, FlagNATSRoutes,
		FlagNATSUser, FlagNATSPassword, FlagNATSNkeySeedFile, FlagNATSTLSCert, FlagNATSTLSKey, FlagNATSTLSCA,
		FlagActorAdvertiseHost, FlagActorTLSCert, FlagActorTLSKey, FlagActorTLSCA, FlagClusterBucket, FlagMemberTTL,
		FlagMaxReplayFrames, FlagMaxFrameEvents, FlagMaxStreams, FlagMaxStreamsPerClient, FlagMaxActivations, FlagNATSMaxStorage,
		FlagMaxAlgorithmElements, FlagAlgorithmTimeout, FlagMaxActiveGraphs, FlagSnapshotPassivation}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.change(&c)
			err := c.Validate()
			if len(tt.flags) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Validate() = nil, want an error")
			}
			msg := err.Error()
			for _, f := range all {
				named := strings.Contains(msg, "--"+f+":")
				want := false
				for _, w := range tt.flags {
					want = want || w == f
				}
				if named != want {
					t.Errorf("flag --%s named=%v, want %v, in %q", f, named, want, msg)
				}
			}
			if lines := strings.Count(msg, "\n") + 1; lines != len(tt.flags) {
				t.Errorf("%d problems reported, want %d: %q", lines, len(tt.flags), msg)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	var out bytes.Buffer
	_, err := load([]string{"-h"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	text := out.String()
	for _, want := range []string{"--data-dir directory", "GRAPHLOG_DATA_DIR", "default: ./data", "--nats-sync-always\n",
		"Jepsen", "--max-transaction-bytes bytes", "default: 1000000", "GRAPHLOG_CONFIG"} {
		if !strings.Contains(text, want) {
			t.Errorf("usage lacks %q:\n%s", want, text)
		}
	}
	var ref bytes.Buffer
	Usage(&ref)
	if ref.String() != text {
		t.Error("Usage and -h differ")
	}
}

func TestEnvName(t *testing.T) {
	for flagName, want := range map[string]string{
		"data-dir":              "GRAPHLOG_DATA_DIR",
		"max-transaction-bytes": "GRAPHLOG_MAX_TRANSACTION_BYTES",
		"stream":                "GRAPHLOG_STREAM",
	} {
		if got := EnvName(flagName); got != want {
			t.Errorf("EnvName(%q) = %q, want %q", flagName, got, want)
		}
	}
}

// FuzzConfigFile: any file content either loads into a Config or is
// refused with an error naming the file; it never panics.
func FuzzConfigFile(f *testing.F) {
	for _, s := range []string{
		`{"data-dir": "/x", "replicas": 1, "ingress": false, "grain-idle-timeout": "1m"}`,
		`{"replicas": 1e3}`, `{"x": 1}`, `[]`, `null`, `{"stream": null}`, `{} []`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c := Default()
		err := applyJSON(NewFlagSet(&c), "f.json", data)
		if err != nil && !strings.Contains(err.Error(), "f.json") {
			t.Fatalf("error %q does not name the file", err)
		}
		_ = c.Validate()
	})
}
