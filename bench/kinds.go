package bench

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/internal/zipf"
)

// SpecialParams sizes the special scenarios.
type SpecialParams struct {
	// ColdClients request one cold ColdBytes object at once.
	ColdClients int   `json:"cold_clients"`
	ColdBytes   int64 `json:"cold_bytes"`
	// RangeFileBytes is the cold large file; a 64 KiB range is read at
	// three quarters of it.
	RangeFileBytes int64 `json:"range_file_bytes"`
	// ZipfWorkingSet is the disk-zipf working set as a multiple of the
	// RAM tier (2 MiB objects, Zipf ZipfAlpha).
	ZipfWorkingSet float64 `json:"zipf_working_set"`
	ZipfAlpha      float64 `json:"zipf_alpha"`
	// SlowClients read 2 MiB objects at SlowBytesPerSec each while
	// FastClients fetch 16 KiB objects as fast as they can.
	SlowClients     int   `json:"slow_clients"`
	SlowBytesPerSec int64 `json:"slow_bytes_per_sec"`
	FastClients     int   `json:"fast_clients"`
	// Players, PlayerSpeed and Titles size the player emulation.
	Players     int     `json:"players"`
	PlayerSpeed float64 `json:"player_speed"`
	Titles      int     `json:"titles"`
	// TraceRequests are replayed per round by TraceWorkers.
	TraceRequests int `json:"trace_requests"`
	TraceWorkers  int `json:"trace_workers"`
}

// expand replaces the parameter names in a scenario's description with
// their values.
func (sp SpecialParams) expand(about string) string {
	return strings.NewReplacer(
		"ColdClients", strconv.Itoa(sp.ColdClients), "ColdBytes", bytesize.Size(sp.ColdBytes).String(),
		"RangeFileBytes", bytesize.Size(sp.RangeFileBytes).String(), "ZipfWorkingSet", fmt.Sprintf("%g", sp.ZipfWorkingSet),
		"SlowClients", strconv.Itoa(sp.SlowClients), "SlowBytesPerSec", bytesize.Size(sp.SlowBytesPerSec).String()+"/s",
		"FastClients", strconv.Itoa(sp.FastClients), "PlayerSpeed", fmt.Sprintf("%g", sp.PlayerSpeed),
		"Players", strconv.Itoa(sp.Players), "TraceRequests", strconv.Itoa(sp.TraceRequests),
		"TraceWorkers", strconv.Itoa(sp.TraceWorkers),
	).Replace(about)
}

// DefaultSpecialParams are the suite's sizes.
func DefaultSpecialParams() SpecialParams {
	return SpecialParams{
		ColdClients: 100, ColdBytes: 4 << 20, RangeFileBytes: 256 << 20,
		ZipfWorkingSet: 2, ZipfAlpha: 0.9,
		SlowClients: 16, SlowBytesPerSec: 256 << 10, FastClients: 8,
		Players: 24, PlayerSpeed: 4, Titles: 20,
		TraceRequests: 1500, TraceWorkers: 8,
	}
}

// specialKinds in the order they run: those that need the hot objects
// cached first, then those that bring new objects in, disk-zipf (which
// floods the caches) and restart last.
var specialKinds = []specialKind{
	slowClientsKind, originDownKind, coldCollapseKind, coldRangeKind, playersKind, traceReplayKind, diskZipfKind, restartKind,
}

// The 2 MiB hot objects and 16 KiB hot objects special scenarios reuse.
func (c *comparison) hotPaths(size int64) []string {
	for _, s := range c.cfg.Scenarios {
		if s.Size == size {
			return s.Paths()
		}
	}
	return c.cfg.Scenarios[0].Paths()
}

var coldCollapseKind = specialKind{
	name:       "cold-collapse",
	about:      "ColdClients concurrent GETs of one uncached ColdBytes object (a new one each round): origin requests for it and the waiters' time to first byte",
	onlyCaches: true,
	metrics: []metricDef{
		{"origin_requests", "origin requests", false}, {"ttfb_p50_ms", "TTFB p50 ms", false},
		{"ttfb_p99_ms", "TTFB p99 ms", false}, {"ttfb_max_ms", "TTFB max ms", false},
		{"last_byte_max_ms", "last byte max ms", false}, {"errors", "errors", false},
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		sp := c.cfg.Special
		path := SynthPath(sp.ColdBytes, fmt.Sprintf("cold/%s/r%d.m4s", p.Name(), r))
		cl := loadClient(sp.ColdClients)
		defer cl.CloseIdleConnections()
		gets := make([]timedGet, sp.ColdClients)
		var wg sync.WaitGroup
		for i := range gets {
			wg.Add(1)
			go func() { defer wg.Done(); gets[i] = getTimed(ctx, cl, p.base+path, "") }()
		}
		wg.Wait()
		figs := map[string]float64{"origin_requests": float64(c.origin.KeyRequests(p.origin, path)), "errors": 0}
		var ttfb, last []time.Duration
		for _, g := range gets {
			if !g.ok() || g.Bytes != sp.ColdBytes {
				figs["errors"]++
				continue
			}
			ttfb, last = append(ttfb, g.TTFB), append(last, g.Total)
		}
		durationFigures(figs, "ttfb", ttfb)
		durationFigures(figs, "last_byte", last)
		return figs, nil
	},
}

