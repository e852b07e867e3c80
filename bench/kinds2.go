package bench

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/vodedge/vodedge/bench/player"
	"github.com/vodedge/vodedge/bench/trace"
)

var diskZipfKind = specialKind{
	name:       "disk-zipf",
	about:      "wrk over 2 MiB objects with Zipf popularity, working set ZipfWorkingSet × the RAM tier (vodedge serves from RAM and disk, nginx-proxy from its disk cache, Varnish from malloc and the origin)",
	onlyCaches: true,
	metrics: []metricDef{
		{"rps", "requests/s", true}, {"mib_s", "MiB/s", true}, {"p50_ms", "latency p50 ms", false},
		{"p99_ms", "latency p99 ms", false}, {"origin_requests", "origin requests", false},
	},
	prepare: func(ctx context.Context, c *comparison) error {
		n := int(c.cfg.Special.ZipfWorkingSet*float64(max(c.cfg.RAMBytes, 256<<20))) / (2 << 20)
		paths := make([]string, n)
		for i := range paths {
			paths[i] = SynthPath(2<<20, fmt.Sprintf("zipf/%05d.m4s", i+1))
		}
		seq := drawZipf(paths, c.cfg.Special.ZipfAlpha, 20000, 1)
		c.zipfHead = paths[0]
		c.origin.SetFast(true)
		defer c.origin.SetFast(false)
		if err := writeWrkScript(c.wd.join("disk-zipf.lua"), seq, c.cfg.Load.Threads); err != nil {
			return err
		}
		for _, p := range c.peers {
			if p.origin != "" {
				// A peer that cannot hold the set (Varnish's malloc) may
				// fail some warming GETs: the rounds show what it serves.
				if err := warmAll(ctx, p.base, paths, 4); err != nil {
					c.printf("disk-zipf: warming %s: %s\n", p.Name(), firstLine(err.Error()))
				}
			}
		}
		return nil
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		before := c.origin.Counts(p.origin)
		run, err := runLoad(ctx, &c.cfg.Tools, c.cfg.Load, c.wd.join("disk-zipf.lua"), p.base+"/")
		if err == nil {
			err = run.Result.Check(c.cfg.Load.MaxSocketErrors)
		}
		if err != nil {
			return nil, err
		}
		w := run.Result
		return map[string]float64{
			"rps": w.RequestsPerSec, "mib_s": w.MiBPerSec(), "p50_ms": ms(w.LatencyP50), "p99_ms": ms(w.LatencyP99),
			"origin_requests": float64(c.origin.Counts(p.origin).Requests - before.Requests),
		}, nil
	},
}

var slowClientsKind = specialKind{
	name:  "slow-clients",
	about: "SlowClients players reading 2 MiB objects at SlowBytesPerSec each, while FastClients fetch 16 KiB objects as fast as they can: the fast clients' requests/s and time to first byte",
	metrics: []metricDef{
		{"fast_rps", "fast requests/s", true}, {"fast_ttfb_p50_ms", "fast TTFB p50 ms", false},
		{"fast_ttfb_p99_ms", "fast TTFB p99 ms", false}, {"fast_ttfb_p999_ms", "fast TTFB p99.9 ms", false},
		{"slow_mib_s", "slow MiB/s", true}, {"errors", "errors", false},
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		sp := c.cfg.Special
		ctx, cancel := context.WithTimeout(ctx, c.cfg.Load.Duration)
		defer cancel()
		var slowBytes, errs atomic.Int64
		var wg sync.WaitGroup
		slow := slowClient(sp.SlowClients)
		defer slow.CloseIdleConnections()
		big := c.hotPaths(2 << 20)
		for i := range sp.SlowClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := i; ctx.Err() == nil; j++ {
					slowBytes.Add(slowGet(ctx, slow, p.base+big[j%len(big)], sp.SlowBytesPerSec))
				}
			}()
		}
		fast := loadClient(sp.FastClients)
		defer fast.CloseIdleConnections()
		small := c.hotPaths(16 << 10)
		ttfbs := make([][]time.Duration, sp.FastClients)
		t0 := time.Now()
		for i := range sp.FastClients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := i * 97; ctx.Err() == nil; j++ {
					g := getTimed(ctx, fast, p.base+small[j%len(small)], "")
					if g.ok() {
						ttfbs[i] = append(ttfbs[i], g.TTFB)
					} else if ctx.Err() == nil {
						errs.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		el := time.Since(t0).Seconds()
		var all []time.Duration
		for _, t := range ttfbs {
			all = append(all, t...)
		}
		figs := map[string]float64{"fast_rps": float64(len(all)) / el, "slow_mib_s": float64(slowBytes.Load()) / (1 << 20) / el, "errors": float64(errs.Load())}
		durationFigures(figs, "fast_ttfb", all)
		return figs, nil
	},
}

