package main

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering"
)

// steerOpts are the steer command's flags.
type steerOpts struct {
	listen, adminAddr, tokenFile string
	sitesFile                    string
	prefixes, join               []string
	name, advertise              string
	urlKeys, urlToken            string
	urlTTL                       time.Duration
	urlClientV4, urlClientV6     int
	originURL                    string
	maxURLs                      int
	loadThreshold                float64
	trusted                      []string
	decisionLog                  string
	shutdownTimeout              time.Duration
	manifestURL, manifestKey     string
	manifestToken                string
	manifestPoll                 time.Duration
	limits                       limitOpts
	tls                          tlsOpts
	nodeScheme                   string
}

func newSteerCmd(g *globalOpts) *cobra.Command {
	o := &steerOpts{}
	def := steering.DefaultConfig()
	cmd := &cobra.Command{
		Use:   "steer",
		Short: "Run the steering service: tell each player which nodes to fetch a title from",
		Long: `Run the steering service. A player asks for a file and gets ranked, signed
URLs: the nearest site first (the longest of the site's prefixes that
contains the client's address; prefixes from static files per site and
from BGP), within it the node that holds the file (the site's placement,
as the edges compute it), skipping nodes that are down, draining or
overloaded; then the next sites; then the origin.

  GET /v1/steer?file=/titles/ID/master.m3u8   JSON: ranked URLs, node, site, reason
  GET /titles/ID/master.m3u8                  302 to the first URL

Steering watches each site's gossip as a member that is never placed
(--sites names each site's join addresses and cluster key), so a node
that dies leaves the answers within about a second. Every decision is
logged (--decision-log) and counted (/metrics on --admin). SIGHUP re-reads
the static prefix files and the TLS certificate (--tls-listen).`,
		Example: `  vodedge steer --sites /etc/vodedge/sites.yaml --url-keys /etc/vodedge/url-keys \
      --origin-url https://origin.example.net --admin-token-file /etc/vodedge/admin-tokens`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !flagChanged(cmd.Flags(), "node-name") {
				o.name = "steer-" + defaultNodeName()
			}
			return runSteer(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", ":8088", "public HTTP address for players")
	f.StringVar(&o.adminAddr, "admin", "127.0.0.1:9088", "admin HTTP address: /metrics, /healthz, /readyz, and /v1/ (sites, prefixes, bgp, decide, reload) behind --admin-token-file")
	f.StringVar(&o.tokenFile, "admin-token-file", "", "file of bearer tokens (one per line) for the admin API; without it the API answers 401")
	f.StringVar(&o.sitesFile, "sites", "", "YAML file of the sites: names, owners per file, static prefix files, gossip join addresses and key files, BGP speaker and neighbors (see the steering package doc for an example)")
	f.StringSliceVar(&o.prefixes, "prefixes", nil, "SITE=FILE: a site's static prefix file (one CIDR per line, IPv4 and IPv6); overrides the sites file; repeatable")
	f.StringSliceVar(&o.join, "join", nil, "SITE=HOST:PORT: a gossip address of a node of the site, added to the sites file's; repeatable")
	f.StringVar(&o.name, "node-name", "", "this steering instance's member name in every site's gossip (default steer-<hostname>; unique per instance)")
	f.StringVar(&o.advertise, "advertise-host", "", "IP the sites' nodes reach this instance's gossip at (default: a private IP of the host)")
	f.StringVar(&o.urlKeys, "url-keys", "", `file of URL signing keys, "ID BASE64-SECRET" per line; the first signs (the edges' --url-keys lists them all); without it URLs are not signed`)
	f.StringVar(&o.urlToken, "url-token", "path", `where signed URLs carry their token: "path" (/_vt/TOKEN/…, covering the file's directory, so playlists' relative URLs keep it) or "query" (?vt=TOKEN, exactly the file)`)
	f.DurationVar(&o.urlTTL, "url-ttl", 6*time.Hour, "how long a signed URL stays valid")
	f.IntVar(&o.urlClientV4, "url-client-prefix-v4", 0, "bind signed URLs to the client's IPv4 prefix of this length (e.g. 24); 0: not bound")
	f.IntVar(&o.urlClientV6, "url-client-prefix-v6", 0, "bind signed URLs to the client's IPv6 prefix of this length (e.g. 48); 0: not bound")
	f.StringVar(&o.nodeScheme, "node-scheme", "http", `scheme of node URLs: "http", or "https" for every site (nodes that publish a TLS port, their --tls-listen, get https://host:port; the others keep http://); a site's "https: true" in the sites file does the same for it alone`)
	f.StringVar(&o.originURL, "origin-url", "", "base URL of the origin, listed last as the player's final fallback (and alone when no node can serve); not signed")
	f.IntVar(&o.maxURLs, "max-urls", def.MaxURLs, "most URLs per answer, the origin's included")
	f.Float64Var(&o.loadThreshold, "load-threshold", def.LoadThreshold, "load (egress / capacity, as nodes publish it) at which a node gets no new clients; a site's load_threshold overrides it")
	f.StringSliceVar(&o.trusted, "trusted-proxies", nil, "CIDRs of proxies whose X-Forwarded-For is believed (e.g. the load balancer in front of steering)")
	f.StringVar(&o.decisionLog, "decision-log", "-", `decision log destination: a file path, "-" for stdout, "off"`)
	f.StringVar(&o.manifestURL, "manifest-url", "", "controller base URL (http://controller:8070): read each site's fill manifest from it (/v1/manifests/SITE), so that a file a site does not keep is a content miss there and goes to the next site; without it every site is taken to hold every file (edges are caches) and placement says which node")
	f.StringVar(&o.manifestKey, "manifest-public-key", "", "ed25519 public key (base64) the manifests must be signed with (the edges' --manifest-public-key)")
	f.StringVar(&o.manifestToken, "manifest-token-file", "", "bearer token file for the controller's API")
	f.DurationVar(&o.manifestPoll, "manifest-poll", time.Minute, "how often each site's manifest is fetched")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 5*time.Second, "on SIGTERM, how long in-flight requests may take")
	o.tls.bind(f, "for players")
	o.limits.bind(f, limitOpts{read: 10 * time.Second, write: 10 * time.Second, idle: time.Minute, headerBytes: 8 << 10},
		"time to write an answer (answers are small)")
	addConfigFlag(cmd)
	return cmd
}

func runSteer(parent context.Context, g *globalOpts, o *steerOpts) error {
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := notifyHUP()
	defer signal.Stop(hup)
	srv, err := steering.NewServer(cfg, steering.ServerDeps{Logger: log})
	if err != nil {
		return flagError(err, steerFlags)
	}
	svc := &cfg.Service
	log.Info("steering starting", "listen", cfg.Listen, "admin", cfg.Admin, "sites", len(svc.Engine.Sites),
		"bgp", svc.BGP != nil, "signed", svc.Signer != nil, "node", o.name, "version", version)
	go reloadOnHUP(ctx, log, hup, "the prefix files and the TLS certificate", srv.Reload)
	return srv.Run(ctx)
}

// steerFlags names the flag behind each configuration field NewServer
// reports.
var steerFlags = map[string]string{
	"Listen": "--listen", "TLSListen": "--tls-listen", "Admin": "--admin", "TLS": "--tls-cert/--tls-key",
	"DecisionLog": "--decision-log",
}

// config fills the server's configuration from the flags, the sites
// file and the key and token files the flags name.
func (o *steerOpts) config() (steering.ServerConfig, error) {
	cfg := steering.DefaultServerConfig()
	if err := checkListeners(o.listen, o.adminAddr); err != nil {
		return cfg, err
	}
	if err := o.tls.check(); err != nil {
		return cfg, err
	}
	var err error
	if cfg.Limits, err = o.limits.steering(); err != nil {
		return cfg, err
	}
	if cfg.AdminTokens, err = readTokens("admin-token-file", o.tokenFile); err != nil {
		return cfg, err
	}
	cfg.Listen, cfg.Admin, cfg.TLSListen = o.listen, o.adminAddr, o.tls.listen
	cfg.TLS = steering.TLSFiles{CertFile: o.tls.cert, KeyFile: o.tls.key}
	cfg.ShutdownTimeout, cfg.DecisionLog = o.shutdownTimeout, o.decisionLog
	return cfg, o.service(&cfg.Service)
}

// service fills the service configuration from the flags and the sites
// file.
func (o *steerOpts) service(cfg *steering.ServiceConfig) error {
	if o.sitesFile == "" {
		return errors.New("--sites is required: the sites to steer to (see vodedge steer --help)")
	}
	sf, err := steering.LoadSitesFile(o.sitesFile)
	if err != nil {
		return err
	}
	if err := o.overrideSites(sf); err != nil {
		return err
	}
	if err := sf.Apply(cfg, o.name, o.advertise); err != nil {
		return fmt.Errorf("--sites %s: %w", o.sitesFile, err)
	}
	e := &cfg.Engine
	e.OriginURL, e.MaxURLs, e.LoadThreshold = o.originURL, o.maxURLs, o.loadThreshold
	switch o.nodeScheme {
	case "http":
	case "https":
		for i := range e.Sites {
			e.Sites[i].HTTPS = true
		}
	default:
		return fmt.Errorf("--node-scheme %q: want http or https", o.nodeScheme)
	}
	for _, s := range o.trusted {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return fmt.Errorf("--trusted-proxies %q: %w", s, err)
		}
		e.TrustedProxies = append(e.TrustedProxies, p)
	}
	if cfg.Signer, err = o.signer(); err != nil {
		return err
	}
	cfg.Manifests, err = o.manifests()
	return err
}

