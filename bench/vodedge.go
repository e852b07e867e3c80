package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vodedge/vodedge/internal/bytesize"
)

// VodedgeConfig is how the vodedge peer runs.
type VodedgeConfig struct {
	// Binary is the vodedge program (`vodedge edge` is run).
	Binary string
	// OriginDir is served through a file:// origin: the corpus.
	OriginDir string
	// OriginURL, when set, is the origin instead ("http://127.0.0.1:P"):
	// the same origin the other cache peers are in front of.
	OriginURL string
	// ExtraArgs are appended to the edge's command line.
	ExtraArgs []string
	// WorkDir receives the edge's access log and its stderr.
	WorkDir string
	// RAMBytes is passed as --ram-bytes. With 0 the RAM tier is off and
	// the measurement is of the disk tier: warming and every round expect
	// HIT-DISK instead of HIT-RAM.
	RAMBytes int64
	// DiskBytes is passed as --disk-bytes; 0 turns the disk tier off.
	// The disk tier always lives in WorkDir/disk.
	DiskBytes int64
	// Disks, when more than one, spreads the disk tier over that many
	// directories, WorkDir/disk0 … (--disk DIR:SIZE each, DiskBytes
	// split evenly) instead of --disk-dir/--disk-bytes.
	Disks int
	// WarmTries bounds the GETs per object while warming (TinyLFU
	// admission may refuse an object on its first requests). Default 10.
	WarmTries int
	// StartTimeout bounds the wait for /readyz. Default 15 s.
	StartTimeout time.Duration
	// TLSCert and TLSKey, when set, make the edge serve HTTPS
	// (--tls-listen) and Start return that listener's https:// URL.
	TLSCert, TLSKey string
	// Name labels the peer; default "vodedge".
	Name string
	// CPUs confines the edge to a CPU list (taskset -c); "" runs it
	// anywhere. Go sizes GOMAXPROCS to the CPUs it may use.
	CPUs string
	// Log receives progress details; nil discards them.
	Log *slog.Logger
}

// Vodedge is the vodedge edge node run as a subprocess, exactly as an
// operator runs it, over a file:// origin.
type Vodedge struct {
	cfg       VodedgeConfig
	proc      *process
	base      string
	adminBase string
	client    *http.Client
}

var (
	_ Warmer        = (*Vodedge)(nil)
	_ TierCounter   = (*Vodedge)(nil)
	_ ProcessLister = (*Vodedge)(nil)
)

