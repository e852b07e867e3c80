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
// gigabytes a lookup walks at random. On a quiet machine the 20 M / 100k
// p99 ratio was 1.68–1.82× with it (5 runs) and 1.79–2.04× without (4
// runs; one over the 2× target), though only about 100 MiB more of the
// process went onto huge pages (cache/disktier doc, Scale). glibc reads
// tunables only at process start, so the edge (and the bench's model of
// it) re-executes itself once with it set.
const hugeMallocTunable = "glibc.malloc.hugetlb=1"

// hugeMallocOff is the environment variable that keeps glibc's default.
const hugeMallocOff = "VODEDGE_NO_HUGE_MALLOC"

// withHugeMalloc re-executes this process, same arguments, with
// hugeMallocTunable added to GLIBC_TUNABLES unless it is set already.
// The commands that run a long-lived disk tier (edge, bench scale-node)
// call it first thing, so it holds wherever the root's flags stand. It
// returns only if it did not re-execute (already set, turned off, or
// exec failed: the process then runs with glibc's default, which is
// only slower).
func withHugeMalloc() {
	if os.Getenv(hugeMallocOff) != "" {
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
	_ = syscall.Exec(exe, os.Args, env)
}
