package main

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

	"github.com/graphlog/graphlog/api"
)

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 1 << 20

// client talks to the HTTP API of one node out of a list: any node answers
// for any graph. It stays with the node that last answered and moves on to
// the next when one cannot be connected to, which is safe for any request
// since none was sent.
type client struct {
	bases   []string // scheme://host[:port][/prefix], no trailing slash
	token   string
	timeout time.Duration // per request; 0: none
	http    *http.Client

	mu  sync.Mutex
	cur int // index in bases of the node in use
}

func newClient(bases []string, token string, timeout time.Duration) *client {
	c := &client{token: token, timeout: timeout, http: &http.Client{}}
	for _, b := range bases {
		c.bases = append(c.bases, strings.TrimRight(b, "/"))
	}
	return c
}

// base is the URL of the node in use.
func (c *client) base() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bases[c.cur]
}

// moveOn makes the node after failed the one in use, unless another
// request moved on already, and returns the one in use.
func (c *client) moveOn(failed string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.bases[c.cur] == failed {
		c.cur = (c.cur + 1) % len(c.bases)
	}
	return c.bases[c.cur]
}

// graphPath is the path of a graph's resource: /v1/graphs/{graph}/parts...,
// each part escaped (node and edge IDs may hold '/', spaces, anything).
func graphPath(graphID string, parts ...string) string {
	var b strings.Builder
	b.WriteString("/v1/graphs/")
	b.WriteString(url.PathEscape(graphID))
	for _, p := range parts {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(p))
	}
	return b.String()
}

// get returns the body of a 2xx answer to GET path?query.
func (c *client) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path, query, nil)
}

// getJSON decodes the answer to GET path?query into out and returns the raw
// body too, for -o json to print as the server wrote it.
func (c *client) getJSON(ctx context.Context, path string, query url.Values, out any) ([]byte, error) {
	body, err := c.get(ctx, path, query)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, out); err != nil {
		return nil, fmt.Errorf("GET %s: the answer is not the expected JSON: %v", path, err)
	}
	return body, nil
}

// post sends body (JSON, or none) and returns the body of a 2xx answer.
func (c *client) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	return c.do(ctx, http.MethodPost, path, nil, body)
}

// do sends one request bounded by the timeout and reads the whole answer.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	resp, err := c.send(ctx, method, path, query, rd, "application/json")
	if err != nil {
		return nil, c.transportError(ctx, method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, c.transportError(ctx, method, path, err)
	}
	return out, nil
}

// open sends a request whose answer the caller reads as it arrives (a
// stream, or a large body copied through). The timeout bounds only the
// wait for the answer's headers. The caller closes the body.
func (c *client) open(ctx context.Context, method, path string, query url.Values, accept string) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	var timedOut <-chan struct{}
	if c.timeout > 0 {
		done := make(chan struct{})
		timer := time.AfterFunc(c.timeout, func() { close(done); cancel() })
		defer timer.Stop()
		timedOut = done
	}
	resp, err := c.send(ctx, method, path, query, nil, accept)
	if err != nil {
		select {
		case <-timedOut:
			err = fmt.Errorf("%s %s: the server did not answer within %s (--timeout)", method, path, c.timeout)
		default:
			err = c.transportError(ctx, method, path, err)
		}
		cancel()
		return nil, err
	}
	return &cancelBody{ReadCloser: resp.Body, cancel: cancel}, nil
}

type cancelBody struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelBody) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// send sends a request and turns a non-2xx answer into an *apiError. A
// node that cannot be connected to is passed over for the next one, each
// tried once; the body must then be an io.Seeker to be sent again.
func (c *client) send(ctx context.Context, method, path string, query url.Values, body io.Reader, accept string) (*http.Response, error) {
	base := c.base()
	var resp *http.Response
	var err error
	for range c.bases {
		resp, err = c.sendTo(ctx, base, method, path, query, body, accept)
		if err == nil || !notConnected(err) || len(c.bases) == 1 {
			break
		}
		if sk, ok := body.(io.Seeker); ok {
			if _, serr := sk.Seek(0, io.SeekStart); serr != nil {
				break
			}
		} else if body != nil {
			break
		}
		base = c.moveOn(base)
	}
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	return nil, answerError(method, path, resp.StatusCode, raw)
}

// sendTo sends one request to the node at base.
func (c *client) sendTo(ctx context.Context, base, method, path string, query url.Values, body io.Reader, accept string) (*http.Response, error) {
	u := base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "graphctl")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	return c.http.Do(req)
}

// notConnected reports whether err is a failure to connect: the request
// was not sent.
func notConnected(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// answerError reads an error answer: the server's ErrorResponse, or for
// anything else (a proxy's page) the status and the start of the body.
func answerError(method, path string, status int, body []byte) *apiError {
	var er api.ErrorResponse
	if json.Unmarshal(body, &er) == nil && er.Error != "" {
		return &apiError{Status: status, Code: er.Code, Message: er.Error}
	}
	msg := fmt.Sprintf("%s %s: %d %s", method, path, status, http.StatusText(status))
	if s := strings.TrimSpace(string(body)); s != "" {
		msg += ": " + clip(s, 200)
	}
	return &apiError{Status: status, Message: msg}
}

// transportError words an error of the connection itself.
func (c *client) transportError(ctx context.Context, method, path string, err error) error {
	var api *apiError
	switch {
	case errors.As(err, &api):
		return err
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("%s %s: the server did not answer within %s (--timeout)", method, path, c.timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s %s: interrupted", method, path)
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	if len(c.bases) > 1 && notConnected(err) {
		return fmt.Errorf("cannot reach any of %s: %v", strings.Join(c.bases, ", "), err)
	}
	return fmt.Errorf("cannot reach %s: %v", c.base(), err)
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
