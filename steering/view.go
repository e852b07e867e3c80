package steering

import (
	"net"
	"strconv"
	"sync/atomic"

	"github.com/cespare/xxhash/v2"

	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/steering/cluster"
)

// Reasons a node is passed over.
const (
	missDown       = iota // dead, departed or suspected
	missDraining          // draining or leaving: keeps serving, takes no new clients
	missOverloaded        // load at or above the threshold
	missContent           // does not hold the file (the site's manifest does not list it there)
	numMisses
)

var missNames = [numMisses]string{"down", "draining", "overloaded", "content"}

// siteView is an immutable snapshot of a site's nodes for the decision
// path, rebuilt when the site's membership changes.
type siteView struct {
	name   string
	hash   uint64 // of the name: the site's tie-break
	owners int
	// table ranks every node steering knows in the site, usable or not,
	// so that rendezvous ranking over it and skipping the unusable gives
	// exactly the edges' placement over their usable nodes.
	table    *placement.Table
	nodes    []nodeView     // by table index
	index    map[string]int // node name → table index
	unusable int            // nodes not usable: a file's owners are within the first owners+unusable
}

// nodeView is a node as the decision path needs it.
type nodeView struct {
	name string
	hash uint64
	base string // "http://host:port"
	// miss is why the node gets no clients, -1 when it can get them;
	// usable is whether the edges place files on it (an overloaded node
	// still holds its files).
	miss   int
	usable bool
	load   float64
}

// newSiteView builds the snapshot of site sc from members (the view of
// the site's gossip).
func newSiteView(sc SiteConfig, members []cluster.Member) *siteView {
	v := &siteView{name: sc.Name, hash: xxhash.Sum64String(sc.Name), owners: sc.Owners}
	byName := map[string]nodeView{}
	var nodes []placement.Node
	for i := range members {
		m := &members[i]
		if m.Site != sc.Name || m.MetaErr != nil || m.State == cluster.StateWatching || m.Self || m.HTTPAddr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(m.HTTPAddr); err != nil {
			continue
		}
		n := nodeView{name: m.Name, hash: xxhash.Sum64String(m.Name), base: nodeBase(sc, &m.Meta), miss: -1, load: m.Load()}
		switch {
		case m.Liveness != cluster.Alive:
			n.miss = missDown
		case m.State == cluster.StateDraining || m.State == cluster.StateLeaving:
			n.miss = missDraining
		case m.State != cluster.StateOK && m.State != cluster.StateDegraded:
			n.miss = missDown // a state this release does not know: the edges do not place on it either
		default:
			n.usable = true
			if n.load >= sc.LoadThreshold {
				n.miss = missOverloaded
			}
		}
		if !n.usable {
			v.unusable++
		}
		byName[m.Name] = n
		nodes = append(nodes, placement.Node{Name: m.Name, Weight: m.Weight})
	}
	v.table = placement.New(nodes)
	v.nodes = make([]nodeView, v.table.Len())
	v.index = make(map[string]int, len(v.nodes))
	for i := range v.nodes {
		v.nodes[i] = byName[v.table.Node(i).Name]
		v.index[v.nodes[i].name] = i
	}
	return v
}

// siteSlot holds a site's current view.
type siteSlot struct {
	cfg  SiteConfig
	hash uint64 // of the name
	view atomic.Pointer[siteView]
}

// nodeBase is the base URL of a node's public listener: https on its TLS
// port when the site wants HTTPS and the node serves it, else http.
func nodeBase(sc SiteConfig, m *cluster.Meta) string {
	if sc.HTTPS && m.TLSPort != 0 {
		if host, _, err := net.SplitHostPort(m.HTTPAddr); err == nil {
			return "https://" + net.JoinHostPort(host, strconv.Itoa(int(m.TLSPort)))
		}
	}
	return "http://" + m.HTTPAddr
}