// steering resolves the listener flags into steering's limits.
func (l *limitOpts) steering() (steering.Limits, error) {
	if err := l.check(); err != nil {
		return steering.Limits{}, err
	}
	maxConns, err := l.connLimit()
	if err != nil {
		return steering.Limits{}, err
	}
	if l.headerBytes < 1<<10 || l.headerBytes > 1<<20 {
		return steering.Limits{}, fmt.Errorf("--max-header-bytes %s: want 1KiB..1MiB", l.headerBytes)
	}
	return steering.Limits{ReadTimeout: l.read, WriteTimeout: l.write, IdleTimeout: l.idle, MaxHeaderBytes: int(l.headerBytes),
		MaxConns: maxConns, MaxConnsPerClient: l.perClient}, nil
}

// overrideSites applies --prefixes and --join to the sites file.
func (o *steerOpts) overrideSites(sf *steering.SitesFile) error {
	site := func(flag, kv string) (*steering.SiteFile, string, error) {
		name, val, ok := strings.Cut(kv, "=")
		for i := range sf.Sites {
			if ok && sf.Sites[i].Name == name && val != "" {
				return &sf.Sites[i], val, nil
			}
		}
		return nil, "", fmt.Errorf("--%s %q: want SITE=VALUE with a site of the sites file", flag, kv)
	}
	for _, kv := range o.prefixes {
		s, path, err := site("prefixes", kv)
		if err != nil {
			return err
		}
		s.Prefixes = path
	}
	for _, kv := range o.join {
		s, addr, err := site("join", kv)
		if err != nil {
			return err
		}
		s.Gossip.Join = append(s.Gossip.Join, addr)
	}
	return nil
}

