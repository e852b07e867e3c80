package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// VarnishConfig is how the varnish peer runs.
type VarnishConfig struct {
	Binary    string
	OriginURL string
	WorkDir   string
	// MallocBytes is -s malloc,SIZE: the cache's memory, as vodedge's
	// RAM tier.
	MallocBytes  int64
	StartTimeout time.Duration
}

// Varnish is Debian's varnishd with malloc storage in front of the
// origin: a TTL of 7 days, streaming on (clients get bytes while the
// backend fetch runs), its built-in request coalescing (waiting list),
// nuke_limit raised from 50 to 1000 so that a full store can make room
// for a 2 MiB object by evicting many small ones.
type Varnish struct {
	child
	cfg VarnishConfig
}

var (
	_ ProcessLister = (*Varnish)(nil)
	_ Warmer        = (*Varnish)(nil)
)

// NewVarnish returns the peer; Start runs it.
func NewVarnish(cfg VarnishConfig) *Varnish {
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 20 * time.Second
	}
	// SIGTERM to the manager stops its cache child too.
	return &Varnish{cfg: cfg, child: child{name: "varnish", grace: 10 * time.Second, sigs: []syscall.Signal{syscall.SIGTERM}}}
}

// Name implements Peer.
func (v *Varnish) Name() string { return "varnish" }

// Start writes the VCL and runs varnishd in the foreground (-F) without
// its privilege-separation jail (-j none: the bench runs it as itself).
func (v *Varnish) Start(ctx context.Context) (string, error) {
	return v.start("http", []string{v.cfg.WorkDir}, func(port int) (*process, error) {
		vcl := filepath.Join(v.cfg.WorkDir, "bench.vcl")
		host, oport, _ := strings.Cut(strings.TrimPrefix(v.cfg.OriginURL, "http://"), ":")
		if err := os.WriteFile(vcl, []byte(fmt.Sprintf(varnishVCL, host, oport)), 0o644); err != nil {
			return nil, fmt.Errorf("bench: varnish vcl: %w", err)
		}
		p, err := v.run(v.cfg.WorkDir, filepath.Join(v.cfg.WorkDir, "varnishd.log"), v.cfg.Binary,
			"-F", "-j", "none", "-n", filepath.Join(v.cfg.WorkDir, "state"),
			"-a", "127.0.0.1:"+strconv.Itoa(port), "-T", "none", "-f", vcl,
			"-s", "malloc,"+strconv.FormatInt(max(v.cfg.MallocBytes>>20, 16), 10)+"m",
			"-p", "default_ttl=604800", "-p", "thread_pool_min=50", "-p", "nuke_limit=1000")
		if err != nil {
			return nil, err
		}
		url := "http://127.0.0.1:" + strconv.Itoa(port) + "/varnish-ready"
		return p, awaitReady(ctx, p, url, v.cfg.StartTimeout, func(st int) bool { return st == 204 })
	})
}

// Warm GETs every object until Varnish answers it from its cache.
func (v *Varnish) Warm(ctx context.Context, paths []string) error {
	return warmUntilHit(ctx, v.base, paths, "X-Cache", "HIT")
}

// varnishVCL: cache everything for a week, stream misses, label hits.
const varnishVCL = `vcl 4.1;

backend origin {
    .host = "%s";
    .port = "%s";
    .connect_timeout = 3s;
    .first_byte_timeout = 10s;
    .between_bytes_timeout = 10s;
}

sub vcl_recv {
    if (req.url == "/varnish-ready") {
        return (synth(204));
    }
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    set beresp.ttl = 7d;
    set beresp.grace = 7d;
    set beresp.do_stream = true;
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
`
