package disktier

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	evictions        *prometheus.CounterVec
	checksumFailures prometheus.Counter
	ioErrors         prometheus.Counter
	written          prometheus.Counter
	orphans          prometheus.Counter
	scrubbed         prometheus.Counter
	scrubFailures    prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, s *Store) (*metrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &metrics{
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_disk_evictions_total", Help: "Slices removed from the disk tier, by reason (capacity, checksum, io_error, purge, missing_file).",
		}, []string{"reason"}),
		checksumFailures: counter("vodedge_disk_checksum_failures_total", "Stored slices whose bytes did not match their checksum (never served)."),
		ioErrors:         counter("vodedge_disk_io_errors_total", "Failed reads and writes of data files."),
		written:          counter("vodedge_disk_write_bytes_total", "Bytes written through to the disk tier."),
		orphans:          counter("vodedge_disk_orphans_removed_total", "Data files without an index record removed at start-up."),
		scrubbed:         counter("vodedge_disk_scrubbed_bytes_total", "Bytes verified by the background scrubber."),
		scrubFailures:    counter("vodedge_disk_scrub_failures_total", "Slices the scrubber found corrupt or unreadable."),
	}
	for _, c := range []prometheus.Collector{m.evictions, m.checksumFailures, m.ioErrors, m.written, m.orphans, m.scrubbed, m.scrubFailures, &stateCollector{s}} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func counter(name, help string) prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
}

// stateCollector reads the tier's state and Pebble's own metrics at
// scrape time.
type stateCollector struct{ s *Store }

var (
	descBytes    = prometheus.NewDesc("vodedge_disk_bytes", "Bytes of data files in the disk tier (4 KiB blocks).", nil, nil)
	descObjects  = prometheus.NewDesc("vodedge_disk_objects", "Slices stored in the disk tier.", nil, nil)
	descCapacity = prometheus.NewDesc("vodedge_disk_capacity_bytes", "Configured disk tier capacity.", nil, nil)
	descDegraded = prometheus.NewDesc("vodedge_disk_degraded", "1 while the disk tier admits nothing new (I/O errors or disk full).", nil, nil)
	descLoaded   = prometheus.NewDesc("vodedge_disk_index_loaded", "1 once the eviction table is loaded from the index.", nil, nil)
	descPebble   = map[string]*prometheus.Desc{
		"disk_usage":   prometheus.NewDesc("vodedge_disk_index_size_bytes", "Disk space used by the Pebble index.", nil, nil),
		"memtable":     prometheus.NewDesc("vodedge_disk_index_memtable_bytes", "Pebble memtable size.", nil, nil),
		"compactions":  prometheus.NewDesc("vodedge_disk_index_compactions_total", "Pebble compactions.", nil, nil),
		"flushes":      prometheus.NewDesc("vodedge_disk_index_flushes_total", "Pebble memtable flushes.", nil, nil),
		"wal_bytes":    prometheus.NewDesc("vodedge_disk_index_wal_written_bytes_total", "Bytes written to Pebble's WAL.", nil, nil),
		"cache_hits":   prometheus.NewDesc("vodedge_disk_index_block_cache_hits_total", "Pebble block cache hits.", nil, nil),
		"cache_misses": prometheus.NewDesc("vodedge_disk_index_block_cache_misses_total", "Pebble block cache misses.", nil, nil),
		"read_amp":     prometheus.NewDesc("vodedge_disk_index_read_amplification", "Pebble read amplification.", nil, nil),
		"compact_debt": prometheus.NewDesc("vodedge_disk_index_compaction_debt_bytes", "Pebble estimated compaction debt.", nil, nil),
	}
)

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBytes, descObjects, descCapacity, descDegraded, descLoaded} {
		ch <- d
	}
	for _, d := range descPebble {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	used, objects, capacity := c.s.Usage()
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	count := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(descBytes, float64(used))
	gauge(descObjects, float64(objects))
	gauge(descCapacity, float64(capacity))
	gauge(descDegraded, b2f(c.s.Degraded() != ""))
	gauge(descLoaded, b2f(c.s.Loaded()))
	pm := c.s.db.Metrics()
	gauge(descPebble["disk_usage"], float64(pm.DiskSpaceUsage()))
	gauge(descPebble["memtable"], float64(pm.MemTable.Size))
	count(descPebble["compactions"], float64(pm.Compact.Count))
	count(descPebble["flushes"], float64(pm.Flush.Count))
	count(descPebble["wal_bytes"], float64(pm.WAL.BytesWritten))
	count(descPebble["cache_hits"], float64(pm.BlockCache.Hits))
	count(descPebble["cache_misses"], float64(pm.BlockCache.Misses))
	gauge(descPebble["read_amp"], float64(pm.ReadAmp()))
	gauge(descPebble["compact_debt"], float64(pm.Compact.EstimatedDebt))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
