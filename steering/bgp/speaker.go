package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sort"
	"sync"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/server"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/steering/prefix"
)

// Sink is where learned routes go; *prefix.Table is one.
type Sink interface {
	Add(src string, p netip.Prefix, site string) bool
	Remove(src string, p netip.Prefix, site string) bool
	ReplaceSource(src string, routes []prefix.Route) (added, removed int)
}

var _ Sink = (*prefix.Table)(nil)

// Deps are the speaker's injected dependencies.
type Deps struct {
	Logger     *slog.Logger          // nil discards
	Registerer prometheus.Registerer // nil registers nowhere
	Now        func() time.Time      // nil is time.Now
}

// Speaker is steering's embedded BGP speaker (GoBGP): it peers with the
// ISP's routers, learns the prefixes they announce, and feeds them to a
// Sink by site. It announces nothing. Create it with New, run it with
// Start, stop it with Stop.
type Speaker struct {
	cfg         Config
	communities map[uint32]string
	sink        Sink
	log         *slog.Logger
	now         func() time.Time
	m           *metrics
	srv         *server.BgpServer

	mu struct {
		sync.Mutex
		sessions map[string]*session // by neighbor address
	}
	cancel  context.CancelFunc // stops the watch
	stopped sync.Once
}

// session is what the speaker knows of one neighbor. The learned routes
// are kept because a withdrawal carries no communities: it names only the
// prefix, and the sites it was announced for must be remembered.
type session struct {
	n       Neighbor
	state   string
	since   time.Time
	learned map[netip.Prefix][]string // prefix → sites it was announced for
}

// New validates cfg. Nothing runs before Start.
func New(cfg Config, sink Sink, deps Deps) (*Speaker, error) {
	communities, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	s := &Speaker{cfg: cfg, communities: communities, sink: sink, log: deps.Logger, now: deps.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.mu.sessions = map[string]*session{}
	for _, n := range cfg.Neighbors {
		s.mu.sessions[n.Address] = &session{n: n, state: "idle", since: s.now(), learned: map[netip.Prefix][]string{}}
	}
	if s.m, err = newMetrics(deps.Registerer, s); err != nil {
		return nil, fmt.Errorf("bgp: metrics: %w", err)
	}
	return s, nil
}

// Start starts GoBGP, opens the listener, watches every neighbor's
// announcements and adds the neighbors. Sessions come up in the
// background.
func (s *Speaker) Start(ctx context.Context) error {
	lvl := gobgplog.InfoLevel
	if s.log.Enabled(ctx, slog.LevelDebug-4) {
		lvl = gobgplog.DebugLevel
	}
	s.srv = server.NewBgpServer(server.LoggerOption(&logger{log: s.log, level: lvl}))
	go s.srv.Serve() // never returns: GoBGP has no way to end it (see the tests' TestMain)
	if err := s.srv.StartBgp(ctx, &api.StartBgpRequest{Global: s.global()}); err != nil {
		s.srv.Stop()
		return fmt.Errorf("bgp: starting the speaker (listen %q): %w", s.cfg.Listen, err)
	}
	err := s.srv.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name: "global", Direction: api.PolicyDirection_EXPORT, DefaultAction: api.RouteAction_REJECT,
	}})
	if err == nil {
		err = s.watch()
	}
	for _, n := range s.cfg.Neighbors {
		if err != nil {
			break
		}
		err = s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.peer(n)})
	}
	if err != nil {
		s.Stop()
		return fmt.Errorf("bgp: %w", err)
	}
	s.log.Info("bgp: speaker started", "asn", s.cfg.ASN, "router_id", s.cfg.RouterID, "listen", s.cfg.Listen, "neighbors", len(s.cfg.Neighbors))
	return nil
}

