package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
)

// demo is a running demo: its directory, files, addresses and daemons.
type demo struct {
	o       *demoOpts
	g       *globalOpts
	out     io.Writer
	dir     string
	log     *os.File // demo.log: every daemon's log lines, prefixed by its name
	files   *demoFiles
	edges   []*demoEdge
	ctlAPI  string // controller API (and origin) address
	ctlUI   string // controller admin: pages and metrics
	steer   demoSteer
	ctlDone chan error
}

type demoSteer struct {
	listen, admin string
	done          chan error // receives Run's result
}

// runDemo starts everything, prints the URLs, and runs until ctx ends.
func runDemo(ctx context.Context, g *globalOpts, o *demoOpts, out io.Writer) (err error) {
	if o.edges < 1 || o.edges > 9 {
		return fmt.Errorf("--edges %d: want 1..9", o.edges)
	}
	begin := time.Now()
	d := &demo{o: o, g: g, out: out}
	cleanup, err := d.prepareDir()
	if err != nil {
		return err
	}
	defer cleanup()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait() // every daemon has stopped before the directory goes
	defer cancel()
	urls, err := d.start(ctx, &wg)
	if err != nil {
		return err
	}
	urls.StartupTime = time.Since(begin)
	urls.print(out)
	if o.ready != nil {
		o.ready(urls)
	}
	<-ctx.Done()
	fmt.Fprintln(out, "\nstopping…")
	return nil
}

// prepareDir makes the state directory and demo.log; the returned func
// closes the log and removes a temporary directory.
func (d *demo) prepareDir() (func(), error) {
	d.dir = d.o.dir
	temp := d.dir == ""
	var err error
	if temp {
		d.dir, err = os.MkdirTemp("", "vodedge-demo-")
	} else {
		err = os.MkdirAll(d.dir, 0o755)
	}
	if err != nil {
		return nil, err
	}
	if d.dir, err = filepath.Abs(d.dir); err != nil {
		return nil, err
	}
	if d.log, err = os.OpenFile(filepath.Join(d.dir, "demo.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644); err != nil {
		return nil, err
	}
	return func() {
		d.log.Close()
		if temp {
			os.RemoveAll(d.dir)
		}
	}, nil
}

// daemonOpts is the global options of one in-process daemon: its log
// lines go to demo.log, prefixed with its name.
func (d *demo) daemonOpts(name string) *globalOpts {
	return &globalOpts{logLevel: d.g.logLevel, logFormat: d.g.logFormat, logOut: prefixWriter{w: d.log, prefix: "[" + name + "] "}}
}

// start runs the steps in order; daemons run under wg until ctx ends.
func (d *demo) start(ctx context.Context, wg *sync.WaitGroup) (*demoURLs, error) {
	fmt.Fprintf(d.out, "vodedge demo: state in %s\n", d.dir)
	var err error
	if d.files, err = writeDemoFiles(d.dir); err != nil {
		return nil, err
	}
	if err := d.allocate(); err != nil {
		return nil, err
	}
	srv, cli, err := d.startController(ctx, wg)
	if err != nil {
		return nil, err
	}
	_, ffErr := exec.LookPath("ffmpeg")
	title, source, err := demoTitle(ctx, d.out, srv, cli, d.files, d.o, ffErr == nil)
	if err != nil {
		return nil, err
	}
	plays, err := postPopularity(ctx, cli, title, 40)
	if err != nil {
		return nil, fmt.Errorf("demo: popularity: %w", err)
	}
	fmt.Fprintf(d.out, "popularity  %s: %.1f plays/day at site %s (a simulated day of viewing)\n", title.ID, plays, demoSite)
	if err := d.printManifest(ctx); err != nil {
		return nil, err
	}
	fillStart := time.Now()
	if err := d.startEdges(ctx, wg); err != nil {
		return nil, err
	}
	if err := d.startSteer(ctx, wg); err != nil {
		return nil, err
	}
	fillTime := d.waitFill(ctx)
	if fillTime > 0 {
		fillTime = time.Since(fillStart)
	}
	return d.urls(title.ID, source, fillTime), ctx.Err()
}

// allocate picks every daemon's addresses.
func (d *demo) allocate() error {
	ui, exact, err := listenAddr(d.o.listen)
	if err != nil {
		return err
	}
	if !exact {
		fmt.Fprintf(d.out, "%s is busy; the pages are on %s instead\n", d.o.listen, ui)
	}
	d.ctlUI = ui
	for _, p := range []*string{&d.ctlAPI, &d.steer.listen, &d.steer.admin} {
		if *p, err = demoFreeAddr(d.o.host); err != nil {
			return err
		}
	}
	for i := 1; i <= d.o.edges; i++ {
		e, err := newDemoEdge(i, d.o.host)
		if err != nil {
			return err
		}
		d.edges = append(d.edges, e)
	}
	return d.files.writeSites(d.edges)
}

// printManifest shows the site's manifest as the edges will get it.
func (d *demo) printManifest(ctx context.Context) error {
	data, err := d.ctlGet(ctx, "/v1/manifests/"+demoSite)
	if err != nil {
		return fmt.Errorf("demo: manifest: %w", err)
	}
	pub, err := manifest.ParsePublicKey(d.files.manifestPub)
	if err != nil {
		return err
	}
	m, err := manifest.Expand(bytes.NewReader(data), pub, func(hash string) ([]manifest.File, error) {
		b, err := d.ctlGet(ctx, "/v1/indexes/"+hash)
		if err != nil {
			return nil, err
		}
		return manifest.OpenIndex(b, hash)
	})
	if err != nil {
		return fmt.Errorf("demo: manifest: %w", err)
	}
	copies, size := 0, int64(0)
	for _, e := range m.Entries {
		copies += len(e.Nodes)
		size += e.Size * int64(len(e.Nodes))
	}
	fmt.Fprintf(d.out, "manifest  site %s v%d: %d files, %d copies over %d nodes (%.1f MiB), signed\n",
		m.Site, m.Version, len(m.Entries), copies, len(d.edges), float64(size)/(1<<20))
	return nil
}

func (d *demo) ctlGet(ctx context.Context, path string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+d.ctlAPI+path, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+d.files.apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: %s: %s", path, resp.Status, strings.TrimSpace(string(body)))
	}
	return body, err
}

