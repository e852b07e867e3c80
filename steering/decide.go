package steering

import (
	"net/netip"

	"github.com/cespare/xxhash/v2"

	"github.com/vodedge/vodedge/steering/prefix"
)

// Content says which nodes of a site hold a file when the site's content
// is known beyond placement (its fill manifest). nil: placement alone
// says (see the package doc).
type Content interface {
	// Holders returns the nodes of site that hold key, and known=false
	// when the site's content is not known (placement decides).
	Holders(site, key string) (nodes []string, known bool)
}

// rankedSite is a site in a client's ranking.
type rankedSite struct {
	slot   *siteSlot
	prefix netip.Prefix // the matching prefix; invalid from the default order
	score  uint64       // tie-break among sites matched at the same length
}

// Decide ranks URLs for a client at addr wanting file (a URL path that
// urlsign.ValidPath accepts) into d. It does not block, and allocates nothing once d
// has grown to size.
func (e *Engine) Decide(addr netip.Addr, file string, d *Decision) {
	addr = addr.Unmap()
	d.reset(addr, file)
	d.ClientPrefix = e.clientPrefix(addr)
	fileHash := xxhash.Sum64String(file)
	key := fileHash ^ clientKey(d.ClientPrefix)
	var mbuf [8]prefix.Match
	var rbuf [16]rankedSite
	sites := e.rankSites(e.table.Lookup(addr, mbuf[:0]), key, rbuf[:0])
	if len(sites) > 0 {
		d.BestSite = sites[0].slot.cfg.Name
	}
	if len(sites) > 0 && sites[0].prefix.IsValid() {
		d.Match = sites[0].prefix
	}
	first := -1 // miss reason that cost the best site its candidates; -1: none
	for i := range sites {
		if len(d.Candidates) >= e.cfg.MaxURLs {
			break
		}
		had := len(d.Candidates)
		miss := e.scanSite(d, &sites[i], i+1, key)
		if i == 0 {
			first = miss
		}
		if i == 0 && len(d.Candidates) == had && first < 0 {
			first = missDown // a site with no node steering knows of
		}
	}
	e.finish(d, first)
}

// finish sets the outcome and appends the origin.
func (e *Engine) finish(d *Decision, first int) {
	switch {
	case len(d.Candidates) == 0 && e.cfg.OriginURL == "":
		d.Outcome = OutcomeNone
		return
	case len(d.Candidates) == 0:
		d.Outcome = OutcomeOrigin
	case first == missContent:
		d.Outcome = OutcomeContentMiss
	case first >= 0:
		d.Outcome = OutcomeHealthMiss
	default:
		d.Outcome = OutcomeBest
	}
	if e.cfg.OriginURL != "" && len(d.Candidates) < e.cfg.MaxURLs {
		e.add(d, Candidate{}, e.cfg.OriginURL)
	}
}

// rankSites orders the sites for a client: those serving one of its
// prefixes by the length of the longest (ties broken by a hash of client
// network, file and site, so that clients spread over equally near sites
// and each keeps its answer), then the others in the default order.
func (e *Engine) rankSites(ms []prefix.Match, key uint64, dst []rankedSite) []rankedSite {
	for _, m := range ms {
		slot := e.slots[m.Site]
		if slot == nil {
			continue // a prefix for a site steering does not serve
		}
		rs := rankedSite{slot: slot, prefix: m.Prefix, score: mix(key ^ slot.hash)}
		i := len(dst)
		dst = append(dst, rs)
		for i > 0 && dst[i-1].prefix.Bits() == rs.prefix.Bits() && dst[i-1].score < rs.score {
			dst[i] = dst[i-1]
			i--
		}
		dst[i] = rs
	}
	for _, slot := range e.order {
		if !ranked(dst, slot) {
			dst = append(dst, rankedSite{slot: slot})
		}
	}
	return dst
}

func ranked(rs []rankedSite, slot *siteSlot) bool {
	for i := range rs {
		if rs[i].slot == slot {
			return true
		}
	}
	return false
}

