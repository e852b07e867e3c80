package cache

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/origin"
)

// metrics is the edge server's instrumentation, registered on the
// injected registerer. Counters used on every request are resolved once
// into arrays so that a hit does no label lookup.
type metrics struct {
	requests    *prometheus.CounterVec   // status, tier
	respBytes   *prometheus.CounterVec   // tier
	ttfb        *prometheus.HistogramVec // tier
	fetches     *prometheus.CounterVec   // result
	originBytes prometheus.Counter
	collapsed   prometheus.Counter
	inflight    prometheus.Gauge
	logDropped  prometheus.CounterFunc
	memfdBytes  prometheus.GaugeFunc

	diskSkipped     *prometheus.CounterVec // reason
	tokenRejections *prometheus.CounterVec // reason
	promotions      prometheus.Counter
	promoteDropped  prometheus.Counter
	diskSends       *prometheus.CounterVec // pages
	diskSendBy      [2]prometheus.Counter  // diskSends' uncached, cached

	lookups       *prometheus.CounterVec // result
	byOutcome     [numOutcomes]prometheus.Counter
	revalidations *prometheus.CounterVec // result
	stale         *prometheus.CounterVec // reason
	uncacheableV  *prometheus.CounterVec // reason
	invalidations prometheus.Counter

	// hot caches the request counters of common statuses, created on
	// first use so that /metrics lists only series that happened.
	hot [len(hotStatuses)][numTiers]atomic.Pointer[counterCell]

	sent atomic.Uint64 // body bytes sent, all tiers: the node's egress
	byT  [numTiers]struct {
		bytes prometheus.Counter
		ttfb  prometheus.Observer
	}
}

// tier is where an answer came from, as X-Cache, the access log and the
// metrics name it. A small integer rather than its name, so that a
// result fits in registers and the metrics index by it.
type tier uint8

const (
	tierRAM  tier = iota // HIT-RAM
	tierDisk             // HIT-DISK
	tierMiss             // MISS
	tierNone             // NONE: answered before any lookup (bad request, bad method)
	numTiers
)

// tierNames name the tiers; tierValues are the same as X-Cache values.
var (
	tierNames  = [numTiers]string{"HIT-RAM", "HIT-DISK", "MISS", "NONE"}
	tierValues = [numTiers][]byte{[]byte(tierNames[0]), []byte(tierNames[1]), []byte(tierNames[2]), []byte(tierNames[3])}
)

func (t tier) String() string { return tierNames[t] }

// bytes returns the tier's X-Cache value.
func (t tier) bytes() []byte { return tierValues[t] }

// hotStatuses are the statuses whose request counters are cached (hot).
var hotStatuses = [...]int{200, 206, 304, 400, 404, 416, 502, 504}

func newMetrics(reg prometheus.Registerer, dropped func() float64) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_requests_total", Help: "Responses by HTTP status and the tier that served them.",
		}, []string{"status", "tier"}),
		respBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_response_bytes_total", Help: "Body bytes sent to clients by tier.",
		}, []string{"tier"}),
		ttfb: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "vodedge_edge_ttfb_seconds",
			Help:    "Time from request start to the first body byte handed to the socket, by tier.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"tier"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_origin_fetches_total", Help: "Origin fetches (one per slice) by result.",
		}, []string{"result"}),
		originBytes: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_edge_origin_bytes_total", Help: "Body bytes received from the origin.",
		}),
		collapsed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_edge_collapsed_waiters_total", Help: "Requests that joined an origin fetch already in flight instead of starting one.",
		}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "vodedge_edge_origin_fetches_in_flight", Help: "Origin fetches in progress.",
		}),
		logDropped: prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "vodedge_edge_access_log_dropped_total", Help: "Access log records dropped because the log writer fell behind.",
		}, dropped),
		memfdBytes: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "vodedge_ram_memfd_bytes", Help: "Bytes of RAM-tier slices held in sealed memfds (shared memory outside the Go heap and the RSS).",
		}, func() float64 { return float64(memfile.Live()) }),
		tokenRejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_token_rejections_total", Help: "Player requests refused with 403 for their signed-URL token, by reason (missing, malformed, unknown_key, tampered, expired, scope).",
		}, []string{"reason"}),
		diskSkipped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_disk_writes_skipped_total", Help: "Fetched slices not written through to disk, by reason (not_admitting, full, error).",
		}, []string{"reason"}),
		promotions: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_edge_promotions_total", Help: "Disk-tier slices read and offered to the RAM tier (its admission policy decides).",
		}),
		promoteDropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "vodedge_edge_promotions_dropped_total", Help: "Promotions dropped because the promotion queue was full.",
		}),
		diskSends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_edge_disk_sendfile_bodies_total",
			Help: "Disk-hit bodies over 64 KiB sent with sendfile, by whether all their bytes were in the page cache (pages=cached: sent in calls of up to 2 MiB) or not (uncached: 64 KiB calls; every body on kernels without cachestat(2)).",
		}, []string{"pages"}),
	}
	m.diskSendBy = [2]prometheus.Counter{m.diskSends.WithLabelValues("uncached"), m.diskSends.WithLabelValues("cached")}
	m.newCachingMetrics()
	for _, c := range []prometheus.Collector{m.requests, m.respBytes, m.ttfb, m.fetches, m.originBytes, m.collapsed, m.inflight, m.logDropped, m.memfdBytes, m.tokenRejections, m.diskSkipped, m.promotions, m.promoteDropped, m.diskSends,
		m.lookups, m.revalidations, m.stale, m.uncacheableV, m.invalidations} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	for o := outHit; o < numOutcomes; o++ {
		if o != outMethod {
			m.byOutcome[o] = m.lookups.WithLabelValues(logOutcomes[o])
		}
	}
	for j, t := range tierNames {
		m.byT[j].bytes = m.respBytes.WithLabelValues(t)
		m.byT[j].ttfb = m.ttfb.WithLabelValues(t)
	}
	return m, nil
}

