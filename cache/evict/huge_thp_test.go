//go:build linux && (amd64 || arm64)

package evict

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"
)

// vmFlags returns the VmFlags of the mapping holding address a, from
// /proc/self/smaps.
func vmFlags(t *testing.T, a uintptr) []string {
	t.Helper()
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		var lo, hi uintptr
		if n, _ := fmt.Sscanf(line, "%x-%x", &lo, &hi); n == 2 && strings.Contains(line, " ") && !strings.HasSuffix(strings.Fields(line)[0], ":") {
			in = lo <= a && a < hi
			continue
		}
		if in && strings.HasPrefix(line, "VmFlags:") {
			return strings.Fields(strings.TrimPrefix(line, "VmFlags:"))
		}
	}
	t.Fatalf("no mapping holds %#x", a)
	return nil
}

func skipWithoutTHP(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("kernel without transparent huge pages")
	}
}

// hugeAdvised reports whether the 2 MiB-aligned page after p is advised.
func hugeAdvised(t *testing.T, p unsafe.Pointer) bool {
	a := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	for _, f := range vmFlags(t, a) {
		if f == "hg" {
			return true
		}
	}
	return false
}

func TestLargeArraysAreAdvisedForHugePages(t *testing.T) {
	skipWithoutTHP(t)
	s := makeArray[uint64](3*hugePage/8, true)
	if !hugeAdvised(t, unsafe.Pointer(&s[0])) {
		t.Fatalf("a %d MiB array is not advised for huge pages", len(s)*8>>20)
	}
}

// TestNodeSlabsAreAdvisedAndDisjoint fills a table's nodes past the point
// where chunks come from slabs: every chunk is its own memory (a node
// written reads back) and the slabs are advised for huge pages.
func TestNodeSlabsAreAdvisedAndDisjoint(t *testing.T) {
	skipWithoutTHP(t)
	s := newNodes()
	s.huge = true
	n := (slabFrom + 2*slabFrom + 3) * chunkLen
	for i := range n {
		e := s.alloc()
		s.at(e).hash = uint64(i) + 1
	}
	for i := range n {
		if got := s.at(int32(i)).hash; got != uint64(i)+1 {
			t.Fatalf("node %d holds %d: chunks overlap", i, got-1)
		}
	}
	if !hugeAdvised(t, unsafe.Pointer(&s.chunks[slabFrom][0])) {
		t.Fatal("a slab of nodes is not advised for huge pages")
	}
}

// TestCompactWithoutHugePages checks the switch reaches every array.
func TestCompactWithoutHugePages(t *testing.T) {
	c, err := NewCompact(CompactConfig{CapacityBytes: 1 << 40, NoHugePages: true})
	if err != nil {
		t.Fatal(err)
	}
	if c.t.nodes.huge || c.t.idx.huge || c.t.ghost.huge {
		t.Fatal("NoHugePages left an array advised")
	}
	c, err = NewCompact(CompactConfig{CapacityBytes: 1 << 40})
	if err != nil {
		t.Fatal(err)
	}
	if !c.t.nodes.huge || !c.t.idx.huge || !c.t.ghost.huge {
		t.Fatal("huge pages are not the default")
	}
}
