package bench

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/vodedge/vodedge/bench/chart"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// printSpecials writes a table per special scenario: each metric's
// median [min–max] per peer, and the ratio vodedge/peer.
func (r *CompareReport) printSpecials(w io.Writer) {
	for _, sr := range r.Specials {
		fmt.Fprintf(w, "\n== %s: %s\n", sr.Name, sr.About)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "metric")
		for _, p := range sr.Peers {
			fmt.Fprintf(tw, "\t%s", p.Peer)
		}
		fmt.Fprintln(tw)
		for _, m := range sr.Metrics {
			fmt.Fprint(tw, m.Label)
			for _, p := range sr.Peers {
				fmt.Fprintf(tw, "\t%s", cell(p, m.Key))
			}
			fmt.Fprintln(tw)
		}
		for _, c := range []string{"server_cpu_percent", "rss_bytes"} {
			fmt.Fprint(tw, map[string]string{"server_cpu_percent": "server CPU %", "rss_bytes": "RSS MiB"}[c])
			for _, p := range sr.Peers {
				s := p.Common[c]
				if c == "rss_bytes" {
					fmt.Fprintf(tw, "\t%.0f", s.Median/(1<<20))
				} else {
					fmt.Fprintf(tw, "\t%.0f", s.Median)
				}
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
}

// cell is "median [min–max] (n/N)" for one metric of one peer.
func cell(p SpecialPeer, key string) string {
	s, ok := p.Summary[key]
	if !ok || s.N == 0 {
		failed := 0
		for _, r := range p.Rounds {
			if r.Err != "" {
				failed++
			}
		}
		if failed > 0 {
			return fmt.Sprintf("failed %d/%d", failed, len(p.Rounds))
		}
		return "–"
	}
	out := fmtFig(s.Median)
	if s.Min != s.Max {
		out += fmt.Sprintf(" [%s–%s]", fmtFig(s.Min), fmtFig(s.Max))
	}
	if s.N < len(p.Rounds) {
		out += fmt.Sprintf(" (%d/%d ok)", s.N, len(p.Rounds))
	}
	return out
}

// Markdown renders the comparison as a report section, with its plots
// (written by Plot) linked.
func (r *CompareReport) Markdown(plots []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Side by side: %s\n\n", strings.Join(r.Peers, ", "))
	fmt.Fprintf(&b, "%s; %s, kernel %s; load average at start %s. Peers: %s; %s; %s; %s. ",
		r.Started.UTC().Format("2006-01-02 15:04 UTC"), r.Host.cpuLine(), r.Host.Kernel, r.Host.LoadAverage,
		r.Host.Vodedge, r.Host.Nginx, r.Host.Varnish, r.Host.Wrk)
	fmt.Fprintf(&b, "vodedge: RAM tier %s, disk tier %s; Varnish malloc %s; nginx proxy_cache on disk, slice 4m, proxy_cache_lock. "+
		"Origin (in the bench process, one port per cache): first byte after %v, %s/s per response. "+
		"%d rounds, peers alternating who goes first; medians with [min–max].\n\n",
		bytesize.Size(r.RAMBytes), bytesize.Size(r.DiskBytes), bytesize.Size(max(r.RAMBytes, 256<<20)),
		r.Origin.FirstByteDelay, bytesize.Size(r.Origin.BytesPerSec), r.Rounds)
	r.markdownHot(&b)
	for _, sr := range r.Specials {
		markdownSpecial(&b, sr)
	}
	for _, p := range plots {
		fmt.Fprintf(&b, "\n![%s](%s)\n", p, p)
	}
	return b.String()
}

func (r *CompareReport) markdownHot(b *strings.Builder) {
	fmt.Fprintf(b, "### Hot objects (%s, from each server's cache)\n\n", r.Load)
	if !r.Pin.IsZero() {
		fmt.Fprintf(b, "Pinned: every server on CPU %s (nginx with one worker per CPU), %s on CPU %s.\n\n", r.Pin.ServerCPUs, r.Load.clientName(), r.Pin.LoadCPUs)
	}
	b.WriteString("| scenario | peer | requests/s | MiB/s | p99 ms | server CPU | CPU-s/GiB | CPU-s/10k req | vodedge/peer (target) |\n|---|---|---:|---:|---:|---:|---:|---:|---|\n")
	for _, sr := range r.Scenarios {
		for _, p := range sr.Peers {
			verdict := ""
			for _, v := range sr.Verdicts {
				if v.Baseline == p.Peer {
					verdict = verdictCell(v)
				}
			}
			fmt.Fprintf(b, "| %s | %s | %.0f [%.0f–%.0f] | %.1f [%.1f–%.1f] | %.2f | %.0f %% | %.3f | %.3f | %s |\n",
				sr.Scenario.Name, p.Peer, p.RequestsPerSec.Median, p.RequestsPerSec.Min, p.RequestsPerSec.Max,
				p.MiBPerSec.Median, p.MiBPerSec.Min, p.MiBPerSec.Max, p.P99Millis.Median, p.ServerCPU.Median,
				p.CPUPerGiB.Median, p.CPUPer10k.Median, verdict)
		}
	}
	b.WriteString("\n")
}

func verdictCell(v Verdict) string {
	switch v.Status {
	case "not judged":
		return "not judged: " + v.Reason
	case "no target":
		return fmt.Sprintf("%.2f", v.RequestsRatio)
	}
	cell := fmt.Sprintf("%.2f (≥ %.2f %s: %s)", v.ratio(), v.Target.Ratio, metricLabel(v.Target.Metric), v.Status)
	if v.CPUStatus != "" {
		cell += fmt.Sprintf("; %.2f per busy CPU-second: %s", v.CPURatio, v.CPUStatus)
	}
	return cell
}

func markdownSpecial(b *strings.Builder, sr SpecialResult) {
	fmt.Fprintf(b, "### %s\n\n%s.\n\n| metric |", sr.Name, sr.About)
	for _, p := range sr.Peers {
		fmt.Fprintf(b, " %s |", p.Peer)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(sr.Peers)) + "\n")
	for _, m := range sr.Metrics {
		fmt.Fprintf(b, "| %s |", m.Label)
		for _, p := range sr.Peers {
			fmt.Fprintf(b, " %s |", cell(p, m.Key))
		}
		b.WriteString("\n")
	}
	b.WriteString("| server CPU % / RSS MiB |")
	for _, p := range sr.Peers {
		fmt.Fprintf(b, " %.0f / %.0f |", p.Common["server_cpu_percent"].Median, p.Common["rss_bytes"].Median/(1<<20))
	}
	b.WriteString("\n")
	for _, p := range sr.Peers {
		for _, r := range p.Rounds {
			if r.Err != "" {
				fmt.Fprintf(b, "\n%s round %d failed: %s\n", p.Peer, r.Round, firstLine(r.Err))
			}
		}
	}
	b.WriteString("\n")
}

// Plot writes the comparison's PNG figures into dir and returns their
// names: hot throughput and requests/s by peer, and each special
// scenario's first metric by peer.
func (r *CompareReport) Plot(dir string) ([]string, error) {
	var files []string
	var labels []string
	mibs, rps := map[string][]float64{}, map[string][]float64{}
	for _, sr := range r.Scenarios {
		labels = append(labels, sr.Scenario.Name)
		for _, p := range sr.Peers {
			mibs[p.Peer] = append(mibs[p.Peer], p.MiBPerSec.Median)
			rps[p.Peer] = append(rps[p.Peer], p.RequestsPerSec.Median)
		}
	}
	for _, f := range []struct {
		file, label string
		m           map[string][]float64
	}{{"hot-mib-s.png", "MiB/s (median)", mibs}, {"hot-rps.png", "requests/s (median)", rps}} {
		var series []chart.Series
		for _, p := range r.Peers {
			series = append(series, chart.Series{Name: p, Y: f.m[p]})
		}
		if err := chart.Bars(filepath.Join(dir, f.file), chart.Figure{Title: "hot objects: " + f.label, YLabel: f.label}, labels, series); err != nil {
			return files, err
		}
		files = append(files, f.file)
	}
	for _, sr := range r.Specials {
		name, err := sr.plot(dir)
		if err != nil {
			return files, err
		}
		files = append(files, name)
	}
	return files, nil
}

// plot draws the scenario's times (its _ms metrics, up to four) as bars
// by peer: one unit per chart.
func (sr SpecialResult) plot(dir string) (string, error) {
	var ms []metricDef
	for _, m := range sr.Metrics {
		if strings.HasSuffix(m.Key, "_ms") && len(ms) < 4 {
			ms = append(ms, m)
		}
	}
	title := sr.Name + ": times, ms (medians)"
	if len(ms) == 0 {
		ms, title = sr.Metrics[:min(4, len(sr.Metrics))], sr.Name+" (medians)"
	}
	var labels []string
	for _, m := range ms {
		labels = append(labels, m.Label)
	}
	var series []chart.Series
	for _, p := range sr.Peers {
		s := chart.Series{Name: p.Peer}
		for _, m := range ms {
			s.Y = append(s.Y, p.Summary[m.Key].Median)
		}
		series = append(series, s)
	}
	file := "special-" + sr.Name + ".png"
	err := chart.Bars(filepath.Join(dir, file), chart.Figure{Title: title, YLabel: "ms", Width: 8}, labels, series)
	return file, err
}
