package logship

import (
	"errors"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the shipper's figures. The gauges are read at scrape time
// from values the shipper's goroutine keeps.
type metrics struct {
	dropped prometheus.Counter
	shipped prometheus.Counter
	batches *prometheus.CounterVec

	lagLines   atomic.Int64 // lines in the spool, not yet acknowledged
	spoolBytes atomic.Int64
	oldest     atomic.Int64 // unix ns the oldest waiting batch was cut; 0: none
}

func newMetrics(reg prometheus.Registerer, now func() time.Time) (*metrics, error) {
	m := &metrics{
		dropped: prometheus.NewCounter(prometheus.CounterOpts{Name: "vodedge_logship_dropped_lines_total",
			Help: "Access-log lines never shipped: dropped with the oldest batches past the spool bound, refused by the controller, or longer than a batch."}),
		shipped: prometheus.NewCounter(prometheus.CounterOpts{Name: "vodedge_logship_shipped_lines_total",
			Help: "Access-log lines the controller acknowledged."}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_logship_batches_total",
			Help: "Batch sends by result: sent, duplicate (counted before; the answer had been lost), failed (kept, sent again), rejected (refused as bad, dropped), dropped (past the spool bound)."}, []string{"result"}),
	}
	gauges := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vodedge_logship_lag_lines",
			Help: "Access-log lines cut into batches and not yet acknowledged by the controller."},
			func() float64 { return float64(m.lagLines.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vodedge_logship_lag_seconds",
			Help: "Age of the oldest batch not yet acknowledged (0: none waits)."},
			func() float64 { return m.lag(now) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vodedge_logship_spool_bytes",
			Help: "Bytes of compressed batches waiting in the spool directory."},
			func() float64 { return float64(m.spoolBytes.Load()) }),
	}
	for _, r := range []string{"sent", "duplicate", "failed", "rejected", "dropped"} {
		m.batches.WithLabelValues(r)
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range append(gauges, m.dropped, m.shipped, m.batches) {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(ErrConfig, err)
		}
	}
	return m, nil
}

func (m *metrics) lag(now func() time.Time) float64 {
	t := m.oldest.Load()
	if t == 0 {
		return 0
	}
	return max(0, now().Sub(time.Unix(0, t)).Seconds())
}
