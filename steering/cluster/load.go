package cluster

import (
	"math"
	"time"
)

// sampleLoop samples the node's egress and health every LoadInterval and
// republishes its metadata when they change meaningfully; without a
// source (a watcher) it only forgets long-gone members.
func (c *Cluster) sampleLoop(src LoadSource) {
	defer c.loops.Done()
	t := time.NewTicker(c.cfg.LoadInterval)
	defer t.Stop()
	var s *sampler
	if src != nil {
		s = &sampler{last: src.BytesSent(), at: c.now()}
	}
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
		}
		if s != nil && c.sample(s, src.BytesSent(), src.Degraded(), c.now()) {
			c.publishMeta("load or health")
		}
		c.prune()
	}
}

// sampler turns byte counts into a smoothed bit rate.
type sampler struct {
	last uint64
	at   time.Time
	bps  float64 // exponentially smoothed, α = 0.5
}

// sample updates the local metadata from a byte count and the health
// flag at now; it reports whether the change is worth a broadcast: the
// state changed, or the load moved by LoadStep or more since it was last
// published.
func (c *Cluster) sample(s *sampler, sent uint64, degraded bool, now time.Time) bool {
	if dt := now.Sub(s.at).Seconds(); dt > 0 && sent >= s.last {
		rate := float64(sent-s.last) * 8 / dt
		s.bps = 0.5*s.bps + 0.5*rate
	}
	s.last, s.at = sent, now
	c.metrics.egress.Set(s.bps)
	capacity := float64(c.cfg.Meta.CapacityBps)
	return c.local.set(func(l *localState) {
		l.degraded = degraded
		if capacity == 0 || math.Abs(s.bps-float64(l.meta.EgressBps))/capacity < c.cfg.LoadStep {
			return // no capacity configured: load is not published
		}
		l.meta.EgressBps = uint64(s.bps)
		l.loadMoved = true
	})
}

// prune forgets long-gone members; the view is rebuilt only when one is
// forgotten.
func (c *Cluster) prune() {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range c.members {
		if m.Liveness >= Dead && now.Sub(m.LastChange) > c.cfg.ForgetAfter {
			c.rebuildLocked(now)
			return
		}
	}
}

// publishMeta broadcasts this node's metadata (UpdateNode), one call at a
// time so that the newest metadata is the one with the highest
// incarnation, and never after memberlist is shut down.
func (c *Cluster) publishMeta(why string) {
	ml := c.list()
	if ml == nil {
		return
	}
	c.publish.Lock()
	defer c.publish.Unlock()
	if c.closed {
		return
	}
	c.metrics.metaUpdates.Inc()
	if err := ml.UpdateNode(c.cfg.PublishTimeout); err != nil {
		c.log.Debug("cluster: metadata broadcast not confirmed", "why", why, "err", err)
	}
}

// SetDraining drains (true) or undrains (false) this node and tells the
// cluster: a draining node keeps serving, but files are placed on other
// nodes and steering sends it no new clients. It reports whether the
// state changed.
func (c *Cluster) SetDraining(on bool) bool {
	changed := c.local.set(func(l *localState) { l.draining = on })
	if changed {
		c.log.Info("cluster: drain state changed", "draining", on, "state", c.local.get().State)
		c.publishMeta("drain")
	}
	return changed
}

// Local returns the metadata this node currently publishes.
func (c *Cluster) Local() Meta { return c.local.get() }
