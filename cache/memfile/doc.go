// Package memfile keeps bytes in RAM in a form the kernel can send to a
// socket without copying them: a sealed memfd (an anonymous in-memory
// file). A response holds it and sends from its descriptor with
// sendfile(2) at explicit offsets (Hold), or opens its own file
// description on it and hands that to fasthttp (Open); on loopback and on
// NICs with scatter-gather the pages go to the socket by reference.
//
// Why: a RAM-tier hit written from a Go slice costs a copy from user
// memory into the socket for every byte; measured on the 2-core loopback
// machine, serving a 2 MiB object that way took about 420 µs of server
// CPU per response against about 200 µs with sendfile from a file
// (cache/doc.go). Small objects stay Go slices: for them the extra open
// and the separate header write cost more than the copy they save. On
// later kernels and hosts it has not paid off as well (cache/doc.go,
// "Zero-copy RAM hits"): memfd pages are 4 KiB, sent and freed one by one.
//
// Lifetime: a File starts with one reference, held by its owner (the RAM
// tier entry). Hold takes one for as long as a response sends from the
// memfd's own descriptor at explicit offsets (the edge's plain TCP hits,
// which share it as disk hits share a data file's); Open takes one only
// while it opens a response's own descriptor, which then keeps the
// memory alive by itself. Either way eviction (Release of the owner's
// reference; the last reference closes the memfd) never cuts a response
// short. The memory is sealed against
// writes, growth and shrinking: what a reader sees cannot change.
//
// Memory in a memfd is shared memory: it is not in the process's RSS
// (nothing maps it) and not in the Go heap. Callers must account for it
// (the RAM tier charges it as its capacity) and report it.
//
// Imports: golang.org/x/sys/unix. Linux only.
package memfile
