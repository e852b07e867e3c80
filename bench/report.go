package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vodedge/vodedge/internal/bytesize"
)

// CompareReport is the outcome of RunCompare, also written as JSON.
type CompareReport struct {
	Started   time.Time        `json:"started"`
	Finished  time.Time        `json:"finished"`
	Host      HostInfo         `json:"host"`
	Rounds    int              `json:"rounds"`
	Load      LoadConfig       `json:"load"`
	RAMBytes  int64            `json:"vodedge_ram_bytes"`
	DiskBytes int64            `json:"vodedge_disk_bytes"`
	Disks     int              `json:"vodedge_disks,omitempty"`
	WorkDir   string           `json:"work_dir"`
	Scenarios []ScenarioResult `json:"scenarios"`
	Peers     []string         `json:"peers"`
	TLS       bool             `json:"tls,omitempty"`
	Pin       Pin              `json:"pin,omitzero"`
	Origin    OriginInfo       `json:"origin"`
	Specials  []SpecialResult  `json:"specials,omitempty"`
}

// OriginInfo is how the shared origin behaved.
type OriginInfo struct {
	FirstByteDelay time.Duration `json:"first_byte_delay_ns"`
	BytesPerSec    int64         `json:"bytes_per_sec"`
}

// ScenarioResult is every peer's figures for one scenario and the
// verdicts drawn from them.
type ScenarioResult struct {
	Scenario Scenario     `json:"scenario"`
	Peers    []PeerResult `json:"peers"`
	Verdicts []Verdict    `json:"verdicts"`
}

// PeerResult is one peer's rounds of one scenario and their summaries.
// The summaries count only the rounds that succeeded (and, for vodedge,
// were served from RAM alone).
type PeerResult struct {
	Peer           string        `json:"peer"`
	Rounds         []RoundResult `json:"rounds"`
	Counted        int           `json:"counted_rounds"`
	RequestsPerSec Summary       `json:"requests_per_sec"`
	MiBPerSec      Summary       `json:"mib_per_sec"`
	P99Millis      Summary       `json:"latency_p99_ms"`
	ServerCPU      Summary       `json:"server_cpu_percent"`
	WrkCPU         Summary       `json:"wrk_cpu_percent"`
	OtherCPU       Summary       `json:"other_cpu_percent"`
	// CPUPerGiB and CPUPer10k are the server's CPU-seconds per GiB
	// served and per 10,000 requests: what a response costs, whatever
	// share of a core the server got.
	CPUPerGiB Summary `json:"server_cpu_seconds_per_gib"`
	CPUPer10k Summary `json:"server_cpu_seconds_per_10k_requests"`
	// PinnedCPU, PinnedPerGiB and PinnedPer10k are the same from the
	// servers' CPU set in a pinned run (RoundResult.PinnedCPU); zero
	// unpinned.
	PinnedCPU    Summary `json:"pinned_cpu_percent"`
	PinnedPerGiB Summary `json:"pinned_cpu_seconds_per_gib"`
	PinnedPer10k Summary `json:"pinned_cpu_seconds_per_10k_requests"`
}

// RoundResult is one wrk run against one peer.
type RoundResult struct {
	Round    int       `json:"round"`
	Position int       `json:"position"` // 1: this peer went first in the round
	Wrk      WrkResult `json:"wrk"`
	// ServerCPU and WrkCPU are CPU use in percent of one core (the
	// peer's processes, wrk) over the round's wall time.
	ServerCPU float64 `json:"server_cpu_percent"`
	WrkCPU    float64 `json:"wrk_cpu_percent"`
	// OtherCPU is the CPU the rest of the machine used meanwhile (other
	// processes, the kernel's interrupts, hypervisor steal): the noise.
	OtherCPU float64 `json:"other_cpu_percent"`
	// PinnedCPU is how busy the servers' CPU set was in a pinned run,
	// in percent of one core: all of its time but idle, whoever spent
	// it. It counts what the server's own CPU does not: the softirq
	// work of loopback's delivery done on those CPUs (for large bodies
	// as much as the server's own system time), the kernel threads.
	PinnedCPU float64 `json:"pinned_cpu_percent,omitempty"`
	// NotHot counts responses during the round that the peer served
	// from anywhere but its RAM tier; -1 for peers that do not say.
	NotHot int64  `json:"not_hot"`
	Err    string `json:"error,omitempty"`
}

