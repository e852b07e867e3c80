package steering

import (
	"fmt"
	"strings"

	"github.com/cespare/xxhash/v2"

	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/cluster"
	"github.com/vodedge/vodedge/steering/prefix"
)

// Engine makes steering decisions: prefix table, site views, signer. It
// does no I/O and is safe for concurrent use; the Service feeds it.
type Engine struct {
	cfg     Config
	table   *prefix.Table
	slots   map[string]*siteSlot
	order   []*siteSlot // the default order
	signer  *urlsign.Signer
	content Content
}

// NewEngine validates cfg. table holds the prefixes (static and BGP);
// signer signs node URLs (nil: unsigned); content says what sites hold
// beyond placement (nil: placement alone). Every site starts with no
// node until SetMembers.
func NewEngine(cfg Config, table *prefix.Table, signer *urlsign.Signer, content Content) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.OriginURL = strings.TrimSuffix(cfg.OriginURL, "/")
	e := &Engine{cfg: cfg, table: table, slots: map[string]*siteSlot{}, signer: signer, content: content}
	for _, sc := range cfg.Sites {
		slot := &siteSlot{cfg: sc, hash: xxhash.Sum64String(sc.Name)}
		slot.view.Store(newSiteView(sc, nil))
		e.slots[sc.Name] = slot
	}
	for _, n := range cfg.DefaultOrder {
		e.order = append(e.order, e.slots[n])
	}
	return e, nil
}

// SetMembers replaces a site's view with one built from members (what its
// gossip says). The decision path switches to it atomically.
func (e *Engine) SetMembers(site string, members []cluster.Member) error {
	slot := e.slots[site]
	if slot == nil {
		return fmt.Errorf("steering: no site %q", site)
	}
	slot.view.Store(newSiteView(slot.cfg, members))
	return nil
}

// Config returns the validated configuration.
func (e *Engine) Config() Config { return e.cfg }
