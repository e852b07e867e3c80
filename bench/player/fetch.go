package player

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// fetcher GETs paths from the ranked bases, falling back down the list.
type fetcher struct {
	client *http.Client
	bases  []string
	cur    int // index of the base in use
	s      *Session
}

// get fetches path and discards the body; it returns the time to the
// response headers and the body size.
func (f *fetcher) get(ctx context.Context, path string) (time.Duration, int64, error) {
	var ttfb time.Duration
	var n int64
	err := f.do(ctx, path, func(resp *http.Response, t time.Duration) error {
		ttfb = t
		var err error
		n, err = io.Copy(io.Discard, resp.Body)
		return err
	})
	return ttfb, n, err
}

// read fetches a small body (a playlist).
func (f *fetcher) read(ctx context.Context, path string) ([]byte, error) {
	var body []byte
	err := f.do(ctx, path, func(resp *http.Response, _ time.Duration) error {
		var err error
		body, err = io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		return err
	})
	return body, err
}

func (f *fetcher) media(ctx context.Context, path string) ([]Segment, error) {
	body, err := f.read(ctx, path)
	if err != nil {
		return nil, err
	}
	return ParseMedia(bytes.NewReader(body), path)
}

// do runs one request with fallback: on an error or a 5xx from the
// current base it moves to the next one, for this and later requests.
func (f *fetcher) do(ctx context.Context, path string, body func(*http.Response, time.Duration) error) error {
	var last error
	for f.cur < len(f.bases) {
		err := f.once(ctx, f.bases[f.cur]+path, body)
		if err == nil || ctx.Err() != nil {
			return err
		}
		last = err
		f.s.Errors++
		if f.cur+1 < len(f.bases) {
			f.s.Fallbacks++
		}
		f.cur++
	}
	return fmt.Errorf("player: %s: every edge failed, last: %w", path, last)
}

func (f *fetcher) once(ctx context.Context, url string, body func(*http.Response, time.Duration) error) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	t0 := time.Now()
	resp, err := f.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("player: GET %s: status %d", url, resp.StatusCode)
	}
	return body(resp, time.Since(t0))
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
