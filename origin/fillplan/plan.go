package fillplan

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
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
	// Parents are the sites this one fills from before the origin, in
	// preference order (tiered fill: the controller's business; the
	// planner ignores them).
	Parents []string `yaml:"parents,omitempty" json:"parents,omitempty"`
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
	// ReplicaShare is the share of each node's capacity kept for the
	// extra copies: the first pass places one copy of as many files as
	// fit in the rest, the second adds copies of the most popular files
	// in what is left. Offload is counted per site (any node serves a
	// site's file through peer fill), so extra copies buy resilience and
	// load spreading at the expense of coverage; bounding them keeps the
	// coverage (see TestOffloadWithOvernightFill).
	ReplicaShare float64
}

// DefaultPolicy is 5 % three copies, 20 % two, within 10 % of capacity.
func DefaultPolicy() Policy { return Policy{ThreeCopies: 0.05, TwoCopies: 0.20, ReplicaShare: 0.10} }

// Plan builds the site's manifest of the given version.
func Plan(site Site, files []File, version int64, now time.Time, pol Policy) (*manifest.Manifest, error) {
	if err := site.Validate(); err != nil {
		return nil, err
	}
	files = slices.Clone(files)
	slices.SortStableFunc(files, func(a, b File) int {
		return cmp.Or(cmp.Compare(b.Popularity, a.Popularity), strings.Compare(a.Key, b.Key))
	})
	p := newPlanner(site, 1-pol.ReplicaShare)
	owners := make([][]string, len(files))
	for i, f := range files { // one copy of as many files as fit
		owners[i] = p.place(f, 1, nil)
	}
	p.open(site)
	for i, f := range files { // then extra copies, most popular first
		if extra := copiesFor(i, len(files), pol) - len(owners[i]); extra > 0 && len(owners[i]) > 0 {
			owners[i] = append(owners[i], p.place(f, extra, owners[i])...)
		}
	}
	m := &manifest.Manifest{Version: version, Site: site.Name, Created: now.UTC()}
	for i, f := range files {
		if len(owners[i]) == 0 {
			continue
		}
		m.Entries = append(m.Entries, manifest.Entry{
			Key: f.Key, Size: f.Size, SHA256: f.SHA256, Priority: len(m.Entries) + 1,
			Copies: len(owners[i]), Nodes: owners[i],
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
	share float64 // of each node's capacity available in the first pass
}

// newPlanner starts with share of each node's capacity available.
func newPlanner(site Site, share float64) *planner {
	p := &planner{free: map[string]int64{}, share: share}
	var nodes []placement.Node
	for _, n := range site.Nodes {
		w := n.Weight
		if w == 0 {
			w = 1
		}
		nodes = append(nodes, placement.Node{Name: n.Name, Weight: w})
		p.free[n.Name] = int64(share * float64(n.Capacity))
	}
	p.table = placement.New(nodes)
	return p
}

// open makes the rest of every node's capacity available.
func (p *planner) open(site Site) {
	for _, n := range site.Nodes {
		p.free[n.Name] += n.Capacity - int64(p.share*float64(n.Capacity))
	}
}

// place returns up to copies nodes for f, best by placement, with room
// and not already holding it.
func (p *planner) place(f File, copies int, have []string) []string {
	skip := func(i int) bool {
		name := p.table.Node(i).Name
		return p.free[name] < f.Size || slices.Contains(have, name)
	}
	idx := p.table.Rank(Group(f.Key), min(copies, p.table.Len()), skip, nil)
	out := make([]string, 0, len(idx))
	for _, i := range idx {
		name := p.table.Node(i).Name
		p.free[name] -= f.Size
		out = append(out, name)
	}
	return out
}

// Group is the placement key of a file: its directory (one rendition of
// a title), so a rendition's files rank the site's nodes alike and the
// manifest assigns them to nodes as ranges of the group's index, not a
// node list per file (internal/manifest).
func Group(key string) string { return key[:strings.LastIndexByte(key, '/')+1] }

// TitlePrior is the share of a title's popularity (plays per day) added
// to the popularity of each of its files (requests per day).
const TitlePrior = 0.1

// Blend is the popularity the planner ranks a file by: its own, plus a
// tenth of its title's. A day's logs sample a site's traffic, so many
// files of a popular title were simply not fetched yesterday; the title's
// popularity ranks them above the files of unpopular titles (measured in
// TestOffloadWithOvernightFill).
func Blend(file, title float64) float64 { return file + TitlePrior*title }

// BlendPrior is Blend plus a new release's share of its title's prior:
// prior is the title's decayed prior (plays per day, origin/popularity's
// weight × prior) and videos its number of video renditions. A play
// streams one rendition, so each file of a title playing prior times a
// day is requested about prior ÷ videos times (players that stop early
// make the early segments hotter; the planner cannot know which yet).
// Without it a title released today has no history and is not filled on
// its release night (measured in TestReleaseWeek).
func BlendPrior(file, title, prior float64, videos int) float64 {
	return Blend(file, title) + prior/float64(max(videos, 1))
}
