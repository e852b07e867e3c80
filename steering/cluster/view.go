package cluster

import (
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/internal/placement"
)

// view is an immutable snapshot of the members and the placement of the
// node's site, swapped atomically so the request path takes no lock.
type view struct {
	members []Member
	table   *placement.Table   // usable members of this node's site
	peers   []Peer             // by table index
	health  []*health          // by table index; shared across views
	byName  map[string]*health // a copy: the cluster's map changes under its lock
	self    int                // table index of this node, -1 when it owns nothing
}

// Peer is another node of the site that may be asked for a file.
type Peer struct {
	Name string
	Addr string // its peer listener, host:port
}

// newView is the view of a node alone (before Start, after Shutdown):
// it owns every file.
func newView(members []Member, self, site string) *view {
	if members == nil {
		members = []Member{}
	}
	return newViewWithHealth(members, self, site, nil)
}

func newViewWithHealth(members []Member, self, site string, hs map[string]*health) *view {
	v := &view{members: members, self: -1}
	if hs != nil {
		v.byName = make(map[string]*health, len(members))
		for i := range members {
			v.byName[members[i].Name] = hs[members[i].Name]
		}
	}
	var nodes []placement.Node
	for i := range members {
		if m := &members[i]; m.Site == site && m.usable() {
			nodes = append(nodes, placement.Node{Name: m.Name, Weight: m.Weight})
		}
	}
	if len(members) == 0 {
		nodes = []placement.Node{{Name: self, Weight: 1}}
	}
	v.table = placement.New(nodes)
	addr := make(map[string]string, len(members))
	for i := range members {
		addr[members[i].Name] = members[i].PeerAddr
	}
	for i := 0; i < v.table.Len(); i++ {
		name := v.table.Node(i).Name
		if name == self {
			v.self = i
		}
		v.peers = append(v.peers, Peer{Name: name, Addr: addr[name]})
		v.health = append(v.health, v.byName[name]) // nil without health tracking
	}
	return v
}

func (v *view) healthOf(name string) *health {
	if v.byName == nil {
		return nil
	}
	return v.byName[name]
}

// rank returns the table indices of key's owners among the members this
// node does not currently suspect.
func (v *view) rank(key string, n int, now time.Time, dst []int) []int {
	skip := func(i int) bool { return i != v.self && v.health[i] != nil && v.health[i].suspected(now) }
	return v.table.Rank(key, n, skip, dst)
}

// health is this node's own suspicion of a member: set when a peer
// request to it fails, cleared by fresh news from memberlist or when it
// expires.
type health struct {
	until atomic.Int64 // unix nanoseconds; suspected before it
}

func (h *health) suspect(until time.Time) { h.until.Store(until.UnixNano()) }
func (h *health) clear()                  { h.until.Store(0) }
func (h *health) suspected(now time.Time) bool {
	return now.UnixNano() < h.until.Load()
}
