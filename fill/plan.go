package fill

import (
	"cmp"
	"context"
	"fmt"
	"hash/maphash"
	"os"
	"slices"
	"strings"

	"github.com/vodedge/vodedge/internal/manifest"
)

// plan is a saved manifest as the agent works through it, without
// holding its files: for each group the node holds files of, where its
// line is in the saved file and its priority, and a map from the hash
// of its prefix to it. About 40 bytes per group; a group's files are
// read (line, then index) when they are worked on.
type plan struct {
	s        *manifest.Saved
	refs     []groupRef       // by priority, then prefix
	byPrefix map[uint64]int32 // maphash of prefix → refs index
	seed     maphash.Seed
}

type groupRef struct {
	off  int64
	n    int32
	prio int32
	key  uint64 // maphash of the prefix
}

// newPlan reads the groups of s this node holds files of.
func (a *Agent) newPlan(s *manifest.Saved) (*plan, error) {
	p := &plan{s: s, byPrefix: map[uint64]int32{}, seed: maphash.MakeSeed()}
	err := s.Each(func(g *manifest.Group, off int64, n int) error {
		if slices.ContainsFunc(g.Nodes, func(h manifest.Holding) bool { return h.Node == a.cfg.Node }) {
			p.refs = append(p.refs, groupRef{off: off, n: int32(n), prio: int32(min(g.Priority, 1<<31-1)), key: p.key(g.Prefix)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fill: reading manifest %d: %w", s.Header.Version, err)
	}
	slices.SortStableFunc(p.refs, func(x, y groupRef) int { return cmp.Compare(x.prio, y.prio) })
	for i, r := range p.refs {
		p.byPrefix[r.key] = int32(i)
	}
	return p, nil
}

// groups is an open pass over a plan's groups.
type groups struct {
	a *Agent
	p *plan
	f *os.File
}

func (p *plan) open(a *Agent) (*groups, error) {
	f, err := os.Open(p.s.Path)
	if err != nil {
		return nil, err
	}
	return &groups{a: a, p: p, f: f}, nil
}

func (g *groups) Close() error { return g.f.Close() }

// mine returns the files of the i-th group this node holds, its index
// fetched and verified if the node lacks it.
func (g *groups) mine(ctx context.Context, i int) (*manifest.Group, []manifest.Entry, error) {
	r := g.p.refs[i]
	grp, err := manifest.ReadGroup(g.f, r.off, int(r.n))
	if err != nil {
		return nil, nil, err
	}
	files, err := g.a.indexes.Get(ctx, grp.Index)
	if err != nil {
		return nil, nil, err
	}
	es, err := grp.Expand(files, g.a.cfg.Node)
	return grp, es, err
}

// each calls fn with the files of every group this node holds, in
// priority order; an index that cannot be had fails the pass.
func (p *plan) each(ctx context.Context, a *Agent, fn func(i int, g *manifest.Group, es []manifest.Entry) error) error {
	gs, err := p.open(a)
	if err != nil {
		return err
	}
	defer gs.Close()
	for i := range p.refs {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		g, es, err := gs.mine(ctx, i)
		if err != nil {
			return err
		}
		if err := fn(i, g, es); err != nil {
			return err
		}
	}
	return nil
}

func (p *plan) key(prefix string) uint64 { return maphash.String(p.seed, prefix) }

// holder answers "does this node hold key in the plan?" for keys in
// roughly key order, reading one group at a time.
type holder struct {
	gs     *groups
	ctx    context.Context
	prefix string
	names  map[string]bool // of the group at prefix; nil: none held
	all    bool            // the group could not be read: hold everything
}

func (h *holder) holds(key string) bool {
	i := strings.LastIndexByte(key, '/')
	if i < 0 {
		return false
	}
	prefix, name := key[:i+1], key[i+1:]
	if prefix != h.prefix {
		h.prefix = prefix
		h.names, h.all = h.load(prefix)
	}
	return h.all || h.names[name]
}

// load returns the names the node holds in the group at prefix, or all
// when the group's index cannot be read (nothing is let go on doubt).
func (h *holder) load(prefix string) (map[string]bool, bool) {
	i, ok := h.gs.p.byPrefix[h.gs.p.key(prefix)]
	if !ok {
		return nil, false
	}
	g, es, err := h.gs.mine(h.ctx, int(i))
	if err != nil {
		return nil, true
	}
	if g.Prefix != prefix { // another prefix with the same 64-bit hash
		return nil, false
	}
	names := make(map[string]bool, len(es))
	for _, e := range es {
		names[e.Key[len(prefix):]] = true
	}
	return names, false
}