// startEdges starts the site's edges, the first one first (the others
// join its gossip), and waits for all to be ready.
func (d *demo) startEdges(ctx context.Context, wg *sync.WaitGroup) error {
	for _, e := range d.edges {
		if err := e.configure(d.dir, d.files, d.ctlAPI, d.edges[0].gossip, d.daemonOpts(e.name)); err != nil {
			return err
		}
		if err := e.start(ctx); err != nil {
			return err
		}
		wg.Go(func() {
			<-ctx.Done()
			_ = e.stop() // nil or "not running"
		})
	}
	rctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for _, e := range d.edges {
		if err := e.waitReady(rctx); err != nil {
			return err
		}
		fmt.Fprintf(d.out, "edge      %s: players on %s, admin on %s\n", e.name, e.listen, e.admin)
	}
	return nil
}

// waitFill waits until every edge has applied its manifest, printing
// progress; it returns 0 if the wait timed out.
func (d *demo) waitFill(ctx context.Context) time.Duration {
	start := time.Now()
	deadline := time.After(d.o.fillTimeout)
	last := ""
	for {
		line, done := d.fillLine(ctx)
		if line != last {
			fmt.Fprintf(d.out, "fill      %s\n", line)
			last = line
		}
		if done {
			return time.Since(start)
		}
		select {
		case <-ctx.Done():
			return 0
		case <-deadline:
			fmt.Fprintf(d.out, "fill      not finished after %v; the status page shows its progress\n", d.o.fillTimeout)
			return 0
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// fillLine summarises the edges' fill progress.
func (d *demo) fillLine(ctx context.Context) (string, bool) {
	var parts []string
	all := true
	for _, e := range d.edges {
		var st struct {
			State     string `json:"state"`
			Files     int    `json:"files"`
			FilesDone int    `json:"files_done"`
			Applied   int64  `json:"applied"`
		}
		if err := d.adminGet(ctx, e.admin, "/v1/fill", &st); err != nil {
			parts, all = append(parts, e.name+" ?"), false
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d files (%s)", e.name, st.FilesDone, st.Files, st.State))
		all = all && st.State == "done" && st.Applied > 0
	}
	return strings.Join(parts, ", "), all
}

func (d *demo) adminGet(ctx context.Context, addr, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+d.files.adminToken)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func (d *demo) urls(titleID, source string, fillTime time.Duration) *demoURLs {
	u := &demoURLs{Home: "http://" + d.ctlUI + "/ui/home/", Player: "http://" + d.ctlUI + "/ui/player/", Status: "http://" + d.ctlUI + "/ui/status/", Dir: d.dir,
		Title: titleID, TitleSource: source, FillTime: fillTime,
		Metrics: map[string]string{"origin": "http://" + d.ctlUI + "/metrics", "steer": "http://" + d.steer.admin + "/metrics"}}
	for _, e := range d.edges {
		u.Edges = append(u.Edges, e.name)
		u.Metrics[e.name] = "http://" + e.admin + "/metrics"
	}
	return u
}

// prefixWriter prefixes every write (one log line) with the daemon's
// name, in one Write call so lines of different daemons do not mix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte(p.prefix), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
