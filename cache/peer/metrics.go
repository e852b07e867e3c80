package peer

import "github.com/prometheus/client_golang/prometheus"

// Outcomes of a peer request (label values).
const (
	outcomeHit      = "hit"       // the peer sent the slice
	outcomeMiss     = "miss"      // the peer does not hold it and does not own it
	outcomeNotFound = "not_found" // the owner's origin said 404
	outcomeTimeout  = "timeout"   // no connection or headers within Timeout
	outcomeError    = "error"     // refused, 401, 5xx, unusable answer
)

type peerMetrics struct {
	fetches *prometheus.CounterVec
	bytes   *prometheus.CounterVec
	direct  *prometheus.CounterVec
	resumes prometheus.Counter
}

func newPeerMetrics(reg prometheus.Registerer) (*peerMetrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &peerMetrics{
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_peer_fetches_total",
			Help: "Slice requests to the site's peers by outcome: hit, miss (peer does not hold it), not_found (the owner's origin said 404), timeout, error.",
		}, []string{"outcome"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_peer_bytes_total",
			Help: "Body bytes received from peers: hit for complete bodies, error for bodies that failed and were finished from the origin or cut.",
		}, []string{"outcome"}),
		direct: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_peer_origin_fetches_total",
			Help: "Slice fetches the peer layer sent to the origin: owner (this node owns the key, or no peer is usable), fallback (after the peers missed or failed).",
		}, []string{"reason"}),
		resumes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_peer_resumed_total", Help: "Peer bodies that failed midway and were finished from the origin.",
		}),
	}
	for _, c := range []prometheus.Collector{m.fetches, m.bytes, m.direct, m.resumes} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
