package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// SuiteConfig configures RunSuite: the side-by-side comparison with every
// special scenario, then the hit-ratio simulation, into one report.
type SuiteConfig struct {
	Compare CompareConfig
	Sim     SimConfig
	// OutDir receives report.md, report.json and the PNG plots.
	OutDir string
	// Command is the command line that reproduces the run, quoted in the
	// report.
	Command string
}

// DefaultSuiteConfig is the full run behind bench/results: every peer,
// every scenario, 5 rounds of 10 s (wrk --timeout 5s: a shared machine
// stalls), vodedge with a 512 MiB RAM tier and a 4 GiB disk tier, and the
// default trace simulation.
func DefaultSuiteConfig() SuiteConfig {
	c := DefaultCompareConfig()
	c.Rounds, c.DiskBytes, c.Specials = 5, 4<<30, SpecialNames()
	c.Load.Timeout = 5 * time.Second
	return SuiteConfig{Compare: c, Sim: DefaultSimConfig()}
}

// SuiteReport is what report.json holds.
type SuiteReport struct {
	Command string         `json:"command"`
	Started time.Time      `json:"started"`
	Load    []string       `json:"load_average_samples"`
	Compare *CompareReport `json:"compare"`
	Sim     *SimReport     `json:"sim"`
	Plots   []string       `json:"plots"`
}

// RunSuite runs the comparison and the simulation and writes the report.
// The load average is sampled before, between and after, because the
// machine may be shared.
func RunSuite(ctx context.Context, cfg SuiteConfig) (*SuiteReport, error) {
	if cfg.OutDir == "" {
		return nil, errors.New("bench: suite needs an output directory")
	}
	if err := os.MkdirAll(cfg.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	out := cfg.Compare.Out
	if out == nil {
		out = io.Discard
	}
	rep := &SuiteReport{Command: cfg.Command, Started: time.Now(), Load: []string{loadAverage()}}
	var err error
	rep.Compare, err = RunCompare(ctx, cfg.Compare)
	if ctx.Err() != nil || rep.Compare == nil {
		return nil, err
	}
	rep.Load = append(rep.Load, loadAverage())
	cfg.Sim.OutDir, cfg.Sim.Out = cfg.OutDir, out
	var serr error
	rep.Sim, serr = RunSim(ctx, cfg.Sim)
	rep.Load = append(rep.Load, loadAverage())
	err = errors.Join(err, serr)
	return rep, errors.Join(err, rep.write(cfg.OutDir, out))
}

func (r *SuiteReport) write(dir string, out io.Writer) error {
	plots, err := r.Compare.Plot(dir)
	r.Plots = plots
	if r.Sim != nil {
		r.Plots = append(r.Plots, r.Sim.Plots...)
	}
	err = errors.Join(err, writeFileJSON(filepath.Join(dir, "report.json"), r))
	md := filepath.Join(dir, "report.md")
	err = errors.Join(err, os.WriteFile(md, []byte(r.Markdown(plots)), 0o644))
	_ = os.Remove(filepath.Join(dir, "sim.md"))
	_ = os.Remove(filepath.Join(dir, "sim.json"))
	fmt.Fprintf(out, "report: %s (with report.json and %d plots)\n", md, len(r.Plots))
	return err
}

// Markdown is the whole report.
func (r *SuiteReport) Markdown(comparePlots []string) string {
	var b strings.Builder
	b.WriteString("# vodedge bench suite\n\n")
	fmt.Fprintf(&b, "Reproduce with:\n\n```sh\n%s\n```\n\n", r.Command)
	fmt.Fprintf(&b, "Load average (1, 5, 15 min) at start, after the comparison, at the end: %s. "+
		"The machine is shared: every figure is a median over alternating rounds within this run, never compared with another run.\n\n",
		strings.Join(r.Load, " → "))
	b.WriteString(r.Compare.Markdown(comparePlots))
	if r.Sim != nil {
		b.WriteString("\n" + r.Sim.Markdown())
	}
	return b.String()
}
