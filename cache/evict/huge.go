package evict

import "unsafe"

// Huge pages: at 20 million entries the table's arrays take about
// 0.9 GB (index slots, ghost slots, nodes) and every Touch lands on
// a random page of each, so with 4 KiB pages nearly every probe is a
// TLB miss as well as a cache miss. The arrays are ordinary Go slices
// (no Go pointers in them); on Linux the whole 2 MiB-aligned part of a
// large one is advised for transparent huge pages (madvise
// MADV_HUGEPAGE, which a system whose THP setting is "madvise" honours
// only for ranges so advised). Memory the kernel has not handed out yet
// then comes as huge pages on first touch; pages already touched are
// left to khugepaged. The advice stays on the range after the Go
// runtime frees it, so later allocations there may get huge pages too.
// CompactConfig.NoHugePages turns it off.

// hugePage is the size of a transparent huge page on amd64 and arm64.
const hugePage = 2 << 20

// hugeMin is the smallest array advised: below it too little of it is
// aligned to gain anything.
const hugeMin = 2 * hugePage

// makeArray returns a zeroed slice of n Ts, advised for huge pages if
// huge is set and it is large enough.
func makeArray[T any](n int, huge bool) []T {
	s := make([]T, n)
	if huge && n > 0 {
		adviseHuge(unsafe.Pointer(unsafe.SliceData(s)), uintptr(n)*unsafe.Sizeof(s[0]))
	}
	return s
}

// adviseHuge advises the 2 MiB-aligned part of [p, p+n) for huge pages.
func adviseHuge(p unsafe.Pointer, n uintptr) {
	if n < hugeMin {
		return
	}
	start := (uintptr(p) + hugePage - 1) &^ (hugePage - 1)
	end := (uintptr(p) + n) &^ (hugePage - 1)
	if end > start {
		madviseHuge(unsafe.Add(p, start-uintptr(p)), end-start)
	}
}
