package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat: 100
// on every Linux architecture Go supports.
const clockTicks = 100

// procStat is what the bench reads from /proc/PID/stat.
type procStat struct {
	ppid       int
	cpuTicks   int64 // utime + stime
	terminated bool  // zombie or dead
}

func readProcStat(pid int) (procStat, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return procStat{}, err
	}
	// The command name (field 2) is in parentheses and may hold spaces
	// and parentheses itself: the fields that follow start after the
	// last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 || i+2 > len(b) {
		return procStat{}, fmt.Errorf("bench: /proc/%d/stat: unexpected format", pid)
	}
	f := strings.Fields(string(b[i+2:]))
	if len(f) < 13 {
		return procStat{}, fmt.Errorf("bench: /proc/%d/stat: %d fields", pid, len(f))
	}
	// f[0] is field 3 (state), so field N is f[N-3].
	ppid, err1 := strconv.Atoi(f[1])
	ut, err2 := strconv.ParseInt(f[11], 10, 64)
	st, err3 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return procStat{}, fmt.Errorf("bench: /proc/%d/stat: %w", pid, err)
	}
	return procStat{ppid: ppid, cpuTicks: ut + st, terminated: f[0] == "Z" || f[0] == "X"}, nil
}

// cpuTicks returns the CPU time (user + system, in clockTicks) the given
// processes have used. Processes that are gone count 0.
func cpuTicks(pids []int) int64 {
	var n int64
	for _, pid := range pids {
		if st, err := readProcStat(pid); err == nil {
			n += st.cpuTicks
		}
	}
	return n
}

// childPIDs returns the live children of ppid, found by scanning /proc
// (nginx's workers, for instance).
func childPIDs(ppid int) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, err := readProcStat(pid); err == nil && st.ppid == ppid && !st.terminated {
			out = append(out, pid)
		}
	}
	return out
}

// memStatus is a process's resident set size now and at its peak, from
// VmRSS and VmHWM in /proc/PID/status.
type memStatus struct {
	RSS, HWM int64 // bytes
}

func readMemStatus(pid int) (memStatus, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return memStatus{}, err
	}
	defer f.Close()
	var m memStatus
	found := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		kb, err := parseKB(val)
		if err != nil {
			return memStatus{}, fmt.Errorf("bench: /proc/%d/status %s: %w", pid, key, err)
		}
		if key == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.HWM = kb << 10
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return memStatus{}, err
	}
	if found < 2 {
		return memStatus{}, fmt.Errorf("bench: /proc/%d/status: no VmRSS/VmHWM (process exited?)", pid)
	}
	return m, nil
}

// parseKB reads the value of a /proc "Key:   N kB" line (after the
// colon).
func parseKB(val string) (int64, error) {
	return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(val), " kB"), 10, 64)
}

// anonHugePages is this process's anonymous memory on transparent huge
// pages, from /proc/self/smaps_rollup; -1 when it cannot be read.
func anonHugePages() int64 {
	b, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			if kb, err := parseKB(v); err == nil {
				return kb << 10
			}
		}
	}
	return -1
}

// The fields of a /proc/stat CPU line, after its name.
var (
	busyFields = []int{1, 2, 3, 6, 7, 8} // user nice system irq softirq steal
	idleFields = []int{4, 5}             // idle iowait
)

// machineBusyTicks returns the CPU time, in clockTicks summed over all
// CPUs, the machine has spent on anything but idling (user, nice, system,
// irq, softirq, and steal: time the hypervisor gave to other guests).
func machineBusyTicks() int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return sumFields(strings.Fields(line), "cpu", busyFields)
}

// cpuSetIdleTicks returns the time, in clockTicks summed over the CPUs
// listed, they spent idle (idle and iowait). On a tickless kernel (nohz,
// the default) the kernel keeps these two exactly, from the moments each
// CPU went idle and woke, where the busy fields are sampled: each tick
// charges its whole period to what the CPU was doing at that instant.
// Under a load that wakes the CPU often, as a server's is, the samples
// are biased: on the 2-core loopback machine, with CPU 0 20–30 % busy
// serving 2 MiB hits, the busy fields summed to 5–40 % more than the
// wall time less the exact idle time, by amounts that differed between
// servers and rounds. A CPU set's busy time is therefore taken as the
// wall time less this (busyPercent).
func cpuSetIdleTicks(cpus []int) int64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	var idle int64
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) == 0 || !strings.HasPrefix(f[0], "cpu") {
			continue
		}
		if n, err := strconv.Atoi(f[0][3:]); err == nil && slices.Contains(cpus, n) {
			idle += sumFields(f, f[0], idleFields)
		}
	}
	return idle
}

// busyPercent is how busy n CPUs were over wall, in percent of one CPU
// (up to 100·n), given the idle time they had over it (cpuSetIdleTicks).
func busyPercent(n int, idleTicks int64, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return max(0, 100*(float64(n)-float64(idleTicks)/clockTicks/wall.Seconds()))
}

// sumFields sums the given fields of a /proc/stat CPU line split into
// f, whose first field must be name.
func sumFields(f []string, name string, fields []int) int64 {
	if len(f) < 9 || f[0] != name {
		return 0
	}
	var sum int64
	for _, i := range fields {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		sum += n
	}
	return sum
}
