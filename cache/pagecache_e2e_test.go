package cache

import (
	"bytes"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"golang.org/x/sys/unix"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestDiskBodySendsFollowThePageCache serves a disk hit of more than
// 64 KiB while its data file is in the page cache, and again after the
// file is dropped from it: both arrive whole, and the metric counts one
// body sent with its bytes cached and one without. A body of 64 KiB or
// less is not counted.
func TestDiskBodySendsFollowThePageCache(t *testing.T) {
	needCachestat(t)
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	const big, small = 200_000, 20_000 // one slice each (testConfig: 256 KiB)
	o.PutPattern("/big.m4s", big)
	o.PutPattern("/small.m4s", small)
	e := startUnsampledDiskEdge(t, dir, o)
	c := client(t)
	for _, p := range []string{"/big.m4s", "/small.m4s"} {
		do(t, c, "GET", e.url+p)
	}
	waitIdle(t, e)
	hit := func(path string, size int64) {
		t.Helper()
		r := do(t, c, "GET", e.url+path)
		if r.header.Get("X-Cache") != "HIT-DISK" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
			t.Fatalf("%s: X-Cache %q, %d bytes; want a whole disk hit of %d", path, r.header.Get("X-Cache"), len(r.body), size)
		}
	}
	sends := func(pages string) float64 { return testutil.ToFloat64(e.srv.metrics.diskSends.WithLabelValues(pages)) }

	hit("/big.m4s", big)
	hit("/small.m4s", small)
	if sends("cached") != 1 || sends("uncached") != 0 {
		t.Fatalf("after a big and a small hit in the page cache: cached %v, uncached %v; want 1 and 0", sends("cached"), sends("uncached"))
	}
	if !dropDataFiles(t, dir) {
		t.Skip("this file system keeps the data files' pages: nothing to drop")
	}
	hit("/big.m4s", big)
	if sends("cached") != 1 || sends("uncached") != 1 {
		t.Fatalf("after a hit on a file out of the page cache: cached %v, uncached %v; want 1 and 1", sends("cached"), sends("uncached"))
	}
}

// dropDataFiles drops every data file under dir from the page cache; it
// reports whether they are out of it.
func dropDataFiles(t *testing.T, dir string) bool {
	t.Helper()
	// A page sent with sendfile is held by the socket buffer that
	// carried it until that buffer is freed, and a buffer freed on
	// another CPU than the one that made it waits in that CPU's list of
	// deferred frees until the CPU next does network receive work: poke
	// every CPU, and try again a few times.
	for range 10 {
		out := true
		eachDataFile(t, dir, os.O_RDONLY, func(f *os.File) { out = dropPages(t, f) && out })
		if out {
			return true
		}
		pokeEveryCPU(t)
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// pokeEveryCPU sends a few bytes over loopback from a thread on each
// CPU the process may run on, in turn, so that each runs its network
// receive work (which frees the socket buffers deferred to it).
func pokeEveryCPU(t *testing.T) {
	t.Helper()
	var all unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for cpu := range 1024 {
		if !all.IsSet(cpu) {
			continue
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			runtime.LockOSThread() // never unlocked: the pinned thread ends with the goroutine
			var set unix.CPUSet
			set.Set(cpu)
			if unix.SchedSetaffinity(0, &set) != nil {
				return
			}
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				return
			}
			defer c.Close()
			if s, err := ln.Accept(); err == nil {
				s.SetDeadline(time.Now().Add(time.Second))
				if _, err := c.Write([]byte("poke")); err == nil {
					s.Read(make([]byte, 4))
				}
				s.Close()
			}
		}()
		<-done
	}
}

// eachDataFile calls fn with every data file under dir, opened with
// flag.
func eachDataFile(t *testing.T, dir string, flag int, fn func(f *os.File)) {
	t.Helper()
	filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		f, err := os.OpenFile(p, flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		fn(f)
		return nil
	})
}
