package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// The discard client ('vodedge bench load', LoadConfig.Client
// "discard") is a keep-alive HTTP/1.1 GET load like wrk's, with one
// difference: it reads each response's header and has the kernel drop
// the body (recv with MSG_TRUNC, which a TCP socket honours by
// discarding the bytes without copying them). wrk copies every body into
// its buffers; on loopback, with 2 MiB responses, that copy is the
// costliest work of the whole exchange, so wrk on its own CPU saturates
// while the server's CPU idles at 15–30 %, and "per busy CPU-second" is
// then measured at a load where a server's idle wake-ups and runtime
// (Go's scheduler spins before it parks) weigh as much as serving. With
// bodies dropped, the client costs a few syscalls per response, and the
// server's CPU saturates at every size: its requests/s is then what it
// serves per CPU, the figure appliances are judged by.

// DiscardConfig is one run of the discard client.
type DiscardConfig struct {
	// URL is the server's base, http://host:port; Paths are asked for
	// in order, connection i of n starting i/n of the way in (as wrk's
	// threads do with the bench's script).
	URL         string
	Paths       []string
	Connections int
	Duration    time.Duration
	// Timeout bounds each response: a slower one counts as a timeout
	// error and its connection is replaced. 0: 2 s (wrk's default).
	Timeout time.Duration
}

// discardHeaderMax bounds a response header (and the 1xx ones before it).
const discardHeaderMax = 16 << 10

func (c *DiscardConfig) validate() (addr, host string, err error) {
	u, err := url.Parse(c.URL)
	switch {
	case err != nil:
		return "", "", fmt.Errorf("bench: load URL %q: %w", c.URL, err)
	case u.Scheme != "http" || u.Host == "" || (u.Path != "" && u.Path != "/"):
		return "", "", fmt.Errorf("bench: load URL %q: want http://host:port (plain HTTP, no path)", c.URL)
	case len(c.Paths) == 0:
		return "", "", errors.New("bench: load: no paths to ask for")
	case c.Connections < 1:
		return "", "", fmt.Errorf("bench: load: connections must be at least 1, got %d", c.Connections)
	case c.Duration <= 0:
		return "", "", fmt.Errorf("bench: load: duration must be positive, got %v", c.Duration)
	case c.Timeout < 0:
		return "", "", fmt.Errorf("bench: load: timeout must not be negative, got %v", c.Timeout)
	}
	for _, p := range c.Paths {
		if !strings.HasPrefix(p, "/") || strings.ContainsAny(p, " \r\n") {
			return "", "", fmt.Errorf("bench: load: path %q: want an absolute path without spaces or line breaks", p)
		}
	}
	addr = u.Host
	if u.Port() == "" {
		addr += ":80"
	}
	return addr, u.Host, nil
}

// RunDiscard drives cfg.URL with cfg.Connections connections for
// cfg.Duration (each finishes the response it is waiting for) and
// returns the figures wrk would print.
func RunDiscard(ctx context.Context, cfg DiscardConfig) (WrkResult, error) {
	addr, host, err := cfg.validate()
	if err != nil {
		return WrkResult{}, err
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	conns := make([]*discardConn, cfg.Connections)
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(cfg.Duration)
	for i := range conns {
		c := newDiscardConn(addr, host, cfg.Paths, i*len(cfg.Paths)/cfg.Connections, cfg.Timeout)
		conns[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, end)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return WrkResult{}, err
	}
	return discardResult(conns, time.Since(start)), nil
}

// discardResult sums the connections' counts into wrk's figures.
func discardResult(conns []*discardConn, elapsed time.Duration) WrkResult {
	var r WrkResult
	var h latencyHist
	for _, c := range conns {
		r.Requests += c.requests
		r.BytesRead += float64(c.bytes)
		r.Non2xx += c.non2xx
		r.Socket.add(c.errs)
		if r.FirstError == "" {
			r.FirstError = c.firstErr
		}
		h.merge(&c.hist)
	}
	r.Elapsed = elapsed
	if s := elapsed.Seconds(); s > 0 {
		r.RequestsPerSec = float64(r.Requests) / s
		r.TransferPerSec = r.BytesRead / s
	}
	r.LatencyP50, r.LatencyP75 = h.quantile(0.50), h.quantile(0.75)
	r.LatencyP90, r.LatencyP99 = h.quantile(0.90), h.quantile(0.99)
	return r
}
