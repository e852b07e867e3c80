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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen { // a file was removed meanwhile: perhaps this one
		return newOpenFile(f, 1, true), nil
	}
	if o := c.cachedLocked(r); o != nil { // opened by another reader meanwhile
		o.refs++
		_ = f.Close()
		return o, nil
	}
	if len(c.m) >= c.max {
		for k, victim := range c.m {
			c.dropLocked(k, victim)
			break
		}
	}
	o := newOpenFile(f, 1, false)
	c.m[r.File] = o
	if r.open != nil {
		r.open.o.Store(o)
	}
	return o, nil
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

func (c *fdCache) release(o *openFile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o.refs--
	if o.gone && o.refs == 0 {
		_ = o.f.Close()
	}
}

// forget closes name's file (once no reader holds it): call it after
// the file was removed, so its blocks are freed.
func (c *fdCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if o := c.m[name]; o != nil {
		c.dropLocked(name, o)
	}
}

func (c *fdCache) dropLocked(name string, o *openFile) {
	delete(c.m, name)
	o.gone = true
	if o.refs == 0 {
		_ = o.f.Close()
	}
}

// closeAll closes every idle file; files still held close on release.
func (c *fdCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, o := range c.m {
		c.dropLocked(k, o)
	}
}

func (c *fdCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
