// Package bgptest runs a second BGP speaker (GoBGP) on loopback that
// plays an ISP router: it peers with steering's speaker and announces and
// withdraws client prefixes, tagged with communities. For tests only.
//
// Imports: internal/freeport (ports for the routers), and GoBGP.
package bgptest

import (
	"context"
	"fmt"

	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	api "github.com/osrg/gobgp/v3/api"
	gobgplog "github.com/osrg/gobgp/v3/pkg/log"
	"github.com/osrg/gobgp/v3/pkg/server"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/vodedge/vodedge/internal/freeport"
)

// Router is a GoBGP speaker with one neighbor.
type Router struct {
	t   testing.TB
	srv *server.BgpServer
	IP  string
	cfg Config
}

// Config places a router and its neighbor (steering).
type Config struct {
	IP   string // the router's loopback address, e.g. 127.0.0.2
	Port int    // where it listens
	ASN  uint32
	// PeerIP, PeerPort, PeerASN: steering's speaker.
	PeerIP   string
	PeerPort int
	PeerASN  uint32
	// Passive waits for steering to connect.
	Passive bool
}

// FreePort returns a TCP port free on ip at the time of the call, from
// below the ephemeral range (internal/freeport).
func FreePort(t testing.TB, ip string) int {
	t.Helper()
	addr, err := freeport.TCP(ip)
	if err != nil {
		t.Fatal(err)
	}
	_, p, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(p)
	return port
}

// Start starts a router's BGP server, without its neighbor: call Peer
// once every other GoBGP server of the test process (steering's speaker)
// has started. It stops at the end of the test. GoBGP's Serve loop stays
// behind (it cannot be ended): tests ignore it in goleak.
//
// GoBGP keeps its route selection options in package variables that
// every StartBgp writes and every server reads while it handles peers
// and routes. In one process the race detector sees those writes race
// with another server's reads unless each write happens before the
// reads: starting every server before any of them has a peer (and so
// has anything to read) orders them, through the calls' channels.
func Start(t testing.TB, cfg Config) *Router {
	t.Helper()
	srv := server.NewBgpServer(server.LoggerOption(quiet{}))
	go srv.Serve()
	if err := srv.StartBgp(context.Background(), &api.StartBgpRequest{Global: &api.Global{
		Asn: cfg.ASN, RouterId: cfg.IP, ListenPort: int32(cfg.Port), ListenAddresses: []string{cfg.IP},
	}}); err != nil {
		t.Fatal(err)
	}
	r := &Router{t: t, srv: srv, IP: cfg.IP, cfg: cfg}
	t.Cleanup(r.Stop)
	return r
}

// Peer adds the router's neighbor (steering's speaker): the session
// comes up in the background. Call it after the speaker has started.
func (r *Router) Peer() {
	r.t.Helper()
	cfg := r.cfg
	peer := &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: cfg.PeerIP, PeerAsn: cfg.PeerASN},
		Transport: &api.Transport{RemotePort: uint32(cfg.PeerPort), LocalAddress: cfg.IP, PassiveMode: cfg.Passive},
		Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1, HoldTime: 9, KeepaliveInterval: 3}},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}
	if err := r.srv.AddPeer(context.Background(), &api.AddPeerRequest{Peer: peer}); err != nil {
		r.t.Fatal(err)
	}
}

// Stop closes the session (steering sees a Cease) and the listener.
//
// GoBGP's StopBgp clears the global configuration while a session's
// receive loop may still be reading an UPDATE, which reads it (a data
// race inside GoBGP v3.37.0). Stop first takes every peer down
// administratively and waits until none is established: a session
// reports leaving ESTABLISHED only after its receive loop has returned.
func (r *Router) Stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, addr := range r.peers(nil) {
		_ = r.srv.DisablePeer(ctx, &api.DisablePeerRequest{Address: addr})
	}
	for ctx.Err() == nil && len(r.peers(func(s api.PeerState_SessionState) bool { return s == api.PeerState_ESTABLISHED })) > 0 {
		time.Sleep(20 * time.Millisecond)
	}
	r.srv.Stop()
}

