package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Values of the source label of Rejections.
const (
	// SourceSubmit: a transaction submitted to a grain was refused by the
	// graph's rules before it was appended.
	SourceSubmit = "submit"
	// SourceLog: a transaction already in the log (appended past the
	// grain) failed the rules and was applied as a no-op.
	SourceLog = "log"
)

// Metrics holds every collector of a graphlog node.
type Metrics struct {
	// Appends counts transactions appended to the log.
	Appends prometheus.Counter
	// AppendedEvents counts the events of those transactions.
	AppendedEvents prometheus.Counter
	// Applies counts transactions applied by graph grains.
	Applies prometheus.Counter
	// Conflicts counts appends refused because another writer was first.
	Conflicts prometheus.Counter
	// Rejections counts transactions refused by the graph's rules, by
	// source (SourceSubmit or SourceLog).
	Rejections *prometheus.CounterVec
	// DeadLetters counts log messages moved to the dead-letter stream.
	DeadLetters prometheus.Counter
	// Activations counts graph grain activations.
	Activations prometheus.Counter
	// ActivationSeconds is the time to activate a grain: snapshot load and
	// replay of the events after it.
	ActivationSeconds prometheus.Histogram
	// ApplySeconds is the latency of a submit: append and apply.
	ApplySeconds prometheus.Histogram
	// ActiveGraphs is the number of graph grains active on this member.
	ActiveGraphs prometheus.Gauge
	// Evictions counts grains passivated to keep the member within its
	// limit of active graphs.
	Evictions prometheus.Counter
	// Passivations counts grains stopped after an activation, for any
	// cause: idle, evicted, moved to another member, or shut down.
	Passivations prometheus.Counter
	// IngressPartitions is how many partitions this member's ingress reads.
	IngressPartitions prometheus.Gauge
	// IngressDelivered counts transactions the ingress delivered to grains.
	IngressDelivered prometheus.Counter
	// HTTPRequestSeconds is the latency of HTTP requests by route pattern
	// and status code.
	HTTPRequestSeconds *prometheus.HistogramVec
	// ActivationEvents counts the events grains read from the log while
	// activating: with snapshots, only those after the snapshot.
	ActivationEvents prometheus.Counter
	// Snapshots counts snapshots stored.
	Snapshots prometheus.Counter
	// SnapshotSeconds is the time to encode and store a snapshot.
	SnapshotSeconds prometheus.Histogram
	// SnapshotBytes is the size of stored snapshots.
	SnapshotBytes prometheus.Histogram
	// SnapshotFailures counts snapshots that could not be stored, or could
	// not be used (missing, or bytes that do not match their CID).
	SnapshotFailures prometheus.Counter
	// IngressPending is how many messages of the log the ingress consumer
	// has not delivered yet: its lag.
	IngressPending prometheus.Gauge
	// IngressAckPending is how many delivered messages wait for their
	// graph to apply them.
	IngressAckPending prometheus.Gauge
	// ClusterMembers is how many members this member sees.
	ClusterMembers prometheus.Gauge
}

// New creates the collectors and registers them with reg. A nil reg leaves
// them unregistered (they still count). Registering twice with one registry
// panics, as a programming error.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Appends: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_appends_total",
			Help: "Transactions appended to the event log.",
		}),
		AppendedEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_appended_events_total",
			Help: "Events of the transactions appended to the event log.",
		}),
		Applies: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_applies_total",
			Help: "Transactions applied by graph grains.",
		}),
		Conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_conflicts_total",
			Help: "Appends refused because the graph changed since the expected version.",
		}),
		Rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphlog_rejections_total",
			Help: "Transactions refused by the graph's rules, by source: submit (refused before append) or log (stored, applied as a no-op).",
		}, []string{"source"}),
		DeadLetters: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_dead_letters_total",
			Help: "Log messages the ingress moved to the dead-letter stream because they can never apply.",
		}),
		Activations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_activations_total",
			Help: "Graph grain activations.",
		}),
		ActivationSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "graphlog_activation_seconds",
			Help:    "Time to activate a graph grain: load its snapshot and replay the events after it.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		ApplySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "graphlog_apply_seconds",
			Help:    "Latency of a submitted transaction: append to the log and apply.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}),
		ActiveGraphs: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphlog_active_graphs",
			Help: "Graph grains active on this member.",
		}),
		Evictions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_evictions_total",
			Help: "Graph grains passivated, least recently used first, to keep the member within --max-active-graphs.",
		}),
		Passivations: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_passivations_total",
			Help: "Graph grains stopped after activating: idle, evicted, moved to another member, or shut down.",
		}),
		IngressPartitions: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphlog_ingress_partitions",
			Help: "Partitions of the log this member's ingress reads (each is read by one member, chosen by rendezvous hashing over the members).",
		}),
		IngressDelivered: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_ingress_delivered_total",
			Help: "Transactions the JetStream ingress delivered to graph grains.",
		}),
		HTTPRequestSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphlog_http_request_seconds",
			Help:    "Latency of HTTP requests by route pattern and status code.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "code"}),
		ActivationEvents: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_activation_events_total",
			Help: "Events read from the log by activating graph grains (only those after the snapshot they start from).",
		}),
		Snapshots: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_snapshots_total",
			Help: "Snapshots stored.",
		}),
		SnapshotSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "graphlog_snapshot_seconds",
			Help:    "Time to encode and store a snapshot.",
			Buckets: []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}),
		SnapshotBytes: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "graphlog_snapshot_bytes",
			Help:    "Size of stored snapshots.",
			Buckets: prometheus.ExponentialBuckets(256, 4, 12),
		}),
		SnapshotFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphlog_snapshot_failures_total",
			Help: "Snapshots that could not be stored, or not used (missing, or bytes that do not hash to their CID).",
		}),
		IngressPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphlog_ingress_pending_messages",
			Help: "Messages of the log the shared ingress consumer has not delivered yet (its lag), as last read from JetStream.",
		}),
		IngressAckPending: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphlog_ingress_ack_pending_messages",
			Help: "Messages delivered by the ingress consumer that wait for their graph to apply them.",
		}),
		ClusterMembers: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphlog_cluster_members",
			Help: "Cluster members this member sees, itself included.",
		}),
	}
	// Both sources exist from the start, so a rate() over them is defined
	// before the first rejection.
	m.Rejections.WithLabelValues(SourceSubmit)
	m.Rejections.WithLabelValues(SourceLog)
	if reg != nil {
		reg.MustRegister(m.Appends, m.AppendedEvents, m.Applies, m.Conflicts, m.Rejections, m.DeadLetters,
			m.Activations, m.ActivationSeconds, m.ApplySeconds, m.ActiveGraphs, m.Evictions, m.Passivations, m.IngressPartitions, m.IngressDelivered,
			m.HTTPRequestSeconds, m.ActivationEvents, m.Snapshots, m.SnapshotSeconds, m.SnapshotBytes, m.SnapshotFailures,
			m.IngressPending, m.IngressAckPending, m.ClusterMembers)
	}
	return m
}