func (r *RoundResult) addErr(err error) {
	if r.Err != "" {
		r.Err += "; "
	}
	r.Err += err.Error()
}

func (r RoundResult) counted() bool { return r.Err == "" && r.NotHot <= 0 }

func (r RoundResult) summaryLine() string {
	s := fmt.Sprintf("%9.0f req/s %8.1f MiB/s  p99 %8.2fms  CPU: server %4.0f%%  client %4.0f%%  others %4.0f%%",
		r.Wrk.RequestsPerSec, r.Wrk.MiBPerSec(), ms(r.Wrk.LatencyP99), r.ServerCPU, r.WrkCPU, r.OtherCPU)
	if r.PinnedCPU > 0 {
		s += fmt.Sprintf("  servers' CPUs busy %4.0f%%", r.PinnedCPU)
	}
	if r.NotHot > 0 {
		s += fmt.Sprintf("  NOT HOT: %d responses not from the tier under test", r.NotHot)
	}
	if r.Err != "" {
		s += "  FAILED: " + firstLine(r.Err)
	}
	return s
}

// Verdict compares vodedge with one baseline peer on one scenario.
type Verdict struct {
	Scenario        string  `json:"scenario"`
	Baseline        string  `json:"baseline"`
	RequestsRatio   float64 `json:"requests_ratio"`   // vodedge/baseline, medians
	ThroughputRatio float64 `json:"throughput_ratio"` // vodedge/baseline, medians
	P99Ratio        float64 `json:"p99_ratio"`        // vodedge/baseline, medians; lower is better
	// RoundRatios is the spread of the per-round ratio of the target
	// metric (requests/s without a target), vodedge/baseline within the
	// same round: a second view of the noise.
	RoundRatios Summary `json:"round_ratios"`
	Target      Target  `json:"target"`
	// Status is "met", "not met", "no target", or "not judged" (Reason
	// says why).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	// CPURatio is vodedge's responses per busy CPU-second of the
	// servers' CPU set against the baseline's (medians of
	// PeerResult.PinnedPer10k), in a pinned run; CPUStatus judges it
	// against the same target ratio ("met" or "not met"), beside Status
	// and only where Status is one of those two: what one node serves per
	// CPU, which requests/s stops measuring when the load generator is
	// the bottleneck.
	CPURatio  float64 `json:"cpu_ratio,omitempty"`
	CPUStatus string  `json:"cpu_status,omitempty"`
	// notHot marks a verdict withheld because vodedge was not hot.
	notHot bool
}

const vodedgePeer = "vodedge"

// Line is the verdict as one sentence.
func (v Verdict) Line() string {
	switch v.Status {
	case "not judged":
		return fmt.Sprintf("%s vs %s: not judged: %s", v.Scenario, v.Baseline, v.Reason)
	case "no target":
		return fmt.Sprintf("%s vs %s: no target (requests/s ratio %.2f, throughput ratio %.2f)",
			v.Scenario, v.Baseline, v.RequestsRatio, v.ThroughputRatio)
	}
	return fmt.Sprintf("%s %s ratio %s/%s %.2f (target ≥ %.2f): %s",
		v.Scenario, metricLabel(v.Target.Metric), vodedgePeer, v.Baseline, v.ratio(), v.Target.Ratio, v.Status)
}

// CPULine is the per-CPU verdict as one sentence, or "" without one.
func (v Verdict) CPULine() string {
	if v.CPUStatus == "" {
		return ""
	}
	return fmt.Sprintf("%s responses per busy CPU-second ratio %s/%s %.2f (target ≥ %.2f): %s",
		v.Scenario, vodedgePeer, v.Baseline, v.CPURatio, v.Target.Ratio, v.CPUStatus)
}