// scanSite adds the site's candidates for d.File to d and counts the
// nodes passed over. It returns the first reason a holder of the file
// was passed over in this site, or -1.
func (e *Engine) scanSite(d *Decision, rs *rankedSite, rank int, key uint64) int {
	v := rs.slot.view.Load()
	if v == nil || len(v.nodes) == 0 {
		return -1
	}
	var hbuf [16]int
	holders, first := e.holders(d, v, hbuf[:0])
	// Every holder serves the file as well as another: spread clients
	// over them by a hash of client network and file, so one client
	// network keeps one node.
	var score [16]uint64
	for i, h := range holders {
		score[i] = mix(key ^ v.nodes[h].hash)
		for j := i; j > 0 && score[j-1] < score[j]; j-- {
			score[j-1], score[j] = score[j], score[j-1]
			holders[j-1], holders[j] = holders[j], holders[j-1]
		}
	}
	for _, h := range holders {
		if len(d.Candidates) >= e.cfg.MaxURLs {
			break
		}
		n := &v.nodes[h]
		e.add(d, Candidate{Site: v.name, Node: n.name, SiteRank: rank, Prefix: rs.prefix}, n.base)
	}
	return first
}

// holders returns the table indices of the nodes of v that hold d.File
// and can take clients, counting the others in d.Misses; first is the
// first reason one was passed over (-1: none).
func (e *Engine) holders(d *Decision, v *siteView, dst []int) (out []int, first int) {
	first = -1
	miss := func(r int) {
		d.Misses[r]++
		if first < 0 {
			first = r
		}
	}
	if e.content != nil {
		if names, known := e.content.Holders(v.name, d.File); known {
			if len(names) == 0 {
				miss(missContent)
				return dst, first
			}
			for _, name := range names {
				if i, ok := v.index[name]; ok && len(dst) < cap(dst) {
					if r := v.nodes[i].miss; r >= 0 {
						miss(r)
						continue
					}
					dst = append(dst, i)
				}
			}
			return dst, first
		}
	}
	// The file's owners are the first Owners usable nodes of the ranking
	// over all nodes: exactly the edges' placement over their usable
	// nodes. An unusable node ranked before them would have been one.
	var rbuf [32]int
	seen := 0
	for _, i := range v.table.Rank(d.File, min(v.owners+v.unusable, len(rbuf)), nil, rbuf[:0]) {
		n := &v.nodes[i]
		if !n.usable {
			miss(n.miss)
			continue
		}
		if seen++; seen > v.owners {
			break
		}
		if n.miss >= 0 {
			miss(n.miss)
			continue
		}
		dst = append(dst, i)
	}
	return dst, first
}

// add appends a candidate whose URL is base and the file's path, signed
// for a node when there is a signer (the origin's URL is never signed).
func (e *Engine) add(d *Decision, c Candidate, base string) {
	start := len(d.urls)
	d.urls = append(d.urls, base...)
	if e.signer != nil && c.Node != "" {
		d.urls = e.signer.AppendURL(d.urls, d.File, d.Client)
	} else {
		d.urls = append(d.urls, d.File...)
	}
	c.url = [2]int{start, len(d.urls)}
	d.Candidates = append(d.Candidates, c)
}

// clientPrefix is the client's network at the configured granularity.
func (e *Engine) clientPrefix(a netip.Addr) netip.Prefix {
	bits := e.cfg.ClientBitsV6
	if a.Is4() {
		bits = e.cfg.ClientBitsV4
	}
	p, _ := a.Prefix(bits)
	return p
}

// clientKey is the part of the ranking key that a client's network
// gives: Decide adds the file's hash to it, ClientSite uses it alone.
func clientKey(p netip.Prefix) uint64 {
	return clientHash(p) * 0x9e3779b97f4a7c15
}

func clientHash(p netip.Prefix) uint64 {
	var b [17]byte
	a := p.Addr().As16()
	copy(b[:], a[:])
	b[16] = byte(p.Bits())
	return xxhash.Sum64(b[:])
}

// mix is MurmurHash3's 64-bit finalizer.
func mix(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}
