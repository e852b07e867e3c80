package main

import (
	"os"
	"slices"
	"strings"
	"syscall"
)

// hugeMallocTunable makes glibc's malloc advise transparent huge pages
// for the memory it maps. Pebble allocates its block cache with C malloc
// (cgo builds), and at tens of millions of objects that cache is
// gigabytes a lookup walks at random: on huge pages a lookup's p99 at
// 20 M objects came within 2× of its p99 at 100k (cache/disktier doc,
// Scale). glibc reads tunables only at process start, so the edge (and
// the bench's model of it) re-executes itself once with it set.
const hugeMallocTunable = "glibc.malloc.hugetlb=1"

// hugeMallocOff is the environment variable that keeps glibc's default.
const hugeMallocOff = "VODEDGE_NO_HUGE_MALLOC"

// withHugeMalloc re-executes this process with hugeMallocTunable added to
// GLIBC_TUNABLES when args run the edge or the scale bench's node and
// the tunable is not set yet. It returns only if it did not re-execute
// (not such a command, already set, turned off, or exec failed: the
// process then runs with glibc's default, which is only slower).
func withHugeMalloc(args []string) {
	if !wantsHugeMalloc(args) || os.Getenv(hugeMallocOff) != "" {
		return
	}
	cur := os.Getenv("GLIBC_TUNABLES")
	if strings.Contains(cur, "glibc.malloc.hugetlb") {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	val := hugeMallocTunable
	if cur != "" {
		val = cur + ":" + hugeMallocTunable
	}
	env := append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "GLIBC_TUNABLES=") }),
		"GLIBC_TUNABLES="+val)
	_ = syscall.Exec(exe, args, env)
}

// wantsHugeMalloc says whether args run a long-lived disk tier: `vodedge
// edge` or the child `vodedge bench scale-node`.
func wantsHugeMalloc(args []string) bool {
	if len(args) < 2 {
		return false
	}
	return args[1] == "edge" || (args[1] == "bench" && len(args) > 2 && args[2] == "scale-node")
}
