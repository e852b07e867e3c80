// Package evloop serves keep-alive HTTP/1.1 requests that can be answered
// at once from epoll loops of its own, each one goroutine that keeps its
// P (its CPU) while it is busy,
// below fasthttp: fasthttp's RequestCtx and the caller's handler stay the
// HTTP layer. Everything the loop will not do it hands to a fallback (the
// edge's fasthttp server) with the bytes it has read.
//
// # What it owns
//
// Server accepts plain TCP connections from a listener and moves each to
// one of its loops (round robin). A loop reads requests with raw read(2)
// calls, finds each complete header block, parses it with fasthttp's
// RequestHeader into the loop's one RequestCtx, calls the Handler and
// writes the response header and body with one raw writev(2), or, for
// a File body (a file's bytes the handler found in the page cache), the
// header with MSG_MORE and then the file with raw sendfile(2) calls; what
// the socket does not take waits for EPOLLOUT. It applies the idle and write
// timeouts itself (a sweep once a second; a request header not whole
// within the read timeout goes to the fallback, which answers it as it
// answers its own slow headers) and drains on Shutdown.
//
// It hands the connection off, from the request under way on, when the
// request has a body, is not HTTP/1.1, does not parse the way fasthttp's
// parser reads it, has a header block longer than MaxHeaderBytes, or when
// the Handler says so (HandOff: an answer that could block, such as a
// miss or a read of a file not in the page cache). The fallback gets a
// net.Conn of its own (a dup of the socket, in Go's poller) and the
// bytes read and not yet answered, and it answers them first. It may
// give the connection back once idle (Resume), with the bytes it read
// and did not answer; a loop then serves it again.
//
// Imports: fasthttp, golang.org/x/sys/unix and internal/rawsock (the raw
// read, writev, send, sendfile and cork). The caller injects the
// handler, the fallback and the hook told of every connection the loop
// closes (the edge's connection limiter).
//
// # Why
//
// fasthttp runs a goroutine per connection: each keep-alive request costs
// a read that finds EAGAIN, a park in Go's poller and a wake-up, and one
// epoll_wait finds one connection. A loop reads once (until a short
// read), finds several ready connections per epoll_wait, and never
// parks. The prototype of issue 17 (bench/results/2core-loopback/evloop)
// measured 2.3 syscalls per 16 KiB hit against fasthttp's 3.0 and 7–15 %
// less CPU per response at 16–48 KiB on the pinned 2-core machine,
// nothing at 2 MiB (the copy into the socket dominates there).
//
// The loop's calls are raw syscalls (the thread keeps its P, see
// cache/rawsys.go for why that matters here); its epoll_wait is first
// tried with no timeout, and only when nothing is ready does it block
// through the scheduler, so that the runtime can use the P meanwhile. A
// loop that stays busy yields its P at most every millisecond
// (runtime.Gosched) so that the accept goroutine, timers and the
// fallback's goroutines run.
//
// The Handler runs on the loop's goroutine: it must not block. The edge's
// handler answers only fresh hits it finds in memory (RAM slices, and
// disk slices whose bytes are in the page cache), and what needs no
// cached data (errors, 304s), there and hands everything else off.
package evloop
