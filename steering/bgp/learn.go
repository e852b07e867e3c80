package bgp

import (
	"net/netip"
	"slices"

	api "github.com/osrg/gobgp/v3/api"
	"google.golang.org/protobuf/types/known/anypb"
)

// path applies one received path: an announcement (re)sets the sites of
// its prefix for that neighbor, a withdrawal removes them.
func (s *Speaker) path(p *api.Path) {
	if p.GetNlri() == nil || p.NeighborIp == "" {
		return // an end-of-RIB marker, or a locally originated path
	}
	var nlri api.IPAddressPrefix
	if err := p.Nlri.UnmarshalTo(&nlri); err != nil {
		s.m.updates.WithLabelValues("ignored").Inc()
		return // another address family (VPN, flowspec, …)
	}
	pfx, err := routePrefix(&nlri)
	if err != nil {
		s.m.updates.WithLabelValues("ignored").Inc()
		s.log.Warn("bgp: unusable prefix", "neighbor", p.NeighborIp, "prefix", nlri.Prefix, "len", nlri.PrefixLen)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mu.sessions[p.NeighborIp]
	if ss == nil {
		return
	}
	var sites []string
	if !p.IsWithdraw {
		sites = s.sitesOf(ss.n, p.Pattrs)
	}
	s.setSites(ss, pfx, sites)
	switch {
	case p.IsWithdraw:
		s.m.updates.WithLabelValues("withdraw").Inc()
	case len(sites) == 0:
		s.m.updates.WithLabelValues("unmapped").Inc()
	default:
		s.m.updates.WithLabelValues("announce").Inc()
	}
}

// setSites makes sites the neighbor's sites for pfx, adding and removing
// the differences in the sink.
func (s *Speaker) setSites(ss *session, pfx netip.Prefix, sites []string) {
	src := Source(ss.n.Address)
	for _, old := range ss.learned[pfx] {
		if !slices.Contains(sites, old) {
			s.sink.Remove(src, pfx, old)
		}
	}
	for _, site := range sites {
		s.sink.Add(src, pfx, site)
	}
	if len(sites) == 0 {
		delete(ss.learned, pfx)
	} else {
		ss.learned[pfx] = sites
	}
}

// sitesOf maps a route's communities to sites; a route with no mapped
// community belongs to its neighbor's site.
func (s *Speaker) sitesOf(n Neighbor, attrs []*anypb.Any) []string {
	var sites []string
	for _, a := range attrs {
		var c api.CommunitiesAttribute
		if !a.MessageIs(&c) || a.UnmarshalTo(&c) != nil {
			continue
		}
		for _, v := range c.Communities {
			if site, ok := s.communities[v]; ok && !slices.Contains(sites, site) {
				sites = append(sites, site)
			}
		}
	}
	if len(sites) == 0 && n.Site != "" {
		sites = append(sites, n.Site)
	}
	slices.Sort(sites)
	return sites
}

func routePrefix(n *api.IPAddressPrefix) (netip.Prefix, error) {
	a, err := netip.ParseAddr(n.Prefix)
	if err != nil {
		return netip.Prefix{}, err
	}
	return a.Prefix(int(n.PrefixLen))
}
