package logship

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// tail reads whole lines of the access log from a cursor. It reads the
// file the cursor names, not the name: the edge's access log is opened
// once, O_APPEND, and never reopened (cache/accesslog), so after a
// rename the writer goes on writing the renamed file until the edge
// restarts, and the tail goes on reading it. After a restart the
// cursor's file may have been renamed beside the log (access.log.1):
// the tail finishes it, then moves to the file at the log's name.
type tail struct {
	path     string
	f        *os.File
	draining bool   // f is a file rotated away from path: at its end, move on
	buf      []byte // the last read's lines; valid until the next read
	log      *slog.Logger
}

func newTail(path string, max int, log *slog.Logger) *tail {
	return &tail{path: path, buf: make([]byte, max), log: log}
}

// close closes the file being read.
func (t *tail) close() {
	if t.f != nil {
		t.f.Close()
		t.f = nil
	}
}

// read returns the next whole lines from cur, at most len(buf) bytes,
// nil when there are none yet. It moves cur first when the file changed
// under it: to the start of a truncated file (copytruncate rotation),
// to the current log after finishing a rotated one, past a line longer
// than a batch (skipped, returned as 1).
func (t *tail) read(cur *cursor) (lines []byte, skipped int, err error) {
	if t.f == nil {
		if err := t.open(cur); err != nil || t.f == nil {
			return nil, 0, err
		}
	}
	fi, err := t.f.Stat()
	if err != nil {
		return nil, 0, fmt.Errorf("logship: stat the access log: %w", err)
	}
	size := fi.Size()
	if size < cur.Offset || !holdsTail(t.f, cur) {
		return t.truncated(cur) // also when it grew again past the cursor
	}
	n, err := t.f.ReadAt(t.buf[:min(size-cur.Offset, int64(len(t.buf)))], cur.Offset)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, fmt.Errorf("logship: read the access log: %w", err)
	}
	if i := bytes.LastIndexByte(t.buf[:n], '\n'); i >= 0 {
		return t.buf[:i+1], 0, nil
	}
	switch {
	case n == len(t.buf):
		if err := t.skipLine(cur); err != nil {
			return nil, 0, ignoreNotYet(err)
		}
		return nil, 1, nil
	case t.draining: // the rotated file ends here (a partial last line is left)
		t.close()
		t.draining = false
		cur.File, cur.Offset, cur.Tail = fileID{}, 0, nil // the log's current file, from its start
		if err := t.open(cur); err != nil || t.f == nil {
			return nil, 0, err
		}
		return t.read(cur)
	}
	return nil, 0, nil
}

// open opens the file cur names, or the log when cur names none (a new
// spool) or a file that is gone; cur then points at its start.
func (t *tail) open(cur *cursor) error {
	f, err := os.Open(t.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil // not written yet
	}
	if err != nil {
		return fmt.Errorf("logship: open the access log: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("logship: stat the access log: %w", err)
	}
	id := idOf(fi)
	if cur.File.zero() || cur.File == id {
		t.f, cur.File = f, id
		return nil
	}
	if old := t.rotated(cur.File); old != nil {
		f.Close()
		t.f, t.draining = old, true
		t.log.Info("finishing the rotated access log before the current one", "file", old.Name(), "offset", cur.Offset)
		return nil
	}
	t.log.Warn("the access log file shipped last is gone: shipping the current one from its start", "path", t.path)
	t.f, cur.File, cur.Offset, cur.Tail = f, id, 0, nil
	return nil
}

// truncated handles a log that no longer holds the cursor's last bytes
// before its offset: a copytruncate rotation. The lines after the cursor are in the copy beside the log
// (access.log.1, which delaycompress leaves uncompressed): when a file
// there holds the cursor's last bytes at the cursor, it is finished
// first; without one the log is shipped from its start.
func (t *tail) truncated(cur *cursor) ([]byte, int, error) {
	if cp := t.copyOf(cur); cp != nil {
		t.log.Info("the access log was copied and truncated: finishing the copy first", "copy", cp.Name(), "offset", cur.Offset)
		t.close()
		t.f, t.draining = cp, true
		return t.read(cur)
	}
	t.log.Warn("the access log is shorter than what was shipped and no copy of it is beside it: shipping it from its start", "path", t.path, "shipped", cur.Offset)
	cur.Offset, cur.Tail = 0, nil
	return t.read(cur)
}

// copyOf opens the file beside the log that holds cur.Tail just before
// cur.Offset, nil when there is none.
func (t *tail) copyOf(cur *cursor) *os.File {
	if len(cur.Tail) == 0 {
		return nil // nothing to recognize it by
	}
	return t.sibling(func(f *os.File, fi os.FileInfo) bool {
		return idOf(fi) != cur.File && holdsTail(f, cur)
	})
}

// holdsTail reports whether f holds the cursor's last bytes just before
// its offset (true when the cursor remembers none).
func holdsTail(f *os.File, cur *cursor) bool {
	if len(cur.Tail) == 0 {
		return true
	}
	got := make([]byte, len(cur.Tail))
	n, _ := f.ReadAt(got, cur.Offset-int64(len(got)))
	return n == len(got) && bytes.Equal(got, cur.Tail)
}

// rotated opens the file beside the log that is id, nil when there is
// none.
func (t *tail) rotated(id fileID) *os.File {
	return t.sibling(func(_ *os.File, fi os.FileInfo) bool { return idOf(fi) == id })
}

// sibling opens the first regular file beside the log (its name starting
// with the log's) that is, nil when there is none.
func (t *tail) sibling(is func(*os.File, os.FileInfo) bool) *os.File {
	dir, base := filepath.Split(t.path)
	if dir == "" {
		dir = "."
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), base) || !e.Type().IsRegular() {
			continue
		}
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && is(f, fi) {
			return f
		}
		f.Close()
	}
	return nil
}

// skipLine moves cur past a line longer than a batch, when its end is
// written; the caller counts it as dropped.
func (t *tail) skipLine(cur *cursor) error {
	chunk := make([]byte, 64<<10)
	for off := cur.Offset + int64(len(t.buf)); ; off += int64(len(chunk)) {
		n, err := t.f.ReadAt(chunk, off)
		if i := bytes.IndexByte(chunk[:n], '\n'); i >= 0 {
			t.log.Warn("skipped an access log line longer than a batch", "offset", cur.Offset, "bytes", off+int64(i)+1-cur.Offset)
			cur.Offset, cur.Tail = off+int64(i)+1, nil
			return nil
		}
		if err != nil { // the line's end is not written yet: look again later
			if errors.Is(err, io.EOF) {
				return errNotYet
			}
			return fmt.Errorf("logship: read the access log: %w", err)
		}
	}
}

// errNotYet: an overlong line is not finished; nothing is skipped yet.
var errNotYet = errors.New("logship: an overlong line is still being written")

func ignoreNotYet(err error) error {
	if errors.Is(err, errNotYet) {
		return nil
	}
	return err
}