func (v Verdict) ratio() float64 {
	if v.Target.Metric == MetricRequests {
		return v.RequestsRatio
	}
	return v.ThroughputRatio
}

func orRequests(m Metric) Metric {
	if m == "" {
		return MetricRequests
	}
	return m
}

func metricLabel(m Metric) string {
	if m == MetricRequests {
		return "requests/s"
	}
	return string(m)
}

// judge summarizes every peer's counted rounds and draws the verdicts.
func (r *CompareReport) judge() {
	for si := range r.Scenarios {
		sr := &r.Scenarios[si]
		for pi := range sr.Peers {
			sr.Peers[pi].summarize()
		}
		sr.Verdicts = nil
		vi := sr.peerIndex(vodedgePeer)
		if vi < 0 {
			continue
		}
		for pi := range sr.Peers {
			if pi != vi {
				sr.Verdicts = append(sr.Verdicts, sr.verdict(&sr.Peers[vi], &sr.Peers[pi]))
			}
		}
	}
}

func (p *PeerResult) summarize() {
	var rps, mib, p99, scpu, wcpu, ocpu, pcpu, perGiB, per10k, pinGiB, pin10k []float64
	for _, rr := range p.Rounds {
		if !rr.counted() {
			continue
		}
		perGiB, per10k = appendCosts(perGiB, per10k, rr.ServerCPU, rr.Wrk)
		if rr.PinnedCPU > 0 {
			pcpu = append(pcpu, rr.PinnedCPU)
			pinGiB, pin10k = appendCosts(pinGiB, pin10k, rr.PinnedCPU, rr.Wrk)
		}
		rps = append(rps, rr.Wrk.RequestsPerSec)
		mib = append(mib, rr.Wrk.MiBPerSec())
		p99 = append(p99, ms(rr.Wrk.LatencyP99))
		scpu = append(scpu, rr.ServerCPU)
		wcpu = append(wcpu, rr.WrkCPU)
		ocpu = append(ocpu, rr.OtherCPU)
	}
	p.Counted = len(rps)
	p.RequestsPerSec, p.MiBPerSec, p.P99Millis = summarize(rps), summarize(mib), summarize(p99)
	p.ServerCPU, p.WrkCPU, p.OtherCPU = summarize(scpu), summarize(wcpu), summarize(ocpu)
	p.CPUPerGiB, p.CPUPer10k = summarize(perGiB), summarize(per10k)
	p.PinnedCPU, p.PinnedPerGiB, p.PinnedPer10k = summarize(pcpu), summarize(pinGiB), summarize(pin10k)
}

// appendCosts appends to perGiB and per10k what a round's responses
// cost at cpu percent of a core: CPU-seconds per GiB and per 10,000
// requests.
func appendCosts(perGiB, per10k []float64, cpu float64, w WrkResult) ([]float64, []float64) {
	if cores := cpu / 100; cores > 0 && w.RequestsPerSec > 0 {
		perGiB = append(perGiB, cores/(w.MiBPerSec()/1024))
		per10k = append(per10k, cores/(w.RequestsPerSec/10000))
	}
	return perGiB, per10k
}

func (sr *ScenarioResult) peerIndex(name string) int {
	for i, p := range sr.Peers {
		if p.Peer == name {
			return i
		}
	}
	return -1
}

