package player

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/zipf"
)

// Steerer ranks edge base URLs for a title, best first.
type Steerer interface {
	Rank(ctx context.Context, title, client string) ([]string, error)
}

// SteererFunc adapts a function to Steerer.
type SteererFunc func(ctx context.Context, title, client string) ([]string, error)

// Rank implements Steerer.
func (f SteererFunc) Rank(ctx context.Context, title, client string) ([]string, error) {
	return f(ctx, title, client)
}

// Static always answers the same ranked list.
func Static(bases ...string) Steerer {
	return SteererFunc(func(context.Context, string, string) ([]string, error) { return bases, nil })
}

// HTTPSteering asks a steering service over HTTP, as the package
// documentation describes.
type HTTPSteering struct {
	URL    string
	Client *http.Client
}

// Rank implements Steerer.
func (s HTTPSteering) Rank(ctx context.Context, title, client string) ([]string, error) {
	u := s.URL + "?" + url.Values{"title": {title}, "client": {client}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("player: steering: %w", err)
	}
	defer resp.Body.Close()
	var bases []string
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("player: steering: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&bases); err != nil || len(bases) == 0 {
		return nil, fmt.Errorf("player: steering: want a non-empty JSON array of URLs: %v", err)
	}
	return bases, nil
}

// Config configures Run.
type Config struct {
	// Titles are the master playlists' paths, most popular first.
	Titles []string
	// Alpha is the Zipf exponent of title popularity.
	Alpha float64
	// Steering ranks edges; nil uses Bases.
	Steering Steerer
	Bases    []string
	// Players run at once; each plays titles one after another.
	Players int
	// Duration bounds the run; MaxSegments bounds each session.
	Duration    time.Duration
	MaxSegments int
	// Speed is how fast playback runs: 1 is real time, 4 plays a 4 s
	// segment in 1 s; 0 fetches as fast as possible (stress, no
	// rebuffering possible).
	Speed float64
	// BufferTarget is how much media a player buffers ahead before it
	// waits (in media time); startup needs one segment.
	BufferTarget time.Duration
	Seed         uint64
	Client       *http.Client
	// NewClient, when set, gives each player a client of its own (its
	// own connections, as a real player has) instead of sharing Client.
	NewClient func() *http.Client
}

// Session is one player's playback of one title.
type Session struct {
	Title       string          `json:"title"`
	Startup     time.Duration   `json:"startup_ns"` // to the first segment's last byte
	TTFB        []time.Duration `json:"-"`
	Segments    int             `json:"segments"`
	Bytes       int64           `json:"bytes"`
	MediaTime   time.Duration   `json:"media_ns"`
	Rebuffers   int             `json:"rebuffers"`
	Stalled     time.Duration   `json:"stalled_ns"`
	BitsPerSec  []int           `json:"-"` // rendition of each segment
	Errors      int             `json:"errors"`
	Fallbacks   int             `json:"fallbacks"`
	Switches    int             `json:"switches"`
	Failed      bool            `json:"failed"`
	FailureText string          `json:"failure,omitempty"`
}

