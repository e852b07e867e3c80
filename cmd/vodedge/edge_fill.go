package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/steering/cluster"
)

// fillOpts are the edge's fill agent flags. The agent runs when the node
// has a manifest public key.
type fillOpts struct {
	publicKey   string
	manifestURL string
	tokenFile   string
	window      string
	tz          string
	rate        string
	concurrency int
	masters     int
	masterWait  time.Duration
	poll        time.Duration
}

func (f *fillOpts) bind(fs *pflag.FlagSet) {
	def := fill.DefaultConfig()
	fs.StringVar(&f.publicKey, "manifest-public-key", "", "ed25519 public key (base64) that fill manifests must be signed with (`vodedge fill keygen`); turns the fill agent on")
	fs.StringVar(&f.manifestURL, "manifest-url", "", "controller URL of this site's manifest, e.g. http://controller:8070/v1/manifests/ams (polled; manifests can also be pushed to PUT /v1/fill/manifest on --admin)")
	fs.StringVar(&f.tokenFile, "manifest-token-file", "", "bearer token file for the controller's API (manifest polls and progress reports)")
	fs.StringVar(&f.window, "fill-window", "02:00-14:00", "daily fill window HH:MM-HH:MM in --fill-tz (00:00-00:00: always)")
	fs.StringVar(&f.tz, "fill-tz", "Local", "time zone of the fill window (IANA name, e.g. Europe/Amsterdam)")
	fs.StringVar(&f.rate, "fill-rate", "1.2Gbit", "cap on fill traffic in bits/s")
	fs.IntVar(&f.concurrency, "fill-concurrency", def.Concurrency, "files fetched at once")
	fs.IntVar(&f.masters, "fill-masters", def.Masters, "nodes of the site that fetch each file from the origin first (the others copy from them)")
	fs.DurationVar(&f.masterWait, "fill-master-wait", def.MasterWait, "how long a node waits for a fill master before going to the origin itself")
	fs.DurationVar(&f.poll, "manifest-poll", def.PollEvery, "how often the manifest is polled")
}

// open builds the agent, or returns nil when fill is off.
func (f *fillOpts) open(o *edgeOpts, disk *disktier.Store, org fill.Source, ec *edgeCluster, log *slog.Logger, reg prometheus.Registerer) (*fill.Agent, error) {
	if f.publicKey == "" {
		if f.manifestURL != "" {
			return nil, errors.New("--manifest-url needs --manifest-public-key: manifests are verified")
		}
		return nil, nil
	}
	if disk == nil {
		return nil, errors.New("fill needs the disk tier (--disk-bytes > 0)")
	}
	cfg, err := f.config(o)
	if err != nil {
		return nil, err
	}
	hc, err := f.client()
	if err != nil {
		return nil, err
	}
	deps := fill.Deps{Store: disk, Origin: org, Logger: log, Registerer: reg, HTTP: hc}
	if ec != nil {
		deps.Peer, deps.SiteNodes = ec.fillPeers(log), ec.siteNodes
	}
	return fill.New(cfg, deps)
}

func (f *fillOpts) config(o *edgeOpts) (fill.Config, error) {
	cfg := fill.DefaultConfig()
	key, err := manifest.ParsePublicKey(f.publicKey)
	if err != nil {
		return cfg, fmt.Errorf("--manifest-public-key: %w", err)
	}
	loc, err := time.LoadLocation(f.tz)
	if err != nil {
		return cfg, fmt.Errorf("--fill-tz: %w", err)
	}
	if cfg.Window, err = fill.ParseWindow(f.window, loc); err != nil {
		return cfg, fmt.Errorf("--fill-window: %w", err)
	}
	bps, err := cluster.ParseBitRate(f.rate)
	if err != nil {
		return cfg, fmt.Errorf("--fill-rate: %w", err)
	}
	cfg.Node, cfg.Site, cfg.PublicKey = o.cfg.NodeName, o.cfg.Site, key
	cfg.ManifestURL, cfg.PollEvery = f.manifestURL, f.poll
	cfg.RateBytes, cfg.Concurrency = int64(bps/8), f.concurrency
	cfg.Masters, cfg.MasterWait, cfg.SliceBytes = f.masters, f.masterWait, o.cfg.SliceBytes
	cfg.StateDir = filepath.Join(o.disk.dir, "fill")
	if u := f.manifestURL; u != "" {
		if i := strings.Index(u, "/v1/manifests/"); i >= 0 {
			cfg.ReportURL = u[:i] + "/v1/fill/reports/" + o.cfg.NodeName
		}
	}
	return cfg, nil
}

// client is the HTTP client for the controller, carrying its token. A
// token file that cannot be read is an error at start-up, not a 401 on
// every poll.
func (f *fillOpts) client() (*http.Client, error) {
	c := &http.Client{Timeout: time.Minute}
	toks, err := readTokens("manifest-token-file", f.tokenFile)
	if err != nil || toks == nil {
		return c, err
	}
	c.Transport = bearer{token: toks[0], rt: http.DefaultTransport}
	return c, nil
}

type bearer struct {
	token string
	rt    http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.rt.RoundTrip(r)
}

// siteNodes returns the usable nodes of this node's site for choosing
// fill masters.
func (e *edgeCluster) siteNodes() []placement.Node {
	site := e.cl.Local().Site
	var out []placement.Node
	for _, m := range e.cl.Members() {
		if m.Site == site && m.Liveness == cluster.Alive && m.MetaErr == nil && (m.State == cluster.StateOK || m.State == cluster.StateDegraded) {
			out = append(out, placement.Node{Name: m.Name, Weight: m.Weight})
		}
	}
	return out
}

// fillPeers returns a source per site node that reads only from that
// node's peer listener (a miss there is an error, never the origin).
func (e *edgeCluster) fillPeers(log *slog.Logger) func(string) (fill.Source, bool) {
	var mu sync.Mutex
	sources := map[string]*peer.Origin{}
	return func(name string) (fill.Source, bool) {
		addr := ""
		for _, m := range e.cl.Members() {
			if m.Name == name && m.Liveness == cluster.Alive && m.PeerAddr != "" {
				addr = m.PeerAddr
			}
		}
		if addr == "" {
			return nil, false
		}
		mu.Lock()
		defer mu.Unlock()
		if p := sources[name+"@"+addr]; p != nil {
			return p, true
		}
		cfg := peer.DefaultConfig()
		cfg.Auth, cfg.UserAgent = e.auth, "vodedge-fill/"+version
		p, err := peer.New(noOrigin{}, onePeer{peer.Peer{Name: name, Addr: addr}}, cfg, peer.Deps{Logger: log})
		if err != nil {
			return nil, false
		}
		sources[name+"@"+addr] = p
		return p, true
	}
}

// onePeer routes every key to one peer.
type onePeer struct{ p peer.Peer }

func (o onePeer) Route(string) []peer.Peer { return []peer.Peer{o.p} }
func (o onePeer) PeerFailed(string)           {}

// noOrigin ends a peer source's fallback: fill chooses the next source.
type noOrigin struct{}

func (noOrigin) Fetch(context.Context, origin.Request) (*origin.Object, error) {
	return nil, errors.New("fill: the peer does not hold the file")
}
