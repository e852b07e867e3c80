package disktier

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Every series of the tier carries a disk label: the disk's name (see
// diskNames). Sums over it are the tier's totals, so the names of the
// one-disk tier keep their meaning.

// tierMetrics are the tier's counters, one child per disk. A disk
// reopened (brought back online) counts on in its children.
type tierMetrics struct {
	evictions        *prometheus.CounterVec
	checksumFailures *prometheus.CounterVec
	ioErrors         *prometheus.CounterVec
	written          *prometheus.CounterVec
	orphans          *prometheus.CounterVec
	scrubbed         *prometheus.CounterVec
	scrubFailures    *prometheus.CounterVec
}

// metrics are one disk's counters.
type metrics struct {
	evictions        *prometheus.CounterVec // by reason
	checksumFailures prometheus.Counter
	ioErrors         prometheus.Counter
	written          prometheus.Counter
	orphans          prometheus.Counter
	scrubbed         prometheus.Counter
	scrubFailures    prometheus.Counter
}

func newTierMetrics(reg prometheus.Registerer, s *Store) (*tierMetrics, error) {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &tierMetrics{
		evictions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "vodedge_disk_evictions_total", Help: "Slices removed from the disk tier, by disk and reason (capacity, checksum, io_error, purge, missing_file).",
		}, []string{"disk", "reason"}),
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

func counter(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help + " By disk."}, []string{"disk"})
}

// forDisk returns the counters of the disk named name.
func (m *tierMetrics) forDisk(name string) *metrics {
	return &metrics{
		evictions:        m.evictions.MustCurryWith(prometheus.Labels{"disk": name}),
		checksumFailures: m.checksumFailures.WithLabelValues(name),
		ioErrors:         m.ioErrors.WithLabelValues(name),
		written:          m.written.WithLabelValues(name),
		orphans:          m.orphans.WithLabelValues(name),
		scrubbed:         m.scrubbed.WithLabelValues(name),
		scrubFailures:    m.scrubFailures.WithLabelValues(name),
	}
}
