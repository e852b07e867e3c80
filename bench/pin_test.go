package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestParseCPUList(t *testing.T) {
	if machineCPUs() < 2 {
		t.Skip("needs two CPUs")
	}
	for in, want := range map[string]string{"0": "0", "1,0": "0,1", "0-1": "0,1", "0,0-1": "0,1"} {
		got, err := parseCPUList(in)
		if err != nil || formatCPUList(got) != want {
			t.Errorf("parseCPUList(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1-0", "-1", "0,", "999", "0-999"} {
		if _, err := parseCPUList(in); err == nil {
			t.Errorf("parseCPUList(%q) accepted", in)
		}
	}
	if err := (Pin{ServerCPUs: "0", LoadCPUs: "0-1"}).validate(); err == nil {
		t.Error("a CPU in both lists was accepted")
	}
	if bin, args := pinned("0", "nginx", []string{"-g", "x"}); bin != "taskset" || strings.Join(args, " ") != "-c 0 nginx -g x" {
		t.Errorf("pinned: %s %v", bin, args)
	}
}

// TestPinnedPeersRunOnTheirCPUs starts nginx-static and vodedge pinned
// to CPU 0 and reads every one of their processes' and threads' allowed
// CPUs from /proc; nginx must run exactly one worker.
func TestPinnedPeersRunOnTheirCPUs(t *testing.T) {
	if testing.Short() || machineCPUs() < 2 {
		t.Skip("starts nginx and vodedge; needs two CPUs")
	}
	nginxBin, vodedgeBin := testenv.Tool(t, "nginx"), testenv.Vodedge(t)
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "a.m4s"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	ng := NewNginxStatic(NginxConfig{Binary: nginxBin, Root: root, WorkDir: t.TempDir()})
	ve := NewVodedge(VodedgeConfig{Binary: vodedgeBin, OriginDir: root, WorkDir: t.TempDir(), RAMBytes: 16 << 20})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, p := range []interface {
		Peer
		Pinner
		ProcessLister
	}{ng, ve} {
		p.Pin("0")
		if _, err := p.Start(ctx); err != nil {
			t.Fatalf("%s: %v", p.Name(), err)
		}
		pids := p.PIDs()
		if p.Name() == "nginx-static" && len(pids) != 2 {
			t.Errorf("nginx pinned to one CPU runs %d processes, want a master and one worker", len(pids))
		}
		for _, pid := range pids {
			for task, cpus := range allowedCPUs(t, pid) {
				if cpus != "0" {
					t.Errorf("%s: pid %d thread %s may run on CPUs %q, want 0", p.Name(), pid, task, cpus)
				}
			}
		}
		if err := p.Stop(); err != nil {
			t.Error(err)
		}
	}
}

// allowedCPUs returns Cpus_allowed_list of every thread of pid.
func allowedCPUs(t *testing.T, pid int) map[string]string {
	t.Helper()
	dir := filepath.Join("/proc", strconv.Itoa(pid), "task")
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, task := range tasks {
		b, err := os.ReadFile(filepath.Join(dir, task.Name(), "status"))
		if err != nil {
			continue // the thread ended
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "Cpus_allowed_list:"); ok {
				out[task.Name()] = strings.TrimSpace(v)
			}
		}
	}
	return out
}

// FuzzParseCPUList: any list parseCPUList accepts comes back sorted,
// without repeats, within the machine, and reads back the same once
// formatted.
func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0", "0-1", "1,0", "0,0-1", "x", "1-0", "0,", "-1", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cpus, err := parseCPUList(s)
		if err != nil {
			return
		}
		for i, c := range cpus {
			if c < 0 || c >= machineCPUs() || (i > 0 && c <= cpus[i-1]) {
				t.Fatalf("parseCPUList(%q) = %v", s, cpus)
			}
		}
		again, err := parseCPUList(formatCPUList(cpus))
		if err != nil || formatCPUList(again) != formatCPUList(cpus) {
			t.Fatalf("%q: %v reads back as %v, %v", s, cpus, again, err)
		}
	})
}

