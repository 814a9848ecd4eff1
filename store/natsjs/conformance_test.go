package natsjs_test

import (
	"testing"

	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/natsjs"
	"github.com/graphlog/graphlog/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return openLog(t) })
	storetest.TestGraphLister(t, func(t *testing.T) storetest.ListingLog { return openLog(t) })
}

// With pages of two messages, reads of more than a few events switch to a
// consumer: the suite holds for that path too.
func TestConformanceSmallPages(t *testing.T) {
	storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return openLog(t, natsjs.Config{ReadBatch: 2}) })
}

// The suite holds for a log spread over several partition streams, where
// the graphs of a case land in different streams.
func TestConformancePartitions(t *testing.T) {
	storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return openLog(t, natsjs.Config{Partitions: 3}) })
	storetest.TestGraphLister(t, func(t *testing.T) storetest.ListingLog { return openLog(t, natsjs.Config{Partitions: 3}) })
}
