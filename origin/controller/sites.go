package controller

import (
	"errors"
	"fmt"
	"math"

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
type sitesFile struct {
	Sites []struct {
		Name  string `yaml:"name"`
		Nodes []struct {
			Name     string  `yaml:"name"`
			Weight   float64 `yaml:"weight"`
			Capacity string  `yaml:"capacity"`
		} `yaml:"nodes"`
	} `yaml:"sites"`
}

// ParseSites reads a sites file's contents (the sites the controller
// makes fill manifests for); every site is validated.
func ParseSites(raw []byte) ([]fillplan.Site, error) {
	var sf sitesFile
	if err := yaml.Unmarshal(raw, &sf); err != nil {
		return nil, err
	}
	var out []fillplan.Site
	for _, s := range sf.Sites {
		site := fillplan.Site{Name: s.Name}
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
		if err := site.Validate(); err != nil {
			return nil, err
		}
		out = append(out, site)
	}
	if len(out) == 0 {
		return nil, errors.New("no site defined")
	}
	return out, nil
}