func (sr *ScenarioResult) verdict(v, b *PeerResult) Verdict {
	out := Verdict{
		Scenario: sr.Scenario.Name, Baseline: b.Peer, Target: sr.Scenario.Target,
		RequestsRatio:   ratio(v.RequestsPerSec.Median, b.RequestsPerSec.Median),
		ThroughputRatio: ratio(v.MiBPerSec.Median, b.MiBPerSec.Median),
		P99Ratio:        ratio(v.P99Millis.Median, b.P99Millis.Median),
		RoundRatios:     roundRatios(v, b, sr.Scenario.Target.Metric),
	}
	var reasons []string
	if n, total := notHotRounds(v); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d of %d vodedge rounds served %d responses from outside the RAM tier, so there is no hot-RAM figure", n, len(v.Rounds), total))
		out.notHot = true
	}
	if n, total := notHotRounds(b); n > 0 {
		reasons = append(reasons, fmt.Sprintf("%d of %d %s rounds sent %d requests to the origin, so there is no hot figure", n, len(b.Rounds), b.Peer, total))
	}
	for _, p := range []*PeerResult{v, b} {
		if n := failedRounds(p); n > 0 {
			reasons = append(reasons, fmt.Sprintf("%d of %d %s rounds failed", n, len(p.Rounds), p.Peer))
		}
	}
	switch {
	case len(reasons) > 0:
		out.Status, out.Reason = "not judged", strings.Join(reasons, "; ")
	case sr.Scenario.Target.IsZero() || b.Peer == barePeer: // a ceiling, not a rival
		out.Status = "no target"
	default:
		out.Status = judgeRatio(out.ratio(), sr.Scenario.Target.Ratio)
		if v.PinnedPer10k.Median > 0 && b.PinnedPer10k.Median > 0 {
			out.CPURatio = b.PinnedPer10k.Median / v.PinnedPer10k.Median
			out.CPUStatus = judgeRatio(out.CPURatio, sr.Scenario.Target.Ratio)
		}
	}
	return out
}

func judgeRatio(got, target float64) string {
	if got >= target {
		return "met"
	}
	return "not met"
}

// roundRatios pairs the counted rounds of v and b by round number.
func roundRatios(v, b *PeerResult, m Metric) Summary {
	figure := func(r RoundResult) float64 {
		if m == MetricThroughput {
			return r.Wrk.MiBPerSec()
		}
		return r.Wrk.RequestsPerSec
	}
	base := map[int]float64{}
	for _, r := range b.Rounds {
		if r.counted() {
			base[r.Round] = figure(r)
		}
	}
	var rs []float64
	for _, r := range v.Rounds {
		if bf, ok := base[r.Round]; ok && r.counted() && bf > 0 {
			rs = append(rs, figure(r)/bf)
		}
	}
	return summarize(rs)
}

func notHotRounds(p *PeerResult) (rounds int, responses int64) {
	for _, rr := range p.Rounds {
		if rr.NotHot > 0 {
			rounds++
			responses += rr.NotHot
		}
	}
	return rounds, responses
}

func failedRounds(p *PeerResult) int {
	n := 0
	for _, rr := range p.Rounds {
		if rr.Err != "" {
			n++
		}
	}
	return n
}

// problems returns an error naming every verdict that could not be
// judged; it wraps ErrNotHot when vodedge was not hot.
func (r *CompareReport) problems() error {
	var errs []error
	for _, sr := range r.Scenarios {
		for _, v := range sr.Verdicts {
			switch {
			case v.notHot:
				errs = append(errs, fmt.Errorf("%s: %w: %s", v.Scenario, ErrNotHot, v.Reason))
			case v.Status == "not judged":
				errs = append(errs, fmt.Errorf("bench: %s: %s", v.Scenario, v.Reason))
			}
		}
	}
	return errors.Join(errs...)
}

