package main

import (
	"fmt"
	"io"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// demoOpts are the demo command's flags.
type demoOpts struct {
	dir         string
	listen      string
	host        string
	edges       int
	seconds     int
	sample      bool
	fillTimeout time.Duration
	ready       func(*demoURLs) // tests: called once the URLs are printed
}

func newDemoCmd(g *globalOpts) *cobra.Command {
	o := &demoOpts{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run the whole system on this machine: controller, a site of 3 edges, steering, player and status pages",
		Long: `Run the whole system in one process, on loopback:

  1. the origin controller on a local store;
  2. a title: a test pattern generated with ffmpeg and ingested through the
     controller's pipeline (transcode, quality checks, publish) when ffmpeg
     is installed, else the small pre-encoded sample embedded in the binary,
     imported as it is (the demo says which);
  3. a day of simulated viewing posted to the controller, which computes
     popularity and signs the site's fill manifest;
  4. a site of 3 edges (gossip cluster, disk tier, signed URLs) that fill
     from the manifest at once, and the steering service;
  5. the player page, the status page and every daemon's metrics, whose
     URLs are printed.

Ctrl-C stops everything. All state goes under one directory: a temporary
one removed at exit, or --dir, kept (and reused: a second run starts from
what the first stored). Daemon logs go to demo.log in that directory.`,
		Example: `  vodedge demo
  vodedge demo --dir ./demo-state --listen 127.0.0.1:8000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return runDemo(ctx, g, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.dir, "dir", "", "state directory, kept after exit (default: a temporary directory, removed at exit)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8000", "address of the pages and the controller's metrics (a free port is taken if it is busy)")
	f.StringVar(&o.host, "host", "127.0.0.1", "address every other daemon listens on (free ports)")
	f.IntVar(&o.edges, "edges", 3, "edges in the site (1..9)")
	f.IntVar(&o.seconds, "title-seconds", 40, "length of the title generated with ffmpeg")
	f.BoolVar(&o.sample, "sample", false, "use the embedded pre-encoded sample even when ffmpeg is installed")
	f.DurationVar(&o.fillTimeout, "fill-timeout", 2*time.Minute, "how long to wait for the edges to fill before printing the URLs anyway")
	return cmd
}

// demoURLs are what the demo prints.
type demoURLs struct {
	Home, Player, Status, Dir, Title string
	Metrics                          map[string]string // daemon → /metrics URL
	Edges                            []string          // edge names
	TitleSource                      string            // "ffmpeg" or "sample"
	StartupTime, FillTime            time.Duration
}

func (u *demoURLs) print(w io.Writer) {
	fmt.Fprintf(w, "\nvodedge demo is up (%.1f s; fill took %.1f s).\n\n", u.StartupTime.Seconds(), u.FillTime.Seconds())
	fmt.Fprintf(w, "  home     %s\n  player   %s\n  status   %s\n", u.Home, u.Player, u.Status)
	for _, name := range u.metricsOrder() {
		fmt.Fprintf(w, "  metrics  %-8s %s\n", name, u.Metrics[name])
	}
	fmt.Fprintf(w, "\n  title    %s (%s)\n  state    %s (daemon logs: demo.log)\n\nCtrl-C stops everything.\n", u.Title, u.TitleSource, u.Dir)
}

func (u *demoURLs) metricsOrder() []string {
	names := []string{"origin", "steer"}
	return append(names, u.Edges...)
}
