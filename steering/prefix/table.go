package prefix

import (
	"net/netip"
	"slices"
	"sync"
)

// Route says that a site serves the clients of a prefix.
type Route struct {
	Prefix netip.Prefix
	Site   string
}

// Match is a site whose prefixes contain an address, with the longest of
// them.
type Match struct {
	Site   string
	Prefix netip.Prefix
}

// Table maps IP prefixes (IPv4 and IPv6) to the sites that serve them.
// Several sources feed it (a static file, each BGP neighbor): a site
// serves a prefix while at least one source says so. Lookups take a read
// lock only; updates are per route. The zero Table is not usable: call
// New.
type Table struct {
	mu struct {
		sync.RWMutex
		v4, v6 family
		// claims counts the (prefix, site) pairs each source claims.
		claims map[string]int
	}
}

// family is the table of one address family: a map per prefix length,
// and the lengths in use, longest first, so a lookup probes only those.
type family struct {
	byLen [129]map[netip.Prefix]*entry
	lens  []int
}

// entry is the sites that serve one prefix, sorted, and which sources
// claim each.
type entry struct {
	sites   []string
	sources [][]string // sources[i] claim sites[i]; sorted
}

// New returns an empty table.
func New() *Table {
	t := &Table{}
	t.mu.claims = map[string]int{}
	return t
}

// Add records that source src says site serves p. It reports whether the
// claim is new. An invalid prefix is ignored.
func (t *Table) Add(src string, p netip.Prefix, site string) bool {
	p, ok := canonical(p)
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.addLocked(src, p, site)
}

// Remove withdraws src's claim that site serves p. It reports whether
// there was one. The site stops serving p when no source claims it.
func (t *Table) Remove(src string, p netip.Prefix, site string) bool {
	p, ok := canonical(p)
	if !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.removeLocked(src, p, site)
}

// ReplaceSource makes routes the complete set of src's claims: claims it
// no longer makes are withdrawn, new ones added (a reloaded static file;
// nil for a BGP neighbor whose session went down). It returns how many
// claims were added and removed.
func (t *Table) ReplaceSource(src string, routes []Route) (added, removed int) {
	want := make(map[Route]bool, len(routes))
	for _, r := range routes {
		if p, ok := canonical(r.Prefix); ok {
			want[Route{p, r.Site}] = true
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.claimsOfLocked(src) {
		if !want[r] && t.removeLocked(src, r.Prefix, r.Site) {
			removed++
		}
	}
	for r := range want {
		if t.addLocked(src, r.Prefix, r.Site) {
			added++
		}
	}
	return added, removed
}

// Lookup appends to dst the sites serving a prefix that contains addr,
// each once with its longest matching prefix, longest first; sites tied
// on length come in name order. An IPv4-mapped IPv6 address is looked up
// as IPv4. It does not allocate when dst has room.
func (t *Table) Lookup(addr netip.Addr, dst []Match) []Match {
	addr = addr.Unmap()
	if !addr.IsValid() {
		return dst
	}
	base := len(dst)
	t.mu.RLock()
	defer t.mu.RUnlock()
	f := t.familyLocked(addr.Is4())
	for _, l := range f.lens {
		p, _ := addr.Prefix(l)
		e := f.byLen[l][p]
		if e == nil {
			continue
		}
		for _, s := range e.sites {
			if !seen(dst[base:], s) {
				dst = append(dst, Match{Site: s, Prefix: p})
			}
		}
	}
	return dst
}

func seen(ms []Match, site string) bool {
	for i := range ms {
		if ms[i].Site == site {
			return true
		}
	}
	return false
}

// Claims returns how many (prefix, site) pairs each source claims.
func (t *Table) Claims() map[string]int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	out := make(map[string]int, len(t.mu.claims))
	for k, v := range t.mu.claims {
		out[k] = v
	}
	return out
}

// Count returns how many distinct prefixes of each family the table holds.
func (t *Table) Count() (v4, v6 int) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.mu.v4.count(), t.mu.v6.count()
}

func (f *family) count() int {
	n := 0
	for _, l := range f.lens {
		n += len(f.byLen[l])
	}
	return n
}

