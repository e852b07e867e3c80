//go:build linux && (amd64 || arm64)

package evict

import (
	"syscall"
	"unsafe"
)

// madviseHuge advises [p, p+n), 2 MiB-aligned, for transparent huge
// pages. An error (a kernel without THP) leaves the pages as they are.
func madviseHuge(p unsafe.Pointer, n uintptr) {
	_ = syscall.Madvise(unsafe.Slice((*byte)(p), n), syscall.MADV_HUGEPAGE)
}
