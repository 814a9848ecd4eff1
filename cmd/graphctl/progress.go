package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Progress redraw and print rates.
const (
	ttyRedraw              = 100 * time.Millisecond // at most 10 redraws a second
	defaultProgressEvery   = 2 * time.Second        // a line this often when stderr is not a terminal
	progressBarWidth       = 24
	progressClearLineTTY   = "\r\x1b[K"
	progressMinRateElapsed = 50 * time.Millisecond
)

// importStats counts what an import committed.
type importStats struct {
	transactions int
	events       int
	nodes        int // NodeAdded events
	edges        int // EdgeAdded events
	version      uint64
}

// progress shows an import's progress on stderr: one redrawn line on a
// terminal, else a line every interval. The clock comes in through now,
// so tests can drive it.
type progress struct {
	w      io.Writer
	tty    bool
	every  time.Duration // non-terminal interval; 0: no lines
	size   int64         // input size in bytes; 0: unknown
	now    func() time.Time
	start  time.Time
	last   time.Time
	drawn  bool // a terminal line is on screen
	prefix string
}

func newProgress(w io.Writer, tty bool, every time.Duration, size int64, prefix string, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, tty: tty, every: every, size: size, now: now, start: t, last: t, prefix: prefix}
}

// update shows st and how much input was read, if it is time to.
func (p *progress) update(st importStats, read int64) {
	t := p.now()
	switch {
	case p.tty && t.Sub(p.last) >= ttyRedraw:
		fmt.Fprint(p.w, progressClearLineTTY+p.bar(read)+" "+p.text(st, read, t))
		p.drawn = true
	case !p.tty && p.every > 0 && t.Sub(p.last) >= p.every:
		fmt.Fprintln(p.w, p.prefix+p.text(st, read, t))
	default:
		return
	}
	p.last = t
}

// clear removes the terminal line before a message or the summary.
func (p *progress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, progressClearLineTTY)
		p.drawn = false
	}
}

func (p *progress) percent(read int64) (float64, bool) {
	if p.size <= 0 {
		return 0, false
	}
	return min(100, 100*float64(read)/float64(p.size)), true
}

func (p *progress) bar(read int64) string {
	pct, ok := p.percent(read)
	if !ok {
		return ""
	}
	n := int(pct / 100 * progressBarWidth)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", progressBarWidth-n) + "]"
}

func (p *progress) text(st importStats, read int64, t time.Time) string {
	s := fmt.Sprintf("%d edges, %d nodes, %d events committed, %s edges/s", st.edges, st.nodes, st.events,
		formatRate(rate(st.edges, t.Sub(p.start))))
	if pct, ok := p.percent(read); ok {
		s = fmt.Sprintf("%3.0f%% read, %s", pct, s)
	}
	return s
}

// rate is n per second over d.
func rate(n int, d time.Duration) float64 {
	if d < progressMinRateElapsed {
		return 0
	}
	return float64(n) / d.Seconds()
}

func formatRate(r float64) string {
	if r >= 100 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}
