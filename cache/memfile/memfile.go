package memfile

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// ErrReleased is returned by Open once the owner has released the file.
var ErrReleased = errors.New("memfile: released")

// File is sealed in-memory data. It is safe for concurrent use.
type File struct {
	f    *os.File
	fd   int // f's descriptor, for Hold
	size int64
	refs atomic.Int64 // the owner's reference, opens in progress and holds
}

// live counts the bytes held in Files not yet closed, for metrics;
// files counts their descriptors.
var live, files atomic.Int64

// ErrTooMany is returned by New when a quarter of the process's
// descriptor limit (RLIMIT_NOFILE) is memfds already: the rest is kept
// for connections, data files and the index.
var ErrTooMany = errors.New("memfile: a quarter of the descriptor limit is in memfds")

// maxFiles is the most memfds open at once.
var maxFiles = sync.OnceValue(func() int64 {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
		return 256
	}
	return int64(r.Cur / 4)
})

// Live returns the bytes held by all memfiles of the process.
func Live() int64 { return live.Load() }

// New copies p into a new sealed memfd named name (shown in /proc for
// debugging).
func New(name string, p []byte) (*File, error) {
	if files.Add(1) > maxFiles() {
		files.Add(-1)
		return nil, ErrTooMany
	}
	fd, err := unix.MemfdCreate(memfdName(name), unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		files.Add(-1)
		return nil, fmt.Errorf("memfile: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if err := fill(f, p); err != nil {
		f.Close()
		files.Add(-1)
		return nil, err
	}
	m := &File{f: f, fd: fd, size: int64(len(p))}
	m.refs.Store(1)
	live.Add(m.size)
	return m, nil
}

// memfdName makes name one memfd_create(2) takes: no NUL byte (a slice
// key after the first has one), at most 249 bytes.
func memfdName(name string) string {
	name = strings.ReplaceAll(name, "\x00", "#")
	if len(name) > 240 {
		name = name[:240]
	}
	return name
}

func fill(f *os.File, p []byte) error {
	if _, err := f.Write(p); err != nil {
		return fmt.Errorf("memfile: writing: %w", err)
	}
	seals := unix.F_SEAL_WRITE | unix.F_SEAL_GROW | unix.F_SEAL_SHRINK | unix.F_SEAL_SEAL
	if _, err := unix.FcntlInt(f.Fd(), unix.F_ADD_SEALS, seals); err != nil {
		return fmt.Errorf("memfile: sealing: %w", err)
	}
	return nil
}

// Size returns the file's length.
func (m *File) Size() int64 { return m.size }

// Open returns a new read-only descriptor of the file positioned at off,
// with its own file offset (so concurrent responses never share one). The
// caller closes it; until then it keeps the data alive even if the owner
// releases the File.
func (m *File) Open(off int64) (*os.File, error) {
	if !m.acquire() {
		return nil, ErrReleased
	}
	defer m.Release()
	f, err := os.Open("/proc/self/fd/" + strconv.Itoa(int(m.f.Fd())))
	if err != nil {
		return nil, fmt.Errorf("memfile: reopening: %w", err)
	}
	if _, err := f.Seek(off, 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("memfile: seeking: %w", err)
	}
	return f, nil
}

// Hold takes a reference and returns the memfd's own descriptor, for
// sendfile(2) at explicit offsets (which never move the shared file
// position, so concurrent responses share it): no open, seek or close
// per response. The descriptor stays valid until the caller's Release,
// even if the owner releases the File meanwhile. ok is false once the
// owner has released it.
func (m *File) Hold() (fd int, ok bool) {
	if !m.acquire() {
		return -1, false
	}
	return m.fd, true
}

// acquire takes a reference unless the last one is gone.
func (m *File) acquire() bool {
	for {
		n := m.refs.Load()
		if n <= 0 {
			return false
		}
		if m.refs.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// ReadAt reads from the file (for senders that cannot use sendfile).
func (m *File) ReadAt(p []byte, off int64) (int, error) {
	f, err := m.Open(off)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return f.ReadAt(p, off)
}

// Release drops a reference; the last one closes the memfd. The owner
// calls it once, when it lets the data go, and a holder once for each
// successful Hold.
func (m *File) Release() {
	if m.refs.Add(-1) == 0 {
		live.Add(-m.size)
		m.f.Close()
		files.Add(-1)
	}
}
