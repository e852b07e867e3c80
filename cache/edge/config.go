package edge

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/steering/cluster"
)

// Config is an edge node: everything `vodedge edge` takes on its command
// line, as values (keys and tokens, not the files they are kept in).
// Start from DefaultConfig; New validates it.
type Config struct {
	// Listen is the public HTTP address for players; TLSListen, when set,
	// an HTTPS one beside it, with TLS naming the certificate files
	// (re-read by Node.ReloadTLS). Port 0 picks a free port (Node.Addrs).
	Listen, TLSListen string
	TLS               TLSFiles
	// Admin is the admin listener: /metrics, /healthz, /readyz, and the
	// admin API behind AdminTokens (none: the API answers 401).
	Admin       string
	AdminTokens []string

	// Origin is where misses go: "" (the embedded sample title),
	// http(s)://host[:port][/prefix], s3://bucket[/prefix] or
	// file:///dir, opened with OriginOptions. Deps.Origin overrides it.
	Origin        string
	OriginOptions origin.Options

	// Cache is the serving path: node name and site, RAM tier, slices,
	// HTTP caching, listener limits, shutdown timeout.
	Cache cache.Config
	// Disk is the disk tier; nil runs without one (and without fill).
	Disk *disktier.Config
	// AccessLog is where the JSON access log goes: a file path (appended
	// to), "-" for standard output, "" or "off" for none.
	AccessLog string
	// URLs checks steering's signed URLs on the public listener.
	URLs URLCheck

	// Cluster joins the node to its site; nil: the node is alone.
	Cluster *Cluster
	// Fill runs the fill agent (it needs Disk); nil: no agent.
	Fill *Fill
	// Report ships the access log to the controller; nil: not shipped.
	Report *Report

	// Version is published to the site and sent as the User-Agent of
	// origin, peer and controller requests.
	Version string
}

// TLSFiles names the PEM certificate chain and key of TLSListen.
type TLSFiles struct{ CertFile, KeyFile string }

// URLCheck is the signed-URL check. Without keys, or with Verify false,
// tokens are stripped unchecked (a lab setup), so steered URLs resolve.
type URLCheck struct {
	Keys   []urlsign.Key
	Verify bool
}

// Cluster is the node's site membership and peer data plane.
type Cluster struct {
	// Membership is the gossip configuration. Name defaults to
	// Cache.NodeName; its Meta's site, addresses, TLS port and version
	// are filled from the node's own configuration and bound listeners.
	Membership cluster.Config
	// PeerListen is the authenticated listener other nodes of the site
	// fetch from; never the public or admin one.
	PeerListen string
	// Peer tunes requests to other nodes; its Auth is derived from
	// Membership.Key.
	Peer peer.Config
}

// Fill is the fill agent's configuration beyond what the node supplies.
type Fill struct {
	// Agent is the agent's configuration; Node, Site, SliceBytes,
	// StateDir (under the disk tier's directory) and ReportURL (derived
	// from ManifestURL) are filled in when empty.
	Agent fill.Config
	// Token is the bearer token for the controller's API (manifest polls
	// and progress reports); "" sends none.
	Token string
}

// DefaultConfig returns a standalone node on :8080 (admin on
// 127.0.0.1:9090) in front of the embedded sample title: cache defaults,
// no disk tier, no cluster, no fill, access log to standard output.
func DefaultConfig() Config {
	return Config{
		Listen: ":8080", Admin: "127.0.0.1:9090",
		Cache: cache.DefaultConfig(), AccessLog: "-",
		URLs: URLCheck{Verify: true}, Version: "dev",
	}
}

// DefaultCluster returns cluster membership with the cluster package's
// defaults, a peer listener on :8081 and the peer layer's defaults.
func DefaultCluster() *Cluster {
	return &Cluster{Membership: cluster.DefaultConfig(), PeerListen: ":8081", Peer: peer.DefaultConfig()}
}

// DefaultFill returns the fill agent's defaults, checked with pub.
func DefaultFill(pub ed25519.PublicKey) *Fill {
	f := &Fill{Agent: fill.DefaultConfig()}
	f.Agent.PublicKey = pub
	return f
}

// validate checks what New cannot leave to the parts it assembles.
func (c *Config) validate() error {
	errs := daemon.CheckAddrs(daemon.Addrs{Public: c.Listen, TLS: c.TLSListen, Admin: c.Admin}, c.TLS.CertFile, c.TLS.KeyFile)
	bad := func(f string, a ...any) { errs = append(errs, fmt.Sprintf(f, a...)) }
	if c.Cluster != nil {
		for _, other := range []struct{ name, addr string }{{"Listen", c.Listen}, {"Admin", c.Admin}} {
			if daemon.SameAddr(c.Cluster.PeerListen, other.addr) {
				bad("Cluster.PeerListen must differ from %s (%s): peer requests never go to that listener", other.name, other.addr)
			}
		}
	}
	if c.Fill != nil && c.Disk == nil {
		bad("Fill needs the disk tier (Disk)")
	}
	if len(errs) > 0 {
		return errors.New("edge: " + strings.Join(errs, "; "))
	}
	return nil
}

// shutdownTimeout is how long a stopping node lets responses finish.
func (c *Config) shutdownTimeout() time.Duration {
	return max(c.Cache.ShutdownTimeout, 0)
}
