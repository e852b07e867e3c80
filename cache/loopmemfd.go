package cache

import (
	"sync"

	"github.com/vodedge/vodedge/cache/memfile"
)

// A RAM hit on a slice kept in a memfd (Config.MemfileMinBytes) answered
// by an event loop: the loop sends the memfd's own descriptor with
// sendfile after the header, as it sends a disk hit's data file
// (loopMemfd), where before it handed the request to fasthttp's server.
// A memfd's pages are memory: the send never waits for a disk, unless
// the host swaps (an appliance should not; a swapped-out page would
// stall the loop while it is read back).

// sendMemfdInLoop makes bytes [off, off+n) of a memfd slice (off from
// the slice's start) the body of an event loop's response, and reports
// false (nothing held or set) when the RAM tier has released the memfd.
func (h *handler) sendMemfdInLoop(rq *request, sl *slice, off, n int64) bool {
	fd, ok := sl.mf.Hold()
	if !ok {
		return false
	}
	f := loopMemfds.Get().(*loopMemfd)
	f.mf, f.fd, f.off, f.n = sl.mf, fd, off, n
	rq.ctx.Response.SetBodyStream(f, int(n)) // the loop applies the write deadline
	return true
}

// loopMemfd is a memfd RAM hit's body as the event loop sends it
// (evloop.File): the memfd's descriptor, held until the loop is done
// with it. Pooled, so that a hit allocates nothing for it.
type loopMemfd struct {
	mf     *memfile.File
	fd     int
	off, n int64
}

var loopMemfds = sync.Pool{New: func() any { return new(loopMemfd) }}

func (f *loopMemfd) Extent() (fd int, off, n int64) { return f.fd, f.off, f.n }

// Done releases the memfd. A sealed memfd cannot shrink, so a short
// send is the connection's end, not the slice's.
func (f *loopMemfd) Done(bool) {
	f.mf.Release()
	*f = loopMemfd{}
	loopMemfds.Put(f)
}

// Read reads with pread, for a reader other than the loop (io.Reader
// conformance); the loop sends with sendfile.
func (f *loopMemfd) Read(p []byte) (int, error) {
	return preadExtent(f.fd, p, &f.off, &f.n)
}
