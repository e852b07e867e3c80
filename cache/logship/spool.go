package logship

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// batch describes one spooled batch. A spool file is this, as one JSON
// line, followed by the batch's log lines, gzip-compressed: the body
// sent as is, the same bytes on every resend.
type batch struct {
	Seq     uint64    `json:"seq"`
	Lines   int       `json:"lines"`
	Created time.Time `json:"created"`
	File    fileID    `json:"file"` // the log file the lines came from
	End     int64     `json:"end"`  // the offset after them
	Tail    []byte    `json:"tail"` // their last bytes (cursor.Tail)
	size    int64     // the spool file's bytes
}

const batchExt = ".batch"

func batchName(seq uint64) string { return fmt.Sprintf("%020d%s", seq, batchExt) }

// writeBatch compresses lines into a new spool file, durably, and
// returns its size.
func writeBatch(dir string, b batch, lines []byte) (int64, error) {
	meta, _ := json.Marshal(b)
	meta = append(meta, '\n')
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.DefaultCompression)
	zw.Write(lines)
	if err := zw.Close(); err != nil {
		return 0, err
	}
	if err := writeDurably(dir, batchName(b.Seq), meta, z.Bytes()); err != nil {
		return 0, err
	}
	return int64(len(meta) + z.Len()), nil
}

// openBatch opens a spool file positioned at its gzip body and returns
// the body's length.
func openBatch(dir string, seq uint64) (*os.File, int64, error) {
	f, err := os.Open(filepath.Join(dir, batchName(seq)))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err == nil {
		var meta []byte
		meta, err = bufio.NewReaderSize(f, 4096).ReadSlice('\n')
		if err == nil {
			_, err = f.Seek(int64(len(meta)), io.SeekStart)
		}
		if err == nil {
			return f, fi.Size() - int64(len(meta)), nil
		}
	}
	f.Close()
	return nil, 0, fmt.Errorf("logship: batch %d: %w", seq, err)
}

// readSpool lists the spooled batches, oldest first. Files that are not
// whole batches (a crash's temporary file, a damaged one) are removed
// and returned as junk.
func readSpool(dir string) (batches []batch, junk []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("logship: spool: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, batchExt) {
			if strings.HasSuffix(name, ".tmp") {
				os.Remove(filepath.Join(dir, name))
			}
			continue
		}
		b, err := readBatchMeta(dir, name)
		if err != nil {
			os.Remove(filepath.Join(dir, name))
			junk = append(junk, fmt.Sprintf("%s: %v", name, err))
			continue
		}
		batches = append(batches, b)
	}
	sort.Slice(batches, func(i, j int) bool { return batches[i].Seq < batches[j].Seq })
	return batches, junk, nil
}

func readBatchMeta(dir, name string) (batch, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return batch{}, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return batch{}, err
	}
	b, err := decodeBatch(bufio.NewReaderSize(f, 4096))
	if err == nil && batchName(b.Seq) != name {
		err = fmt.Errorf("names batch %d", b.Seq)
	}
	b.size = fi.Size()
	return b, err
}

// decodeBatch reads a spool file's description line.
func decodeBatch(r *bufio.Reader) (batch, error) {
	var b batch
	line, err := r.ReadSlice('\n')
	if err != nil {
		return b, fmt.Errorf("no description line: %w", err)
	}
	if err := json.Unmarshal(line, &b); err != nil {
		return b, err
	}
	if b.Seq == 0 || b.Lines < 0 || b.End < 0 || int64(len(b.Tail)) > min(b.End, tailBytes) {
		return b, fmt.Errorf("description %s: want seq from 1, lines and end ≥ 0", strconv.Quote(string(bytes.TrimSpace(line))))
	}
	return b, nil
}
