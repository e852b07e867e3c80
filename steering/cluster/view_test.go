package cluster

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

func member(name, site string, l Liveness, s State) Member {
	return Member{Name: name, Liveness: l, Meta: Meta{Site: site, State: s, Weight: 1, PeerAddr: name + ":8081"}}
}

// Only alive members of this node's site in state ok or degraded, with
// metadata this node understands, own files.
func TestViewPlacesOnlyUsableMembersOfTheSite(t *testing.T) {
	bad := member("broken", "ams", Alive, StateOK)
	bad.MetaErr = errors.New("cluster: bad node metadata")
	members := []Member{
		member("a", "ams", Alive, StateOK),
		member("b", "ams", Alive, StateDegraded),
		member("c", "ams", Alive, StateDraining),
		member("d", "ams", Alive, StateLeaving),
		member("e", "ams", Dead, StateOK),
		member("f", "ams", Left, StateOK),
		member("g", "fra", Alive, StateOK),
		bad,
	}
	v := newViewWithHealth(members, "a", "ams", map[string]*health{})
	var placed []string
	for i := 0; i < v.table.Len(); i++ {
		placed = append(placed, v.table.Node(i).Name)
	}
	if !slices.Equal(placed, []string{"a", "b"}) || v.self != 0 || v.peers[1] != (Peer{"b", "b:8081"}) {
		t.Fatalf("placed %v, self %d, peers %v", placed, v.self, v.peers)
	}
	alone := newView(nil, "solo", "ams")
	if alone.self != 0 || alone.table.Len() != 1 {
		t.Fatal("a node alone does not own everything")
	}
}

// With two owners per file, exactly two nodes own each key, and the
// others route it to both, best first.
func TestTwoOwnersPerFile(t *testing.T) {
	nodes := startCluster(t, 3, func(c *Config) { c.Owners = 2 })
	testenv.Eventually(t, 5*time.Second, "convergence", converged(nodes, 3))
	for i := range 300 {
		key := fmt.Sprintf("/t/%d", i)
		var owners []string
		for _, n := range nodes {
			if n.Owns(key) {
				owners = append(owners, n.Name())
			}
		}
		if len(owners) != 2 {
			t.Fatalf("%s: owners %v", key, owners)
		}
		for _, n := range nodes {
			r := n.Route(key)
			if n.Owns(key) != (r == nil) {
				t.Fatalf("%s: %s owns it and routes it to %v", key, n.Name(), r)
			}
			if r != nil && (len(r) != 2 || !slices.Contains(owners, r[0].Name) || !slices.Contains(owners, r[1].Name)) {
				t.Fatalf("%s: %s routes to %v, owners %v", key, n.Name(), r, owners)
			}
		}
	}
}
