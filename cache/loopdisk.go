package cache

import (
	"sync"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
)

// A disk hit answered by an event loop (evloop): only when nothing on
// its way can wait for a disk. Its record was in memory (loopHit), its
// data file is open already (HoldOpen), and its bytes are in the page
// cache, as cachestat(2) says (or said of the whole file within the last
// second: cachedInLoop): the loop then sends them with sendfile after
// the header (loopFile). A read sampled for verification is verified in
// the loop when the slice is small (up to 256 KiB) and all in the page
// cache: read whole with preadv2(RWF_NOWAIT), which fails rather than
// wait, checked against its CRC-32Cs and sent from the response's buffer
// (verifyInLoop); one that does not verify is evicted, and handed off;
// a larger one, or one not in the page cache, is handed off with its
// sample kept (KeepSample), and verified there. Anything
// else hands the request off. Where cachestat is missing (Linux before
// 6.5), a small body is read with preadv2(RWF_NOWAIT) into the
// response's buffer (header and body then leave in the loop's one
// writev); that path copies the body twice: against cachestat and
// sendfile, a tie in the bench at 16 KiB (0.99×), 3.5–6 % more CPU a
// hit on the rig (cache/doc.go, "Event loops").

// sendInLoop makes bytes [from, from+n) of a disk slice the body of an
// event loop's response, and reports false (nothing held or set) when
// that could wait for the disk.
func (h *handler) sendInLoop(rq *request, d *diskSlice, from, n int64) bool {
	// Drawn here, where bytes would be sent. A sampled read of a small
	// slice is verified in the loop if its bytes are in the page cache;
	// any other is handed off and verified there (the sample kept for it).
	verify := d.store.NeedsVerify(d.rec.Key)
	if verify && (d.rec.Length > verifyInLoopMax || !readsNowait()) {
		d.store.KeepSample(d.rec.Key)
		return false
	}
	held, ok := d.store.HoldOpen(d.rec)
	if !ok {
		if verify {
			d.store.KeepSample(d.rec.Key)
		}
		return false
	}
	off := from - d.rec.Offset
	switch {
	case verify:
		var rotten bool
		if ok, rotten = verifyInLoop(rq, &held, off, n); rotten {
			h.tiers.fl.evictHeld(held)
		} else {
			held.ReleaseNoWait()
		}
		if !ok { // verified again there if it gets there first
			d.store.KeepSample(d.rec.Key)
		}
	case !cachestatWorks() && n <= smallDiskRead && readsNowait():
		ok = readInLoop(rq, held.Fd(), off, n)
		held.ReleaseNoWait()
	case cachedInLoop(&held, off, n, d.rec.Length):
		if n > sendfileChunk {
			h.metrics.diskSend(true)
		}
		f := loopFiles.Get().(*loopFile)
		f.held, f.off, f.n, f.fl = held, off, n, h.tiers.fl
		rq.ctx.Response.SetBodyStream(f, int(n)) // the loop applies the write deadline
	default:
		held.ReleaseNoWait()
		ok = false
	}
	if ok { // the access is counted once, here or on the other path
		d.store.Touch(d.rec)
		h.tiers.maybePromote(d.rec)
	}
	return ok
}

// verifyInLoopMax is the largest slice whose sampled read a loop
// verifies itself: a copy and a CRC-32C pass of up to 256 KiB holds the
// loop's other connections for less time than a 2 MiB sendfile does,
// and covers audio segments (48-64 KiB) and small video ones. A larger
// slice's sample is handed off, where the read, the check and the send
// hold no loop.
const verifyInLoopMax = 256 << 10

// residentFor is how long a data file found whole in the page cache is
// taken as still there by the loops, without asking the kernel again.
// cachestat was 10 % of the CPU of a 16 KiB disk hit in the loop (perf,
// 2-core loopback, the server's CPU saturated; inclusive: the syscall's
// entry and exit on this guest, the descriptor's reference, the owner
// check, the walk); without it the edge spent 9–12 % less CPU per hit in
// two A/Bs on the rig, as little as nginx. The risk taken: a file whose
// pages leave the page cache within a second of being found there
// (reclaim of pages just read and sent, an operator's drop_caches) is
// sent by a loop that then waits for the disk, on every hit of it until
// the second is over; nginx's sendfile takes that risk on every hit.
const residentFor = time.Second

