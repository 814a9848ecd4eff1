package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/graphlog/graphlog/client"
)

// apiClient is graphctl's use of package client, which talks to one node
// of a list and moves on when one cannot be connected to: each request
// bounded by --timeout, answers kept as the server wrote them for -o
// json, and errors worded for the command line.
type apiClient struct {
	c       *client.Client
	timeout time.Duration // per request; 0: none
}

func newClient(servers []string, token string, timeout time.Duration) (*apiClient, error) {
	c, err := client.New(servers, client.WithToken(token), client.WithUserAgent("graphctl"))
	if err != nil {
		return nil, err
	}
	return &apiClient{c: c, timeout: timeout}, nil
}

// graphPath is the path of a graph's resource, each part escaped.
func graphPath(graphID string, parts ...string) string { return client.GraphPath(graphID, parts...) }

// get returns the body of a 2xx answer to GET path?query.
func (c *apiClient) get(ctx context.Context, path string, query url.Values) ([]byte, error) {
	return c.do(ctx, http.MethodGet, path, query, nil)
}

// getJSON decodes the answer to GET path?query into out and returns the raw
// body too, for -o json to print as the server wrote it.
func (c *apiClient) getJSON(ctx context.Context, path string, query url.Values, out any) ([]byte, error) {
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
func (c *apiClient) post(ctx context.Context, path string, body []byte) ([]byte, error) {
	return c.do(ctx, http.MethodPost, path, nil, body)
}

// do sends one request bounded by the timeout and reads the whole answer.
func (c *apiClient) do(ctx context.Context, method, path string, query url.Values, body []byte) ([]byte, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	out, err := c.c.Do(ctx, method, path, query, body)
	if err != nil {
		return nil, c.word(ctx, method, path, err)
	}
	return out, nil
}

// open sends a request whose answer the caller reads as it arrives (a
// stream, or a large body copied through). The timeout bounds only the
// wait for the answer's headers. The caller closes the body.
func (c *apiClient) open(ctx context.Context, method, path string, query url.Values, accept string) (io.ReadCloser, error) {
	ctx, cancel := context.WithCancel(ctx)
	var timedOut <-chan struct{}
	if c.timeout > 0 {
		done := make(chan struct{})
		timer := time.AfterFunc(c.timeout, func() { close(done); cancel() })
		defer timer.Stop()
		timedOut = done
	}
	body, err := c.c.Open(ctx, method, path, query, accept)
	if err != nil {
		select {
		case <-timedOut:
			err = fmt.Errorf("%s %s: the server did not answer within %s (--timeout)", method, path, c.timeout)
		default:
			err = c.word(ctx, method, path, err)
		}
		cancel()
		return nil, err
	}
	return &cancelBody{ReadCloser: body, cancel: cancel}, nil
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

// word rewords an error of the client for the command line: the server's
// answers (*client.Error) and connection failures keep their text, which
// says what is wrong; the timeout and an interrupt name themselves.
func (c *apiClient) word(ctx context.Context, method, path string, err error) error {
	var answer *client.Error
	switch {
	case errors.As(err, &answer):
		return err
	case errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		return fmt.Errorf("%s %s: the server did not answer within %s (--timeout)", method, path, c.timeout)
	case errors.Is(err, context.Canceled):
		return fmt.Errorf("%s %s: interrupted", method, path)
	}
	return err
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
