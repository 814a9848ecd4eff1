package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/graphlog/graphlog/client"
)

// Exit codes.
const (
	exitOK       = 0
	exitError    = 1 // the server could not be reached or failed, or the input is bad
	exitUsage    = 2 // bad flags or arguments
	exitNotFound = 3 // 404
	exitRejected = 4 // 409 conflict, 422 rejected or cycle
)

// usageError is a mistake in the command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// apiError is an error answer of the server (Status, Code, Message and
// the request ID). Its text is the server's message, which says what is
// wrong and what to do.
type apiError = client.Error

// inputError is malformed input at a position of a named input.
type inputError struct {
	Name string   // file name, or "stdin"
	Pos  position // where; the zero position names no place
	Msg  string
}

func (e *inputError) Error() string {
	if p := e.Pos.String(); p != "" {
		return fmt.Sprintf("%s: %s: %s", e.Name, p, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.Name, e.Msg)
}

// position is a place in an input: a line (and column), and for JSON the
// element, such as edges[12].
type position struct {
	Line, Column int
	Element      string
}

func (p position) String() string {
	var s string
	switch {
	case p.Line > 0 && p.Column > 0:
		s = fmt.Sprintf("line %d, column %d", p.Line, p.Column)
	case p.Line > 0:
		s = fmt.Sprintf("line %d", p.Line)
	}
	switch {
	case p.Element != "" && s != "":
		return p.Element + " at " + s
	case p.Element != "":
		return p.Element
	}
	return s
}

// exitCode is the one mapping from errors to exit codes.
func exitCode(err error) int {
	var usage *usageError
	var api *apiError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.As(err, &api):
		switch api.Status {
		case http.StatusNotFound:
			return exitNotFound
		case http.StatusConflict, http.StatusUnprocessableEntity:
			return exitRejected
		}
	}
	return exitError
}
