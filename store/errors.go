package store

import "fmt"

// CorruptError reports a stored message that could not be decoded. It
// wraps ErrCorrupt, so errors.Is(err, ErrCorrupt) holds; errors.As gives
// the message's place in the log, for a dead letter or a report.
type CorruptError struct {
	GraphID  string
	Subject  string
	Sequence uint64
	Err      error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("graph %s: stored event at sequence %d (subject %s) cannot be decoded, skipped: %v",
		e.GraphID, e.Sequence, e.Subject, e.Err)
}

// Unwrap returns ErrCorrupt and the decoding error.
func (e *CorruptError) Unwrap() []error { return []error{ErrCorrupt, e.Err} }
