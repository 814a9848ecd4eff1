package main

import (
	"bytes"
	"io"
	"os"
)

// input is a file named on the command line, or stdin for "-" or none.
type input struct {
	r    io.Reader
	name string // for messages
	size int64  // bytes, when known (a regular file); else 0
	c    io.Closer
}

func openInput(path string, stdin io.Reader) (*input, error) {
	if path == "" || path == "-" {
		return &input{r: stdin, name: "stdin"}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err // *PathError: names the file and the reason
	}
	in := &input{r: f, name: path, c: f}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		in.size = fi.Size()
	}
	return in, nil
}

func (in *input) Close() error {
	if in.c == nil {
		return nil
	}
	return in.c.Close()
}

// lineCounter passes reads through and turns byte offsets into line
// numbers, keeping only the newlines not yet asked about: decoders report
// offsets (json) that only grow, so memory stays bounded by their
// read-ahead, not by the input.
type lineCounter struct {
	r        io.Reader
	read     int64   // bytes read through so far
	newlines []int64 // offsets of '\n' at or after the last offset asked about
	line     int     // newlines before the last offset asked about
}

func newLineCounter(r io.Reader) *lineCounter { return &lineCounter{r: r} }

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := 0, p[:n]; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			break
		}
		c.newlines = append(c.newlines, c.read+int64(i+j))
		i += j + 1
	}
	c.read += int64(n)
	return n, err
}

// lineAt is the line (from 1) of byte offset off. Offsets must not go
// backwards between calls.
func (c *lineCounter) lineAt(off int64) int {
	i := 0
	for i < len(c.newlines) && c.newlines[i] < off {
		i++
	}
	c.line += i
	c.newlines = c.newlines[i:]
	if len(c.newlines) == 0 {
		c.newlines = nil // let the backing array go
	}
	return c.line + 1
}

// bytesRead is how much of the input has been read, for progress.
func (c *lineCounter) bytesRead() int64 { return c.read }