// Appended counts one transaction of events events appended to the log.
func (m *Metrics) Appended(events int) {
	if m == nil {
		return
	}
	m.Appends.Inc()
	m.AppendedEvents.Add(float64(events))
}

// Applied counts one transaction applied by a grain.
func (m *Metrics) Applied() {
	if m == nil {
		return
	}
	m.Applies.Inc()
}

// Conflict counts one append refused for a conflict.
func (m *Metrics) Conflict() {
	if m == nil {
		return
	}
	m.Conflicts.Inc()
}

// Rejected counts one transaction refused by the graph's rules; source is
// SourceSubmit or SourceLog.
func (m *Metrics) Rejected(source string) {
	if m == nil {
		return
	}
	m.Rejections.WithLabelValues(source).Inc()
}

// DeadLetter counts one undeliverable message.
func (m *Metrics) DeadLetter() {
	if m == nil {
		return
	}
	m.DeadLetters.Inc()
}

// Activated counts one grain activation that took d, and one more active
// graph.
func (m *Metrics) Activated(d time.Duration) {
	if m == nil {
		return
	}
	m.Activations.Inc()
	m.ActivationSeconds.Observe(d.Seconds())
	m.ActiveGraphs.Inc()
}

// IngressReads records how many partitions the ingress reads.
func (m *Metrics) IngressReads(n int) {
	if m == nil {
		return
	}
	m.IngressPartitions.Set(float64(n))
}

// Evicted counts one grain passivated to keep the member within its
// limit of active graphs.
func (m *Metrics) Evicted() {
	if m == nil {
		return
	}
	m.Evictions.Inc()
}

// Passivated counts one passivation and one graph fewer active (a grain
// stopped).
func (m *Metrics) Passivated() {
	if m == nil {
		return
	}
	m.Passivations.Inc()
	m.ActiveGraphs.Dec()
}

// ObserveSubmit records the append+apply latency of one submit.
func (m *Metrics) ObserveSubmit(d time.Duration) {
	if m == nil {
		return
	}
	m.ApplySeconds.Observe(d.Seconds())
}

// Delivered counts one transaction the ingress delivered to a grain.
func (m *Metrics) Delivered() {
	if m == nil {
		return
	}
	m.IngressDelivered.Inc()
}

// ObserveHTTP records one HTTP request. route must be a route pattern, not
// a raw path, to keep the label set bounded.
func (m *Metrics) ObserveHTTP(route string, code int, d time.Duration) {
	if m == nil {
		return
	}
	m.HTTPRequestSeconds.WithLabelValues(route, strconv.Itoa(code)).Observe(d.Seconds())
}

// Handler serves the metrics gathered by g in the Prometheus exposition
// format; a nil g serves prometheus.DefaultGatherer.
func Handler(g prometheus.Gatherer) http.Handler {
	if g == nil {
		g = prometheus.DefaultGatherer
	}
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

// ActivationRead counts events read from the log by an activation.
func (m *Metrics) ActivationRead(events int) {
	if m == nil {
		return
	}
	m.ActivationEvents.Add(float64(events))
}

// SnapshotStored counts one snapshot of size bytes stored in d.
func (m *Metrics) SnapshotStored(size int64, d time.Duration) {
	if m == nil {
		return
	}
	m.Snapshots.Inc()
	m.SnapshotBytes.Observe(float64(size))
	m.SnapshotSeconds.Observe(d.Seconds())
}

// SnapshotFailed counts a snapshot that could not be stored or used.
func (m *Metrics) SnapshotFailed() {
	if m == nil {
		return
	}
	m.SnapshotFailures.Inc()
}

// IngressLag records the ingress consumer's pending and ack-pending counts.
func (m *Metrics) IngressLag(pending, ackPending uint64) {
	if m == nil {
		return
	}
	m.IngressPending.Set(float64(pending))
	m.IngressAckPending.Set(float64(ackPending))
}

// Members records how many members this member sees.
func (m *Metrics) Members(n int) {
	if m == nil {
		return
	}
	m.ClusterMembers.Set(float64(n))
}
