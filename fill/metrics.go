package fill

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	manifests        *prometheus.CounterVec // result
	version          prometheus.Gauge
	files            *prometheus.CounterVec // source kind
	bytes            *prometheus.CounterVec // source kind
	pending          prometheus.Gauge
	failures         prometheus.Counter
	checksumFailures prometheus.Counter
	abandoned        prometheus.Counter
	windowOpen       prometheus.Gauge
	heartbeats       *prometheus.CounterVec // result
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		manifests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_fill_manifests_total",
			Help: "Manifests received, by result (accepted, rejected: bad signature, other site, stale, malformed)."}, []string{"result"}),
		version: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vodedge_fill_manifest_version", Help: "Version of the newest accepted manifest."}),
		files: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_fill_files_total",
			Help: "Files filled, by the kind of source that delivered them (peer, master, parent, origin; held: stored meanwhile by the serving path, only pinned)."}, []string{"source"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_fill_bytes_total",
			Help: "Bytes fetched for fill, by kind of source."}, []string{"source"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vodedge_fill_files_pending", Help: "Files of the current manifest still to fetch."}),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "vodedge_fill_failures_total",
			Help: "Files that failed from every source (retried later)."}),
		checksumFailures: prometheus.NewCounter(prometheus.CounterOpts{Name: "vodedge_fill_checksum_failures_total",
			Help: "Fetched files whose SHA-256 did not match the manifest (discarded)."}),
		abandoned: prometheus.NewCounter(prometheus.CounterOpts{Name: "vodedge_fill_abandoned_total",
			Help: "Files abandoned half-fetched because the fill window closed (fetched again, whole, when it reopens; not failures)."}),
		windowOpen: prometheus.NewGauge(prometheus.GaugeOpts{Name: "vodedge_fill_window_open", Help: "1 while the fill window is open."}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "vodedge_fill_heartbeats_total",
			Help: "Heartbeats sent to the controller's node registry, by result (ok, failed)."}, []string{"result"}),
	}
	for _, c := range []prometheus.Collector{m.manifests, m.version, m.files, m.bytes, m.pending, m.failures, m.checksumFailures, m.abandoned, m.windowOpen, m.heartbeats} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
