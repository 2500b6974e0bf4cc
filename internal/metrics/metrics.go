// Package metrics holds the Prometheus series of the server: requests and
// their latency by operation and outcome code, the fast report path's
// outcomes, and the store's events, group-commit batches and WAL
// checkpoints (it implements store.Observer). The HTTP chain records each
// request through Metrics.Request.
package metrics

import (
	"regexp"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the Prometheus series of the API.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	events   *prometheus.CounterVec
	groups   prometheus.Histogram
	// fastReports counts operations the fast report path served or
	// handed back to gqlgen.
	fastReports *prometheus.CounterVec
	// checkpoints counts background WAL checkpoints by result.
	checkpoints *prometheus.CounterVec

	mu  sync.Mutex
	ops map[string]bool // operation names seen, bounded by maxOperationLabels
}

// maxOperationLabels bounds the distinct operation names used as label
// values; clients choose names, so more would let them grow the series
// without end. Later names are counted as "other".
const maxOperationLabels = 200

// New registers the API's series on reg.
func New(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reimburse_requests_total",
			Help: "API requests by GraphQL operation name (or endpoint) and outcome code (OK or the first error's extensions.code).",
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "reimburse_request_duration_seconds",
			Help:    "API request latency by GraphQL operation name (or endpoint).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reimburse_events_total",
			Help: "Events written, by action: registered, reimbursed, voided (committed writes only; idempotent replays excluded).",
		}, []string{"action"}),
		groups: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "reimburse_group_commit_batch_size",
			Help:    "registerEvent calls that shared one group-commit transaction.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256, 512},
		}),
		fastReports: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reimburse_fast_report_total",
			Help: "Report operations the fast report path answered (served) or handed to gqlgen's executor (fallback).",
		}, []string{"outcome"}),
		checkpoints: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "reimburse_wal_checkpoints_total",
			Help: "Background checkpoints of the SQLite write-ahead log into the database file, by result (ok, error).",
		}, []string{"result"}),
		ops: map[string]bool{},
	}
	reg.MustRegister(m.requests, m.duration, m.events, m.groups, m.fastReports, m.checkpoints)
	for _, r := range []string{"ok", "error"} {
		m.checkpoints.WithLabelValues(r)
	}
	for _, a := range []string{"registered", "reimbursed", "voided"} {
		m.events.WithLabelValues(a)
	}
	for _, o := range []string{"served", "fallback"} {
		m.fastReports.WithLabelValues(o)
	}
	return m
}

// EventsRegistered implements store.Observer.
func (m *Metrics) EventsRegistered(n int) { m.events.WithLabelValues("registered").Add(float64(n)) }

// EventsReimbursed implements store.Observer.
func (m *Metrics) EventsReimbursed(n int) { m.events.WithLabelValues("reimbursed").Add(float64(n)) }

// GroupCommitted implements store.Observer.
func (m *Metrics) GroupCommitted(calls int) { m.groups.Observe(float64(calls)) }

// Checkpointed implements store.Observer.
func (m *Metrics) Checkpointed(_ int, err error) {
	if err != nil {
		m.checkpoints.WithLabelValues("error").Inc()
		return
	}
	m.checkpoints.WithLabelValues("ok").Inc()
}

// EventsVoided implements store.Observer.
func (m *Metrics) EventsVoided(n int) { m.events.WithLabelValues("voided").Add(float64(n)) }

var opNameRE = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,63}$`)

// label returns a bounded label value for a client-chosen operation name.
func (m *Metrics) label(op string) string {
	if op == "" {
		return "anonymous"
	}
	if !opNameRE.MatchString(op) {
		return "invalid"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ops[op] {
		return op
	}
	if len(m.ops) >= maxOperationLabels {
		return "other"
	}
	m.ops[op] = true
	return op
}

// Request records one API request: op is its operation name (or
// endpoint), code its outcome code, fast what the fast report path did ("",
// "served", "fallback"). A nil *Metrics records nothing.
func (m *Metrics) Request(op, code string, d time.Duration, fast string) {
	if m == nil {
		return
	}
	l := m.label(op)
	m.requests.WithLabelValues(l, code).Inc()
	m.duration.WithLabelValues(l).Observe(d.Seconds())
	if fast != "" {
		m.fastReports.WithLabelValues(fast).Inc()
	}
}
