package disktier

import (
	"github.com/prometheus/client_golang/prometheus"
)

// stateCollector reads each disk's state and Pebble's own metrics at
// scrape time.
type stateCollector struct{ s *Store }

var (
	diskLabel    = []string{"disk"}
	descBytes    = prometheus.NewDesc("vodedge_disk_bytes", "Bytes of data files on the disk (4 KiB blocks).", diskLabel, nil)
	descObjects  = prometheus.NewDesc("vodedge_disk_objects", "Slices stored on the disk.", diskLabel, nil)
	descCapacity = prometheus.NewDesc("vodedge_disk_capacity_bytes", "The disk's capacity: configured, or what it holds plus what its filesystem has free, less the margin.", diskLabel, nil)
	descDegraded = prometheus.NewDesc("vodedge_disk_degraded", "1 while a disk in service admits nothing new (I/O errors or disk full).", diskLabel, nil)
	descLoaded   = prometheus.NewDesc("vodedge_disk_index_loaded", "1 once the disk's eviction table is loaded from its index.", diskLabel, nil)
	descState    = prometheus.NewDesc("vodedge_disk_state", "1 for the disk's state: serving, degraded (serving, admitting nothing new), failed or offline (out of service).", []string{"disk", "state"}, nil)
	descPebble   = map[string]*prometheus.Desc{
		"disk_usage":   prometheus.NewDesc("vodedge_disk_index_size_bytes", "Disk space used by the Pebble index.", diskLabel, nil),
		"memtable":     prometheus.NewDesc("vodedge_disk_index_memtable_bytes", "Pebble memtable size.", diskLabel, nil),
		"compactions":  prometheus.NewDesc("vodedge_disk_index_compactions_total", "Pebble compactions.", diskLabel, nil),
		"flushes":      prometheus.NewDesc("vodedge_disk_index_flushes_total", "Pebble memtable flushes.", diskLabel, nil),
		"wal_bytes":    prometheus.NewDesc("vodedge_disk_index_wal_written_bytes_total", "Bytes written to Pebble's WAL.", diskLabel, nil),
		"cache_hits":   prometheus.NewDesc("vodedge_disk_index_block_cache_hits_total", "Pebble block cache hits.", diskLabel, nil),
		"cache_misses": prometheus.NewDesc("vodedge_disk_index_block_cache_misses_total", "Pebble block cache misses.", diskLabel, nil),
		"read_amp":     prometheus.NewDesc("vodedge_disk_index_read_amplification", "Pebble read amplification.", diskLabel, nil),
		"compact_debt": prometheus.NewDesc("vodedge_disk_index_compaction_debt_bytes", "Pebble estimated compaction debt.", diskLabel, nil),
	}
	// shownStates are the values of vodedge_disk_state's state label.
	shownStates = []string{stateServing, stateDegraded, stateFailed, stateOffline}
)

// stateDegraded is a disk in service that admits nothing new.
const stateDegraded = "degraded"

func (c *stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descBytes, descObjects, descCapacity, descDegraded, descLoaded, descState} {
		ch <- d
	}
	for _, d := range descPebble {
		ch <- d
	}
}

func (c *stateCollector) Collect(ch chan<- prometheus.Metric) {
	for _, v := range c.s.views() {
		for _, st := range shownStates {
			ch <- prometheus.MustNewConstMetric(descState, prometheus.GaugeValue, b2f(v.State == st), v.Name, st)
		}
		if v.d != nil {
			collectDisk(ch, v.d)
		}
	}
}

// collectDisk sends one open disk's gauges and Pebble's metrics.
func collectDisk(ch chan<- prometheus.Metric, d *disk) {
	used, objects, capacity := d.Usage()
	gauge := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, d.name)
	}
	count := func(desc *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, v, d.name)
	}
	gauge(descBytes, float64(used))
	gauge(descObjects, float64(objects))
	gauge(descCapacity, float64(capacity))
	gauge(descDegraded, b2f(d.degraded()))
	gauge(descLoaded, b2f(d.Loaded()))
	if !d.readLock() {
		return
	}
	pm := d.db.Metrics()
	d.dbMu.RUnlock()
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
