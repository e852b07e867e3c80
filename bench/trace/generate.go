package trace

import (
	"cmp"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/vodedge/vodedge/internal/zipf"
)

// Rendition is one step of a bitrate ladder.
type Rendition struct {
	Name   string  `json:"name"`
	Kbps   int     `json:"kbps"`
	Weight float64 `json:"weight"` // share of sessions that play it
}

// Layout is how a title's bytes are addressed.
type Layout string

const (
	// LayoutSegments: one file per segment (HLS/DASH CMAF), whole-object
	// GETs.
	LayoutSegments Layout = "segments"
	// LayoutRanges: one file per rendition, each segment a byte range.
	LayoutRanges Layout = "ranges"
)

// GenConfig describes a synthetic VoD workload with daily popularity
// drift: titles are released over time, decay with a half-life, and a
// day's requests follow Zipf(Alpha) over that day's ranking, so the
// ranking of day d+1 is close to, but not the same as, day d's — what an
// overnight fill from yesterday's popularity has to cope with.
type GenConfig struct {
	Seed uint64 `json:"seed"`
	// Days of trace; each is 24 h of session starts on a diurnal curve
	// (peak at 21:00, trough at 05:00).
	Days int `json:"days"`
	// Titles in the catalogue at the end of the trace; NewPerDay of them
	// are released on each day of the trace, the rest before it.
	Titles    int `json:"titles"`
	NewPerDay int `json:"new_per_day"`
	// HalfLifeDays is how fast a title's appeal decays after release;
	// Jitter is the sigma of a day-to-day lognormal noise on it.
	HalfLifeDays float64 `json:"half_life_days"`
	Jitter       float64 `json:"jitter"`
	// Alpha is the Zipf exponent of a day's title popularity.
	Alpha float64 `json:"alpha"`
	// SessionsPerDay player sessions start each day, from Clients
	// distinct players.
	SessionsPerDay int `json:"sessions_per_day"`
	Clients        int `json:"clients"`
	// Title length is uniform within [MinMinutes, MaxMinutes]; a session
	// watches an exponential share of it with mean MeanWatchMinutes, from
	// the start (or, for ResumeShare of sessions, from a random point).
	MinMinutes       int     `json:"min_minutes"`
	MaxMinutes       int     `json:"max_minutes"`
	MeanWatchMinutes float64 `json:"mean_watch_minutes"`
	ResumeShare      float64 `json:"resume_share"`
	// SegmentSeconds is the segment duration; segments are requested at
	// playback pace.
	SegmentSeconds int         `json:"segment_seconds"`
	Ladder         []Rendition `json:"ladder"`
	Layout         Layout      `json:"layout"`
}

// DefaultGenConfig is a small ISP site over three days: 200 titles
// (6 new a day), Zipf 0.9 over titles, 3000 sessions a day of 6 minutes
// on average: about 800,000 segment requests.
func DefaultGenConfig() GenConfig {
	return GenConfig{
		Seed: 1, Days: 3, Titles: 200, NewPerDay: 6, HalfLifeDays: 3, Jitter: 0.3, Alpha: 0.9,
		SessionsPerDay: 3000, Clients: 2000, MinMinutes: 20, MaxMinutes: 120, MeanWatchMinutes: 6,
		ResumeShare: 0.1, SegmentSeconds: 4, Layout: LayoutSegments,
		Ladder: []Rendition{
			{"240p", 400, 0.05}, {"480p", 1200, 0.15}, {"720p", 3000, 0.35},
			{"1080p", 5000, 0.35}, {"2160p", 12000, 0.10},
		},
	}
}

