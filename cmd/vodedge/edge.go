package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/origin"
)

// edgeOpts are the edge command's flags.
type edgeOpts struct {
	listen, adminAddr string
	originSpec        string
	s3Endpoint, s3Reg string
	ramBytes, slice   bytesize.Size
	memfileMin        bytesize.Size
	memfileMax        bytesize.Size
	memLimit          string
	accessLog         string
	originConnect     time.Duration
	originHeader      time.Duration
	originIdle        time.Duration
	tokenFile         string
	disk              diskOpts
	cluster           clusterOpts
	fill              fillOpts
	report            reportOpts
	urls              urlOpts
	httpCache         httpCacheOpts
	limits            limitOpts
	tls               tlsOpts
	cfg               cache.Config
}

func newEdgeCmd(g *globalOpts) *cobra.Command {
	o := &edgeOpts{cfg: cache.DefaultConfig()}
	cmd := &cobra.Command{
		Use:   "edge",
		Short: "Run an edge node: serve video segments from RAM, fetching misses from the origin",
		Long: `Run an edge node. Players fetch segments from --listen with GET/HEAD and
byte ranges; misses are fetched from --origin once per slice, however many
clients ask at the same time, and streamed to all of them as they arrive.
Metrics, /healthz and /readyz are on --admin, never on the public listener.
With --tls-listen the node serves HTTPS too; SIGHUP re-reads the
certificate without dropping connections.

With no --origin the node serves a small sample title embedded in the
binary: try  curl -i http://127.0.0.1:8080/sample/master.m3u8`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			withHugeMalloc()
			if !flagChanged(cmd.Flags(), "node-name") {
				o.cfg.NodeName = defaultNodeName()
			}
			if !flagChanged(cmd.Flags(), "ram-sendfile-max") && o.memfileMin > o.memfileMax {
				o.memfileMax = 0 // --ram-sendfile-min alone above the default span: no upper bound, as before the span had one
			}
			return runEdge(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", ":8080", "public HTTP address for players")
	f.StringVar(&o.adminAddr, "admin", "127.0.0.1:9090", "admin HTTP address: /metrics, /healthz, /readyz")
	f.StringVar(&o.originSpec, "origin", "", `origin: http(s)://host[:port][/prefix], s3://bucket[/prefix], file:///dir, or "" for the embedded sample title`)
	f.StringVar(&o.s3Endpoint, "s3-endpoint", "", "endpoint URL of an S3-compatible server (default: AWS); credentials come from the standard AWS chain")
	f.StringVar(&o.s3Reg, "s3-region", "", "S3 region (default: from the AWS environment, else us-east-1)")
	o.ramBytes = bytesize.Size(o.cfg.RAMBytes)
	f.Var(&o.ramBytes, "ram-bytes", "RAM tier capacity, e.g. 256MiB, 16GiB; 0 turns it off")
	o.slice = bytesize.Size(o.cfg.SliceBytes)
	f.Var(&o.slice, "slice-bytes", "unit of origin fetches and RAM entries (64KiB..64MiB)")
	o.memfileMin, o.memfileMax = bytesize.Size(o.cfg.MemfileMinBytes), bytesize.Size(o.cfg.MemfileMaxBytes)
	f.Var(&o.memfileMin, "ram-sendfile-min", "RAM-tier slices at least this large (and at most --ram-sendfile-max) are kept in memfds and sent with sendfile: no copy, but per-page work (see cache/doc.go, \"Zero-copy RAM hits\"); 0: off")
	f.Var(&o.memfileMax, "ram-sendfile-max", "the largest RAM-tier slice kept in a memfd; 0: no limit")
	f.IntVar(&o.cfg.EventLoops, "event-loops", defaultEventLoops(), "serve plain-HTTP players' fresh hits found in memory (RAM, and disk slices in the page cache) from this many event loops of the edge's own (each keeps a CPU while busy: at most one per CPU; a request that could block goes to fasthttp's server, and its connection comes back once answered); the default is one per CPU the process may use; 0: off, every connection on fasthttp's server (see cache/doc.go, \"Event loops\")")
	f.StringVar(&o.cfg.NodeName, "node-name", "", "this node's name in logs and the X-Served-By header (default: the host name)")
	f.StringVar(&o.cfg.Site, "site", o.cfg.Site, "the site (ISP location) this node belongs to")
	f.DurationVar(&o.cfg.NegativeTTL, "negative-ttl", o.cfg.NegativeTTL, "how long an origin 404 or 410 is remembered when it carries no Cache-Control or Expires")
	f.DurationVar(&o.originConnect, "origin-connect-timeout", 3*time.Second, "origin TCP/TLS connect timeout")
	f.DurationVar(&o.originHeader, "origin-timeout", 10*time.Second, "time to wait for the origin's response headers (504 after it)")
	f.DurationVar(&o.originIdle, "origin-idle-timeout", 10*time.Second, "a body stalled this long is abandoned")
	f.DurationVar(&o.cfg.ShutdownTimeout, "shutdown-timeout", o.cfg.ShutdownTimeout, "on SIGTERM, how long in-flight responses may take to finish")
	f.StringVar(&o.accessLog, "access-log", "-", `access log destination: a file path, "-" for stdout, "off"`)
	f.StringVar(&o.memLimit, "mem-limit", "auto", `Go memory limit: "auto" (RAM tier × 1.1 + 80MiB, at least 192MiB), "off", or a size`)
	f.StringVar(&o.tokenFile, "admin-token-file", "", "file of bearer tokens (one per line) for the admin API (/v1/…); without it the API answers 401")
	o.disk.bind(f)
	o.cluster.bind(f)
	o.fill.bind(f)
	o.report.bind(f)
	o.urls.bind(f)
	o.httpCache.bind(f, &o.cfg)
	o.tls.bind(f, "for players")
	o.limits.bind(f, limitOpts{read: o.cfg.ReadTimeout, write: o.cfg.WriteTimeout, idle: o.cfg.IdleTimeout,
		minRate: bytesize.Size(o.cfg.MinClientRate), headerBytes: bytesize.Size(o.cfg.MaxHeaderBytes)},
		"time to write a response; a larger body gets this plus its size at --min-client-rate, renewed before each write (a slow player is not cut off, a stalled one is)")
	addConfigFlag(cmd)
	return cmd
}

func runEdge(parent context.Context, g *globalOpts, o *edgeOpts) error {
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	if err := setMemLimit(o.memLimit, cfg.Cache.RAMBytes, log); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := notifyHUP()
	defer signal.Stop(hup)
	node, err := edge.New(cfg, edge.Deps{Logger: log})
	if err != nil {
		return flagError(err, o.flags())
	}
	log.Info("edge starting", "listen", cfg.Listen, "admin", cfg.Admin, "origin", cfg.Origin,
		"ram", bytesize.Size(cfg.Cache.RAMBytes), "disk", o.disk.describe(), "fill", cfg.Fill != nil,
		"node", cfg.Cache.NodeName, "site", cfg.Cache.Site, "version", version)
	go reloadOnHUP(ctx, log, hup, "the TLS certificate", node.ReloadTLS)
	return node.Run(ctx)
}

// config fills the node's configuration from the flags, reading the key
// and token files they name.
func (o *edgeOpts) config() (edge.Config, error) {
	cfg := edge.DefaultConfig()
	o.cfg.RAMBytes, o.cfg.SliceBytes = int64(o.ramBytes), int64(o.slice)
	o.cfg.MemfileMinBytes, o.cfg.MemfileMaxBytes = int64(o.memfileMin), int64(o.memfileMax)
	if err := o.httpCache.apply(&o.cfg); err != nil {
		return cfg, err
	}
	if err := o.applyLimits(); err != nil {
		return cfg, err
	}
	if err := checkListeners(o.listen, o.adminAddr); err != nil {
		return cfg, err
	}
	if err := o.tls.check(); err != nil {
		return cfg, err
	}
	cfg.Listen, cfg.Admin, cfg.TLSListen = o.listen, o.adminAddr, o.tls.listen
	cfg.TLS = edge.TLSFiles{CertFile: o.tls.cert, KeyFile: o.tls.key}
	cfg.Origin, cfg.OriginOptions, cfg.Cache, cfg.AccessLog, cfg.Version = o.originSpec, o.originOptions(), o.cfg, o.accessLog, version
	var err error
	if cfg.AdminTokens, err = readTokens("admin-token-file", o.tokenFile); err != nil {
		return cfg, err
	}
	if cfg.Disk, err = o.disk.config(); err != nil {
		return cfg, err
	}
	if cfg.URLs, err = o.urls.check(); err != nil {
		return cfg, err
	}
	if cfg.Cluster, err = o.cluster.config(o); err != nil {
		return cfg, err
	}
	if cfg.Fill, err = o.fill.config(o); err != nil {
		return cfg, err
	}
	cfg.Report, err = o.report.config(o, cfg.Fill)
	return cfg, err
}

// edgeFlags names the flag behind each configuration field New reports.
var edgeFlags = map[string]string{
	"Listen": "--listen", "TLSListen": "--tls-listen", "Admin": "--admin", "TLS": "--tls-cert/--tls-key",
	"Origin": "--origin", "Disk": "--disk-dir", "AccessLog": "--access-log", "Cluster.PeerListen": "--peer-listen",
	"Report": "--report-url",
}

// flags is edgeFlags with the disk tier's errors blamed on the flag
// that configured it.
func (o *edgeOpts) flags() map[string]string {
	m := maps.Clone(edgeFlags)
	m["Disk"] = o.disk.flag()
	return m
}

// applyLimits moves the listener limits into the cache configuration.
func (o *edgeOpts) applyLimits() error {
	l := &o.limits
	if err := l.check(); err != nil {
		return err
	}
	maxConns, err := l.connLimit()
	if err != nil {
		return err
	}
	o.cfg.ReadTimeout, o.cfg.WriteTimeout, o.cfg.IdleTimeout = l.read, l.write, l.idle
	o.cfg.MinClientRate, o.cfg.MaxHeaderBytes = int64(l.minRate), int(l.headerBytes)
	o.cfg.MaxConns, o.cfg.MaxConnsPerClient = maxConns, l.perClient
	return nil
}

func (o *edgeOpts) originOptions() origin.Options {
	t := origin.HTTPOptions{DialTimeout: o.originConnect, HeaderTimeout: o.originHeader, IdleReadTimeout: o.originIdle}
	return origin.Options{
		UserAgent: "vodedge/" + version,
		HTTP:      t,
		S3:        origin.S3Options{Endpoint: o.s3Endpoint, Region: o.s3Reg, Transport: t},
	}
}

// checkListeners refuses to put admin routes on the public address.
func checkListeners(public, adminAddr string) error {
	if public == adminAddr && !strings.HasSuffix(public, ":0") {
		return fmt.Errorf("--admin must differ from --listen (%s): admin routes never go on the public listener", public)
	}
	return nil
}

// setMemLimit sets the Go runtime's soft memory limit so that garbage
// from evicted RAM-tier entries is collected before RSS strays far above
// the configured tier. GOMEMLIMIT in the environment wins.
func setMemLimit(spec string, ramBytes int64, log *slog.Logger) error {
	if os.Getenv("GOMEMLIMIT") != "" || spec == "off" {
		return nil
	}
	limit := max(ramBytes+ramBytes/10+80<<20, 192<<20)
	if spec != "auto" {
		n, err := bytesize.Parse(spec)
		if err != nil {
			return fmt.Errorf("--mem-limit: %w", err)
		}
		limit = int64(n)
	}
	debug.SetMemoryLimit(limit)
	log.Debug("memory limit set", "bytes", bytesize.Size(limit))
	return nil
}

func defaultNodeName() string {
	if h, err := os.Hostname(); err == nil && h != "" {
		return h
	}
	return "edge-1"
}

// defaultEventLoops is one event loop per CPU the process may use
// (GOMAXPROCS, which follows the CPU affinity: one under taskset -c 0),
// within cache.MaxEventLoops.
func defaultEventLoops() int { return min(runtime.GOMAXPROCS(0), cache.MaxEventLoops) }