// slowClient dials with a 16 KiB receive buffer, so that a slow reader
// holds the server's writes back over the TCP window, as a slow player
// on a real network does.
func slowClient(conns int) *http.Client {
	d := &net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
		if err != nil {
			return err
		}
		return serr
	}}
	return &http.Client{Transport: &http.Transport{DialContext: d.DialContext, MaxConnsPerHost: conns, MaxIdleConnsPerHost: conns}}
}

// slowGet reads url at rate bytes/s until the body ends or ctx does.
func slowGet(ctx context.Context, c *http.Client, url string, rate int64) int64 {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	buf := make([]byte, 16<<10)
	var n int64
	t0 := time.Now()
	for {
		k, err := resp.Body.Read(buf)
		n += int64(k)
		if err != nil {
			return n
		}
		due := t0.Add(time.Duration(float64(n) / float64(rate) * float64(time.Second)))
		select {
		case <-ctx.Done():
			return n
		case <-time.After(time.Until(due)):
		}
	}
}

// hlsLadder is the players' bitrate ladder.
var hlsLadder = []struct {
	name string
	kbps int
}{{"480p", 800}, {"720p", 2500}, {"1080p", 6000}}

// writeHLS writes titles × (master + a media playlist per rendition)
// under dir/hls; segments are synthetic origin objects.
func writeHLS(dir string, titles, segments int) ([]string, error) {
	var masters []string
	for t := 1; t <= titles; t++ {
		tdir := filepath.Join(dir, "hls", fmt.Sprintf("t%02d", t))
		var m strings.Builder
		m.WriteString("#EXTM3U\n")
		for _, r := range hlsLadder {
			fmt.Fprintf(&m, "#EXT-X-STREAM-INF:BANDWIDTH=%d\n%s/index.m3u8\n", r.kbps*1000, r.name)
			var pl strings.Builder
			pl.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:4\n#EXT-X-PLAYLIST-TYPE:VOD\n")
			for s := 1; s <= segments; s++ {
				size := int64(r.kbps) * 1000 / 8 * 4
				fmt.Fprintf(&pl, "#EXTINF:4.000,\n%s\n", SynthPath(size, fmt.Sprintf("hls/t%02d/%s/seg-%05d.m4s", t, r.name, s)))
			}
			pl.WriteString("#EXT-X-ENDLIST\n")
			if err := os.MkdirAll(filepath.Join(tdir, r.name), 0o755); err != nil {
				return nil, err
			}
			if err := os.WriteFile(filepath.Join(tdir, r.name, "index.m3u8"), []byte(pl.String()), 0o644); err != nil {
				return nil, err
			}
		}
		if err := os.WriteFile(filepath.Join(tdir, "master.m3u8"), []byte(m.String()), 0o644); err != nil {
			return nil, err
		}
		masters = append(masters, fmt.Sprintf("/hls/t%02d/master.m3u8", t))
	}
	return masters, nil
}

var playersKind = specialKind{
	name:       "players",
	about:      "Players emulated HLS players (Zipf title choice, ABR, PlayerSpeed × real-time pace, 12 s buffer) for the load duration, starting cold: startup, segment TTFB, rebuffers, bit rate",
	onlyCaches: true,
	metrics: []metricDef{
		{"startup_p50_ms", "startup p50 ms", false}, {"ttfb_p50_ms", "TTFB p50 ms", false},
		{"ttfb_p99_ms", "TTFB p99 ms", false}, {"ttfb_p999_ms", "TTFB p99.9 ms", false},
		{"rebuffers", "rebuffers", false}, {"mean_kbps", "mean kbit/s", true},
		{"segments", "segments", true}, {"errors", "errors", false},
	},
	prepare: func(ctx context.Context, c *comparison) error {
		var err error
		c.titles, err = writeHLS(c.wd.join("corpus"), c.cfg.Special.Titles, 60)
		return err
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		sp := c.cfg.Special
		cl := loadClient(sp.Players)
		defer cl.CloseIdleConnections()
		ss, err := player.Run(ctx, player.Config{
			Titles: c.titles, Alpha: 0.9, Bases: []string{p.base}, Players: sp.Players,
			Duration: c.cfg.Load.Duration, MaxSegments: 60, Speed: sp.PlayerSpeed, Seed: uint64(r + 1), Client: cl,
		})
		if err != nil {
			return nil, err
		}
		s := player.Summarize(ss, sp.PlayerSpeed)
		return map[string]float64{
			"startup_p50_ms": ms(s.StartupP50), "ttfb_p50_ms": ms(s.TTFBP50), "ttfb_p99_ms": ms(s.TTFBP99),
			"ttfb_p999_ms": ms(s.TTFBP999), "rebuffers": float64(s.Rebuffers), "mean_kbps": s.MeanKbps,
			"segments": float64(s.Segments), "errors": float64(s.Errors + s.Failed),
		}, nil
	},
}