var coldRangeKind = specialKind{
	name:       "cold-range",
	about:      "a 64 KiB range at 3/4 of an uncached RangeFileBytes file (a new one each round): time to first byte and origin bytes fetched",
	onlyCaches: true,
	metrics: []metricDef{
		{"ttfb_ms", "TTFB ms", false}, {"total_ms", "last byte ms", false},
		{"origin_mib", "origin MiB", false}, {"origin_requests", "origin requests", false},
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		size := c.cfg.Special.RangeFileBytes
		path := SynthPath(size, fmt.Sprintf("range/%s/r%d.mp4", p.Name(), r))
		first := size / 4 * 3
		before := c.origin.Counts(p.origin)
		cl := loadClient(1)
		defer cl.CloseIdleConnections()
		g := getTimed(ctx, cl, p.base+path, fmt.Sprintf("bytes=%d-%d", first, first+64<<10-1))
		if g.Err != nil || g.Status != http.StatusPartialContent || g.Bytes != 64<<10 {
			return nil, fmt.Errorf("range GET: status %d, %d bytes, %v", g.Status, g.Bytes, g.Err)
		}
		// Let background fetches the request started land in the counts.
		time.Sleep(500 * time.Millisecond)
		after := c.origin.Counts(p.origin)
		return map[string]float64{
			"ttfb_ms": ms(g.TTFB), "total_ms": ms(g.Total),
			"origin_mib": float64(after.Bytes-before.Bytes) / (1 << 20), "origin_requests": float64(after.Requests - before.Requests),
		}, nil
	},
}

var originDownKind = specialKind{
	name:       "origin-down",
	about:      "origin drops every connection: share of 20 cached objects still served, and the status and time of a request for an uncached one",
	onlyCaches: true,
	metrics: []metricDef{
		{"served_cached_share", "cached served", true}, {"uncached_status", "uncached status", false},
		{"uncached_ms", "uncached answer ms", false},
	},
	prepare: func(ctx context.Context, c *comparison) error {
		paths := c.hotPaths(16 << 10)
		for _, p := range c.peers {
			if p.origin != "" {
				if err := warmAll(ctx, p.base, paths[:min(20, len(paths))], 2); err != nil {
					return err
				}
			}
		}
		c.origin.SetDown(true)
		return nil
	},
	finish: func(c *comparison) { c.origin.SetDown(false) },
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		cl := loadClient(4)
		defer cl.CloseIdleConnections()
		paths := c.hotPaths(16 << 10)
		paths = paths[:min(20, len(paths))]
		ok := 0
		for _, path := range paths {
			if g := getTimed(ctx, cl, p.base+path, ""); g.ok() {
				ok++
			}
		}
		rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		g := getTimed(rctx, cl, p.base+SynthPath(1<<20, fmt.Sprintf("down/%s/r%d.m4s", p.Name(), r)), "")
		return map[string]float64{
			"served_cached_share": float64(ok) / float64(len(paths)), "uncached_status": float64(g.Status), "uncached_ms": ms(g.Total),
		}, nil
	},
}

var restartKind = specialKind{
	name:  "restart",
	about: "stop the peer, start it on the same cache directory, and GET an object it served just before (the most popular disk-zipf object, or a hot 2 MiB one): time from start to the first byte, and whether the origin was asked",
	metrics: []metricDef{
		{"start_ms", "start ms", false}, {"first_byte_ms", "first byte after start ms", false},
		{"origin_requests", "origin requests", false},
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		path := c.hotPaths(2 << 20)[0]
		if c.zipfHead != "" && p.origin != "" {
			path = c.zipfHead
		}
		cl := loadClient(1)
		defer cl.CloseIdleConnections()
		// Served just before the stop: the peer holds it, if anything.
		if g := getTimed(ctx, cl, p.base+path, ""); !g.ok() {
			return nil, fmt.Errorf("GET before the restart: status %d: %v", g.Status, g.Err)
		}
		if err := p.Stop(); err != nil {
			return nil, err
		}
		before := c.origin.Counts(p.origin)
		t0 := time.Now()
		base, err := p.Start(ctx)
		if err != nil {
			return nil, err
		}
		p.base = base
		started := time.Since(t0)
		cl.CloseIdleConnections()
		g := getTimed(ctx, cl, p.base+path, "")
		if !g.ok() {
			return nil, fmt.Errorf("first GET: status %d: %v", g.Status, g.Err)
		}
		return map[string]float64{
			"start_ms": ms(started), "first_byte_ms": ms(started + g.TTFB),
			"origin_requests": float64(c.origin.Counts(p.origin).Requests - before.Requests),
		}, nil
	},
}

// drawZipf returns n draws over paths with Zipf(alpha) popularity.
func drawZipf(paths []string, alpha float64, n int, seed uint64) []string {
	d, _ := zipf.New(len(paths), alpha)
	r := rand.New(rand.NewPCG(seed, 0x21f))
	out := make([]string, n)
	for i := range out {
		out[i] = paths[d.Draw(r)]
	}
	return out
}

// warmAll GETs every path once with a few connections.
func warmAll(ctx context.Context, base string, paths []string, conns int) error {
	cl := loadClient(conns)
	defer cl.CloseIdleConnections()
	ch := make(chan string)
	errs := make([]error, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range ch {
				if g := getTimed(ctx, cl, base+p, ""); !g.ok() && errs[i] == nil {
					errs[i] = fmt.Errorf("GET %s: status %d: %v", p, g.Status, g.Err)
				}
			}
		}()
	}
	for _, p := range paths {
		ch <- p
	}
	close(ch)
	wg.Wait()
	return errors.Join(errs...)
}
