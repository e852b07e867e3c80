package disktier

import (
	"os"
	"sync"
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
	refs int  // readers holding f; guarded by fdCache.mu
	gone bool // out of the map: close when refs drops to 0
}

func newFDCache(max int) *fdCache {
	return &fdCache{max: max, m: make(map[string]*openFile)}
}

// acquire returns name's open file, opening it with open when absent.
// The caller must release it.
func (c *fdCache) acquire(name string, open func() (*os.File, error)) (*openFile, error) {
	if c.max <= 0 {
		f, err := open()
		if err != nil {
			return nil, err
		}
		return &openFile{f: f, refs: 1, gone: true}, nil
	}
	c.mu.Lock()
	if o := c.m[name]; o != nil {
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
		return &openFile{f: f, refs: 1, gone: true}, nil
	}
	if o := c.m[name]; o != nil { // opened by another reader meanwhile
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
	o := &openFile{f: f, refs: 1}
	c.m[name] = o
	return o, nil
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
