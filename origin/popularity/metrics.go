package popularity

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	lines   *prometheus.CounterVec
	bytes   prometheus.Counter
	batches *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		lines: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_origin_popularity_lines_total",
			Help: "Access-log lines received, by result (counted, skipped, malformed).",
		}, []string{"result"}),
		bytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_origin_popularity_bytes_total",
			Help: "Bytes served by edges, as counted from access logs.",
		}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_origin_popularity_batches_total",
			Help: "Numbered access-log batches from edges, by result: counted, or duplicate (a resend of a counted batch, not counted again).",
		}, []string{"result"}),
	}
	if reg != nil {
		for _, c := range []prometheus.Collector{m.lines, m.bytes, m.batches} {
			if err := reg.Register(c); err != nil {
				return nil, errors.Join(ErrConfig, err)
			}
		}
	}
	return m, nil
}

func (m *metrics) observe(st Stats) {
	m.lines.WithLabelValues("counted").Add(float64(st.Counted))
	m.lines.WithLabelValues("skipped").Add(float64(st.Skipped))
	m.lines.WithLabelValues("malformed").Add(float64(st.Malformed))
	m.bytes.Add(float64(st.Bytes))
}
