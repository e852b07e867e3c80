package bench

import (
	"context"
	"io"
	"net/http"
	"time"
)

// timedGet is one GET measured from the client: time to the response
// headers (TTFB) and to the last byte.
type timedGet struct {
	TTFB, Total time.Duration
	Bytes       int64
	Status      int
	XCache      string
	Err         error
}

func (g timedGet) ok() bool {
	return g.Err == nil && (g.Status == http.StatusOK || g.Status == http.StatusPartialContent)
}

// getTimed GETs url (with a Range header when rng is set) and reads the
// whole body.
func getTimed(ctx context.Context, c *http.Client, url, rng string) timedGet {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return timedGet{Err: err}
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return timedGet{Err: err, Total: time.Since(t0)}
	}
	g := timedGet{TTFB: time.Since(t0), Status: resp.StatusCode, XCache: resp.Header.Get("X-Cache")}
	g.Bytes, g.Err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	g.Total = time.Since(t0)
	return g
}

// loadClient is an HTTP client for measured load: conns keep-alive
// connections to one peer, no overall timeout (each request has ctx).
func loadClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
		ResponseHeaderTimeout: 30 * time.Second,
	}}
}
