package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/vodedge/vodedge/bench/hitsim"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// printSim writes the byte hit ratio table: policies down, sizes across.
func (r *SimReport) printSim(w io.Writer) {
	res := r.Result
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "\nbyte hit ratio (object hit ratio) by cache size, %% of the %s footprint; %d of %d requests counted (after %d warm-up days):\n",
		gib(res.FootprintBytes), res.Counted, res.Requests, res.Config.WarmupDays)
	fmt.Fprint(tw, "policy\t")
	for _, s := range res.Config.Shares {
		fmt.Fprintf(tw, "%g%%\t", 100*s)
	}
	fmt.Fprintln(tw)
	for _, pol := range res.Config.Policies {
		fmt.Fprintf(tw, "%s\t", pol)
		for _, s := range res.Config.Shares {
			p, _ := res.Get(pol, s)
			fmt.Fprintf(tw, "%.3f (%.3f)\t", p.ByteHit, p.ObjectHit)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if line := r.Headline(0.10); line != "" {
		fmt.Fprintln(w, line)
	}
}

// Headline compares the edge's policies with LRU and Belady at share.
func (r *SimReport) Headline(share float64) string {
	res := r.Result
	lru, ok1 := res.Get(hitsim.PolicyLRU, share)
	opt, ok2 := res.Get(hitsim.PolicyBelady, share)
	edge, ok3 := res.Get(hitsim.PolicyVodedge, share)
	if !ok1 || !ok2 || !ok3 {
		return ""
	}
	return fmt.Sprintf("at %g%% of the footprint: vodedge byte hit ratio %.3f vs LRU %.3f (%+.1f%%), Belady's MIN %.3f",
		100*share, edge.ByteHit, lru.ByteHit, 100*(edge.ByteHit/lru.ByteHit-1), opt.ByteHit)
}

// Markdown renders the simulation as a report section.
func (r *SimReport) Markdown() string {
	var b strings.Builder
	res, t := r.Result, r.Trace
	fmt.Fprintf(&b, "## Hit-ratio simulation\n\n")
	fmt.Fprintf(&b, "Trace: %d requests from %d clients over %.1f days, %d distinct objects, footprint %s, %s requested",
		t.Requests, t.Clients, t.Span.Hours()/24, t.Objects, gib(t.FootprintBytes), gib(t.RequestedBytes))
	if r.Config.TracePath == "" {
		g := r.Config.Trace
		fmt.Fprintf(&b, " (generated: seed %d, %d titles, %d new a day, Zipf α=%.2f over titles, half-life %.0f days, %d sessions a day, %s layout)",
			g.Seed, g.Titles, g.NewPerDay, g.Alpha, g.HalfLifeDays, g.SessionsPerDay, g.Layout)
	}
	fmt.Fprintf(&b, ". Day-to-day overlap of the 20 most watched titles: %s. Slices of %s; the first %d day(s) warm the caches and are not counted (%d requests counted). Simulated in %.0f s on %d CPUs, load average %s.\n\n",
		floats(t.DailyTopOverlap), bytesize.Size(res.Config.SliceBytes), res.Config.WarmupDays, res.Counted, r.Seconds, r.Host.CPUs, r.Host.LoadAverage)
	b.WriteString("Byte hit ratio (object hit ratio) by cache size, as a share of the footprint:\n\n| policy |")
	for _, s := range res.Config.Shares {
		fmt.Fprintf(&b, " %g %% |", 100*s)
	}
	b.WriteString("\n|---|" + strings.Repeat("---:|", len(res.Config.Shares)) + "\n")
	for _, pol := range res.Config.Policies {
		fmt.Fprintf(&b, "| %s |", pol)
		for _, s := range res.Config.Shares {
			p, _ := res.Get(pol, s)
			fmt.Fprintf(&b, " %.3f (%.3f) |", p.ByteHit, p.ObjectHit)
		}
		b.WriteString("\n")
	}
	if h := r.Headline(0.10); h != "" {
		fmt.Fprintf(&b, "\n%s.\n", strings.ToUpper(h[:1])+h[1:])
	}
	b.WriteString("\n" + strings.Replace(policyLegend, "FILLSHARE", fmt.Sprintf("%g %%", 100*res.Config.FillShare), 1) + "\n")
	for _, p := range r.Plots {
		fmt.Fprintf(&b, "\n![%s](%s)\n", p, p)
	}
	return b.String()
}

const policyLegend = `Policies: **belady** — Belady's MIN with future knowledge (the bound); **vodedge-fill** — the disk tier with an overnight fill of yesterday's most popular slices, pinned, into FILLSHARE of the capacity; **vodedge** — the edge: cache/ramtier (1/16 of the capacity) over cache/evict's Compact (the rest), promotion on the disk hit that brings a slice's counter to 2; **vodedge-disk** — cache/evict's Table with LFU-DA alone (the former disk tier); **vodedge-compact** — cache/evict's Compact alone (S3-FIFO by key hash, the disk tier's table for tens of millions of objects); **vodedge-ram** — cache/ramtier (ristretto TinyLFU) alone; **s3fifo** — S3-FIFO (small FIFO of 10 %, main FIFO, ghost of keys, 2-bit counters); **sieve** — SIEVE (one FIFO, a visited bit, a moving hand); **lru** — exact LRU, as nginx proxy_cache and Varnish evict. s3fifo and sieve are the simulator's implementations from the published descriptions, by bytes. The vodedge-* rows run the edge's own packages, not re-implementations; they vary in the third decimal between runs (both libraries sample at random).`

func floats(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = fmt.Sprintf("%.2f", x)
	}
	return strings.Join(parts, ", ")
}

func writeFileJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode %s: %w", path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("bench: write %s: %w", path, err)
	}
	return nil
}
