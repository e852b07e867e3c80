package logship

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// outcome is how the controller took a batch.
type outcome int

const (
	failed    outcome = iota // not taken: keep it and send it again later
	sent                     // counted now
	duplicate                // counted before (a resend)
	rejected                 // refused as bad: sending it again would not help
)

func (o outcome) String() string {
	return [...]string{"failed", "sent", "duplicate", "rejected"}[o]
}

// send posts a spooled batch, its body as spooled, once.
func (s *Shipper) send(ctx context.Context, b batch) (outcome, error) {
	f, n, err := openBatch(s.cfg.SpoolDir, b.Seq)
	if err != nil {
		return rejected, err // a damaged spool file: nothing to resend
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	q := url.Values{"stream": {s.cur.Stream}, "seq": {strconv.FormatUint(b.Seq, 10)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cfg.URL+"?"+q.Encode(), io.LimitReader(f, n))
	if err != nil {
		return failed, err
	}
	req.ContentLength = n
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/x-ndjson")
	resp, err := s.http.Do(req)
	if err != nil {
		return failed, err
	}
	defer resp.Body.Close()
	return answer(resp)
}

// answer reads the controller's answer to a batch.
func answer(resp *http.Response) (outcome, error) {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		var a struct {
			Duplicate bool `json:"duplicate"`
		}
		if err := json.Unmarshal(raw, &a); err != nil {
			return failed, fmt.Errorf("logship: the controller's answer: %w", err)
		}
		if a.Duplicate {
			return duplicate, nil
		}
		return sent, nil
	case code == http.StatusBadRequest || code == http.StatusRequestEntityTooLarge || code == http.StatusUnsupportedMediaType:
		return rejected, fmt.Errorf("logship: the controller refused the batch: %s: %s", resp.Status, clip(raw))
	default: // 401/403 (a token to fix), 404 (an older controller), 5xx, …
		return failed, fmt.Errorf("logship: %s: %s", resp.Status, clip(raw))
	}
}

func clip(b []byte) string {
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}
