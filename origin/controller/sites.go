package controller

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/origin/fillplan"
)

// sitesFile is the YAML layout of `vodedge origin --sites`:
//
//	sites:
//	  - name: ams
//	    nodes:
//	      - {name: ams-edge-01, weight: 1, capacity: 18TiB}
//	  - name: isp-a
//	    parents: [ams]
//
// parents (optional) are the sites a site's fill masters fetch from
// before the origin, in preference order (tierfill.go).
type sitesFile struct {
	Sites []struct {
		Name    string   `yaml:"name"`
		Parents []string `yaml:"parents"`
		Nodes   []struct {
			Name     string  `yaml:"name"`
			Weight   float64 `yaml:"weight"`
			Capacity string  `yaml:"capacity"`
		} `yaml:"nodes"`
	} `yaml:"sites"`
}

// ParseSites reads a sites file's contents (the sites the controller
// makes fill manifests for); every site is validated. A site may list
// no node: its nodes then join by heartbeat (registry.go).
func ParseSites(raw []byte) ([]fillplan.Site, error) {
	var sf sitesFile
	if err := yaml.Unmarshal(raw, &sf); err != nil {
		return nil, err
	}
	var out []fillplan.Site
	for _, s := range sf.Sites {
		site := fillplan.Site{Name: s.Name, Parents: s.Parents}
		for _, n := range s.Nodes {
			c, err := bytesize.Parse(n.Capacity)
			if err != nil {
				return nil, fmt.Errorf("node %s: %w", n.Name, err)
			}
			if math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0) { // fillplan's check lets NaN through
				return nil, fmt.Errorf("node %s: weight %v is not a number", n.Name, n.Weight)
			}
			site.Nodes = append(site.Nodes, fillplan.Node{Name: n.Name, Weight: n.Weight, Capacity: int64(c)})
		}
		if err := validSite(site); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(out, func(o fillplan.Site) bool { return o.Name == site.Name }) {
			return nil, fmt.Errorf("site %s is defined twice", site.Name)
		}
		out = append(out, site)
	}
	if len(out) == 0 {
		return nil, errors.New("no site defined")
	}
	return out, validParents(out)
}

// validSite is fillplan's check, but a site may have no node yet.
func validSite(s fillplan.Site) error {
	if len(s.Nodes) == 0 {
		if s.Name == "" {
			return errors.New("a site needs a name")
		}
		return nil
	}
	return s.Validate()
}
