package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/graphlog/graphlog/apitypes"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// Client talks to the HTTP API v1 of a graphlog cluster through a list of
// servers, any of which answers for any graph. It stays with the server
// that last answered and moves on to the next when one cannot be
// connected to, which is safe for any request, since none was sent. A
// Client is safe for concurrent use.
type Client struct {
	servers   []string // scheme://host[:port][/prefix], no trailing slash
	token     string
	http      *http.Client
	userAgent string
	attempts  int           // of a submit
	backoff   time.Duration // before a submit's second attempt; doubles, up to maxBackoff

	mu  sync.Mutex
	cur int // index in servers of the one in use
}

// Defaults of the options.
const (
	DefaultUserAgent      = "graphlog-client"
	DefaultSubmitAttempts = 5
	DefaultSubmitBackoff  = 100 * time.Millisecond
	maxBackoff            = 2 * time.Second
)

// Option configures a Client.
type Option func(*Client) error

// WithToken sends token as a bearer token on every request (the node's
// --http-token).
func WithToken(token string) Option {
	return func(c *Client) error {
		if strings.ContainsAny(token, "\r\n") {
			return errors.New("client: the token holds a line break")
		}
		c.token = token
		return nil
	}
}

// WithHTTPClient sends requests through hc instead of a client of its own;
// its Timeout, if any, bounds every request, live streams included.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("client: nil http.Client")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header of every request.
func WithUserAgent(ua string) Option {
	return func(c *Client) error {
		c.userAgent = ua
		return nil
	}
}

// WithSubmitRetries sets how many times Submit sends a transaction at
// most (attempts ≥ 1; 1 never retries) and how long it waits before the
// second attempt (doubling after each, up to 2s).
func WithSubmitRetries(attempts int, backoff time.Duration) Option {
	return func(c *Client) error {
		if attempts < 1 || backoff < 0 {
			return fmt.Errorf("client: submit attempts %d, backoff %s; give at least one attempt and a backoff of 0 or more", attempts, backoff)
		}
		c.attempts, c.backoff = attempts, backoff
		return nil
	}
}

// New returns a client of the servers, each the base URL of a node's
// HTTP API (http://host:port, or with a path prefix behind a proxy).
func New(servers []string, opts ...Option) (*Client, error) {
	c := &Client{http: &http.Client{}, userAgent: DefaultUserAgent,
		attempts: DefaultSubmitAttempts, backoff: DefaultSubmitBackoff}
	if len(servers) == 0 {
		return nil, errors.New("client: no server given")
	}
	for _, s := range servers {
		u, err := url.Parse(s)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return nil, fmt.Errorf("client: server %q is not a URL such as http://host:8080", s)
		}
		c.servers = append(c.servers, strings.TrimRight(s, "/"))
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// Servers returns the servers, in the order they are tried.
func (c *Client) Servers() []string { return append([]string(nil), c.servers...) }

// Server returns the server in use: the one that last answered.
func (c *Client) Server() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.servers[c.cur]
}

// moveOn makes the server after failed the one in use, unless another
// request moved on already, and returns the one in use.
func (c *Client) moveOn(failed string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.servers[c.cur] == failed {
		c.cur = (c.cur + 1) % len(c.servers)
	}
	return c.servers[c.cur]
}

// GraphPath is the path of a graph's resource, /v1/graphs/{graph}/parts…,
// each part escaped (node and edge IDs may hold '/', spaces, anything).
func GraphPath(graphID string, parts ...string) string {
	var b strings.Builder
	b.WriteString("/v1/graphs/")
	b.WriteString(url.PathEscape(graphID))
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// Do sends a request to a route of the API and returns the body of its
// 2xx answer as the server wrote it; body, when not nil, is sent as JSON.
// It is for what the typed methods do not cover, and for callers that
// want the answer's bytes. An error answer is an *Error.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	resp, err := c.send(ctx, method, path, query, body, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, c.lost(ctx, method, path, err)
	}
	return out, nil
}

// Open sends a request whose answer the caller reads as it arrives (a
// stream, or a large body copied through) and returns the answer's body,
// which the caller closes. Ending ctx ends the read.
func (c *Client) Open(ctx context.Context, method, path string, query url.Values, accept string) (io.ReadCloser, error) {
	resp, err := c.send(ctx, method, path, query, nil, http.Header{"Accept": {accept}})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// getJSON decodes the answer to GET path?query into out.
func (c *Client) getJSON(ctx context.Context, path string, query url.Values, out any) error {
	return c.doJSON(ctx, http.MethodGet, path, query, nil, out)
}

// doJSON sends in (nil: no body) and decodes the answer into out.
func (c *Client) doJSON(ctx context.Context, method, path string, query url.Values, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("%s %s: encoding the body: %w", method, path, err)
		}
	}
	raw, err := c.Do(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	return decode(method, path, raw, out)
}

func decode(method, path string, raw []byte, out any) error {
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s %s: the answer is not the expected JSON: %w", method, path, err)
	}
	return nil
}

// send sends a request with the headers hdr and turns a non-2xx answer
// into an *Error. A server that cannot be connected to is passed over for
// the next one, each tried once. The caller closes the answer's body.
func (c *Client) send(ctx context.Context, method, path string, query url.Values, body []byte, hdr http.Header) (*http.Response, error) {
	server := c.Server()
	var resp *http.Response
	var err error
	tried := make([]string, 0, len(c.servers))
	for range c.servers {
		tried = append(tried, server)
		resp, err = c.sendTo(ctx, server, method, path, query, body, hdr)
		if err == nil || !notConnected(err) || ctx.Err() != nil {
			break
		}
		server = c.moveOn(server)
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, ctx.Err())
		}
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		if notConnected(err) {
			return nil, &ConnError{Method: method, Path: path, Servers: tried, Err: err}
		}
		return nil, &ConnError{Method: method, Path: path, Servers: []string{server}, Sent: true, Err: err}
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, answerError(method, path, resp, raw)
}

// sendTo sends one request to server.
func (c *Client) sendTo(ctx context.Context, server, method, path string, query url.Values, body []byte, hdr http.Header) (*http.Response, error) {
	u := server + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, err
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.http.Do(req)
}

// lost words a failure while reading an answer.
func (c *Client) lost(ctx context.Context, method, path string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%s %s: %w", method, path, ctx.Err())
	}
	return &ConnError{Method: method, Path: path, Servers: []string{c.Server()}, Sent: true, Err: err}
}

// notConnected reports whether err is a failure to connect: the request
// was not sent.
func notConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// answerError reads an error answer: the server's ErrorResponse, or for
// anything else (a proxy's page) the status and the start of the body.
func answerError(method, path string, resp *http.Response, body []byte) *Error {
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get(apitypes.HeaderRequestID), Method: method, Path: path}
	var er apitypes.ErrorResponse
	if json.Unmarshal(body, &er) == nil && er.Error != "" {
		e.Code, e.Message = er.Code, er.Error
		return e
	}
	e.Message = fmt.Sprintf("%s %s: %d %s", method, path, resp.StatusCode, http.StatusText(resp.StatusCode))
	if s := strings.TrimSpace(string(body)); s != "" {
		e.Message += ": " + clip(s, 200)
	}
	return e
}

// clip shortens s to about n bytes for a message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	if len(r) > n {
		r = r[:n]
	}
	return string(r) + "…"
}
