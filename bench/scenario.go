package bench

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/vodedge/vodedge/internal/bytesize"
)

// Metric names a figure a Target is judged on.
type Metric string

const (
	// MetricThroughput is response bytes per second.
	MetricThroughput Metric = "throughput"
	// MetricRequests is requests per second.
	MetricRequests Metric = "rps"
)

// Target is a goal for vodedge against each baseline peer: the ratio of
// medians vodedge/peer of Metric must be at least Ratio. The zero Target
// means none: figures are printed, nothing is judged.
type Target struct {
	Metric Metric  `json:"metric,omitempty"`
	Ratio  float64 `json:"ratio,omitempty"`
}

// IsZero reports whether t sets no target.
func (t Target) IsZero() bool { return t.Metric == "" }

func (t Target) String() string {
	if t.IsZero() {
		return ""
	}
	return fmt.Sprintf("%s>=%.2f", t.Metric, t.Ratio)
}

// Scenario is a set of equally sized objects that every peer serves and
// wrk requests in turn.
type Scenario struct {
	Name    string `json:"name"`
	Objects int    `json:"objects"`
	Size    int64  `json:"size_bytes"`
	Target  Target `json:"target"`
	// Mix, when set, replaces the equally sized objects: MixPlayer is
	// Objects player sessions of playlists, video and audio segments
	// (mix.go); Size is then 0.
	Mix string `json:"mix,omitempty"`
}

// DefaultScenarios are the targets of the product brief: hot 2 MiB
// segments at least as fast as nginx in bytes/s, 16 KiB objects at 1.2×
// nginx's requests/s. Both working sets (128 MiB and 31 MiB) fit the
// default RAM tier of the comparison together.
func DefaultScenarios() []Scenario {
	return []Scenario{
		{Name: "hot-2MiB", Objects: 64, Size: 2 << 20, Target: Target{MetricThroughput, 1.0}},
		{Name: "hot-16KiB", Objects: 2000, Size: 16 << 10, Target: Target{MetricRequests, 1.2}},
	}
}

// String returns the scenario in the syntax ParseScenario reads.
func (s Scenario) String() string {
	out := fmt.Sprintf("%s=%dx%s", s.Name, s.Objects, bytesize.Size(s.Size))
	if s.Mix != "" {
		out = fmt.Sprintf("%s=%dx%s", s.Name, s.Objects, s.Mix)
	}
	if !s.Target.IsZero() {
		out += ":" + s.Target.String()
	}
	return out
}

// Bytes is the scenario's working set.
func (s Scenario) Bytes() int64 {
	var n int64
	for _, f := range s.Files() {
		n += f.size
	}
	return n
}

// Paths returns the URL paths of the scenario's objects, in the order
// wrk requests them: /NAME/00001.m4s, /NAME/00002.m4s, … (Files).
func (s Scenario) Paths() []string {
	fs := s.Files()
	p := make([]string, len(fs))
	for i, f := range fs {
		p[i] = f.path
	}
	return p
}

// Describe says what the objects are: "64 objects × 2MiB", or the mix.
func (s Scenario) Describe() string {
	if s.Mix == MixPlayer {
		return fmt.Sprintf("player mix: %d sessions × (3 playlists + %d × (%.2fMiB video + %.1fKiB audio))", s.Objects, playerSegments,
			float64(playerVideoBytes)/(1<<20), float64(playerAudioBytes)/(1<<10))
	}
	return fmt.Sprintf("%d objects × %s", s.Objects, bytesize.Size(s.Size))
}

var scenarioName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// Limits that keep a typo from writing terabytes of corpus.
const (
	maxObjects     = 1_000_000
	maxObjectBytes = 1 << 30
)