// Run plays until Duration ends (every session is cut there) and
// returns every session.
func Run(ctx context.Context, cfg Config) ([]Session, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	dist, err := zipf.New(len(cfg.Titles), cfg.Alpha)
	if err != nil {
		return nil, fmt.Errorf("player: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var mu sync.Mutex
	var out []Session
	var wg sync.WaitGroup
	for i := range cfg.Players {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := &player{cfg: cfg, id: fmt.Sprintf("p%04d", i), r: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), client: cfg.Client}
			if cfg.NewClient != nil {
				p.client = cfg.NewClient()
				defer p.client.CloseIdleConnections()
			}
			for ctx.Err() == nil {
				s := p.play(ctx, cfg.Titles[dist.Draw(p.r)])
				if s.cut(ctx) {
					break
				}
				mu.Lock()
				out = append(out, s)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return out, nil
}

func (c *Config) validate() error {
	switch {
	case len(c.Titles) == 0:
		return errors.New("player: no titles")
	case c.Steering == nil && len(c.Bases) == 0:
		return errors.New("player: no steering and no base URLs")
	case c.Players < 1 || c.Players > 10000:
		return fmt.Errorf("player: players must be within 1..10000, got %d", c.Players)
	case c.Duration <= 0 || c.Duration > 24*time.Hour:
		return errors.New("player: duration must be within (0, 24h]")
	case c.MaxSegments < 1:
		return errors.New("player: max segments must be at least 1")
	case c.Speed < 0 || !(c.Alpha > 0):
		return errors.New("player: speed must be ≥ 0 and alpha > 0")
	}
	if c.Steering == nil {
		c.Steering = Static(c.Bases...)
	}
	if c.Client == nil {
		c.Client = http.DefaultClient
	}
	if c.BufferTarget <= 0 {
		c.BufferTarget = 12 * time.Second
	}
	return nil
}

// player is one emulated player.
type player struct {
	cfg    Config
	id     string
	r      *rand.Rand
	client *http.Client
}

// play plays one title until its end, MaxSegments, or ctx.
func (p *player) play(ctx context.Context, title string) Session {
	s := Session{Title: title}
	start := time.Now()
	bases, err := p.cfg.Steering.Rank(ctx, title, p.id)
	if err != nil {
		return s.fail(err)
	}
	f := &fetcher{client: p.client, bases: bases, s: &s}
	variants, segs, vi, err := p.open(ctx, f, title)
	if err != nil {
		return s.fail(err)
	}
	pb := newPlayback(p.cfg.Speed, p.cfg.BufferTarget)
	var est ewma
	for i := 0; i < min(len(segs), p.cfg.MaxSegments) && ctx.Err() == nil; i++ {
		if err := pb.waitForRoom(ctx); err != nil {
			break
		}
		t0 := time.Now()
		ttfb, n, err := f.get(ctx, segs[i].URI)
		if err != nil {
			if ctx.Err() == nil {
				return s.fail(err)
			}
			break
		}
		el := time.Since(t0)
		s.TTFB, s.Bytes, s.Segments = append(s.TTFB, ttfb), s.Bytes+n, s.Segments+1
		s.BitsPerSec, s.MediaTime = append(s.BitsPerSec, variants[vi].Bandwidth), s.MediaTime+segs[i].Duration
		if i == 0 {
			s.Startup = time.Since(start)
		}
		pb.add(segs[i].Duration, &s)
		est.add(float64(n*8) / max(el.Seconds(), 1e-6))
		if nvi := pick(variants, est.v); nvi != vi {
			nsegs, err := f.media(ctx, variants[nvi].URI)
			if err == nil && len(nsegs) >= len(segs) {
				vi, segs = nvi, nsegs
				s.Switches++
			}
		}
	}
	return s
}

// open reads the master playlist and the media playlist of the rendition
// a player starts with: the one below the middle of the ladder.
func (p *player) open(ctx context.Context, f *fetcher, title string) ([]Variant, []Segment, int, error) {
	body, err := f.read(ctx, title)
	if err != nil {
		return nil, nil, 0, err
	}
	variants, err := ParseMaster(bytesReader(body), title)
	if err != nil {
		return nil, nil, 0, err
	}
	vi := (len(variants) - 1) / 2
	segs, err := f.media(ctx, variants[vi].URI)
	return variants, segs, vi, err
}

func (s Session) fail(err error) Session {
	s.Failed, s.FailureText = true, err.Error()
	return s
}

// cut reports whether s was only cut short by the end of the run: not a
// failure, and not a session if it got nothing.
func (s Session) cut(ctx context.Context) bool {
	return ctx.Err() != nil && (s.Failed || s.Segments == 0)
}

// pick is the ABR rule: the highest rendition whose bandwidth is at most
// 70 % of the estimated throughput (the lowest if none).
func pick(vs []Variant, bps float64) int {
	best := 0
	for i, v := range vs {
		if float64(v.Bandwidth) <= 0.7*bps {
			best = i
		}
	}
	return best
}

// ewma is a throughput estimate, bits/s.
type ewma struct{ v float64 }

func (e *ewma) add(x float64) {
	if e.v == 0 {
		e.v = x
		return
	}
	e.v = 0.7*e.v + 0.3*x
}

// sortedTTFB returns every session's segment TTFBs, sorted.
func sortedTTFB(ss []Session) []time.Duration {
	var out []time.Duration
	for _, s := range ss {
		out = append(out, s.TTFB...)
	}
	slices.Sort(out)
	return out
}
