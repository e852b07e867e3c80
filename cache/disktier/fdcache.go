package disktier

import (
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// fdCache keeps data files open for positional reads (pread), so that a
// small disk hit costs no open(2) and close(2). Data file names are never
// reused (fileName adds a random generation), so a name always means the
// same bytes; a file is closed when it is removed, or when the cache
// needs room, but never while a reader holds it (refs).
//
// A file is removed first, then forgotten (which bumps gen). A reader
// that opened it before the removal keeps its descriptor out of the
// cache if any forget happened since it looked (gen changed), so a
// removed file's blocks are never held by the cache.
type fdCache struct {
	max int
	mu  sync.Mutex
	m   map[string]*openFile
	gen uint64 // forgets so far
}

type openFile struct {
	f    *os.File
	fd   int  // f's descriptor (os.File.Fd was 1 % of a 16 KiB disk hit)
	refs int  // readers holding f; guarded by fdCache.mu
	gone bool // out of the map: close when refs drops to 0

	// sized is when f was last found as long as its record (monoNow):
	// at its open, then by Hold's fstat once it is older than the
	// disk's SizeCheck.
	sized atomic.Int64
	// cached is when the whole of f was last found in the page cache
	// (monoNow; 0: never), by a caller that checked (Held.MarkCached).
	cached atomic.Int64
}

// monoNow is a monotonic clock in nanoseconds, for how old a size check
// is (time.Since reads the monotonic clock, never the wall's).
func monoNow() int64 { return int64(time.Since(monoStart)) }

var monoStart = time.Now()

// newOpenFile wraps f, just opened and found as long as its record.
func newOpenFile(f *os.File, refs int, gone bool) *openFile {
	o := &openFile{f: f, fd: int(f.Fd()), refs: refs, gone: gone}
	o.sized.Store(monoNow())
	return o
}

func newFDCache(max int) *fdCache {
	return &fdCache{max: max, m: make(map[string]*openFile)}
}

// fileHint remembers a record's open file (Record.open).
type fileHint struct{ o atomic.Pointer[openFile] }

// acquire returns r's open file, opening it with open when absent.
// open must return a file it found as long as r (Open does). The caller
// must release it.
func (c *fdCache) acquire(r *Record, open func() (*os.File, error)) (*openFile, error) {
	if c.max <= 0 {
		f, err := open()
		if err != nil {
			return nil, err
		}
		return newOpenFile(f, 1, true), nil
	}
	c.mu.Lock()
	if o := c.cachedLocked(r); o != nil {
		o.refs++
		c.mu.Unlock()
		return o, nil
	}
	gen := c.gen
	c.mu.Unlock()
	f, err := open()
	if err != nil {
		return nil, err
	}
	o, closing := c.insert(r, f, gen)
	if closing != nil {
		_ = closing.Close()
	}
	return o, nil
}

// insert puts f, opened for r, in the cache unless a file was removed
// since gen or another reader opened r meanwhile; it returns r's open
// file, held, and a file to close outside the lock (f or a victim).
func (c *fdCache) insert(r *Record, f *os.File, gen uint64) (o *openFile, closing *os.File) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen { // a file was removed meanwhile: perhaps this one
		return newOpenFile(f, 1, true), nil
	}
	if o := c.cachedLocked(r); o != nil { // opened by another reader meanwhile
		o.refs++
		return o, f
	}
	if len(c.m) >= c.max {
		for k, victim := range c.m {
			closing = c.dropLocked(k, victim)
			break
		}
	}
	o = newOpenFile(f, 1, false)
	c.m[r.File] = o
	if r.open != nil {
		r.open.o.Store(o)
	}
	return o, closing
}

// acquireOpen returns r's file if the cache holds it open, nil when it
// would have to be opened. The caller must release it.
func (c *fdCache) acquireOpen(r *Record) *openFile {
	if c.max <= 0 {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	o := c.cachedLocked(r)
	if o != nil {
		o.refs++
	}
	return o
}

// cachedLocked returns r's file if the cache holds it: the one r's hint
// names while it is still in the map (gone is set when it leaves), else
// the map's, which then becomes the hint.
func (c *fdCache) cachedLocked(r *Record) *openFile {
	if r.open == nil {
		return c.m[r.File]
	}
	if o := r.open.o.Load(); o != nil && !o.gone {
		return o
	}
	o := c.m[r.File]
	if o != nil {
		r.open.o.Store(o)
	}
	return o
}

// Files are closed outside the cache's lock: the last close of a
// removed file frees its blocks, which may wait for the disk, and the
// event loops take the lock on every disk hit (HoldOpen).

// release gives back a hold on o, closing its file if it was the last
// hold of a file out of the cache.
func (c *fdCache) release(o *openFile) {
	if f := c.unhold(o); f != nil {
		_ = f.Close()
	}
}

// unhold is release without the close: it returns the file to close,
// or nil.
func (c *fdCache) unhold(o *openFile) *os.File {
	c.mu.Lock()
	defer c.mu.Unlock()
	o.refs--
	if o.gone && o.refs == 0 {
		return o.f
	}
	return nil
}

// forget closes name's file (once no reader holds it): call it after
// the file was removed, so its blocks are freed.
func (c *fdCache) forget(name string) {
	c.mu.Lock()
	c.gen++
	var f *os.File
	if o := c.m[name]; o != nil {
		f = c.dropLocked(name, o)
	}
	c.mu.Unlock()
	if f != nil {
		_ = f.Close()
	}
}

// dropLocked takes o out of the map; it returns its file to close when
// no reader holds it (else the last release closes it).
func (c *fdCache) dropLocked(name string, o *openFile) *os.File {
	delete(c.m, name)
	o.gone = true
	if o.refs == 0 {
		return o.f
	}
	return nil
}

// closeAll closes every idle file; files still held close on release.
func (c *fdCache) closeAll() {
	var fs []*os.File
	c.mu.Lock()
	for k, o := range c.m {
		if f := c.dropLocked(k, o); f != nil {
			fs = append(fs, f)
		}
	}
	c.mu.Unlock()
	for _, f := range fs {
		_ = f.Close()
	}
}

func (c *fdCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