func (s Scenario) validate() error {
	switch {
	case !scenarioName.MatchString(s.Name):
		return fmt.Errorf("bench: scenario name %q: want letters, digits, '.', '_' or '-'", s.Name)
	case s.Objects < 1 || s.Objects > maxObjects:
		return fmt.Errorf("bench: scenario %s: objects must be within 1..%d, got %d", s.Name, maxObjects, s.Objects)
	case s.Mix != "" && (s.Mix != MixPlayer || s.Size != 0):
		return fmt.Errorf("bench: scenario %s: mix %q: the only mix is %q, and it has no object size", s.Name, s.Mix, MixPlayer)
	case s.Mix == "" && (s.Size < 1 || s.Size > maxObjectBytes):
		return fmt.Errorf("bench: scenario %s: object size must be within 1 B..1 GiB, got %d", s.Name, s.Size)
	case !s.Target.IsZero() && s.Target.Metric != MetricThroughput && s.Target.Metric != MetricRequests:
		return fmt.Errorf("bench: scenario %s: target metric %q: want throughput or rps", s.Name, s.Target.Metric)
	case !s.Target.IsZero() && !(s.Target.Ratio > 0 && s.Target.Ratio < 1000):
		return fmt.Errorf("bench: scenario %s: target ratio must be within (0, 1000), got %v", s.Name, s.Target.Ratio)
	}
	return nil
}

func validateScenarios(ss []Scenario) error {
	if len(ss) == 0 {
		return errors.New("bench: no scenarios")
	}
	seen := map[string]bool{}
	for _, s := range ss {
		if err := s.validate(); err != nil {
			return err
		}
		if seen[s.Name] {
			return fmt.Errorf("bench: scenario %s given twice", s.Name)
		}
		seen[s.Name] = true
	}
	return nil
}

// ParseScenario reads NAME=COUNTxSIZE[:METRIC>=RATIO], for example
// "hot-2MiB=64x2MiB:throughput>=1.0" or "small=500x16KiB", or
// NAME=COUNTxplayer for COUNT sessions of the player mix, or just the
// name of a default scenario ("hot-16KiB").
func ParseScenario(spec string) (Scenario, error) {
	spec = strings.TrimSpace(spec)
	name, def, ok := strings.Cut(spec, "=")
	if !ok {
		for _, s := range DefaultScenarios() {
			if s.Name == spec {
				return s, nil
			}
		}
		return Scenario{}, fmt.Errorf("bench: scenario %q: not a default scenario and not NAME=COUNTxSIZE[:METRIC>=RATIO]", spec)
	}
	s := Scenario{Name: name}
	def, target, hasTarget := strings.Cut(def, ":")
	count, size, ok := strings.Cut(def, "x")
	if !ok {
		return Scenario{}, fmt.Errorf("bench: scenario %q: want COUNTxSIZE after '=', e.g. 64x2MiB", spec)
	}
	var err error
	if s.Objects, err = strconv.Atoi(count); err != nil {
		return Scenario{}, fmt.Errorf("bench: scenario %q: object count: %w", spec, err)
	}
	if size == MixPlayer {
		s.Mix = MixPlayer
	} else {
		sz, err := bytesize.Parse(size)
		if err != nil {
			return Scenario{}, fmt.Errorf("bench: scenario %q: %w", spec, err)
		}
		s.Size = int64(sz)
	}
	if hasTarget {
		if s.Target, err = parseTarget(target); err != nil {
			return Scenario{}, fmt.Errorf("bench: scenario %q: %w", spec, err)
		}
	}
	return s, s.validate()
}

func parseTarget(t string) (Target, error) {
	m, r, ok := strings.Cut(t, ">=")
	if !ok {
		return Target{}, fmt.Errorf("target %q: want METRIC>=RATIO, e.g. rps>=1.2", t)
	}
	ratio, err := strconv.ParseFloat(r, 64)
	if err != nil {
		return Target{}, fmt.Errorf("target %q: %w", t, err)
	}
	return Target{Metric: Metric(m), Ratio: ratio}, nil
}

// ParseScenarios parses each spec with ParseScenario.
func ParseScenarios(specs []string) ([]Scenario, error) {
	out := make([]Scenario, 0, len(specs))
	for _, sp := range specs {
		s, err := ParseScenario(sp)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, validateScenarios(out)
}
