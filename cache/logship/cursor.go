package logship

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// fileID names a file whatever it is called: rotation renames the log,
// so the cursor remembers the file, not the name.
type fileID struct {
	Dev uint64 `json:"dev"`
	Ino uint64 `json:"ino"`
}

func (id fileID) zero() bool { return id == fileID{} }

// idOf is the identity of an opened or stat'ed file.
func idOf(fi os.FileInfo) fileID {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fileID{Dev: uint64(st.Dev), Ino: st.Ino}
	}
	return fileID{}
}

// cursor is how far the log has been cut into batches: the next batch
// starts at Offset of File and is number Seq of Stream. It is saved
// after the batch before it is in the spool, never before.
type cursor struct {
	Stream string `json:"stream"`
	File   fileID `json:"file"`
	Offset int64  `json:"offset"`
	Seq    uint64 `json:"seq"`
	// Tail is the last bytes before Offset (up to tailBytes): how the
	// copy a copytruncate rotation made is recognized.
	Tail []byte `json:"tail,omitempty"`
}

// tailBytes is how much of the log before the cursor it remembers.
const tailBytes = 64

// lastBytes is the end of b, up to tailBytes, copied.
func lastBytes(b []byte) []byte {
	return append([]byte(nil), b[max(0, len(b)-tailBytes):]...)
}

const cursorName = "cursor.json"

// newStream names a new spool's batches: 16 random hex digits.
func newStream() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// loadCursor reads the spool's cursor; a spool without one starts a new
// stream at the log's beginning.
func loadCursor(dir string) (cursor, error) {
	raw, err := os.ReadFile(filepath.Join(dir, cursorName))
	if errors.Is(err, os.ErrNotExist) {
		return cursor{Stream: newStream(), Seq: 1}, nil
	}
	if err != nil {
		return cursor{}, fmt.Errorf("logship: read cursor: %w", err)
	}
	return decodeCursor(raw)
}

// decodeCursor checks what loadCursor read.
func decodeCursor(raw []byte) (cursor, error) {
	var c cursor
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("logship: cursor: %w", err)
	}
	if c.Stream == "" || len(c.Stream) > 64 || c.Seq == 0 || c.Offset < 0 || int64(len(c.Tail)) > min(c.Offset, tailBytes) {
		return c, fmt.Errorf("logship: cursor %+v: want a stream, a sequence number from 1 and an offset ≥ 0", c)
	}
	return c, nil
}

// saveCursor replaces the cursor durably.
func saveCursor(dir string, c cursor) error {
	raw, _ := json.Marshal(c)
	return writeDurably(dir, cursorName, raw)
}

// writeDurably writes name in dir through a synced temporary file and a
// rename, then syncs the directory, so a crash leaves the old file or
// the new one, whole.
func writeDurably(dir, name string, parts ...[]byte) error {
	tmp := filepath.Join(dir, name+".tmp")
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("logship: %w", err)
	}
	for _, p := range parts {
		if _, err = f.Write(p); err != nil {
			break
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("logship: write %s: %w", name, err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("logship: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("logship: sync %s: %w", dir, err)
	}
	return nil
}
