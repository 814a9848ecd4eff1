package main

import (
	"errors"
	"io"
)

// runHistoryBench measures activation, time travel, rebuild and snapshots
// on large histories.
func runHistoryBench(args []string, out, progress io.Writer) error {
	return errors.New("bench history: not built yet")
}
