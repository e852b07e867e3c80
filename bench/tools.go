package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// Tools are the programs a benchmark runs.
type Tools struct {
	// Vodedge is the vodedge binary to measure. Required: the command
	// passes its own executable.
	Vodedge string `json:"vodedge"`
	// VodedgeBase, when set, is a second vodedge binary, measured beside
	// Vodedge as the peer "vodedge-base": an A/B of two builds in one run.
	VodedgeBase string `json:"vodedge_base,omitempty"`
	// VodedgeArgs and VodedgeBaseArgs are added to the edge command line
	// of the peers vodedge and vodedge-base: an A/B of two settings of
	// one build (--event-loops 1 against none, say). The soak adds
	// VodedgeArgs to every edge of its site.
	VodedgeArgs     []string `json:"vodedge_args,omitempty"`
	VodedgeBaseArgs []string `json:"vodedge_base_args,omitempty"`
	// Nginx is the nginx binary; "" looks for nginx in PATH, then in
	// /usr/sbin (where Debian puts it, outside a normal user's PATH).
	Nginx string `json:"nginx,omitempty"`
	// Wrk is the wrk binary; "" looks for wrk in PATH.
	Wrk string `json:"wrk"`
	// Varnish is varnishd; "" looks in PATH, then /usr/sbin.
	Varnish string `json:"varnishd,omitempty"`

	noWrk bool // the run's load client is not wrk: resolve does not need it
}

// resolve fills the empty paths and checks that every program needed is
// there.
func (t *Tools) resolve(needNginx bool, needVarnish ...bool) error {
	var errs []error
	if t.Vodedge == "" {
		errs = append(errs, errors.New("bench: no vodedge binary given"))
	} else if p, err := filepath.Abs(t.Vodedge); err != nil {
		errs = append(errs, err)
	} else {
		t.Vodedge = p
	}
	if t.VodedgeBase != "" {
		if p, err := filepath.Abs(t.VodedgeBase); err != nil {
			errs = append(errs, err)
		} else {
			t.VodedgeBase = p
		}
	}
	if !t.noWrk {
		resolveTool(&t.Wrk, "wrk", &errs)
	}
	if needNginx {
		resolveTool(&t.Nginx, "nginx", &errs)
	}
	if len(needVarnish) > 0 && needVarnish[0] {
		resolveTool(&t.Varnish, "varnishd", &errs)
	}
	return errors.Join(errs...)
}

func resolveTool(path *string, name string, errs *[]error) {
	if *path != "" {
		p, err := exec.LookPath(*path)
		if err != nil {
			*errs = append(*errs, fmt.Errorf("bench: %s: %w", name, err))
		}
		*path = p
		return
	}
	if p, err := exec.LookPath(name); err == nil {
		*path = p
		return
	}
	for _, dir := range []string{"/usr/sbin", "/usr/local/sbin", "/usr/local/bin"} {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			*path = p
			return
		}
	}
	*errs = append(*errs, fmt.Errorf("bench: %s not found in PATH or /usr/sbin (Debian: apt-get install %s)", name, name))
}

// HostInfo describes the machine and programs of a run, so that a report
// read later says what it measured.
type HostInfo struct {
	// CPUs is the machine's online CPUs, whatever the bench's own
	// affinity (a pinned run starts it under taskset beside wrk).
	CPUs int `json:"cpus"`
	// ServerCPUs is how many of them a pinned run gives the servers; 0
	// when not pinned.
	ServerCPUs  int    `json:"server_cpus,omitempty"`
	Kernel      string `json:"kernel"`
	LoadAverage string `json:"load_average_at_start"`
	Vodedge     string `json:"vodedge_version"`
	// VodedgeBase names the vodedge-base peer's build in an A/B: its
	// version line, path and modification time.
	VodedgeBase string `json:"vodedge_base_build,omitempty"`
	Nginx       string `json:"nginx_version,omitempty"`
	Wrk         string `json:"wrk_version"`
	Varnish     string `json:"varnish_version,omitempty"`
}

func hostInfo(ctx context.Context, t Tools) HostInfo {
	h := HostInfo{
		CPUs:        machineCPUs(),
		Kernel:      readTrimmed("/proc/sys/kernel/osrelease"),
		LoadAverage: loadAverage(),
		Vodedge:     versionLine(ctx, t.Vodedge, "--version"),
		Wrk:         versionLine(ctx, t.Wrk, "-v"),
	}
	if t.VodedgeBase != "" {
		h.VodedgeBase = buildLine(ctx, t.VodedgeBase)
	}
	if t.Nginx != "" {
		h.Nginx = versionLine(ctx, t.Nginx, "-v")
	}
	if t.Varnish != "" {
		h.Varnish = versionLine(ctx, t.Varnish, "-V")
	}
	return h
}

// loadAverage returns the 1, 5 and 15 minute load averages.
func loadAverage() string {
	f := strings.Fields(readTrimmed("/proc/loadavg"))
	return strings.Join(f[:min(3, len(f))], " ")
}

func readTrimmed(path string) string {
	b, _ := os.ReadFile(path)
	return strings.TrimSpace(string(b))
}

// versionLine returns the first line a program prints for its version
// flag (wrk exits 1 after printing it; nginx prints to stderr).
func versionLine(ctx context.Context, bin, flag string) string {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, bin, flag).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

// buildLine names a vodedge binary for a report: its version line, its
// path and when it was built (its modification time), so that an A/B of
// two development builds (both "dev") still says which was which.
func buildLine(ctx context.Context, bin string) string {
	line := fmt.Sprintf("%s (%s", versionLine(ctx, bin, "--version"), bin)
	if fi, err := os.Stat(bin); err == nil {
		line += ", built " + fi.ModTime().UTC().Format(time.DateTime) + " UTC"
	}
	return line + ")"
}

func numCPU() int { return runtime.NumCPU() }

// cpuLine says how many CPUs the machine has and, when pinned, how
// many of them the servers run on.
func (h HostInfo) cpuLine() string {
	if h.ServerCPUs > 0 {
		return fmt.Sprintf("%d CPUs, servers pinned to %d", h.CPUs, h.ServerCPUs)
	}
	return fmt.Sprintf("%d CPUs", h.CPUs)
}
