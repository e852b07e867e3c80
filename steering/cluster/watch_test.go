package cluster

import (
	"fmt"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// A watcher follows the site without ever being placed: the nodes' owners
// are the same with and without it, it owns nothing, routes every key to
// the same owners as the nodes do, and hears of a drain through Changes.
func TestWatcherIsNeverPlaced(t *testing.T) {
	nodes := startCluster(t, 3, nil)
	testenv.Eventually(t, 5*time.Second, "convergence", converged(nodes, 3))
	before := map[string]string{}
	for i := range 300 {
		key := fmt.Sprintf("/t/%d", i)
		before[key] = owner(nodes, key)
	}

	cfg := DefaultConfig()
	cfg.Name, cfg.GossipAddr, cfg.Join, cfg.Key, cfg.Watch = "steer-1", "127.0.0.1:0", []string{nodes[0].GossipAddr()}, testKey, true
	cfg.Meta = Meta{Site: "ams", Weight: 1}
	w := startNode(t, cfg)
	testenv.Eventually(t, 5*time.Second, "nodes see the watcher", allSee(nodes, "steer-1", "watching"))
	testenv.Eventually(t, 5*time.Second, "the watcher sees 3 ok nodes", converged([]*testNode{w}, 3))

	for key, o := range before {
		if w.Owns(key) {
			t.Fatalf("the watcher owns %s", key)
		}
		if got := owner(nodes, key); got != o {
			t.Fatalf("%s moved from %s to %s when a watcher joined", key, o, got)
		}
		if r := w.Route(key); len(r) != 1 || r[0].Name != o {
			t.Fatalf("the watcher routes %s to %v, the nodes to %s", key, r, o)
		}
	}
	for _, m := range nodes[0].Status().Members {
		if m.Name == "steer-1" && (m.Placed || m.HTTPAddr != "" || m.NodeState != "watching") {
			t.Fatalf("the watcher as a node sees it: %+v", m)
		}
	}

	drainChanges(w)
	nodes[2].SetDraining(true)
	select {
	case <-w.Changes():
	case <-time.After(3 * time.Second):
		t.Fatal("no change signalled for a drain")
	}
	testenv.Eventually(t, 3*time.Second, "the watcher sees the drain", allSee([]*testNode{w}, "node-3", "draining"))
}

func TestWatcherConfig(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Name, cfg.Key, cfg.Meta = "steer", testKey, Meta{Site: "ams", Weight: 1}
	if _, err := New(cfg, Deps{}); err == nil {
		t.Fatal("a node without addresses was accepted")
	}
	cfg.Watch = true
	c, err := New(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if st := c.Local().State; st != StateWatching {
		t.Fatalf("a watcher publishes %v", st)
	}
	b, err := c.Local().Encode()
	if err != nil {
		t.Fatal(err)
	}
	if m, err := DecodeMeta(b); err != nil || m.State != StateWatching || m.State.placeable() {
		t.Fatalf("decoded watcher meta %+v, %v", m, err)
	}
}

// owner is the node that owns key, as the nodes see it.
func owner(nodes []*testNode, key string) string {
	for _, n := range nodes {
		if n.Owns(key) {
			return n.Name()
		}
	}
	return ""
}

func drainChanges(n *testNode) {
	for {
		select {
		case <-n.Changes():
		default:
			return
		}
	}
}