// Validate checks the configuration.
func (c GenConfig) Validate() error {
	switch {
	case c.Days < 1 || c.Days > 60:
		return fmt.Errorf("trace: days must be within 1..60, got %d", c.Days)
	case c.Titles < 1 || c.Titles > 1_000_000:
		return fmt.Errorf("trace: titles must be within 1..1e6, got %d", c.Titles)
	case c.NewPerDay < 0 || c.NewPerDay*c.Days >= c.Titles:
		return fmt.Errorf("trace: %d new titles a day over %d days leaves no back catalogue of %d titles", c.NewPerDay, c.Days, c.Titles)
	case !(c.HalfLifeDays > 0) || c.Jitter < 0 || c.Jitter > 3:
		return errors.New("trace: half-life must be > 0 and jitter within [0, 3]")
	case !(c.Alpha > 0 && c.Alpha < 10):
		return fmt.Errorf("trace: alpha must be within (0, 10), got %v", c.Alpha)
	case c.SessionsPerDay < 1 || c.SessionsPerDay > 10_000_000 || c.Clients < 1:
		return errors.New("trace: sessions per day must be within 1..1e7 and clients at least 1")
	case c.MinMinutes < 1 || c.MaxMinutes < c.MinMinutes || c.MaxMinutes > 600:
		return errors.New("trace: title length must be 1 ≤ min ≤ max ≤ 600 minutes")
	case !(c.MeanWatchMinutes > 0) || c.ResumeShare < 0 || c.ResumeShare > 1:
		return errors.New("trace: mean watch must be > 0 and resume share within [0, 1]")
	case c.SegmentSeconds < 1 || c.SegmentSeconds > 60:
		return errors.New("trace: segment seconds must be within 1..60")
	case len(c.Ladder) == 0:
		return errors.New("trace: empty ladder")
	case c.Layout != LayoutSegments && c.Layout != LayoutRanges:
		return fmt.Errorf("trace: layout %q: want segments or ranges", c.Layout)
	}
	for _, r := range c.Ladder {
		if r.Name == "" || r.Kbps < 1 || !(r.Weight > 0) {
			return fmt.Errorf("trace: rendition %+v: want a name, kbps ≥ 1 and weight > 0", r)
		}
	}
	return nil
}

// title is one catalogue entry.
type title struct {
	id       int
	release  float64 // day of release; negative for the back catalogue
	appeal   float64
	segments int
}

// generator holds the state of one Generate call.
type generator struct {
	cfg     GenConfig
	r       *rand.Rand
	titles  []title
	offsets map[string][]int64 // ranges layout: key → segment start offsets
}

// Generate returns the trace cfg describes, sorted by time. The same
// configuration (seed included) always gives the same trace.
func Generate(cfg GenConfig) ([]Request, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &generator{cfg: cfg, r: rand.New(rand.NewPCG(cfg.Seed, 0x7ace)), offsets: map[string][]int64{}}
	g.catalogue()
	var out []Request
	for d := range cfg.Days {
		out = g.day(d, out)
	}
	slices.SortStableFunc(out, func(a, b Request) int { return cmp.Compare(a.Time, b.Time) })
	// Sessions that run past the last midnight are cut there.
	end := time.Duration(cfg.Days) * 24 * time.Hour
	i, _ := slices.BinarySearchFunc(out, end, func(r Request, t time.Duration) int { return cmp.Compare(r.Time, t) })
	return out[:i], nil
}

func (g *generator) catalogue() {
	c := g.cfg
	back := c.Titles - c.NewPerDay*c.Days
	for i := range c.Titles {
		t := title{id: i + 1, appeal: math.Exp(g.r.NormFloat64())}
		if i < back {
			t.release = -30 * g.r.Float64()
		} else {
			t.release = float64((i-back)/max(c.NewPerDay, 1)) + g.r.Float64()*0.5
		}
		minutes := c.MinMinutes + g.r.IntN(c.MaxMinutes-c.MinMinutes+1)
		t.segments = minutes * 60 / c.SegmentSeconds
		g.titles = append(g.titles, t)
	}
}