var traceReplayKind = specialKind{
	name:       "trace-replay",
	about:      "TraceRequests requests of a generated trace per round (each round the next ones), replayed closed-loop by TraceWorkers clients in trace order: the caches fill as they go",
	onlyCaches: true,
	metrics: []metricDef{
		{"rps", "requests/s", true}, {"mib_s", "MiB/s", true}, {"ttfb_p50_ms", "TTFB p50 ms", false},
		{"ttfb_p99_ms", "TTFB p99 ms", false}, {"hit_share", "hits (X-Cache)", true},
		{"origin_mib", "origin MiB", false}, {"errors", "errors", false},
	},
	prepare: func(ctx context.Context, c *comparison) error {
		g := trace.DefaultGenConfig()
		g.Days, g.Titles, g.NewPerDay, g.SessionsPerDay, g.MinMinutes, g.MaxMinutes = 1, 40, 0, 2000, 10, 30
		reqs, err := trace.Generate(g)
		if err != nil {
			return err
		}
		// Replay from the evening peak, where sessions overlap.
		for i, r := range reqs {
			if r.Time >= 19*time.Hour {
				reqs = reqs[i:]
				break
			}
		}
		c.trace = reqs
		return nil
	},
	round: func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error) {
		sp := c.cfg.Special
		n := sp.TraceRequests
		lo := (r * n) % max(len(c.trace)-n, 1)
		reqs := c.trace[lo:min(lo+n, len(c.trace))]
		ctx, cancel := context.WithTimeout(ctx, 3*c.cfg.Load.Duration)
		defer cancel()
		cl := loadClient(sp.TraceWorkers)
		defer cl.CloseIdleConnections()
		before := c.origin.Counts(p.origin)
		gets := replay(ctx, cl, p.base, reqs, sp.TraceWorkers)
		return traceFigures(gets, c.origin.Counts(p.origin).Bytes-before.Bytes), nil
	},
}

// replay fetches reqs in order with workers clients.
func replay(ctx context.Context, cl *http.Client, base string, reqs []trace.Request, workers int) []timedGet {
	out := make([]timedGet, len(reqs))
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(reqs) && ctx.Err() == nil; i = int(next.Add(1) - 1) {
				r := reqs[i]
				out[i] = getTimed(ctx, cl, base+SynthPath(r.Size, r.Key), r.Range)
			}
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	out = append(out, timedGet{Total: el, Status: -1}) // the run's length, read by traceFigures
	return out
}

func traceFigures(gets []timedGet, originBytes int64) map[string]float64 {
	el := gets[len(gets)-1].Total.Seconds()
	gets = gets[:len(gets)-1]
	var ttfb []time.Duration
	var bytes int64
	hits, errs, done := 0, 0, 0
	for _, g := range gets {
		if g.Status == 0 && g.Err == nil {
			continue // not reached before the deadline
		}
		done++
		if !g.ok() {
			errs++
			continue
		}
		ttfb, bytes = append(ttfb, g.TTFB), bytes+g.Bytes
		if strings.HasPrefix(g.XCache, "HIT") {
			hits++
		}
	}
	figs := map[string]float64{
		"rps": float64(done) / el, "mib_s": float64(bytes) / (1 << 20) / el, "hit_share": ratio(float64(hits), float64(len(ttfb))),
		"origin_mib": float64(originBytes) / (1 << 20), "errors": float64(errs),
	}
	durationFigures(figs, "ttfb", ttfb)
	return figs
}
