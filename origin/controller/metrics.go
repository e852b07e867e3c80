package controller

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin/catalog"
)

type metrics struct {
	ingests          *prometheus.CounterVec
	ingestBytes      prometheus.Counter
	publishedBytes   prometheus.Counter
	publishedObjects prometheus.Counter
	heartbeats       *prometheus.CounterVec // result
}

func newMetrics(reg prometheus.Registerer, s *Server) (*metrics, error) {
	m := &metrics{
		ingests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_origin_ingests_total", Help: "Uploads by result (accepted, rejected).",
		}, []string{"result"}),
		ingestBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_origin_ingest_bytes_total", Help: "Bytes of sources received.",
		}),
		publishedBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_origin_published_bytes_total", Help: "Bytes written to the origin store.",
		}),
		publishedObjects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_origin_published_objects_total", Help: "Objects written to the origin store.",
		}),
		heartbeats: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_origin_node_heartbeats_total", Help: "Node heartbeats received by the registry, by result (accepted, rejected).",
		}, []string{"result"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.ingests, m.ingestBytes, m.publishedBytes, m.publishedObjects, m.heartbeats, titlesCollector{s}, registryCollector{s}} {
		if err := reg.Register(c); err != nil {
			return nil, errors.Join(ErrConfig, err)
		}
	}
	return m, nil
}

func (m *metrics) ingest(result string) { m.ingests.WithLabelValues(result).Inc() }

func (m *metrics) published(size int64) {
	m.publishedBytes.Add(float64(size))
	m.publishedObjects.Inc()
}

// titlesCollector counts titles by status and class at scrape time.
type titlesCollector struct{ s *Server }

var titlesDesc = prometheus.NewDesc("vodedge_origin_titles", "Titles in the catalog by status and storage class.", []string{"status", "class"}, nil)

func (c titlesCollector) Describe(ch chan<- *prometheus.Desc) { ch <- titlesDesc }

func (c titlesCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.cat == nil || c.s.closing() {
		return // not open yet, or closing
	}
	counts := map[[2]string]int{}
	c.s.cat.Each(func(t *catalog.Title) error {
		counts[[2]string{string(t.Status), string(t.Class)}]++
		return nil
	})
	for k, n := range counts {
		ch <- prometheus.MustNewConstMetric(titlesDesc, prometheus.GaugeValue, float64(n), k[0], k[1])
	}
}

// registryCollector counts the registry's nodes by site and state at
// scrape time.
type registryCollector struct{ s *Server }

var registryDesc = prometheus.NewDesc("vodedge_origin_site_nodes", "Nodes in the live node registry by site and state (live, seeded, expired).", []string{"site", "state"}, nil)

func (c registryCollector) Describe(ch chan<- *prometheus.Desc) { ch <- registryDesc }

func (c registryCollector) Collect(ch chan<- prometheus.Metric) {
	if c.s.reg == nil {
		return
	}
	for _, site := range c.s.reg.view() {
		counts := map[string]int{StateLive: 0, StateSeeded: 0, StateExpired: 0}
		for _, n := range site.Nodes {
			counts[n.State]++
		}
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(registryDesc, prometheus.GaugeValue, float64(n), site.Name, state)
		}
	}
}
