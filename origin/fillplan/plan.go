package fillplan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vodedge/vodedge/fill/manifest"
	"github.com/vodedge/vodedge/steering/placement"
)

// Node is a node of a site with its disk capacity for filled files.
type Node struct {
	Name     string  `yaml:"name" json:"name"`
	Weight   float64 `yaml:"weight" json:"weight"`
	Capacity int64   `yaml:"capacity" json:"capacity"`
}

// Site is a set of nodes that share a manifest.
type Site struct {
	Name  string `yaml:"name" json:"name"`
	Nodes []Node `yaml:"nodes" json:"nodes"`
}

// Validate checks a site definition.
func (s Site) Validate() error {
	if s.Name == "" || len(s.Nodes) == 0 {
		return errors.New("fillplan: a site needs a name and nodes")
	}
	seen := map[string]bool{}
	for _, n := range s.Nodes {
		if n.Name == "" || n.Capacity <= 0 || n.Weight < 0 || seen[n.Name] {
			return fmt.Errorf("fillplan: site %s: node %q needs a unique name and a positive capacity", s.Name, n.Name)
		}
		seen[n.Name] = true
	}
	return nil
}

// File is a published file with its popularity at the site.
type File struct {
	Key        string
	Size       int64
	SHA256     string
	Popularity float64
}

// Policy sets how copies grow with popularity.
type Policy struct {
	// ThreeCopies and TwoCopies are the shares of the most popular files
	// that get three and two copies.
	ThreeCopies, TwoCopies float64
}

// DefaultPolicy is 5 % three copies, 20 % two.
func DefaultPolicy() Policy { return Policy{ThreeCopies: 0.05, TwoCopies: 0.20} }

// Plan builds the site's manifest of the given version.
func Plan(site Site, files []File, version int64, now time.Time, pol Policy) (*manifest.Manifest, error) {
	if err := site.Validate(); err != nil {
		return nil, err
	}
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b File) int {
		return cmp.Or(cmp.Compare(b.Popularity, a.Popularity), strings.Compare(a.Key, b.Key))
	})
	p := newPlanner(site)
	m := &manifest.Manifest{Version: version, Site: site.Name, Created: now.UTC()}
	for i, f := range files {
		nodes := p.place(f, copiesFor(i, len(files), pol))
		if len(nodes) == 0 {
			continue
		}
		m.Entries = append(m.Entries, manifest.Entry{
			Key: f.Key, Size: f.Size, SHA256: f.SHA256, Priority: len(m.Entries) + 1,
			Copies: len(nodes), Nodes: nodes,
		})
	}
	return m, m.Validate()
}

// copiesFor returns the copies of the file at popularity rank i of n.
func copiesFor(i, n int, pol Policy) int {
	r := float64(i) / float64(max(n, 1))
	switch {
	case r < pol.ThreeCopies:
		return 3
	case r < pol.TwoCopies:
		return 2
	}
	return 1
}

// planner assigns copies to nodes, tracking their remaining capacity.
type planner struct {
	table *placement.Table
	free  map[string]int64
}

func newPlanner(site Site) *planner {
	p := &planner{free: map[string]int64{}}
	var nodes []placement.Node
	for _, n := range site.Nodes {
		w := n.Weight
		if w == 0 {
			w = 1
		}
		nodes = append(nodes, placement.Node{Name: n.Name, Weight: w})
		p.free[n.Name] = n.Capacity
	}
	p.table = placement.New(nodes)
	return p
}

// place returns up to copies nodes for f, best by placement, with room.
func (p *planner) place(f File, copies int) []string {
	full := func(i int) bool { return p.free[p.table.Node(i).Name] < f.Size }
	idx := p.table.Rank(f.Key, min(copies, p.table.Len()), full, nil)
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		name := p.table.Node(i).Name
		p.free[name] -= f.Size
		out = append(out, name)
	}
	return out
}
