package cache

import "syscall"

// The socket calls of a hit, made without telling Go's scheduler: the
// request's read and the response's writev, its send, the cork, and
// the sendfile of a body in the page cache (internal/rawsock, shared
// with cache/evloop). Each is on a non-blocking socket and returns at
// once (EAGAIN when it would wait, which RawConn then waits for in Go's
// poller), so the thread keeps its P through it, as an event loop keeps
// its CPU. Made through the scheduler, every such call costs the
// entersyscall/exitsyscall pair and, whenever every P had gone idle
// (the edge waiting for its clients), wakes sysmon from its deep sleep
// with a futex and resets it to polling every 20 µs; on the 2-core
// loopback machine that was three nanosleeps and almost a futex call
// per 2 MiB disk hit, on the one CPU the edge was pinned to
// (cache/doc.go, "Disk hits", step 10). Anything that may wait for a
// disk stays on the scheduler's side. The longest of these calls is a
// large RAM hit's writev, which copies what the socket buffer takes
// (at most tcp_wmem's maximum, 4 MiB by default) and returns: a garbage
// collector's stop of the world waits for it, as for a raw sendfile.

// errnoErr is e as an error: nil for 0.
func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}
