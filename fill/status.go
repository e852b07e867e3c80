package fill

import (
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
)

// Agent states.
const (
	StateIdle    = "idle"               // no manifest yet
	StateWaiting = "waiting for window" // work to do, window closed
	StateFilling = "filling"
	StateDone    = "done" // the newest manifest is applied
)

// Status is the agent's progress, for the admin API, `vodedge fill
// status` and reports to the controller.
type Status struct {
	Node        string           `json:"node"`
	Site        string           `json:"site"`
	Version     int64            `json:"version"` // manifest being applied
	Applied     int64            `json:"applied"` // last fully applied
	State       string           `json:"state"`
	Files       int              `json:"files"`
	FilesDone   int              `json:"files_done"`
	FilesFailed int              `json:"files_failed"`
	Bytes       int64            `json:"bytes"`
	BytesDone   int64            `json:"bytes_done"`
	BySource    map[string]int64 `json:"bytes_by_source"`
	RateBps     float64          `json:"rate_bytes_per_second"`
	ETASeconds  float64          `json:"eta_seconds,omitempty"`
	WindowOpen  bool             `json:"window_open"`
	Window      string           `json:"window"`
	Forced      bool             `json:"forced"`
	LastError   string           `json:"last_error,omitempty"`
	Started     time.Time        `json:"started"`
}

// Status returns the current progress.
func (a *Agent) Status() Status {
	now := a.deps.Now()
	a.mu.Lock()
	s := a.mu.status
	s.BySource = make(map[string]int64, len(a.mu.status.BySource))
	for k, v := range a.mu.status.BySource {
		s.BySource[k] = v
	}
	s.Forced = a.mu.force
	a.mu.Unlock()
	s.Node, s.Window = a.cfg.Node, a.cfg.Window.String()
	s.WindowOpen = a.cfg.Window.Open(now)
	if el := now.Sub(s.Started).Seconds(); el > 0 && s.State == StateFilling {
		var fetched int64
		for _, v := range s.BySource {
			fetched += v
		}
		s.RateBps = float64(fetched) / el
		if s.RateBps > 0 {
			s.ETASeconds = float64(s.Bytes-s.BytesDone) / s.RateBps
		}
	}
	return s
}

func (a *Agent) setState(state string) {
	a.mu.Lock()
	if a.mu.status.State != StateDone || state != StateWaiting {
		a.mu.status.State = state
	}
	a.mu.Unlock()
}

// progress accounts n bytes fetched from a source of kind.
func (a *Agent) progress(n int64, kind string) {
	a.m.bytes.WithLabelValues(kind).Add(float64(n))
	a.mu.Lock()
	if a.mu.status.BySource == nil {
		a.mu.status.BySource = map[string]int64{}
	}
	a.mu.status.BySource[kind] += n
	a.mu.Unlock()
}

func (a *Agent) done(e manifest.Entry, kind string) {
	a.m.files.WithLabelValues(kind).Inc()
	a.m.pending.Dec()
	a.mu.Lock()
	a.mu.status.FilesDone++
	a.mu.status.BytesDone += e.Size
	a.mu.Unlock()
}

func (a *Agent) failed(e manifest.Entry, err error) {
	a.m.failures.Inc()
	a.log.Warn("fill: file failed from every source", "key", e.Key, "err", err)
	a.mu.Lock()
	a.mu.status.FilesFailed++
	a.mu.status.LastError = err.Error()
	a.mu.Unlock()
}
