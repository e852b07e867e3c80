package cluster

import (
	"github.com/hashicorp/memberlist"
)

// delegate is the cluster's face towards memberlist. memberlist calls the
// event and conflict methods with its node lock held: they take only the
// cluster's own lock and never call back into memberlist.
type delegate struct{ c *Cluster }

// NodeMeta returns this node's encoded metadata (at most 460 bytes; see
// MaxMetaBytes).
func (d *delegate) NodeMeta(limit int) []byte {
	b := d.c.local.bytes()
	if len(b) > limit {
		return nil // cannot happen: Encode enforces MaxMetaBytes
	}
	return b
}

// The cluster sends no user messages and keeps no state beside the
// members' metadata.
func (d *delegate) NotifyMsg([]byte)                           {}
func (d *delegate) GetBroadcasts(overhead, limit int) [][]byte { return nil }
func (d *delegate) LocalState(join bool) []byte                { return nil }
func (d *delegate) MergeRemoteState(buf []byte, join bool)     {}

func (d *delegate) NotifyJoin(n *memberlist.Node)   { d.c.heard(n, Alive) }
func (d *delegate) NotifyUpdate(n *memberlist.Node) { d.c.heard(n, Alive) }

// NotifyLeave is called for a node that left and for one declared dead;
// memberlist does not say which, so a node announces StateLeaving in its
// metadata before it leaves.
func (d *delegate) NotifyLeave(n *memberlist.Node) { d.c.heard(n, Dead) }

// NotifyConflict reports a node that claims an existing node's name from
// another address.
func (d *delegate) NotifyConflict(existing, other *memberlist.Node) {
	c := d.c
	c.metrics.conflicts.Inc()
	if existing.Name == c.cfg.Name {
		c.mu.Lock()
		c.conflict = other.Address()
		c.mu.Unlock()
	}
	c.log.Error("cluster: two nodes claim the same name; names must be unique",
		"name", existing.Name, "known_at", existing.Address(), "claimed_from", other.Address())
}
