package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/vodedge/vodedge/bench/chart"
	"github.com/vodedge/vodedge/bench/hitsim"
	"github.com/vodedge/vodedge/bench/trace"
)

// SimConfig configures RunSim: a trace (generated, or read from a CSV
// file) replayed through the hit-ratio simulator.
type SimConfig struct {
	// Trace generates the trace when TracePath is empty.
	Trace trace.GenConfig `json:"trace"`
	// TracePath, when set, is a trace CSV to read instead.
	TracePath string `json:"trace_path,omitempty"`
	// WriteTrace, when set, receives the generated trace as CSV.
	WriteTrace string        `json:"-"`
	Sim        hitsim.Config `json:"sim"`
	// OutDir receives sim.json, sim.md and the PNG plots; "" writes none.
	OutDir string    `json:"-"`
	Out    io.Writer `json:"-"`
}

// DefaultSimConfig is the default generated trace through every policy.
func DefaultSimConfig() SimConfig {
	return SimConfig{Trace: trace.DefaultGenConfig(), Sim: hitsim.DefaultConfig()}
}

// SimReport is the outcome of RunSim.
type SimReport struct {
	Started time.Time      `json:"started"`
	Seconds float64        `json:"seconds"`
	Host    HostInfo       `json:"host"`
	Config  SimConfig      `json:"config"`
	Trace   trace.Stats    `json:"trace"`
	Result  *hitsim.Result `json:"result"`
	// Plots are the PNG files written, relative to OutDir.
	Plots []string `json:"plots"`
}

// RunSim loads or generates the trace, simulates every policy at every
// size, and writes the tables and plots.
func RunSim(ctx context.Context, cfg SimConfig) (*SimReport, error) {
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	rep := &SimReport{Started: time.Now(), Config: cfg, Host: HostInfo{CPUs: numCPU(), Kernel: readTrimmed("/proc/sys/kernel/osrelease"), LoadAverage: loadAverage()}}
	reqs, err := cfg.loadTrace()
	if err != nil {
		return nil, err
	}
	rep.Trace = trace.Summarize(reqs)
	fmt.Fprintf(cfg.Out, "hit-ratio simulation: %d requests from %d clients over %.1f days, %d objects, footprint %s; load average %s\n",
		rep.Trace.Requests, rep.Trace.Clients, rep.Trace.Span.Hours()/24, rep.Trace.Objects, gib(rep.Trace.FootprintBytes), rep.Host.LoadAverage)
	if rep.Result, err = hitsim.Run(ctx, cfg.Sim, reqs); err != nil {
		return nil, err
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	rep.printSim(cfg.Out)
	if cfg.OutDir == "" {
		return rep, nil
	}
	return rep, rep.write(cfg.OutDir)
}

func (c SimConfig) loadTrace() ([]trace.Request, error) {
	if c.TracePath != "" {
		f, err := os.Open(c.TracePath)
		if err != nil {
			return nil, fmt.Errorf("bench: trace: %w", err)
		}
		defer f.Close()
		return trace.ReadAll(f)
	}
	reqs, err := trace.Generate(c.Trace)
	if err != nil || c.WriteTrace == "" {
		return reqs, err
	}
	f, err := os.Create(c.WriteTrace)
	if err != nil {
		return nil, fmt.Errorf("bench: write trace: %w", err)
	}
	err = trace.WriteAll(f, reqs)
	return reqs, errors.Join(err, f.Close())
}

// write puts sim.json, sim.md and the plots in dir.
func (r *SimReport) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench: results dir: %w", err)
	}
	if err := r.plot(dir); err != nil {
		return err
	}
	if err := writeFileJSON(filepath.Join(dir, "sim.json"), r); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "sim.md"), []byte(r.Markdown()), 0o644)
}

// plot draws byte and object hit ratio against cache size.
func (r *SimReport) plot(dir string) error {
	r.Plots = nil
	for _, m := range []struct {
		file, label string
		get         func(hitsim.Point) float64
	}{
		{"sim-byte-hit.png", "byte hit ratio", func(p hitsim.Point) float64 { return p.ByteHit }},
		{"sim-object-hit.png", "object (request) hit ratio", func(p hitsim.Point) float64 { return p.ObjectHit }},
	} {
		var series []chart.Series
		for _, pol := range r.Result.Config.Policies {
			s := chart.Series{Name: pol}
			for _, share := range r.Result.Config.Shares {
				p, _ := r.Result.Get(pol, share)
				s.X, s.Y = append(s.X, 100*share), append(s.Y, m.get(p))
			}
			series = append(series, s)
		}
		f := chart.Figure{Title: fmt.Sprintf("%s vs cache size (trace of %d requests)", m.label, r.Trace.Requests),
			XLabel: "cache size, % of footprint (log)", YLabel: m.label}
		if err := chart.Lines(filepath.Join(dir, m.file), f, true, series); err != nil {
			return err
		}
		r.Plots = append(r.Plots, m.file)
	}
	return nil
}

func gib(n int64) string { return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30)) }