// cachedInLoop reports whether bytes [off, off+n) of a held data file of
// size bytes are in the page cache: the whole file found there within
// residentFor, else as cachestat says of the range now. A request for
// the whole file that finds it cached marks it so (a range does not: it
// checks only its own pages, which may be all that is cached).
func cachedInLoop(held *disktier.Held, off, n, size int64) bool {
	if held.CachedWithin(residentFor) {
		return true
	}
	if !pageCached(held.Fd(), off, n) {
		return false
	}
	if off == 0 && n == size {
		held.MarkCached()
	}
	return true
}

// readInLoop reads [off, off+n) of fd into the response's body buffer
// if those bytes are all in the page cache.
func readInLoop(rq *request, fd int, off, n int64) bool {
	buf := bodyBuffer(rq, n)
	if !readCached(fd, buf, off) {
		rq.ctx.Response.SwapBody(buf[:0])
		return false
	}
	rq.ctx.Response.SwapBody(buf)
	return true
}

// verifyInLoop reads a held small slice whole into the response's body
// buffer, if it is all in the page cache, checks it against its
// checksums, and keeps [off, off+n) of it as the body; rotten: it did
// not match, and the caller evicts it. The bytes cost a copy and a
// CRC-32C pass, against a hand-off to a goroutine and back (about 15
// syscalls), which took 8 % of the CPU of 16 KiB disk hits at a 1 %
// sample.
func verifyInLoop(rq *request, held *disktier.Held, off, n int64) (ok, rotten bool) {
	buf := bodyBuffer(rq, held.Length())
	if !readCached(held.Fd(), buf, 0) {
		rq.ctx.Response.SwapBody(buf[:0])
		return false, false
	}
	if !held.Verify(buf) {
		rq.ctx.Response.SwapBody(buf[:0])
		return false, true
	}
	copy(buf, buf[off:off+n])
	rq.ctx.Response.SwapBody(buf[:n])
	return true, false
}

// bodyBuffer takes the response's body buffer, at n bytes long.
func bodyBuffer(rq *request, n int64) []byte {
	buf := rq.ctx.Response.SwapBody(nil)
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	return buf[:n]
}

// loopFile is a disk hit's body as the event loop sends it
// (evloop.File): a held data file, released when the loop is done with
// it. Pooled, so that a hit allocates nothing for it.
type loopFile struct {
	held   disktier.Held
	off, n int64
	fl     *flights // evicts the slice if the file ends early
}

var loopFiles = sync.Pool{New: func() any { return new(loopFile) }}

func (f *loopFile) Extent() (fd int, off, n int64) { return f.held.Fd(), f.off, f.n }

// Done releases the file; short: it ended early, and the slice is
// evicted (evictHeld).
func (f *loopFile) Done(short bool) {
	if short {
		f.fl.evictHeld(f.held)
	} else {
		f.held.ReleaseNoWait()
	}
	*f = loopFile{}
	loopFiles.Put(f)
}

// evictHeld evicts a held slice found rotten by a loop, and releases
// it, on a goroutine of its own: the eviction writes the index, which
// a loop must not wait for. It counts as one of the flights' disk
// writes, so the server's Shutdown waits for it.
func (fl *flights) evictHeld(h disktier.Held) {
	fl.begin()
	go func() {
		defer fl.end()
		h.Corrupt()
		h.Release()
	}()
}

// Read reads with pread, for a reader other than the loop (io.Reader
// conformance); the loop sends with sendfile.
func (f *loopFile) Read(p []byte) (int, error) {
	return preadExtent(f.held.Fd(), p, &f.off, &f.n)
}