// RouteInfo is a route and the sources that claim it.
type RouteInfo struct {
	Route
	Sources []string
}

// Routes returns every route, sorted by family, address and length, then
// site.
func (t *Table) Routes() []RouteInfo {
	t.mu.RLock()
	var out []RouteInfo
	for _, f := range []*family{&t.mu.v4, &t.mu.v6} {
		for _, l := range f.lens {
			for p, e := range f.byLen[l] {
				for i, s := range e.sites {
					out = append(out, RouteInfo{Route{p, s}, slices.Clone(e.sources[i])})
				}
			}
		}
	}
	t.mu.RUnlock()
	slices.SortFunc(out, func(a, b RouteInfo) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		if a.Prefix.Bits() != b.Prefix.Bits() {
			return a.Prefix.Bits() - b.Prefix.Bits()
		}
		return compareStrings(a.Site, b.Site)
	})
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// canonical is p masked, with an IPv4-mapped IPv6 prefix of /96 or longer
// turned into IPv4 (a client's mapped address is looked up as IPv4).
func canonical(p netip.Prefix) (netip.Prefix, bool) {
	if !p.IsValid() {
		return p, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

func (t *Table) familyLocked(v4 bool) *family {
	if v4 {
		return &t.mu.v4
	}
	return &t.mu.v6
}

func (t *Table) addLocked(src string, p netip.Prefix, site string) bool {
	f := t.familyLocked(p.Addr().Is4())
	l := p.Bits()
	if f.byLen[l] == nil {
		f.byLen[l] = map[netip.Prefix]*entry{}
		i, _ := slices.BinarySearchFunc(f.lens, l, func(a, b int) int { return b - a })
		f.lens = slices.Insert(f.lens, i, l)
	}
	e := f.byLen[l][p]
	if e == nil {
		e = &entry{}
		f.byLen[l][p] = e
	}
	if !e.add(site, src) {
		return false
	}
	t.mu.claims[src]++
	return true
}

func (t *Table) removeLocked(src string, p netip.Prefix, site string) bool {
	f := t.familyLocked(p.Addr().Is4())
	l := p.Bits()
	e := f.byLen[l][p]
	if e == nil || !e.remove(site, src) {
		return false
	}
	if t.mu.claims[src]--; t.mu.claims[src] == 0 {
		delete(t.mu.claims, src)
	}
	if len(e.sites) == 0 {
		delete(f.byLen[l], p)
		if len(f.byLen[l]) == 0 {
			f.byLen[l] = nil
			f.lens = slices.DeleteFunc(f.lens, func(x int) bool { return x == l })
		}
	}
	return true
}

// claimsOfLocked lists src's claims.
func (t *Table) claimsOfLocked(src string) []Route {
	var out []Route
	for _, f := range []*family{&t.mu.v4, &t.mu.v6} {
		for _, l := range f.lens {
			for p, e := range f.byLen[l] {
				for i, s := range e.sites {
					if slices.Contains(e.sources[i], src) {
						out = append(out, Route{p, s})
					}
				}
			}
		}
	}
	return out
}

// add records src's claim of site; it reports whether it is new.
// Lookups read entries under the read lock, which excludes writers, so
// entries are edited in place.
func (e *entry) add(site, src string) bool {
	i, found := slices.BinarySearch(e.sites, site)
	if !found {
		e.sites = slices.Insert(e.sites, i, site)
		e.sources = slices.Insert(e.sources, i, []string{src})
		return true
	}
	j, have := slices.BinarySearch(e.sources[i], src)
	if have {
		return false
	}
	e.sources[i] = slices.Insert(e.sources[i], j, src)
	return true
}

func (e *entry) remove(site, src string) bool {
	i, found := slices.BinarySearch(e.sites, site)
	if !found {
		return false
	}
	j, have := slices.BinarySearch(e.sources[i], src)
	if !have {
		return false
	}
	e.sources[i] = slices.Delete(e.sources[i], j, j+1)
	if len(e.sources[i]) == 0 {
		e.sites = slices.Delete(e.sites, i, i+1)
		e.sources = slices.Delete(e.sources, i, i+1)
	}
	return true
}
