package natsjs

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/graphlog/graphlog/store"
)

// FuzzParseEntry: any index value, under any key, is either refused as
// corrupt or parsed to an info that belongs to the key and survives a
// round trip.
func FuzzParseEntry(f *testing.F) {
	cid, _ := store.CIDOf([]byte("state"))
	good, _ := json.Marshal(toEntry(store.SnapshotInfo{GraphID: "g", CID: cid, Version: 7, Sequence: 9, RecordedAt: time.Unix(1, 2), Size: 5}))
	f.Add("g.00000000000000000007", good)
	f.Add("g.7", good)
	f.Add("g.00000000000000000008", good)
	f.Add("g.00000000000000000007", []byte(`{"graph_id":"g","version":7}`))
	f.Add("g.00000000000000000007", []byte(`{`))
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		info, err := parseEntry("g", key, value)
		if err != nil {
			return
		}
		if info.GraphID != "g" || indexKey("g", info.Version) != key {
			t.Fatalf("entry under key %q parsed as graph %q version %d", key, info.GraphID, info.Version)
		}
		again, err := json.Marshal(toEntry(info))
		if err != nil {
			t.Fatal(err)
		}
		back, err := parseEntry("g", key, again)
		if err != nil || !sameInfo(back, info) {
			t.Fatalf("round trip of %+v gave %+v, %v", info, back, err)
		}
	})
}
