package graph

import (
	"fmt"
	"unicode/utf8"
)

const (
	// MaxGraphIDLen bounds a graph ID, which is one NATS subject token.
	MaxGraphIDLen = 128
	// MaxElementIDLen bounds a node or edge ID, in bytes.
	MaxElementIDLen = 256
)

// ValidateGraphID reports whether id can name a graph: 1 to 128 characters of
// [A-Za-z0-9_-]. A graph ID becomes a subject token, so this is what keeps
// '.', '*', '>' and spaces out of subjects.
func ValidateGraphID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: graph ID is empty", ErrInvalidID)
	}
	if len(id) > MaxGraphIDLen {
		return fmt.Errorf("%w: graph ID is %d characters long, the limit is %d", ErrInvalidID, len(id), MaxGraphIDLen)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return fmt.Errorf("%w: graph ID %q has %q at byte %d; use only letters, digits, '_' and '-'", ErrInvalidID, id, c, i)
		}
	}
	return nil
}

// ValidateElementID reports whether id can name a node or an edge: non-empty
// UTF-8 of at most 256 bytes.
func ValidateElementID(kind, id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: %s ID is empty", ErrInvalidID, kind)
	case len(id) > MaxElementIDLen:
		return fmt.Errorf("%w: %s ID is %d bytes long, the limit is %d", ErrInvalidID, kind, len(id), MaxElementIDLen)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: %s ID %q is not valid UTF-8", ErrInvalidID, kind, id)
	}
	return nil
}
