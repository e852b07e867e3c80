package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Peer is a server under test: vodedge, or a server an operator could
// deploy instead. The bench starts it, warms it, drives load at the base
// URL Start returns (objects are at base + Scenario.Paths()), and stops it.
type Peer interface {
	// Name labels the peer in reports: "vodedge", "nginx-static".
	Name() string
	// Start starts the peer and returns once it answers HTTP, with its
	// base URL ("http://127.0.0.1:PORT").
	Start(ctx context.Context) (baseURL string, err error)
	// Stop stops the peer and reaps its processes. It is safe to call
	// on a peer that never started.
	Stop() error
}

// Warmer is a Peer that knows when an object is ready to be measured
// (vodedge: in its RAM tier). Peers that are not Warmers are warmed by one
// GET of every object (which puts the files in the page cache).
type Warmer interface {
	Warm(ctx context.Context, paths []string) error
}

// TierCounter is a Peer that counts its responses by the tier that served
// them ("HIT-RAM", "MISS", …), cumulatively since it started. The bench
// diffs the counts around each round to prove a hot round stayed hot:
// every response came from HotTier.
type TierCounter interface {
	TierCounts(ctx context.Context) (map[string]float64, error)
	HotTier() string
}

// ProcessLister is a Peer that can name its processes, so that the bench
// reports the CPU time they used in each round.
type ProcessLister interface {
	PIDs() []int
}

// vodedge's X-Cache values for responses from its RAM and disk tiers.
const (
	tierRAM  = "HIT-RAM"
	tierDisk = "HIT-DISK"
)

// newClient returns a client for warming and scraping peers. Its idle
// connections must be closed when the peer stops. It does not verify TLS
// certificates: peers serving HTTPS use the bench's self-signed one.
func newClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
		Timeout: 30 * time.Second}
}

// fetch GETs (or HEADs) url, reads the whole body, and returns the
// response's status and headers.
func fetch(ctx context.Context, c *http.Client, method, url string) (int, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, nil, fmt.Errorf("bench: read %s: %w", url, err)
	}
	return resp.StatusCode, resp.Header, nil
}

// warmByGet fetches every object once and requires a 200 for each.
func warmByGet(ctx context.Context, c *http.Client, base string, paths []string) error {
	for _, p := range paths {
		st, _, err := fetch(ctx, c, http.MethodGet, base+p)
		if err != nil {
			return fmt.Errorf("bench: warm %s: %w", p, err)
		}
		if st != http.StatusOK {
			return fmt.Errorf("bench: warm %s: status %d", p, st)
		}
	}
	return nil
}

// warm prepares p for measurement over paths.
func warm(ctx context.Context, p Peer, base string, paths []string) error {
	if w, ok := p.(Warmer); ok {
		return w.Warm(ctx, paths)
	}
	c := newClient()
	defer c.CloseIdleConnections()
	return warmByGet(ctx, c, base, paths)
}

// warmUntilHit GETs each path until the response's header says value
// (a cache peer's hit marker), at most 5 times per path.
func warmUntilHit(ctx context.Context, base string, paths []string, header, value string) error {
	c := newClient()
	defer c.CloseIdleConnections()
	for _, p := range paths {
		last := ""
		for try := 0; try < 5; try++ {
			st, h, err := fetch(ctx, c, http.MethodGet, base+p)
			if err != nil {
				return fmt.Errorf("bench: warm %s: %w", p, err)
			}
			if st != http.StatusOK {
				return fmt.Errorf("bench: warm %s: status %d", p, st)
			}
			if last = h.Get(header); last == value {
				break
			}
		}
		if last != value {
			return fmt.Errorf("bench: warm %s: %s still %q after 5 GETs: %w", p, header, last, ErrNotHot)
		}
	}
	return nil
}