// The report's CPU count is the machine's, not the bench's own affinity
// (make bench-compare-pinned runs the bench under taskset beside wrk,
// and its header said "1 CPUs"); a pinned run also says how many the
// servers have.
func TestHostInfoCountsTheMachinesCPUs(t *testing.T) {
	h := hostInfo(t.Context(), Tools{})
	if h.CPUs != readMachineCPUs() {
		t.Fatalf("CPUs %d, the machine has %d", h.CPUs, readMachineCPUs())
	}
	if got, want := h.cpuLine(), fmt.Sprintf("%d CPUs", h.CPUs); got != want {
		t.Fatalf("unpinned: %q, want %q", got, want)
	}
	h.ServerCPUs = cpuCount("0")
	if got, want := h.cpuLine(), fmt.Sprintf("%d CPUs, servers pinned to 1", h.CPUs); got != want {
		t.Fatalf("pinned: %q, want %q", got, want)
	}
}

// An A/B's report names the base build: its version line, path and
// build time, so two "dev" builds can be told apart.
func TestHostInfoNamesTheBaseBuild(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vodedge-old")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho 'vodedge version 0.0.0~abc1234'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if h := hostInfo(t.Context(), Tools{}); h.VodedgeBase != "" {
		t.Fatalf("no base binary, yet base build %q", h.VodedgeBase)
	}
	h := hostInfo(t.Context(), Tools{VodedgeBase: bin})
	for _, want := range []string{"vodedge version 0.0.0~abc1234", bin, ", built 20"} {
		if !strings.Contains(h.VodedgeBase, want) {
			t.Fatalf("base build %q lacks %q", h.VodedgeBase, want)
		}
	}
}

// A CPU set's busy time is the wall time less its idle time: a thread
// spinning on CPU 0 makes CPU 0 busy for as long as it spins, a CPU the
// machine lacks has no idle time, and the fields are summed as named.
func TestCPUSetBusyTime(t *testing.T) {
	f := strings.Fields("cpu0 1 2 3 4 5 6 7 8 9 10")
	if sumFields(f, "cpu0", busyFields) != 1+2+3+6+7+8 || sumFields(f, "cpu0", idleFields) != 4+5 || sumFields(f, "cpu1", busyFields) != 0 {
		t.Fatalf("fields of %q: busy %d, idle %d (as cpu0), busy %d (as cpu1); want 27, 9 and 0",
			f, sumFields(f, "cpu0", busyFields), sumFields(f, "cpu0", idleFields), sumFields(f, "cpu1", busyFields))
	}
	if n := cpuSetIdleTicks([]int{machineCPUs() + 7}); n != 0 {
		t.Fatalf("a CPU the machine lacks was idle %d ticks", n)
	}
	if p := busyPercent(2, 150, 2*time.Second); p != 125 {
		t.Fatalf("2 CPUs idle 1.5 s of 2 s: busy %.1f %%, want 125", p)
	}
	if p := busyPercent(1, 0, 0); p != 0 {
		t.Fatalf("no time at all: busy %.1f %%", p)
	}
	started := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, its affinity with it
		var one unix.CPUSet
		one.Set(0)
		if err := unix.SchedSetaffinity(0, &one); err != nil {
			t.Error(err)
			close(started)
			return
		}
		close(started)
		spins := 0
		for end := time.Now().Add(500 * time.Millisecond); time.Now().Before(end); spins++ {
		}
		if spins == 0 {
			t.Error("the spin never ran")
		}
	}()
	<-started
	idle0, at := cpuSetIdleTicks([]int{0}), time.Now()
	<-done
	// CPU 0 is busy all the while: with the spinning thread, or with
	// whatever kept it from running there. The kernel rounds idle time
	// to ticks (10 ms) at each read.
	if p := busyPercent(1, cpuSetIdleTicks([]int{0})-idle0, time.Since(at)); p < 90 {
		t.Fatalf("CPU 0 was %.0f %% busy while a thread spun on it", p)
	}
}