// peers lists the addresses of the router's peers whose session state
// keep accepts (every peer when keep is nil).
func (r *Router) peers(keep func(api.PeerState_SessionState) bool) []string {
	var out []string
	_ = r.srv.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		if p.Conf != nil && p.State != nil && (keep == nil || keep(p.State.SessionState)) {
			out = append(out, p.Conf.NeighborAddress)
		}
	})
	return out
}

// Announce announces p (IPv4 or IPv6) with standard communities
// ("65000:1").
func (r *Router) Announce(p string, communities ...string) {
	r.t.Helper()
	if _, err := r.srv.AddPath(context.Background(), &api.AddPathRequest{Path: r.path(p, communities)}); err != nil {
		r.t.Fatal(err)
	}
}

// Withdraw withdraws p.
func (r *Router) Withdraw(p string) {
	r.t.Helper()
	if err := r.srv.DeletePath(context.Background(), &api.DeletePathRequest{Path: r.path(p, nil)}); err != nil {
		r.t.Fatal(err)
	}
}

// Received counts the IPv4 routes the router received from peer.
func (r *Router) Received(peer string) int {
	n := 0
	_ = r.srv.ListPath(context.Background(), &api.ListPathRequest{TableType: api.TableType_ADJ_IN, Name: peer,
		Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}}, func(*api.Destination) { n++ })
	return n
}

func (r *Router) path(p string, communities []string) *api.Path {
	r.t.Helper()
	pfx := netip.MustParsePrefix(p)
	nlri, _ := anypb.New(&api.IPAddressPrefix{Prefix: pfx.Addr().String(), PrefixLen: uint32(pfx.Bits())})
	origin, _ := anypb.New(&api.OriginAttribute{Origin: 0})
	attrs := []*anypb.Any{origin}
	fam := &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
	if pfx.Addr().Is4() {
		nh, _ := anypb.New(&api.NextHopAttribute{NextHop: r.IP})
		attrs = append(attrs, nh)
	} else {
		fam = &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
		mp, _ := anypb.New(&api.MpReachNLRIAttribute{Family: fam, NextHops: []string{"2001:db8:ffff::1"}, Nlris: []*anypb.Any{nlri}})
		attrs = append(attrs, mp)
	}
	if len(communities) > 0 {
		var cs []uint32
		for _, c := range communities {
			v, err := community(c)
			if err != nil {
				r.t.Fatal(err)
			}
			cs = append(cs, v)
		}
		ca, _ := anypb.New(&api.CommunitiesAttribute{Communities: cs})
		attrs = append(attrs, ca)
	}
	return &api.Path{Family: fam, Nlri: nlri, Pattrs: attrs}
}

func community(s string) (uint32, error) {
	hi, lo, ok := strings.Cut(s, ":")
	a, err1 := strconv.ParseUint(hi, 10, 16)
	b, err2 := strconv.ParseUint(lo, 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bgptest: community %q: want ASN:VALUE", s)
	}
	return uint32(a)<<16 | uint32(b), nil
}

// quiet drops the router's logs (its goroutines may log after a test).
type quiet struct{}

func (quiet) Panic(msg string, _ gobgplog.Fields) { panic(msg) }
func (quiet) Fatal(msg string, _ gobgplog.Fields) { panic(msg) }
func (quiet) Error(string, gobgplog.Fields)       {}
func (quiet) Warn(string, gobgplog.Fields)        {}
func (quiet) Info(string, gobgplog.Fields)        {}
func (quiet) Debug(string, gobgplog.Fields)       {}
func (quiet) SetLevel(gobgplog.LogLevel)          {}
func (quiet) GetLevel() gobgplog.LogLevel         { return gobgplog.ErrorLevel }
