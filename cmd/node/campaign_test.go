package main

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/graphlog/graphlog/internal/nodeproc"
)

func campaignProgress() io.Writer {
	if testing.Verbose() {
		return os.Stderr
	}
	return io.Discard
}

// The short version of `node campaign kill`: a node killed three times
// under writers that resend, then three nodes running the NATS cluster,
// one of them killed; nothing acknowledged is lost or applied twice.
func TestKillCampaignShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []killOptions{
		{members: 1, kills: 3, writers: 4, graphs: 3, run: 400 * time.Millisecond, bound: time.Minute, bin: bin},
		{members: 3, kills: 1, writers: 4, graphs: 3, run: time.Second, memberTTL: 2 * time.Second, bound: time.Minute, bin: bin},
	} {
		r, err := killCampaign(context.Background(), o, campaignProgress())
		if err != nil {
			t.Fatalf("%d member(s): %v", o.members, err)
		}
		t.Logf("%d member(s): %+v", o.members, r)
		if r.Kills != o.kills || r.Acknowledged == 0 {
			t.Fatalf("%d member(s): %d kills and %d acknowledged transactions: the campaign did not run", o.members, r.Kills, r.Acknowledged)
		}
		if o.members > 1 && r.LeaderKills == 0 {
			t.Errorf("no kill took the event stream's NATS leader")
		}
		if r.Lost != 0 || r.Duplicated != 0 {
			t.Errorf("%d member(s): %d acknowledged transactions lost, %d applied twice", o.members, r.Lost, r.Duplicated)
		}
	}
}

// The short version of `node campaign soak`: under a mixed load that
// opens and closes live streams and reads missing graphs, the node's
// goroutines stay flat.
func TestSoakShort(t *testing.T) {
	if testing.Short() {
		t.Skip("starts node processes")
	}
	bin, err := nodeproc.Build()
	if err != nil {
		t.Fatal(err)
	}
	samples, err := soak(context.Background(), soakOptions{duration: 18 * time.Second, every: 2 * time.Second, writers: 2, readers: 4, graphs: 10, bin: bin}, campaignProgress())
	if err != nil {
		t.Fatal(err)
	}
	if len(samples) < 6 {
		t.Fatalf("%d samples", len(samples))
	}
	v := judgeSoak(samples)
	t.Log(v.summary)
	third := len(samples) / 3
	midMax := 0.0
	for _, s := range samples[third : 2*third] {
		midMax = max(midMax, s.goroutines)
	}
	if end := samples[len(samples)-1].goroutines; end > midMax+60 {
		t.Fatalf("goroutines grew from %.0f to %.0f under a steady load", midMax, end)
	}
}

// judgeSoak tells a flat run from a growing one.
func TestJudgeSoak(t *testing.T) {
	flat := make([]soakSample, 9)
	growing := make([]soakSample, 9)
	for i := range flat {
		flat[i] = soakSample{rss: 200e6 + float64(i%2)*5e6, goroutines: 200 + float64(i%3)}
		growing[i] = soakSample{rss: 100e6 * float64(i+1), goroutines: 200 + 100*float64(i)}
	}
	if v := judgeSoak(flat); !v.flat {
		t.Errorf("a flat run judged growing: %s", v.summary)
	}
	if v := judgeSoak(growing); v.flat {
		t.Errorf("a growing run judged flat: %s", v.summary)
	}
	if v := judgeSoak(flat[:4]); v.flat {
		t.Errorf("four samples judged: %s", v.summary)
	}
}
