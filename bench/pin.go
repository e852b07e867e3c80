package bench

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Pinner is a Peer that can be confined to a set of CPUs before Start:
// its programs run under taskset, and a server that sizes itself by the
// CPUs it has (nginx's workers) is sized to the set.
type Pinner interface {
	Pin(cpus string)
}

// parseCPUList reads a CPU list as taskset -c takes it ("0", "0-2",
// "0,2-3") and returns the CPUs, sorted and without repeats. Every CPU
// must exist on this machine.
func parseCPUList(s string) ([]int, error) {
	n := machineCPUs()
	var out []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err1 := strconv.Atoi(lo)
		b := a
		var err2 error
		if isRange {
			b, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil || a < 0 || b < a {
			return nil, fmt.Errorf("bench: CPU list %q: %q is not a CPU or a range of CPUs", s, part)
		}
		if b >= n {
			return nil, fmt.Errorf("bench: CPU list %q: this machine has CPUs 0–%d", s, n-1)
		}
		for c := a; c <= b; c++ {
			out = append(out, c)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// formatCPUList writes cpus as a comma-separated list.
func formatCPUList(cpus []int) string {
	s := make([]string, len(cpus))
	for i, c := range cpus {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ",")
}

// Pin is how a pinned comparison splits the machine: the servers share
// ServerCPUs, the load generator gets LoadCPUs.
type Pin struct {
	ServerCPUs string `json:"server_cpus"`
	LoadCPUs   string `json:"load_cpus"`
}

// NewPin puts the servers on servers and wrk on every other CPU.
func NewPin(servers string) (Pin, error) {
	sc, err := parseCPUList(servers)
	if err != nil {
		return Pin{}, err
	}
	var load []int
	for c := range machineCPUs() {
		if !slices.Contains(sc, c) {
			load = append(load, c)
		}
	}
	if len(load) == 0 {
		return Pin{}, fmt.Errorf("bench: pinning the servers to CPUs %s leaves none for the load generator (this machine has %d)", servers, machineCPUs())
	}
	if _, err := exec.LookPath("taskset"); err != nil {
		return Pin{}, errors.New("bench: pinning needs taskset (Debian package util-linux)")
	}
	return Pin{ServerCPUs: formatCPUList(sc), LoadCPUs: formatCPUList(load)}, nil
}

// validate checks both lists and that they share no CPU.
func (p Pin) validate() error {
	if p.IsZero() && p.LoadCPUs == "" {
		return nil
	}
	sc, err1 := parseCPUList(p.ServerCPUs)
	lc, err2 := parseCPUList(p.LoadCPUs)
	if err := errors.Join(err1, err2); err != nil {
		return err
	}
	for _, c := range sc {
		if slices.Contains(lc, c) {
			return fmt.Errorf("bench: CPU %d is in both the servers' list (%s) and the load generator's (%s)", c, p.ServerCPUs, p.LoadCPUs)
		}
	}
	return nil
}

// IsZero reports whether nothing is pinned.
func (p Pin) IsZero() bool { return p.ServerCPUs == "" }

// pinned returns the command that runs bin with args on cpus: taskset
// in front, or bin itself when cpus is "".
func pinned(cpus, bin string, args []string) (string, []string) {
	if cpus == "" {
		return bin, args
	}
	return "taskset", append([]string{"-c", cpus, bin}, args...)
}

// cpuCount is the number of CPUs in a list parseCPUList accepts; 0 for
// "" or a list it refuses.
func cpuCount(cpus string) int {
	if cpus == "" {
		return 0
	}
	l, err := parseCPUList(cpus)
	if err != nil {
		return 0
	}
	return len(l)
}

// machineCPUs is the number of CPUs the machine has online, whatever the
// bench's own affinity (make bench-compare-pinned runs it under taskset
// beside wrk): the highest CPU in /sys/devices/system/cpu/online plus
// one, or runtime.NumCPU when that cannot be read.
var machineCPUs = sync.OnceValue(readMachineCPUs)

func readMachineCPUs() int {
	b, err := os.ReadFile("/sys/devices/system/cpu/online")
	if err != nil {
		return runtime.NumCPU()
	}
	list := strings.TrimSpace(string(b))
	last := list[strings.LastIndexAny(list, ",-")+1:]
	n, err := strconv.Atoi(last)
	if err != nil {
		return runtime.NumCPU()
	}
	return n + 1
}
