package natstest

import (
	"os"
	"strconv"
)

// PartitionsEnv is the environment variable that sets the partition count
// the tests' logs and nodes use: GRAPHLOG_PARTITIONS, the same a node
// reads for --partitions, so node processes the tests start follow it
// too. Unset, the count is 1; CI runs the multi-graph tests once more
// with 4, so that graphs land in several streams.
const PartitionsEnv = "GRAPHLOG_PARTITIONS"

// Partitions is the partition count of the tests' logs.
func Partitions() int {
	n, err := strconv.Atoi(os.Getenv(PartitionsEnv))
	if err != nil || n < 1 {
		return 1
	}
	return n
}