// Stop closes every session (routers see a Cease), stops the listener and
// withdraws what was learned. It is safe to call more than once.
func (s *Speaker) Stop() {
	s.stopped.Do(func() {
		if s.cancel != nil {
			s.cancel()
		}
		if s.srv != nil {
			s.srv.Stop()
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		for addr, ss := range s.mu.sessions {
			s.sink.ReplaceSource(Source(addr), nil)
			ss.learned = map[netip.Prefix][]string{}
			ss.state, ss.since = "idle", s.now()
		}
	})
}

func (s *Speaker) global() *api.Global {
	g := &api.Global{Asn: s.cfg.ASN, RouterId: s.cfg.RouterID, ListenPort: -1}
	if s.cfg.Listen != "" {
		g.ListenAddresses, g.ListenPort, _ = listenAddr(s.cfg.Listen) // validated
	}
	return g
}

func (s *Speaker) peer(n Neighbor) *api.Peer {
	fams := []*api.AfiSafi{
		{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
	}
	hold := uint64(s.cfg.HoldTime / time.Second)
	return &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: n.Address, PeerAsn: n.ASN, AuthPassword: n.Password, Description: "vodedge site " + n.Site},
		Transport: &api.Transport{
			RemotePort: uint32(n.Port), PassiveMode: n.Passive, LocalAddress: n.LocalAddress,
		},
		Timers: &api.Timers{Config: &api.TimersConfig{
			ConnectRetry: uint64(s.cfg.ConnectRetry / time.Second), HoldTime: hold, KeepaliveInterval: max(hold/3, 1),
		}},
		EbgpMultihop: &api.EbgpMultihop{Enabled: n.Multihop, MultihopTtl: 255},
		AfiSafis:     fams,
	}
}

// watch subscribes to peer state changes and to every route received
// (before import policy), including what is already in the tables.
func (s *Speaker) watch() error {
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	req := &api.WatchEventRequest{
		Peer:  &api.WatchEventRequest_Peer{},
		Table: &api.WatchEventRequest_Table{Filters: []*api.WatchEventRequest_Table_Filter{{Type: api.WatchEventRequest_Table_Filter_ADJIN, Init: true}}},
	}
	return s.srv.WatchEvent(ctx, req, s.event)
}

// event handles one watch event; GoBGP calls it from one goroutine.
func (s *Speaker) event(r *api.WatchEventResponse) {
	switch ev := r.Event.(type) {
	case *api.WatchEventResponse_Peer:
		if st := ev.Peer.GetPeer().GetState(); st != nil && ev.Peer.Type == api.WatchEventResponse_PeerEvent_STATE {
			s.peerState(st.NeighborAddress, st.SessionState)
		}
	case *api.WatchEventResponse_Table:
		for _, p := range ev.Table.Paths {
			s.path(p)
		}
	}
}

// peerState records a session's state; a session that leaves Established
// takes its routes with it.
func (s *Speaker) peerState(addr string, st api.PeerState_SessionState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.mu.sessions[addr]
	if ss == nil {
		return
	}
	name := stateName(st)
	if name == ss.state {
		return
	}
	was := ss.state
	ss.state, ss.since = name, s.now()
	switch {
	case name == "established":
		s.m.sessionChanges.WithLabelValues(addr, "up").Inc()
		s.log.Info("bgp: session established", "neighbor", addr, "site", ss.n.Site)
	case was == "established":
		s.m.sessionChanges.WithLabelValues(addr, "down").Inc()
		_, removed := s.sink.ReplaceSource(Source(addr), nil)
		ss.learned = map[netip.Prefix][]string{}
		s.log.Warn("bgp: session down; its routes are withdrawn", "neighbor", addr, "site", ss.n.Site, "state", name, "routes", removed)
	}
}

func stateName(st api.PeerState_SessionState) string {
	switch st {
	case api.PeerState_ESTABLISHED:
		return "established"
	case api.PeerState_IDLE, api.PeerState_UNKNOWN:
		return "idle"
	case api.PeerState_CONNECT:
		return "connect"
	case api.PeerState_ACTIVE:
		return "active"
	}
	return "opening"
}

// Session is a neighbor's state, for the status page.
type Session struct {
	Neighbor string    `json:"neighbor"`
	ASN      uint32    `json:"asn"`
	Site     string    `json:"site,omitempty"`
	State    string    `json:"state"` // idle, connect, active, opening, established
	Since    time.Time `json:"since"`
	Prefixes int       `json:"prefixes"` // learned and mapped to a site
}

// Sessions returns every neighbor's state, by address.
func (s *Speaker) Sessions() []Session {
	s.mu.Lock()
	out := make([]Session, 0, len(s.mu.sessions))
	for addr, ss := range s.mu.sessions {
		out = append(out, Session{Neighbor: addr, ASN: ss.n.ASN, Site: ss.n.Site, State: ss.state, Since: ss.since.UTC(), Prefixes: len(ss.learned)})
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Neighbor < out[j].Neighbor })
	return out
}

// Established reports whether every neighbor's session is up.
func (s *Speaker) Established() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ss := range s.mu.sessions {
		if ss.state != "established" {
			return false
		}
	}
	return true
}
