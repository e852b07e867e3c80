package disktier

import (
	"strings"
	"time"
)

// DiskInfo describes one disk of the tier, as the admin API lists it.
type DiskInfo struct {
	Name  string `json:"name"`
	Path  string `json:"path"`
	State string `json:"state"` // serving, degraded, failed or offline
	// Reason says why a disk is degraded or out of service.
	Reason string    `json:"reason,omitempty"`
	Since  time.Time `json:"since"` // when it entered service or left it
	Loaded bool      `json:"index_loaded"`
	// Bytes, Objects and CapacityBytes are zero while out of service.
	Bytes         int64 `json:"bytes"`
	Objects       int64 `json:"objects"`
	CapacityBytes int64 `json:"capacity_bytes"`
	// Errors counts the I/O errors of the disk since it was opened;
	// RecentErrors those within the error window.
	Errors       int64 `json:"errors"`
	RecentErrors int   `json:"recent_errors"`

	d *disk // nil while out of service
}

// Disks describes every configured disk, in configuration order.
func (s *Store) Disks() []DiskInfo { return s.views() }

func (s *Store) views() []DiskInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]DiskInfo, len(s.mu.slots))
	for i, sl := range s.mu.slots {
		out[i] = sl.info()
	}
	return out
}

// info describes sl; Store.mu is held.
func (sl *slot) info() DiskInfo {
	v := DiskInfo{Name: sl.name, Path: sl.path, State: sl.state, Reason: sl.reason, Since: sl.since, d: sl.d}
	if d := sl.d; d != nil {
		v.Loaded = d.Loaded()
		v.Bytes, v.Objects, v.CapacityBytes = d.Usage()
		v.Errors, v.RecentErrors = d.health.counts()
		if r := d.Degraded(); r != "" {
			v.State, v.Reason = stateDegraded, r
		}
	}
	return v
}

// Degraded returns what is wrong with the tier's disks, "" when nothing
// is: each disk degraded (admitting nothing new) or out of service,
// with its reason. With one disk it is that disk's reason alone ("disk
// full"); with several each reason is prefixed with its disk's name.
func (s *Store) Degraded() string {
	vs := s.views()
	var parts []string
	for _, v := range vs {
		if v.State == stateServing {
			continue
		}
		what := v.Reason
		if v.State != stateDegraded {
			what = v.State + ": " + v.Reason
		}
		if len(vs) > 1 {
			what = v.Name + ": " + what
		}
		parts = append(parts, what)
	}
	return strings.Join(parts, "; ")
}

// Serving is the number of disks in service.
func (s *Store) Serving() int { return len(s.inService()) }

// Loaded reports whether every disk in service has loaded its index:
// until then that disk admits no new objects.
func (s *Store) Loaded() bool {
	for _, d := range s.inService() {
		if !d.Loaded() {
			return false
		}
	}
	return true
}

// Admitting reports whether some disk in service admits new objects, or
// will once its index is loaded: it is neither degraded nor failed.
func (s *Store) Admitting() bool {
	for _, d := range s.inService() {
		if d.failed() == "" && !d.degraded() {
			return true
		}
	}
	return false
}
