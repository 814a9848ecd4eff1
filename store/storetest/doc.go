// Package storetest is the conformance suite of store's ports. Every
// implementation runs it in a few lines:
//
//	func TestConformance(t *testing.T) {
//		storetest.TestEventLog(t, func(t *testing.T) store.EventLog { return open(t) })
//		storetest.TestGraphLister(t, func(t *testing.T) storetest.ListingLog { return open(t) })
//	}
//
// open must return an empty log each time it is called; the suite calls it
// once per subtest. The suite checks behaviour through the ports only,
// except where a test says otherwise.
//
// It may import store/, graph/, messages/ and the standard library.
// Subtests run sequentially; some start goroutines of their own to race
// appenders.
package storetest