// ranking returns the titles released by the middle of day d, most
// popular first: the order that day's Zipf draws follow.
func (g *generator) ranking(d int) []int {
	type scored struct {
		id    int
		score float64
	}
	var s []scored
	mid := float64(d) + 0.5
	for _, t := range g.titles {
		if t.release > mid {
			continue
		}
		decay := math.Exp2(-(mid - t.release) / g.cfg.HalfLifeDays)
		s = append(s, scored{t.id, t.appeal * decay * math.Exp(g.cfg.Jitter*g.r.NormFloat64())})
	}
	slices.SortStableFunc(s, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	ids := make([]int, len(s))
	for i, x := range s {
		ids[i] = x.id
	}
	return ids
}

// day appends day d's requests.
func (g *generator) day(d int, out []Request) []Request {
	rank := g.ranking(d)
	dist, _ := zipf.New(len(rank), g.cfg.Alpha)
	for range g.cfg.SessionsPerDay {
		t := g.titles[rank[dist.Draw(g.r)]-1]
		start := time.Duration(float64(d)*24*float64(time.Hour)) + g.diurnalOffset()
		out = g.session(t, start, out)
	}
	return out
}

// diurnalOffset draws a time of day with density 1 + 0.8·cos(2π(h−21)/24)
// by rejection.
func (g *generator) diurnalOffset() time.Duration {
	for {
		h := 24 * g.r.Float64()
		if g.r.Float64()*1.8 <= 1+0.8*math.Cos(2*math.Pi*(h-21)/24) {
			return time.Duration(h * float64(time.Hour)).Truncate(time.Millisecond)
		}
	}
}

// session appends one player's requests for title t from start.
func (g *generator) session(t title, start time.Duration, out []Request) []Request {
	c := g.cfg
	rend := g.rendition()
	client := fmt.Sprintf("c%05d", 1+g.r.IntN(c.Clients))
	first := 0
	if g.r.Float64() < c.ResumeShare {
		first = g.r.IntN(t.segments)
	}
	n := 1 + int(g.r.ExpFloat64()*c.MeanWatchMinutes*60/float64(c.SegmentSeconds))
	segDur := time.Duration(c.SegmentSeconds) * time.Second
	for i := first; i < min(t.segments, first+n); i++ {
		req := g.segment(t, rend, i)
		req.Time, req.Client = start+time.Duration(i-first)*segDur, client
		out = append(out, req)
	}
	return out
}

func (g *generator) rendition() Rendition {
	total := 0.0
	for _, r := range g.cfg.Ladder {
		total += r.Weight
	}
	x := g.r.Float64() * total
	for _, r := range g.cfg.Ladder {
		if x -= r.Weight; x < 0 {
			return r
		}
	}
	return g.cfg.Ladder[len(g.cfg.Ladder)-1]
}

// segmentSize is a segment's size: the rendition's bit rate × duration,
// varied ±25 % by a hash of its name (scene complexity), so that it is
// the same whenever the segment is requested.
func (g *generator) segmentSize(tid int, rend Rendition, seg int) int64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%d", tid, rend.Name, seg)
	f := 0.75 + 0.5*float64(h.Sum64()%1000)/1000
	return int64(f * float64(rend.Kbps) * 1000 / 8 * float64(g.cfg.SegmentSeconds))
}

func (g *generator) segment(t title, rend Rendition, seg int) Request {
	if g.cfg.Layout == LayoutSegments {
		return Request{
			Key:  fmt.Sprintf("/titles/t%05d/%s/seg-%05d.m4s", t.id, rend.Name, seg+1),
			Size: g.segmentSize(t.id, rend, seg),
		}
	}
	key := fmt.Sprintf("/titles/t%05d/%s.mp4", t.id, rend.Name)
	off := g.offsets[key]
	if off == nil {
		off = make([]int64, t.segments+1)
		for i := range t.segments {
			off[i+1] = off[i] + g.segmentSize(t.id, rend, i)
		}
		g.offsets[key] = off
	}
	return Request{Key: key, Size: off[t.segments], Range: fmt.Sprintf("bytes=%d-%d", off[seg], off[seg+1]-1)}
}
