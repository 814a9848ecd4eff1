package main

import (
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Environment variables read for defaults of the global flags.
const (
	envServer = "GRAPHCTL_SERVER"
	envToken  = "GRAPHCTL_TOKEN"
)

const (
	defaultServer  = "http://localhost:8080"
	defaultTimeout = 30 * time.Second
)

// globals are the flags every command takes.
type globals struct {
	server  string   // as given: one URL, or several separated by commas
	servers []string // its URLs, normalized
	token   string
	output  string
	timeout time.Duration
}

var globalNames = map[string]bool{"server": true, "token": true, "o": true, "output": true, "timeout": true}

func defaultGlobals(getenv func(string) string) *globals {
	g := &globals{server: getenv(envServer), token: getenv(envToken), output: "table", timeout: defaultTimeout}
	if g.server == "" {
		g.server = defaultServer
	}
	return g
}

// register adds the global flags to fs, bound to g, so they are accepted
// before the command and after it alike.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.server, "server", g.server, "the node's API `URL`, or several separated by commas (the first that can be connected to answers; env "+envServer+")")
	fs.StringVar(&g.token, "token", g.token, "bearer `token` for the API (env "+envToken+")")
	fs.StringVar(&g.output, "o", g.output, "output `format`: table or json")
	fs.StringVar(&g.output, "output", g.output, "output `format`: table or json (same as -o)")
	fs.DurationVar(&g.timeout, "timeout", g.timeout, "bound on each request; 0 for none")
}

// check validates the global flags and normalizes the server URLs.
func (g *globals) check() error {
	switch g.output {
	case "table", "json":
	default:
		return usagef("-o is %q; use table or json", g.output)
	}
	if g.timeout < 0 {
		return usagef("--timeout is %s; use a positive duration, or 0 for none", g.timeout)
	}
	g.servers = g.servers[:0]
	for _, s := range strings.Split(g.server, ",") {
		s = strings.TrimSpace(s)
		if !strings.Contains(s, "://") {
			s = "http://" + s
		}
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("--server is %q; use a URL such as http://localhost:8080, or several separated by commas", g.server)
		}
		g.servers = append(g.servers, strings.TrimRight(s, "/"))
	}
	return nil
}

// parseInterspersed parses fs over args, allowing flags after positional
// arguments (graphctl get g --version 3), and returns the positional ones.
// "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// moment is the --version / --as-of pair of a read of the past.
type moment struct {
	version uint64
	asOf    string
}

func (m *moment) register(fs *flag.FlagSet) {
	fs.Uint64Var(&m.version, "version", 0, "read the graph as of this `version` (from 1)")
	fs.StringVar(&m.asOf, "as-of", "", "read the graph as of this RFC 3339 `time`")
}

// query adds version= or as_of= to q.
func (m *moment) query(q url.Values) (url.Values, error) {
	if q == nil {
		q = url.Values{}
	}
	switch {
	case m.version != 0 && m.asOf != "":
		return nil, usagef("give --version or --as-of, not both")
	case m.version != 0:
		q.Set("version", strconv.FormatUint(m.version, 10))
	case m.asOf != "":
		if _, err := time.Parse(time.RFC3339Nano, m.asOf); err != nil {
			return nil, usagef("--as-of is %q; use an RFC 3339 time such as 2026-01-02T15:04:05Z", m.asOf)
		}
		q.Set("as_of", m.asOf)
	}
	return q, nil
}

// checkMoment validates a version-or-time value of diff and replay.
func checkMoment(name, v string) error {
	if n, err := strconv.ParseUint(v, 10, 64); err == nil && n > 0 {
		return nil
	}
	if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return nil
	}
	return usagef("--%s is %q; use a version (1, 2, …) or an RFC 3339 time such as 2026-01-02T15:04:05Z", name, v)
}

// flagError words a flag package error as a usage error.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usagef("%v", err)
}

// wantArgs checks the number of positional arguments.
func wantArgs(cmd *command, args []string, min, max int) error {
	if len(args) < min || len(args) > max {
		return usagef("%s takes %s (got %d arguments)", cmd.name, fmt.Sprint(cmd.args), len(args))
	}
	return nil
}
