//go:build !(linux && (amd64 || arm64))

package evict

import "unsafe"

// madviseHuge does nothing where huge pages are not advised.
func madviseHuge(unsafe.Pointer, uintptr) {}
