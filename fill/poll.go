package fill

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxManifestBytes bounds a manifest download or push.
const maxManifestBytes = 256 << 20

// pollLoop fetches the site's manifest from the controller every
// PollEvery (and at once).
func (a *Agent) pollLoop(ctx context.Context) {
	for {
		if err := a.pollOnce(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("polling the fill manifest failed", "url", a.cfg.ManifestURL, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.cfg.PollEvery):
		}
	}
}

func (a *Agent) pollOnce(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.ManifestURL, nil)
	if err != nil {
		return err
	}
	resp, err := a.deps.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxManifestBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > maxManifestBytes {
		return fmt.Errorf("manifest larger than %d bytes", maxManifestBytes)
	}
	if a.known(raw) {
		return nil
	}
	_, err = a.Offer(raw)
	return err
}

// known reports whether raw is the manifest already accepted (a poll that
// brings nothing new is not a rejection).
func (a *Agent) known(raw []byte) bool {
	var env struct {
		Manifest struct {
			Version int64 `json:"version"`
		} `json:"manifest"`
	}
	if json.Unmarshal(raw, &env) != nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.latest != nil && env.Manifest.Version == a.mu.latest.Version
}

// reportLoop posts the agent's status to the controller every 30 s.
func (a *Agent) reportLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
		body, _ := json.Marshal(a.Status())
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.ReportURL, bytes.NewReader(body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", "application/json")
		if resp, err := a.deps.HTTP.Do(req); err == nil {
			resp.Body.Close()
		}
	}
}
