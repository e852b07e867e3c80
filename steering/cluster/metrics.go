package cluster

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the cluster's own; the peer origin has its own set.
type metrics struct {
	gossip      *prometheus.CounterVec
	metaUpdates prometheus.Counter
	conflicts   prometheus.Counter
	egress      prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, c *Cluster) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		gossip: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_gossip_bytes_total",
			Help: "Gossip traffic of this node by direction (sent, received) and kind (packet: UDP probes and gossip; stream: TCP joins, state exchanges, fallback pings).",
		}, []string{"direction", "kind"}),
		metaUpdates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_cluster_meta_updates_total", Help: "Broadcasts of this node's metadata (state or load changes).",
		}),
		conflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_cluster_name_conflicts_total", Help: "Nodes seen claiming a name another node holds.",
		}),
		egress: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vodedge_cluster_egress_bits_per_second", Help: "This node's smoothed egress rate, as sampled for its published load.",
		}),
	}
	for _, col := range []prometheus.Collector{m.gossip, m.metaUpdates, m.conflicts, m.egress, &membersCollector{c}} {
		if err := reg.Register(col); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// membersCollector reads the view at scrape time.
type membersCollector struct{ c *Cluster }

var (
	descMembers = prometheus.NewDesc("vodedge_cluster_members",
		"Members this node knows, by effective state (ok, draining, degraded, leaving, suspect, dead, left) and site.",
		[]string{"state", "site"}, nil)
	descHealth = prometheus.NewDesc("vodedge_gossip_health_score",
		"memberlist's awareness score: 0 is healthy; higher means this node misses probes and stretches its timeouts.", nil, nil)
)

func (mc *membersCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMembers
	ch <- descHealth
}

func (mc *membersCollector) Collect(ch chan<- prometheus.Metric) {
	type k struct{ state, site string }
	counts := map[k]int{}
	for _, m := range mc.c.Members() {
		counts[k{m.EffectiveState(), m.Site}]++
	}
	for key, n := range counts {
		ch <- prometheus.MustNewConstMetric(descMembers, prometheus.GaugeValue, float64(n), key.state, key.site)
	}
	if ml := mc.c.list(); ml != nil {
		ch <- prometheus.MustNewConstMetric(descHealth, prometheus.GaugeValue, float64(ml.GetHealthScore()))
	}
}
