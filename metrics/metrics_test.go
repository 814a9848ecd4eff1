package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// value reads a counter or gauge (prometheus/testutil would need another
// module).
func value(t *testing.T, c prometheus.Collector) float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	t.Fatalf("not a counter or gauge: %v", &m)
	return 0
}

func TestNilMetricsIsNoOp(t *testing.T) {
	var m *Metrics
	m.Appended(3)
	m.Applied()
	m.Conflict()
	m.Rejected(SourceLog)
	m.DeadLetter()
	m.Activated(time.Second)
	m.Passivated()
	m.Evicted()
	m.IngressReads(2)
	m.ObserveSubmit(time.Millisecond)
	m.Delivered()
	m.ObserveHTTP("GET /healthz", 200, time.Millisecond)
	m.IngressLag(1, 2)
	m.Members(3)
}

func TestCountsAndExposition(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := New(reg)
	m.Appended(3)
	m.Appended(2)
	m.Applied()
	m.Conflict()
	m.Rejected(SourceSubmit)
	m.Rejected(SourceSubmit)
	m.DeadLetter()
	m.Activated(20 * time.Millisecond)
	m.Activated(10 * time.Millisecond)
	m.Passivated()
	m.Evicted()
	m.IngressReads(2)
	m.ObserveSubmit(time.Millisecond)
	m.Delivered()
	m.ObserveHTTP("GET /v1/graphs/{graph}", 404, time.Millisecond)
	m.ActivationRead(7)
	m.SnapshotStored(1000, time.Millisecond)
	m.SnapshotFailed()
	m.IngressLag(4, 9)
	m.IngressLag(12, 3) // a gauge: the last sample counts
	m.Members(3)

	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"appends", value(t, m.Appends), 2},
		{"appended events", value(t, m.AppendedEvents), 5},
		{"applies", value(t, m.Applies), 1},
		{"conflicts", value(t, m.Conflicts), 1},
		{"rejections submit", value(t, m.Rejections.WithLabelValues(SourceSubmit)), 2},
		{"rejections log", value(t, m.Rejections.WithLabelValues(SourceLog)), 0},
		{"dead letters", value(t, m.DeadLetters), 1},
		{"activations", value(t, m.Activations), 2},
		{"active graphs", value(t, m.ActiveGraphs), 1},
		{"evictions", value(t, m.Evictions), 1},
		{"passivations", value(t, m.Passivations), 1},
		{"ingress partitions", value(t, m.IngressPartitions), 2},
		{"ingress", value(t, m.IngressDelivered), 1},
		{"activation events", value(t, m.ActivationEvents), 7},
		{"snapshots", value(t, m.Snapshots), 1},
		{"snapshot failures", value(t, m.SnapshotFailures), 1},
		{"ingress pending", value(t, m.IngressPending), 12},
		{"ingress ack pending", value(t, m.IngressAckPending), 3},
		{"members", value(t, m.ClusterMembers), 3},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}

	rec := httptest.NewRecorder()
	Handler(reg).ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	text := string(body)
	for _, want := range []string{
		"graphlog_appends_total 2",
		"graphlog_appended_events_total 5",
		"graphlog_applies_total 1",
		"graphlog_conflicts_total 1",
		`graphlog_rejections_total{source="submit"} 2`,
		`graphlog_rejections_total{source="log"} 0`,
		"graphlog_dead_letters_total 1",
		"graphlog_activations_total 2",
		"graphlog_activation_seconds_count 2",
		"graphlog_apply_seconds_count 1",
		"graphlog_active_graphs 1",
		"graphlog_evictions_total 1",
		"graphlog_passivations_total 1",
		"graphlog_ingress_partitions 2",
		"graphlog_ingress_delivered_total 1",
		`graphlog_http_request_seconds_count{code="404",route="GET /v1/graphs/{graph}"} 1`,
		"graphlog_activation_events_total 7",
		"graphlog_snapshots_total 1",
		"graphlog_snapshot_bytes_count 1",
		"graphlog_snapshot_seconds_count 1",
		"graphlog_snapshot_failures_total 1",
		"graphlog_ingress_pending_messages 12",
		"graphlog_ingress_ack_pending_messages 3",
		"graphlog_cluster_members 3",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	// Every family is graphlog_-prefixed.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(mfs) != 23 {
		t.Errorf("%d families, want 23", len(mfs))
	}
	for _, mf := range mfs {
		if !strings.HasPrefix(mf.GetName(), "graphlog_") {
			t.Errorf("family %q lacks the graphlog_ prefix", mf.GetName())
		}
	}
}

func TestNewWithoutRegistry(t *testing.T) {
	m := New(nil)
	m.Applied()
	if got := value(t, m.Applies); got != 1 {
		t.Fatalf("applies = %v", got)
	}
	// A second set on its own registry does not collide with the first.
	New(prometheus.NewRegistry())
	New(prometheus.NewRegistry())
}