// response records one finished response.
func (m *metrics) response(status int, t tier, bytes int64, ttfb time.Duration) {
	ti := int(t)
	m.request(status, ti)
	m.byT[ti].bytes.Add(float64(bytes))
	m.sent.Add(uint64(bytes))
	if ttfb > 0 {
		m.byT[ti].ttfb.Observe(ttfb.Seconds())
	}
}

type counterCell struct{ c prometheus.Counter }

func (m *metrics) request(status, ti int) {
	for i, st := range hotStatuses {
		if st != status {
			continue
		}
		cell := m.hot[i][ti].Load()
		if cell == nil {
			// Racing creators get the same series from the vector.
			cell = &counterCell{m.requests.WithLabelValues(strconv.Itoa(status), tierNames[ti])}
			m.hot[i][ti].Store(cell)
		}
		cell.c.Inc()
		return
	}
	m.requests.WithLabelValues(strconv.Itoa(status), tierNames[ti]).Inc()
}

// diskSend counts one disk-hit body over 64 KiB by whether its bytes
// were all in the page cache.
func (m *metrics) diskSend(cached bool) {
	i := 0
	if cached {
		i = 1
	}
	m.diskSendBy[i].Inc()
}

// originFetch counts one origin fetch by how it ended.
func (m *metrics) originFetch(err error) {
	m.fetches.WithLabelValues(fetchResult(err)).Inc()
}

func fetchResult(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, origin.ErrNotFound):
		return "not_found"
	case errors.Is(err, origin.ErrRangeNotSatisfiable):
		return "range_not_satisfiable"
	case errors.Is(err, origin.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, origin.ErrUnreachable):
		return "unreachable"
	case errors.Is(err, context.Canceled):
		return "canceled"
	default:
		return "bad_response"
	}
}

// Revalidation results.
const (
	revalidateNotModified = "not_modified"
	revalidateModified    = "modified"
	revalidateRefetched   = "refetched"
	revalidateFailed      = "failed"
)

func (m *metrics) newCachingMetrics() {
	m.lookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_edge_cache_lookups_total",
		Help: "GET/HEAD requests by cache result: hit (fresh copy), miss (fetched), revalidated (stale copy confirmed by a 304), modified (stale copy replaced by a 200), stale (stale copy served), pass (fetched for this request only).",
	}, []string{"result"})
	m.revalidations = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_edge_revalidations_total", Help: "Conditional requests to the origin for stale copies, by result: not_modified (304), modified (a new version), refetched (the same version sent in full: the origin ignored the condition), failed.",
	}, []string{"result"})
	m.stale = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_edge_stale_served_total", Help: "Stale copies served, by reason: swr (stale-while-revalidate), sie (the origin's stale-if-error), origin_down (the operator's default stale-if-error), max_stale (the client's max-stale).",
	}, []string{"reason"})
	m.uncacheableV = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vodedge_edge_uncacheable_total", Help: "Origin answers not stored, by reason (no_store, private, status, must_understand, vary_star, too_many_variants, no_freshness, policy_pass, unknown_size).",
	}, []string{"reason"})
	m.invalidations = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "vodedge_edge_invalidations_total", Help: "Objects invalidated by a successful unsafe request (POST, PUT, DELETE, PATCH) through this edge.",
	})
}

// lookup counts one request's cache result.
func (m *metrics) lookup(o outcome) {
	if c := m.byOutcome[o]; c != nil {
		c.Inc()
	}
}

func (m *metrics) revalidated(result string) { m.revalidations.WithLabelValues(result).Inc() }

func (m *metrics) staleServed(o outcome) { m.stale.WithLabelValues(staleReasons[o]).Inc() }

func (m *metrics) uncacheable(reason string) { m.uncacheableV.WithLabelValues(reason).Inc() }
