package client

import (
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// Moment names a point of a graph's history: a version, or a time (when
// the log recorded a transaction; a time names the graph as it was then).
// The zero Moment is the present, or, for the start of a window, the
// beginning.
type Moment struct {
	Version uint64
	Time    time.Time
}

// AtVersion is the moment the graph had version v (from 1).
func AtVersion(v uint64) Moment { return Moment{Version: v} }

// AtTime is the graph as it was at t.
func AtTime(t time.Time) Moment { return Moment{Time: t} }

// IsZero reports whether m is the present.
func (m Moment) IsZero() bool { return m.Version == 0 && m.Time.IsZero() }

// String is m as the API's parameters write it: the version, or the time
// in RFC 3339; empty for the zero Moment.
func (m Moment) String() string {
	switch {
	case m.Version != 0:
		return strconv.FormatUint(m.Version, 10)
	case !m.Time.IsZero():
		return m.Time.UTC().Format(time.RFC3339Nano)
	}
	return ""
}

// set writes m as the parameter name, unless it is the zero Moment.
func (m Moment) set(q url.Values, name string) {
	if s := m.String(); s != "" {
		q.Set(name, s)
	}
}

// readAt writes the moment of a read (version= or as_of=) into q: none is
// the present; more than one is a mistake.
func readAt(q url.Values, at []Moment) error {
	switch {
	case len(at) > 1:
		return fmt.Errorf("%w: a read takes one moment, not %d", ErrInvalid, len(at))
	case len(at) == 0 || at[0].IsZero():
		return nil
	case at[0].Version != 0:
		q.Set("version", strconv.FormatUint(at[0].Version, 10))
	default:
		q.Set("as_of", at[0].Time.UTC().Format(time.RFC3339Nano))
	}
	return nil
}
