package client

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAnswerError(t *testing.T) {
	resp := &http.Response{StatusCode: 404, Header: http.Header{"X-Request-Id": {"r1"}}}
	e := answerError("GET", "/v1/graphs/x", resp, []byte(`{"error":"graph \"x\" has no events","code":"not_found"}`))
	if e.Error() != `graph "x" has no events` || e.Code != "not_found" || e.Status != 404 || e.RequestID != "r1" || !errors.Is(e, ErrNotFound) {
		t.Errorf("%+v", e)
	}
	// Not the API's answer: a proxy's page.
	resp = &http.Response{StatusCode: 502, Header: http.Header{}}
	e = answerError("GET", "/v1/graphs/x", resp, []byte("<html>Bad Gateway</html>\n"))
	if e.Error() != "GET /v1/graphs/x: 502 Bad Gateway: <html>Bad Gateway</html>" || e.Code != "" {
		t.Errorf("%q", e.Error())
	}
	for _, s := range []error{ErrInvalid, ErrUnauthorized, ErrNotFound, ErrConflict, ErrTooLarge, ErrRejected, ErrTooManyStreams, ErrUnavailable} {
		if errors.Is(e, s) {
			t.Errorf("a 502 matches %v", s)
		}
	}
}

func TestStreamErrorStatuses(t *testing.T) {
	for code, sentinel := range map[string]error{"unavailable": ErrUnavailable, "limit_exceeded": ErrRejected,
		"cycle": ErrRejected, "duplicate_transaction_id": ErrConflict, "invalid_argument": ErrInvalid} {
		if e := streamError("GET", "/x", code, "m"); !errors.Is(e, sentinel) {
			t.Errorf("code %s: status %d does not match %v", code, e.Status, sentinel)
		}
	}
	if e := streamError("GET", "/x", "something_new", "m"); e.Status != http.StatusInternalServerError {
		t.Errorf("an unknown code: status %d", e.Status)
	}
}

func TestSSEReader(t *testing.T) {
	in := ": following g\n\n" +
		"id: 7\nevent: transaction\ndata: {\"version\":7}\n\n" +
		": ping\n\n" +
		"data: line one\r\ndata:line two\r\nretry: 10\r\nunknown: x\r\n\r\n" +
		"event: transaction\n\n" + // no data: not dispatched
		"id: 9\nevent: transaction\ndata: {\"version\""
	r := newSSEReader(strings.NewReader(in))
	var got []sseEvent
	for {
		ev, err := r.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ev)
	}
	want := []sseEvent{
		{ID: "7", Name: "transaction", Data: `{"version":7}`},
		{Name: "message", Data: "line one\nline two"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestNewRefusesWhatIsNotAServer(t *testing.T) {
	for _, servers := range [][]string{nil, {"ftp://x"}, {"localhost:8080"}, {"http://"}, {"http://a:1?x=1"}} {
		if _, err := New(servers); err == nil {
			t.Errorf("New(%q) took it", servers)
		}
	}
	c, err := New([]string{"http://a:1/", "https://b/prefix/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Servers(); fmt.Sprint(got) != "[http://a:1 https://b/prefix]" {
		t.Errorf("servers %v", got)
	}
	if _, err := New([]string{"http://a:1"}, WithSubmitRetries(0, 0)); err == nil {
		t.Error("no attempts taken")
	}
}
