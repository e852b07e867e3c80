package steering

import (
	"net/netip"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/steering/prefix"
)

// ClientSite is the site a client at addr belongs to: the site whose
// prefixes match it most specifically, with the matching prefix, as
// Decide ranks sites first. Sites tied on length are ordered by a hash
// of the client's network alone (Decide adds the file to that hash, so
// a client of a prefix two sites announce may be sent to either for a
// given file). ok is false when no prefix of a site steering serves
// matches: the client is nobody's, and Decide ranks the sites for it in
// the default order.
func (e *Engine) ClientSite(addr netip.Addr) (site string, match netip.Prefix, ok bool) {
	addr = addr.Unmap()
	var mbuf [8]prefix.Match
	var rbuf [16]rankedSite
	key := clientKey(e.clientPrefix(addr))
	sites := e.rankSites(e.table.Lookup(addr, mbuf[:0]), key, rbuf[:0])
	if len(sites) == 0 || !sites[0].prefix.IsValid() {
		return "", netip.Prefix{}, false
	}
	return sites[0].slot.cfg.Name, sites[0].prefix, true
}

// serveSite answers GET /v1/site: the site the client belongs to, as a
// front end asks it to show what is popular at the viewer's site.
// {"client":"10.1.2.3","site":"ams","prefix":"10.1.0.0/16"}; site and
// prefix are "" when no site's prefix matches the client.
func (s *Service) serveSite(ctx *fasthttp.RequestCtx) {
	addr := s.client(ctx)
	site, match, ok := s.engine.ClientSite(addr)
	b := append(make([]byte, 0, 128), `{"client":`...)
	b = appendString(b, addr.String())
	b = append(b, `,"site":`...)
	b = appendString(b, site)
	b = append(b, `,"prefix":`...)
	if ok {
		b = appendString(b, match.String())
	} else {
		b = append(b, `""`...)
	}
	b = append(b, "}\n"...)
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
	s.m.requests.WithLabelValues("site", strconv.Itoa(fasthttp.StatusOK)).Inc()
}
