package bgp

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	updates        *prometheus.CounterVec
	sessionChanges *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer, s *Speaker) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_steer_bgp_updates_total",
			Help: "Routes received over BGP by kind: announce (mapped to a site), withdraw, unmapped (no community or neighbor site), ignored (not IPv4/IPv6 unicast).",
		}, []string{"kind"}),
		sessionChanges: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_steer_bgp_session_changes_total", Help: "BGP sessions going up or down, by neighbor.",
		}, []string{"neighbor", "direction"}),
	}
	for _, c := range []prometheus.Collector{m.updates, m.sessionChanges, &sessionCollector{s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// sessionCollector reads the sessions at scrape time.
type sessionCollector struct{ s *Speaker }

var (
	descUp = prometheus.NewDesc("vodedge_steer_bgp_session_up",
		"1 when the BGP session with the neighbor is established.", []string{"neighbor", "site"}, nil)
	descPrefixes = prometheus.NewDesc("vodedge_steer_bgp_prefixes",
		"Prefixes learned from the neighbor and mapped to a site.", []string{"neighbor", "site"}, nil)
)

func (c *sessionCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descUp
	ch <- descPrefixes
}

func (c *sessionCollector) Collect(ch chan<- prometheus.Metric) {
	for _, ss := range c.s.Sessions() {
		up := 0.0
		if ss.State == "established" {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(descUp, prometheus.GaugeValue, up, ss.Neighbor, ss.Site)
		ch <- prometheus.MustNewConstMetric(descPrefixes, prometheus.GaugeValue, float64(ss.Prefixes), ss.Neighbor, ss.Site)
	}
}