// print writes a table per scenario and its verdicts.
func (r *CompareReport) print(w io.Writer) {
	if r.Disks > 1 {
		fmt.Fprintf(w, "\nvodedge: its disk tier (%s) over %d directories of the work dir, %s each (--disk); %s: the same edge on one\n",
			bytesize.Size(r.DiskBytes), r.Disks, bytesize.Size(r.DiskBytes/int64(r.Disks)), oneDiskPeer)
	}
	for _, sr := range r.Scenarios {
		s := sr.Scenario
		fmt.Fprintf(w, "\n== %s: %s, %s of %s\n", s.Name, s.Describe(), plural(r.Rounds, "round"), r.Load)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "peer\trequests/s median [min–max]\tMiB/s median [min–max]\tp99 ms median\tCPU: server\tclient\tothers\tserver CPU-s/GiB\t/10k req\trounds")
		for _, p := range sr.Peers {
			fmt.Fprintf(tw, "%s\t%.0f [%.0f–%.0f]\t%.1f [%.1f–%.1f]\t%.2f\t%.0f%%\t%.0f%%\t%.0f%%\t%.3f\t%.3f\t%d/%d\n", p.Peer,
				p.RequestsPerSec.Median, p.RequestsPerSec.Min, p.RequestsPerSec.Max,
				p.MiBPerSec.Median, p.MiBPerSec.Min, p.MiBPerSec.Max,
				p.P99Millis.Median, p.ServerCPU.Median, p.WrkCPU.Median, p.OtherCPU.Median,
				p.CPUPerGiB.Median, p.CPUPer10k.Median, p.Counted, len(p.Rounds))
		}
		tw.Flush()
		r.printPinned(w, sr)
		for _, v := range sr.Verdicts {
			fmt.Fprintf(w, "ratio %s/%s of medians: requests/s %.2f, MiB/s %.2f, p99 latency %.2f (lower is better)\n",
				vodedgePeer, v.Baseline, v.RequestsRatio, v.ThroughputRatio, v.P99Ratio)
			fmt.Fprintf(w, "  per-round %s ratios: median %.2f [%.2f–%.2f] over %s\n", metricLabel(orRequests(v.Target.Metric)),
				v.RoundRatios.Median, v.RoundRatios.Min, v.RoundRatios.Max, plural(v.RoundRatios.N, "round"))
		}
		for _, v := range sr.Verdicts {
			fmt.Fprintln(w, v.Line())
			if l := v.CPULine(); l != "" {
				fmt.Fprintln(w, l)
			}
		}
	}
}

// printPinned writes, for a pinned run, what the servers' CPU set spent
// per response with each peer: all of its busy time (printPinned's
// columns against the table's server columns show the kernel's share).
func (r *CompareReport) printPinned(w io.Writer, sr ScenarioResult) {
	if r.Pin.IsZero() {
		return
	}
	fmt.Fprintf(w, "CPU %s, all of its busy time (the server, the kernel's softirq work on it, anything else there):\n", r.Pin.ServerCPUs)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "  peer\tbusy median [min–max]\tCPU-s/GiB\t/10k req\trounds")
	for _, p := range sr.Peers {
		fmt.Fprintf(tw, "  %s\t%.0f%% [%.0f–%.0f]\t%.3f\t%.3f\t%d/%d\n", p.Peer, p.PinnedCPU.Median, p.PinnedCPU.Min, p.PinnedCPU.Max,
			p.PinnedPerGiB.Median, p.PinnedPer10k.Median, p.PinnedCPU.N, len(p.Rounds))
	}
	tw.Flush()
	vi := sr.peerIndex(vodedgePeer)
	if vi < 0 || sr.Peers[vi].PinnedPer10k.Median <= 0 {
		return
	}
	for _, p := range sr.Peers {
		if p.Peer != vodedgePeer && p.PinnedPer10k.Median > 0 {
			fmt.Fprintf(w, "  responses per busy CPU-second, %s/%s: %.2f\n", vodedgePeer, p.Peer, p.PinnedPer10k.Median/sr.Peers[vi].PinnedPer10k.Median)
		}
	}
}

// writeReport writes the report as JSON into the work dir and to
// ReportPath, and says where it went.
func (c *comparison) writeReport(rep *CompareReport) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("bench: encode report: %w", err)
	}
	return writeJSON(c.cfg.Out, b, c.wd, "compare-report.json", c.cfg.ReportPath)
}

func writeJSON(out io.Writer, b []byte, wd *workDir, name, extra string) error {
	b = append(b, '\n')
	var errs []error
	paths := []string{wd.join(name)}
	if extra != "" {
		paths = append(paths, extra)
	}
	for _, p := range paths {
		if err := os.WriteFile(p, b, 0o644); err != nil {
			errs = append(errs, fmt.Errorf("bench: write report: %w", err))
			continue
		}
		if p != paths[0] || !wd.remove {
			fmt.Fprintf(out, "JSON report: %s\n", p)
		}
	}
	if wd.remove && extra == "" {
		fmt.Fprintln(out, "(the work dir and its JSON report are removed at exit: use --keep or --json FILE to keep it)")
	}
	return errors.Join(errs...)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
