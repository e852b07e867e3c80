package controller_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/tiergrant"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/fillplan"
)

// GET /v1/parents/{site}: a child site's parents with their live nodes
// that reported a peer address, and a grant signed with the manifest
// key that lets the child fetch from them until it expires.
func TestParentsDirectory(t *testing.T) {
	e := startRegistryWith(t, func(c *controller.Config) {
		c.Sites = append(c.Sites, fillplan.Site{Name: "isp", Parents: []string{"ams"}})
		c.Registry.AllowNewSites = false
		c.ParentGrantTTL = 10 * time.Minute
		c.NodeTokens = map[string]string{"isp-1": "isp-1-own-token-0123456789", "ams-2": "ams-2-own-token-0123456789"}
	})
	if code, body := e.post("/v1/nodes/heartbeat", e.token, ams2); code != 200 {
		t.Fatalf("heartbeat: %d %s", code, body)
	}
	code, body := e.call("GET", "/v1/parents/isp", e.token, "")
	if code != 200 {
		t.Fatalf("GET /v1/parents/isp: %d %s", code, body)
	}
	d, err := tiergrant.ParseDirectory(strings.NewReader(body), e.pub, "isp")
	if err != nil {
		t.Fatal(err)
	}
	// ams-1 is in the sites file but never reported a peer address.
	if len(d.Parents) != 1 || d.Parents[0].Site != "ams" || len(d.Parents[0].Nodes) != 1 || d.Parents[0].Nodes[0] != (tiergrant.Node{Name: "ams-2", Weight: 1000, PeerAddr: "127.0.0.1:9"}) {
		t.Fatalf("directory: %+v", d)
	}
	now := e.clock.Now()
	if err := tiergrant.Check("Grant "+d.Grant, e.pub, "ams", now); err != nil {
		t.Fatalf("the grant does not open ams: %v", err)
	}
	if err := tiergrant.Check("Grant "+d.Grant, e.pub, "isp", now); !errors.Is(err, tiergrant.ErrNotParent) {
		t.Fatalf("the grant opens the child itself: %v", err)
	}
	if err := tiergrant.Check("Grant "+d.Grant, e.pub, "ams", now.Add(10*time.Minute)); !errors.Is(err, tiergrant.ErrExpired) {
		t.Fatalf("the grant outlives its TTL: %v", err)
	}
	for path, want := range map[string]int{"/v1/parents/ams": 404, "/v1/parents/nowhere": 404} {
		if code, body := e.call("GET", path, e.token, ""); code != want {
			t.Errorf("GET %s: %d %s, want %d", path, code, body, want)
		}
	}
	if code, _ := e.call("GET", "/v1/parents/isp", "", ""); code != 401 {
		t.Errorf("without a token: %d, want 401", code)
	}
	// A node's own token opens its own site's parents only.
	isp1 := `{"name":"isp-1","site":"isp","weight":1,"capacity_bytes":1073741824,"peer_addr":"127.0.0.1:10"}`
	if code, body := e.post("/v1/nodes/heartbeat", "isp-1-own-token-0123456789", isp1); code != 200 {
		t.Fatalf("isp-1's heartbeat: %d %s", code, body)
	}
	if code, body := e.call("GET", "/v1/parents/isp", "isp-1-own-token-0123456789", ""); code != 200 {
		t.Errorf("isp-1's token for its own site: %d %s", code, body)
	}
	if code, body := e.call("GET", "/v1/parents/isp", "ams-2-own-token-0123456789", ""); code != 403 {
		t.Errorf("ams-2's token for isp's parents: %d %s, want 403", code, body)
	}
	for _, s := range e.sites().Sites {
		if s.Name == "isp" && (len(s.Parents) != 1 || s.Parents[0] != "ams") {
			t.Errorf("GET /v1/sites lists isp's parents as %v", s.Parents)
		}
	}
	// Past the grace ams-2 is expired: no longer offered to the child.
	e.clock.Advance(3 * time.Minute)
	_, body = e.call("GET", "/v1/parents/isp", e.token, "")
	if d, err := tiergrant.ParseDirectory(strings.NewReader(body), e.pub, "isp"); err != nil || len(d.Parents[0].Nodes) != 0 {
		t.Fatalf("after ams-2 expired: %+v, %v", d, err)
	}
}
