package fill

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// heartbeatURL is where heartbeats go: HeartbeatURL, or the controller's
// registry beside a ManifestURL of the controller's form; "" for none.
func (c *Config) heartbeatURL() string {
	if c.HeartbeatURL != "" {
		return c.HeartbeatURL
	}
	if base, _, ok := strings.Cut(c.ManifestURL, "/v1/manifests/"); ok {
		return base + "/v1/nodes/heartbeat"
	}
	return ""
}

// heartbeatLoop reports the node to the controller's registry at once,
// then every HeartbeatEvery. After a failure it tries again sooner —
// an eighth of the interval, doubling up to the interval — so a
// controller that comes back sees the node well within its grace, and a
// controller that stays down is not hammered.
func (a *Agent) heartbeatLoop(ctx context.Context) {
	every := a.cfg.HeartbeatEvery
	retry := max(every/8, time.Second)
	wait, failing := every, false
	for {
		if err := a.heartbeat(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			a.m.heartbeats.WithLabelValues("failed").Inc()
			level := slog.LevelWarn // once per outage, then quieter
			if failing {
				level = slog.LevelDebug
			}
			a.log.Log(ctx, level, "heartbeat to the controller failed", "url", a.cfg.heartbeatURL(), "err", err, "retry_in", min(retry, every))
			wait, retry, failing = min(retry, every), min(2*retry, every), true
		} else {
			if failing {
				a.log.Info("heartbeats to the controller go through again", "url", a.cfg.heartbeatURL())
			}
			a.m.heartbeats.WithLabelValues("ok").Inc()
			wait, retry, failing = every, max(every/8, time.Second), false
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
	}
}

// heartbeatTimeout bounds one heartbeat.
const heartbeatTimeout = 10 * time.Second

// heartbeat sends one report, bounded by heartbeatTimeout.
func (a *Agent) heartbeat(ctx context.Context) error {
	rep := a.deps.Describe()
	rep.Name, rep.Site = a.cfg.Node, a.cfg.Site
	if err := rep.Validate(); err != nil {
		return fmt.Errorf("this node's report: %w", err)
	}
	body, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, heartbeatTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.cfg.heartbeatURL(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.deps.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d: %s", resp.StatusCode, bytes.TrimSpace(msg))
	}
	return nil
}
