package pipeline

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	queue    prometheus.Gauge
	running  prometheus.Gauge
	jobs     *prometheus.GaugeVec
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		queue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vodedge_origin_pipeline_queue_depth",
			Help: "Steps ready to run but waiting for a free worker.",
		}),
		running: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vodedge_origin_pipeline_steps_running",
			Help: "Steps running now.",
		}),
		jobs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "vodedge_origin_pipeline_jobs",
			Help: "Jobs by state.",
		}, []string{"state"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vodedge_origin_pipeline_step_duration_seconds",
			Help:    "Run time of step attempts by kind and outcome (done, retry, failed, held, cancelled).",
			Buckets: prometheus.ExponentialBuckets(0.05, 2.5, 12),
		}, []string{"kind", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_origin_pipeline_step_failures_total",
			Help: "Failed step attempts by kind (retried or final).",
		}, []string{"kind"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.queue, m.running, m.jobs, m.duration, m.failures} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(ErrInvalid, err)
		}
	}
	return m, nil
}

func (m *metrics) observeStep(kind, outcome string, d time.Duration) {
	m.duration.WithLabelValues(kind, outcome).Observe(d.Seconds())
	if outcome == "retry" || outcome == "failed" {
		m.failures.WithLabelValues(kind).Inc()
	}
}

func (m *metrics) observeJobs(jobs map[string]*Job) {
	counts := map[State]int{Queued: 0, Running: 0, Done: 0, Failed: 0, Held: 0, Cancelled: 0}
	for _, j := range jobs {
		counts[j.State]++
	}
	for s, n := range counts {
		m.jobs.WithLabelValues(string(s)).Set(float64(n))
	}
}
