package steering

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Label values of vodedge_steer_decisions_total's match.
const (
	matchPrefix  = 0 // the client matched a prefix
	matchDefault = 1 // no prefix matched: default order
)

var matchNames = [2]string{"prefix", "default"}

// metrics are the decision path's counters, resolved once so that a
// decision does no label lookup.
type metrics struct {
	decisions  [numOutcomes][2]prometheus.Counter
	bySite     map[string]*[numOutcomes]prometheus.Counter // by best site; read-only after newMetrics
	passed     [numMisses]prometheus.Counter
	latency    prometheus.Histogram
	requests   *prometheus.CounterVec
	logDropped prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, s *Service) (*metrics, error) {
	decisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_steer_decisions_total",
		Help: "Steering decisions (one per file asked for) by outcome (best, health_miss, content_miss, origin, none) and match (prefix: the client matched a prefix; default: default site order).",
	}, []string{"outcome", "match"})
	siteDecisions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_steer_site_decisions_total",
		Help: "Steering decisions by the client's best site and outcome (best, health_miss, content_miss, origin, none): the misses each site caused.",
	}, []string{"site", "outcome"})
	passed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_steer_passed_over_total",
		Help: "Nodes passed over in decisions, by reason: down, draining, overloaded (health misses), content (the site does not hold the file).",
	}, []string{"reason"})
	m := &metrics{
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "vodedge_steer_decision_seconds",
			Help:    "Time to make one decision (prefix match, filters, ranking, signing), in-process.",
			Buckets: []float64{1e-6, 2e-6, 5e-6, 1e-5, 2e-5, 5e-5, 1e-4, 1e-3},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_steer_requests_total", Help: "HTTP requests to the steering listener by mode (json, redirect, site, other) and status code.",
		}, []string{"mode", "code"}),
		logDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_steer_decision_log_dropped_total", Help: "Decisions not logged because the log writer fell behind.",
		}),
	}
	for o := range numOutcomes {
		for mt, name := range matchNames {
			m.decisions[o][mt] = decisions.WithLabelValues(o.String(), name)
		}
	}
	for r := range numMisses {
		m.passed[r] = passed.WithLabelValues(missNames[r])
	}
	m.bySite = map[string]*[numOutcomes]prometheus.Counter{}
	for _, sc := range s.engine.cfg.Sites {
		var cs [numOutcomes]prometheus.Counter
		for o := range numOutcomes {
			cs[o] = siteDecisions.WithLabelValues(sc.Name, o.String())
		}
		m.bySite[sc.Name] = &cs
	}
	for _, c := range []prometheus.Collector{decisions, siteDecisions, passed, m.latency, m.requests, m.logDropped, &viewCollector{s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (m *metrics) decided(d *Decision) {
	mt := matchPrefix
	if !d.Match.IsValid() {
		mt = matchDefault
	}
	m.decisions[d.Outcome][mt].Inc()
	if cs := m.bySite[d.BestSite]; cs != nil {
		cs[d.Outcome].Inc()
	}
	for r, n := range d.Misses {
		if n > 0 {
			m.passed[r].Add(float64(n))
		}
	}
}

// viewCollector reads the prefix table and the site views at scrape time.
type viewCollector struct{ s *Service }

var (
	descPrefixes = prometheus.NewDesc("vodedge_steer_prefixes",
		"Routes (prefix, site) in the prefix table by source (static:SITE, bgp:NEIGHBOR).", []string{"source"}, nil)
	descNodes = prometheus.NewDesc("vodedge_steer_nodes",
		"Nodes steering knows by site and state (ok, down, draining, overloaded).", []string{"site", "state"}, nil)
)

func (c *viewCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descPrefixes
	ch <- descNodes
}

func (c *viewCollector) Collect(ch chan<- prometheus.Metric) {
	for src, n := range c.s.table.Claims() {
		ch <- prometheus.MustNewConstMetric(descPrefixes, prometheus.GaugeValue, float64(n), src)
	}
	for _, site := range c.s.engine.cfg.Sites {
		counts := map[string]int{"ok": 0, "down": 0, "draining": 0, "overloaded": 0}
		for _, n := range c.s.engine.slots[site.Name].view.Load().nodes {
			counts[n.state()]++
		}
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(descNodes, prometheus.GaugeValue, float64(n), site.Name, state)
		}
	}
}

// state is the node's state as steering sees it: ok or a miss reason.
func (n *nodeView) state() string {
	if n.miss < 0 {
		return "ok"
	}
	return missNames[n.miss]
}
