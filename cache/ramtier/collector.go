package ramtier

import "github.com/prometheus/client_golang/prometheus"

// statSource is what the collector reads at scrape time.
type statSource interface{ Stats() Stats }

type collector struct {
	src   statSource
	descs []*prometheus.Desc
}

// metric names, in the order collect emits them.
var metricDefs = []struct {
	name, help string
	gauge      bool
}{
	{"vodedge_ram_bytes", "Bytes charged to the RAM tier (values plus per-entry overhead).", true},
	{"vodedge_ram_capacity_bytes", "Configured RAM tier capacity.", true},
	{"vodedge_ram_items", "Entries in the RAM tier.", true},
	{"vodedge_ram_hits_total", "RAM tier lookups that found a value.", false},
	{"vodedge_ram_misses_total", "RAM tier lookups that found nothing.", false},
	{"vodedge_ram_evictions_total", "Entries removed by the eviction policy or TTL expiry.", false},
	{"vodedge_ram_rejected_sets_total", "Values refused by TinyLFU admission.", false},
	{"vodedge_ram_dropped_sets_total", "Sets dropped under contention before reaching the policy.", false},
	{"vodedge_ram_deleted_total", "Entries removed explicitly (purge, replacement).", false},
}

// Register registers a collector that reads the tier's statistics at
// scrape time.
func (t *Tier[V]) Register(reg prometheus.Registerer) error {
	c := &collector{src: t}
	for _, d := range metricDefs {
		c.descs = append(c.descs, prometheus.NewDesc(d.name, d.help, nil, nil))
	}
	return reg.Register(c)
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Stats()
	vals := []float64{
		float64(s.Bytes), float64(s.MaxBytes), float64(s.Items),
		float64(s.Hits), float64(s.Misses), float64(s.Evictions),
		float64(s.Rejected), float64(s.Dropped), float64(s.Deleted),
	}
	for i, v := range vals {
		kind := prometheus.CounterValue
		if metricDefs[i].gauge {
			kind = prometheus.GaugeValue
		}
		ch <- prometheus.MustNewConstMetric(c.descs[i], kind, v)
	}
}
