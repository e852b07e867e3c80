package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/bench"
)

func newBenchLoadCmd() *cobra.Command {
	cfg := bench.DiscardConfig{Connections: 64, Duration: 10 * time.Second}
	var pathsFile string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "load [flags] URL",
		Short: "A keep-alive GET load that drops every body in the kernel (the bench's discard client)",
		Long: `Drive the HTTP/1.1 server at URL (http://host:port) with --connections
keep-alive connections for --duration, each asking for the paths of
--paths in order (connection i of n starting i/n of the way in), one
request at a time, and print what wrk prints: requests, requests/s,
bytes/s, latency percentiles, non-2xx/3xx responses and socket errors.

Unlike wrk, it reads only each response's header: the body is dropped by
the kernel (recv with MSG_TRUNC) without being copied, so a large body
costs the client a few syscalls. On one machine that leaves the server's
CPU, not the client's, as the bottleneck at every response size: what
'vodedge bench compare --client discard' uses to measure what a server
serves per CPU. Responses must carry Content-Length (no chunked bodies).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if pathsFile == "" {
				return errors.New("load: --paths is required")
			}
			var err error
			if cfg.Paths, err = readPaths(pathsFile); err != nil {
				return err
			}
			cfg.URL = args[0]
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			r, err := bench.RunDiscard(ctx, cfg)
			if err != nil {
				return err
			}
			if asJSON {
				return json.NewEncoder(cmd.OutOrStdout()).Encode(r)
			}
			printLoad(cmd.OutOrStdout(), cfg, r)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&pathsFile, "paths", "", "file of the paths to ask for, one a line (blank lines and # comments skipped)")
	f.IntVarP(&cfg.Connections, "connections", "c", cfg.Connections, "keep-alive connections")
	f.DurationVarP(&cfg.Duration, "duration", "d", cfg.Duration, "how long to ask")
	f.DurationVar(&cfg.Timeout, "timeout", 0, "a response slower than this counts as a timeout socket error (0: 2s, as wrk)")
	f.BoolVar(&asJSON, "json", false, "print the figures as JSON (what bench compare reads)")
	return cmd
}

// readPaths reads a paths file: one path a line.
func readPaths(file string) ([]string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load: %s: %w", file, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("load: %s holds no paths", file)
	}
	return out, nil
}

func printLoad(w io.Writer, cfg bench.DiscardConfig, r bench.WrkResult) {
	fmt.Fprintf(w, "%s, %d connections, %v, %d paths\n", cfg.URL, cfg.Connections, cfg.Duration, len(cfg.Paths))
	fmt.Fprintf(w, "  Latency Distribution\n     50%% %v\n     75%% %v\n     90%% %v\n     99%% %v\n",
		r.LatencyP50.Round(time.Microsecond), r.LatencyP75.Round(time.Microsecond), r.LatencyP90.Round(time.Microsecond), r.LatencyP99.Round(time.Microsecond))
	fmt.Fprintf(w, "  %d requests in %.2fs, %.2f MiB read\n", r.Requests, r.Elapsed.Seconds(), r.BytesRead/(1<<20))
	if r.Non2xx > 0 {
		fmt.Fprintf(w, "  Non-2xx or 3xx responses: %d\n", r.Non2xx)
	}
	if s := r.Socket; s.Total() > 0 {
		fmt.Fprintf(w, "  Socket errors: connect %d, read %d, write %d, timeout %d\n", s.Connect, s.Read, s.Write, s.Timeout)
	}
	fmt.Fprintf(w, "Requests/sec: %.2f\nTransfer/sec: %.2f MiB\n", r.RequestsPerSec, r.TransferPerSec/(1<<20))
}
