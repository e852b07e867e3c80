package steering

import (
	"net/netip"
)

// Outcome classifies a decision, as Open Connect counts them.
type Outcome uint8

const (
	// OutcomeBest: the first URL is a node of the client's best site,
	// and nothing in that site was passed over.
	OutcomeBest Outcome = iota
	// OutcomeHealthMiss: in the best site a node that would have served
	// the client was down, draining or overloaded (or the site had no
	// usable node), so the client got another node or site.
	OutcomeHealthMiss
	// OutcomeContentMiss: the best site does not hold the file, so the
	// client was sent to a farther site.
	OutcomeContentMiss
	// OutcomeOrigin: no node could serve; the answer is the origin alone.
	OutcomeOrigin
	// OutcomeNone: no node could serve and no origin is configured.
	OutcomeNone
	numOutcomes
)

var outcomeNames = [numOutcomes]string{"best", "health_miss", "content_miss", "origin", "none"}

func (o Outcome) String() string { return outcomeNames[o] }

// Decision is the answer for one client and one file. It is reused:
// Decide resets it, and its URLs live in a buffer it owns until the next
// Decide.
type Decision struct {
	Client netip.Addr
	// ClientPrefix is the client's network (Config.ClientBitsV4/V6): what
	// the decision log records instead of the address, and what the tie
	// break hashes.
	ClientPrefix netip.Prefix
	File         string
	// Match is the client's longest matching prefix; invalid when none
	// matched and the default order was used.
	Match   netip.Prefix
	Outcome Outcome
	// BestSite is the client's best site, where the outcome happened
	// (a content miss is counted against it); "" when there is no site.
	BestSite   string
	Candidates []Candidate
	// Misses counts the nodes passed over, by reason (down, draining,
	// overloaded, content), over every site looked at.
	Misses [numMisses]int

	urls []byte // the candidates' URLs, back to back
}

// Candidate is one ranked URL.
type Candidate struct {
	Site string // "" for the origin
	Node string // "" for the origin
	// SiteRank is the site's rank for this client (1: best), 0 for the
	// origin.
	SiteRank int
	// Prefix is the client's prefix that ranked the site; invalid when
	// the site came from the default order.
	Prefix netip.Prefix
	url    [2]int // offsets in Decision.urls
}

// Reason says why the candidate is where it is: "prefix" (its site
// serves the client's prefix), "default" (its site comes from the
// default order), or "origin" (the final fallback).
func (c *Candidate) Reason() string {
	switch {
	case c.Node == "":
		return "origin"
	case c.Prefix.IsValid():
		return "prefix"
	}
	return "default"
}

// URL returns candidate i's URL, valid until the next Decide.
func (d *Decision) URL(i int) []byte {
	u := d.Candidates[i].url
	return d.urls[u[0]:u[1]]
}

// MissName is the label of miss reason i (0 ≤ i < len(Misses)).
func MissName(i int) string { return missNames[i] }

func (d *Decision) reset(client netip.Addr, file string) {
	*d = Decision{Client: client, File: file, Candidates: d.Candidates[:0], urls: d.urls[:0]}
}