// NewVodedge returns the peer; Start runs it.
func NewVodedge(cfg VodedgeConfig) *Vodedge {
	if cfg.WarmTries <= 0 {
		cfg.WarmTries = 10
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 15 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Vodedge{cfg: cfg}
}

// Name implements Peer.
func (v *Vodedge) Name() string {
	if v.cfg.Name != "" {
		return v.cfg.Name
	}
	return "vodedge"
}

// HotTier implements TierCounter: the tier a warm edge serves from.
func (v *Vodedge) HotTier() string {
	if v.cfg.RAMBytes == 0 {
		return tierDisk
	}
	return tierRAM
}

// Pin implements Pinner.
func (v *Vodedge) Pin(cpus string) { v.cfg.CPUs = cpus }

// Start runs `vodedge edge` on free loopback ports and waits for /readyz.
func (v *Vodedge) Start(ctx context.Context) (string, error) {
	if v.proc != nil {
		return "", errors.New("bench: vodedge already started")
	}
	if err := os.MkdirAll(v.cfg.WorkDir, 0o755); err != nil {
		return "", fmt.Errorf("bench: vodedge work dir: %w", err)
	}
	v.client = newClient()
	var err error
	for range portAttempts {
		if err = v.startOnce(ctx); !errors.Is(err, errPortTaken) {
			break
		}
	}
	if err != nil {
		v.client.CloseIdleConnections()
	}
	return v.base, err
}

func (v *Vodedge) startOnce(ctx context.Context) error {
	port, err1 := freePort()
	aport, err2 := freePort()
	tport, err3 := freePort()
	if err := errors.Join(err1, err2, err3); err != nil {
		return err
	}
	if port == aport || tport == port || tport == aport {
		return errPortTaken
	}
	args := v.args(port, aport)
	if v.cfg.TLSCert != "" {
		args = append(args, "--tls-listen", "127.0.0.1:"+strconv.Itoa(tport), "--tls-cert", v.cfg.TLSCert, "--tls-key", v.cfg.TLSKey)
	}
	v.cfg.Log.Debug("starting vodedge", "binary", v.cfg.Binary, "args", strings.Join(args, " "))
	p, err := startPinned("vodedge", v.cfg.WorkDir, filepath.Join(v.cfg.WorkDir, "vodedge.log"), v.cfg.CPUs, v.cfg.Binary, args...)
	if err != nil {
		return err
	}
	adminBase := "http://127.0.0.1:" + strconv.Itoa(aport)
	ready := func(st int) bool { return st == http.StatusOK }
	if err := waitHTTP(ctx, v.client, adminBase+"/readyz", p, v.cfg.StartTimeout, ready); err != nil {
		return errors.Join(err, p.stop(time.Second, syscall.SIGTERM))
	}
	v.proc, v.adminBase = p, adminBase
	v.base = "http://127.0.0.1:" + strconv.Itoa(port)
	if v.cfg.TLSCert != "" {
		v.base = "https://127.0.0.1:" + strconv.Itoa(tport)
	}
	return nil
}

func (v *Vodedge) args(port, aport int) []string {
	origin, _ := filepath.Abs(v.cfg.OriginDir)
	origin = "file://" + origin
	if v.cfg.OriginURL != "" {
		origin = v.cfg.OriginURL
	}
	args := []string{"edge",
		"--listen", "127.0.0.1:" + strconv.Itoa(port),
		"--admin", "127.0.0.1:" + strconv.Itoa(aport),
		"--origin", origin,
		"--ram-bytes", bytesize.Size(v.cfg.RAMBytes).String(),
	}
	args = append(args, v.diskArgs()...)
	return append(append(args,
		"--access-log", filepath.Join(v.cfg.WorkDir, "vodedge-access.log"),
		"--node-name", "bench",
		"--shutdown-timeout", "5s",
		"--log-level", "warn",
	), v.cfg.ExtraArgs...)
}

// diskArgs place the disk tier: one directory, or Disks of them with an
// even share of DiskBytes each.
func (v *Vodedge) diskArgs() []string {
	if v.cfg.Disks <= 1 || v.cfg.DiskBytes == 0 {
		return []string{"--disk-bytes", bytesize.Size(v.cfg.DiskBytes).String(), "--disk-dir", filepath.Join(v.cfg.WorkDir, "disk")}
	}
	var args []string
	share := bytesize.Size(v.cfg.DiskBytes / int64(v.cfg.Disks)).String()
	for i := range v.cfg.Disks {
		args = append(args, "--disk", filepath.Join(v.cfg.WorkDir, "disk"+strconv.Itoa(i))+":"+share)
	}
	return args
}

// Stop sends SIGTERM (the edge drains for at most its 5 s shutdown
// timeout), then SIGKILL, and reaps the process.
func (v *Vodedge) Stop() error {
	if v.proc == nil {
		return nil
	}
	p := v.proc
	v.proc = nil
	v.client.CloseIdleConnections()
	return p.stop(10*time.Second, syscall.SIGTERM)
}

// PID returns the edge's process id, 0 when it is not running.
func (v *Vodedge) PID() int {
	if v.proc == nil {
		return 0
	}
	return v.proc.pid()
}

// PIDs implements ProcessLister.
func (v *Vodedge) PIDs() []int {
	if v.proc == nil {
		return nil
	}
	return []int{v.proc.pid()}
}

// Warm GETs each object until the edge answers it from its RAM tier
// (X-Cache: HIT-RAM), at most WarmTries times, then checks every object
// once more with HEAD: an object can be answered HIT-RAM from a finished
// fetch that the tier then refuses. It fails naming the objects that
// would not stay in RAM, so no "hot" figure is measured on a cold edge.
func (v *Vodedge) Warm(ctx context.Context, paths []string) error {
	pending := paths
	for pass := 0; pass < 3 && len(pending) > 0; pass++ {
		for _, p := range pending {
			if err := v.warmOne(ctx, p); err != nil {
				return err
			}
		}
		var err error
		if pending, err = v.notInRAM(ctx, paths); err != nil {
			return err
		}
		if len(pending) > 0 {
			v.cfg.Log.Debug("objects fell out of the RAM tier after warming", "count", len(pending), "pass", pass+1)
		}
	}
	if len(pending) > 0 {
		return fmt.Errorf("bench: vodedge: %d objects not served %s after warming, e.g. %s: %w",
			len(pending), v.HotTier(), strings.Join(pending[:min(len(pending), 5)], ", "), ErrNotHot)
	}
	return nil
}

// ErrNotHot marks a measurement the edge did not serve from the tier it
// was warmed for (RAM, or disk when the RAM tier is off).
var ErrNotHot = errors.New("bench: objects not served from the tier under test")

func (v *Vodedge) warmOne(ctx context.Context, path string) error {
	last := ""
	for try := 1; try <= v.cfg.WarmTries; try++ {
		st, h, err := fetch(ctx, v.client, http.MethodGet, v.base+path)
		if err != nil {
			return fmt.Errorf("bench: warm vodedge %s: %w", path, err)
		}
		if st != http.StatusOK {
			return fmt.Errorf("bench: warm vodedge %s: status %d", path, st)
		}
		if last = h.Get("X-Cache"); last == v.HotTier() {
			return nil
		}
		// A slice just fetched is still being committed to the tiers
		// (answered from the finished fetch meanwhile): give it a moment.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(try) * 20 * time.Millisecond):
		}
	}
	return fmt.Errorf("bench: vodedge: %s not served %s after %d GETs (last X-Cache %q): %w",
		path, v.HotTier(), v.cfg.WarmTries, last, ErrNotHot)
}

// notInRAM returns the paths a HEAD does not find in the RAM tier.
func (v *Vodedge) notInRAM(ctx context.Context, paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		_, h, err := fetch(ctx, v.client, http.MethodHead, v.base+p)
		if err != nil {
			return nil, fmt.Errorf("bench: check vodedge %s: %w", p, err)
		}
		if h.Get("X-Cache") != v.HotTier() {
			out = append(out, p)
		}
	}
	return out, nil
}

// TierCounts implements TierCounter from vodedge_edge_requests_total.
func (v *Vodedge) TierCounts(ctx context.Context) (map[string]float64, error) {
	s, err := v.metrics(ctx)
	if err != nil {
		return nil, err
	}
	return sumBy(s, "vodedge_edge_requests_total", "tier"), nil
}

// metrics scrapes the edge's /metrics.
func (v *Vodedge) metrics(ctx context.Context) ([]promSample, error) {
	if v.proc == nil {
		return nil, errors.New("bench: vodedge not running")
	}
	return scrapeMetrics(ctx, v.client, v.adminBase+"/metrics")
}
