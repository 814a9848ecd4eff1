package memory_test

import (
	"testing"

	"github.com/graphlog/graphlog/store"
	"github.com/graphlog/graphlog/store/memory"
	"github.com/graphlog/graphlog/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return memory.New(tickingClock()) })
	storetest.TestGraphLister(t, func(t *testing.T) storetest.ListingLog { return memory.New(tickingClock()) })
}
