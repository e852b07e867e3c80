package cluster

import (
	"sort"
	"time"

	"github.com/hashicorp/memberlist"
)

// Member is one node of the cluster as this node sees it.
type Member struct {
	Name       string
	GossipAddr string
	Meta
	// MetaErr is set when the member's metadata could not be decoded (a
	// much newer or broken node); such a member is never placed.
	MetaErr  error
	Liveness Liveness
	// LastChange is when this node last saw the member's liveness, state,
	// addresses, weight or version change (load changes do not count).
	LastChange time.Time
	Self       bool
}

// EffectiveState is the one word an operator wants: the liveness when
// the member is not alive, else its own state.
func (m *Member) EffectiveState() string {
	if m.Liveness != Alive {
		return m.Liveness.String()
	}
	return m.State.String()
}

// usable reports whether files may be placed on m.
func (m *Member) usable() bool {
	return m.Liveness == Alive && m.MetaErr == nil && m.State.placeable()
}

// sameAs reports whether m and o differ only in load.
func (m *Member) sameAs(o *Member) bool {
	a, b := m.Meta, o.Meta
	a.EgressBps, b.EgressBps = 0, 0
	return a == b && m.Liveness == o.Liveness && m.GossipAddr == o.GossipAddr && (m.MetaErr == nil) == (o.MetaErr == nil)
}

// heard records what memberlist reported about n and republishes the
// view. Called by memberlist with its node lock held: no memberlist calls.
func (c *Cluster) heard(n *memberlist.Node, l Liveness) {
	meta, err := DecodeMeta(n.Meta)
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.members[n.Name]
	m := &Member{Name: n.Name, GossipAddr: n.Address(), Meta: meta, MetaErr: err, Liveness: l, Self: n.Name == c.cfg.Name, LastChange: now}
	if l == Dead && old != nil {
		m.Meta, m.MetaErr = old.Meta, old.MetaErr // a leave carries the last metadata we had
		if old.State == StateLeaving {
			m.Liveness = Left
		}
	}
	if old != nil && old.sameAs(m) {
		m.LastChange = old.LastChange
	}
	if err != nil && (old == nil || old.MetaErr == nil) {
		c.log.Warn("cluster: member metadata not understood; not placing files on it", "member", n.Name, "err", err)
	}
	if l == Alive {
		if h := c.health[n.Name]; h != nil {
			h.clear() // fresh news from memberlist ends our own suspicion
		}
	}
	c.members[n.Name] = m
	c.rebuildLocked(now)
}

// rebuildLocked forgets members gone for longer than ForgetAfter and
// publishes a new view.
func (c *Cluster) rebuildLocked(now time.Time) {
	all := make([]Member, 0, len(c.members))
	for name, m := range c.members {
		if m.Liveness >= Dead && now.Sub(m.LastChange) > c.cfg.ForgetAfter {
			delete(c.members, name)
			delete(c.health, name)
			continue
		}
		all = append(all, *m)
		if c.health[name] == nil {
			c.health[name] = &health{}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].Site != all[j].Site {
			return all[i].Site < all[j].Site
		}
		return all[i].Name < all[j].Name
	})
	c.view.Store(newViewWithHealth(all, c.cfg.Name, c.cfg.Meta.Site, c.health))
	select {
	case c.changed <- struct{}{}:
	default: // a signal is already pending
	}
}

// Members returns every member this node knows, including dead and
// departed ones for Config.ForgetAfter, sorted by site and name. A member
// this node currently suspects (its peer requests failed) is reported
// with Liveness Suspect.
func (c *Cluster) Members() []Member {
	v := c.view.Load()
	now := c.now()
	out := make([]Member, len(v.members))
	copy(out, v.members)
	for i := range out {
		if h := v.healthOf(out[i].Name); out[i].Liveness == Alive && h != nil && h.suspected(now) {
			out[i].Liveness = Suspect
		}
	}
	return out
}
