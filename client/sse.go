package client

import (
	"bufio"
	"io"
	"strings"
)

// sseEvent is one event of a text/event-stream.
type sseEvent struct {
	ID   string // the id field; empty when the event had none
	Name string // the event field; "message" when the event had none
	Data string // the data lines, joined with "\n"
}

// sseReader reads Server-Sent Events as the HTML standard defines them:
// lines of "field: value", events ended by a blank line, comment lines
// (": ping") ignored. It reads only; reconnecting is the caller's.
type sseReader struct {
	r *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next event that has data. At the end of the stream it
// returns io.EOF; an event cut off by the end is dropped, as the standard
// says.
func (s *sseReader) next() (sseEvent, error) {
	var (
		ev      sseEvent
		data    strings.Builder
		hasData bool
	)
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return sseEvent{}, err
		}
		line = strings.TrimSuffix(line, "\n")
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			if !hasData {
				ev = sseEvent{}
				continue
			}
			ev.Data = data.String()
			if ev.Name == "" {
				ev.Name = "message"
			}
			return ev, nil
		}
		if line[0] == ':' {
			continue // a comment: keep-alive
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "event":
			ev.Name = value
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			data.WriteString(value)
			hasData = true
		case "id":
			if !strings.ContainsRune(value, 0) {
				ev.ID = value
			}
		}
		// retry and unknown fields are ignored
	}
}
