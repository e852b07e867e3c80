package fill

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/internal/tiergrant"
)

// parentsState is the site's parents as last polled: the directory
// and when its grant expires (nil: no parents, or none known).
type parentsState struct {
	dir     *tiergrant.Directory
	expires time.Time
	tables  []*placement.Table // by parent, as in dir; nil for one without nodes
	addrs   map[string]string  // peer address by site/node
}

func newParentsState(d *tiergrant.Directory, expires time.Time) *parentsState {
	st := &parentsState{dir: d, expires: expires, addrs: map[string]string{}}
	for _, p := range d.Parents {
		var nodes []placement.Node
		for _, n := range p.Nodes {
			nodes = append(nodes, placement.Node{Name: n.Name, Weight: n.Weight})
			st.addrs[p.Site+"/"+n.Name] = n.PeerAddr
		}
		var t *placement.Table
		if len(nodes) > 0 {
			t = placement.New(nodes)
		}
		st.tables = append(st.tables, t)
	}
	return st
}

// parentsURL is where the site's parents are polled: ParentsURL, or
// derived from a ManifestURL of the controller's form
// (…/v1/manifests/SITE → …/v1/parents/SITE); "" when unknown.
func (c *Config) parentsURL() string {
	if c.ParentsURL != "" {
		return c.ParentsURL
	}
	if base, _, ok := strings.Cut(c.ManifestURL, "/v1/manifests/"); ok {
		return base + "/v1/parents/" + c.Site
	}
	return ""
}

// pollParents fetches the site's parents directory. 404 means the site
// has none (any known before are dropped); another failure keeps what
// is known until its grant expires.
func (a *Agent) pollParents(ctx context.Context) error {
	u := a.cfg.parentsURL()
	if u == "" || a.deps.Parent == nil {
		return nil
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := a.deps.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("parents: %w", err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotFound:
		a.parents.Store(nil)
		return nil
	case http.StatusOK:
	default:
		return fmt.Errorf("parents: GET %s: status %d", u, resp.StatusCode)
	}
	d, err := tiergrant.ParseDirectory(resp.Body, a.cfg.PublicKey, a.cfg.Site)
	if err != nil {
		return fmt.Errorf("parents: %w", err)
	}
	g, err := tiergrant.Open(d.Grant, a.cfg.PublicKey)
	if err != nil {
		return fmt.Errorf("parents: %w", err)
	}
	a.parents.Store(newParentsState(d, g.Expires))
	return nil
}

// parentSources returns, for key, the node of each parent site (in
// preference order) that owns it in that site's placement: that node
// answers from its cache or, on a miss, fetches from the origin
// (pull-through), so a file crosses the origin link once for a parent
// and all its children. Nothing once the grant has expired.
func (a *Agent) parentSources(key string) []source {
	st := a.parents.Load()
	if st == nil || !a.deps.Now().Before(st.expires) {
		return nil
	}
	var out []source
	for i, p := range st.dir.Parents {
		if st.tables[i] == nil {
			continue
		}
		for _, name := range st.tables[i].Owners(key, 1) {
			if src, ok := a.deps.Parent(p.Site, name, st.addrs[p.Site+"/"+name], st.dir.Grant); ok {
				out = append(out, source{src, kindParent, p.Site + "/" + name})
			}
		}
	}
	return out
}