func (o *steerOpts) signer() (*urlsign.Signer, error) {
	if o.urlKeys == "" {
		return nil, nil
	}
	keys, err := urlsign.LoadKeys(o.urlKeys)
	if err != nil {
		return nil, fmt.Errorf("--url-keys: %w", err)
	}
	sc := urlsign.SignerConfig{TTL: o.urlTTL, ClientBitsV4: o.urlClientV4, ClientBitsV6: o.urlClientV6}
	switch o.urlToken {
	case "path":
		sc.Carrier, sc.Scope = urlsign.InPath, urlsign.ScopeDir
	case "query":
		sc.Carrier, sc.Scope = urlsign.InQuery, urlsign.ScopeFile
	default:
		return nil, fmt.Errorf("--url-token %q: want path or query", o.urlToken)
	}
	s, err := urlsign.NewSigner(keys[0], sc)
	if err != nil {
		return nil, fmt.Errorf("--url-keys: %w", err)
	}
	return s, nil
}

func (o *steerOpts) manifests() (*steering.ManifestConfig, error) {
	if o.manifestURL == "" {
		if o.manifestKey != "" || o.manifestToken != "" {
			return nil, errors.New("--manifest-public-key and --manifest-token-file need --manifest-url")
		}
		return nil, nil
	}
	pub, err := manifest.ParsePublicKey(o.manifestKey)
	if err != nil {
		return nil, fmt.Errorf("--manifest-public-key: %w", err)
	}
	mc := &steering.ManifestConfig{URL: o.manifestURL, PublicKey: pub, PollEvery: o.manifestPoll}
	if o.manifestToken != "" {
		tokens, err := admin.LoadTokens(o.manifestToken)
		if err != nil {
			return nil, fmt.Errorf("--manifest-token-file: %w", err)
		}
		mc.Token = tokens[0]
	}
	return mc, nil
}
