package disktier

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vodedge/vodedge/cache/evict"
)

// BulkSpec describes synthetic slices that BulkLoad writes into one
// disk, each with its whole index entry (record, hash and file keys, as
// setEntry writes them): tens of millions of them in minutes, where Create and Commit
// (one synced index write each) would take hours. It exists for the
// scale benchmark (vodedge bench scale); nothing on the serving path
// uses it.
type BulkSpec struct {
	// Objects records are written, for the slice keys Key(0) …
	// Key(Objects-1). Keys given in ascending order make the load
	// fastest (Pebble's flushes then never overlap).
	Objects int
	Key     func(i int) string
	// Length is every slice's length (and its object's size).
	Length int64
	// Files of the records, the first ones, get a data file: a sparse
	// file of Length zero bytes (one inode, no data blocks), whose
	// records carry the CRCs of those zeros, so reads verify. The other
	// records name a file that does not exist, with CRCs of the right
	// count but arbitrary values: a lookup finds them like any other,
	// opening one drops it as a record whose file vanished.
	Files int
	// ChunkBytes is the checksum granularity (DefaultConfig's when 0).
	ChunkBytes int
	// Log receives Pebble's messages; nil discards them.
	Log *slog.Logger
}

// bulkBatch is how many records go into one Pebble batch.
const bulkBatch = 8192

// BulkLoad writes spec's records (and data files) into the disk at dir,
// which no Store may have open. The index is written without a WAL,
// flushed and compacted before BulkLoad returns, so opening the tier afterwards
// replays nothing. The disk must be its tier's only one, or the caller
// must give it only keys placement assigns to it.
func BulkLoad(dir string, spec BulkSpec) error {
	if spec.ChunkBytes == 0 {
		spec.ChunkBytes = DefaultConfig("", 0).ChunkBytes
	}
	if spec.Objects < 0 || spec.Files < 0 || spec.Files > spec.Objects || spec.Length < 0 || spec.Key == nil || spec.ChunkBytes <= 0 {
		return errors.New("disktier: bulk load: bad spec")
	}
	if spec.Log == nil {
		spec.Log = slog.New(slog.DiscardHandler)
	}
	var fatal atomic.Pointer[string] // what Pebble found fatal, if anything
	opts := indexOptions()
	opts.DisableWAL, opts.MemTableSize = true, 64<<20
	opts.Logger = pebbleLogger{l: spec.Log, fail: func(r string) { fatal.Store(&r) }}
	db, err := pebble.Open(filepath.Join(dir, "index"), opts)
	if err != nil {
		return fmt.Errorf("disktier: bulk load: opening index: %w", err)
	}
	err = bulkWrite(db, dir, spec)
	if err == nil {
		err = db.Flush()
	}
	if err == nil { // into the shape a node that ran for a while has: no pile of L0 tables
		err = db.Compact(context.Background(), []byte{0}, []byte{0xff}, true)
	}
	err = errors.Join(err, db.Close())
	if r := fatal.Load(); r != nil {
		err = errors.Join(err, fmt.Errorf("disktier: bulk load: %s", *r))
	}
	return err
}

func bulkWrite(db *pebble.DB, dir string, spec BulkSpec) error {
	files := startFileMakers(dir, spec.Length)
	err := bulkRecords(db, spec, files.paths)
	return errors.Join(err, files.wait())
}

// bulkRecords encodes and writes the records in batches, handing the
// names of the data files to make to files.
func bulkRecords(db *pebble.DB, spec BulkSpec, files chan<- string) error {
	defer close(files)
	zeros := zeroCRCs(spec.Length, spec.ChunkBytes)
	rnd := rand.New(rand.NewPCG(uint64(spec.Objects), 1))
	b := db.NewBatch()
	defer func() { b.Close() }()
	for i := range spec.Objects {
		r := Record{Key: spec.Key(i), Length: spec.Length, ObjSize: spec.Length, ETag: `"bulk"`, ChunkBytes: spec.ChunkBytes, CRCs: zeros}
		r.File = fileName(r.Key)
		if i < spec.Files {
			files <- r.File
		} else {
			r.CRCs = make([]uint32, len(zeros))
			for j := range r.CRCs {
				r.CRCs[j] = rnd.Uint32()
			}
		}
		_ = b.Set(recKey(r.Key), r.encode(), nil)
		_ = b.Set(hashKey(evict.Hash(r.Key), r.Key), hashVal(&r), nil)
		_ = b.Set(fileKey(r.File), []byte(r.Key), nil)
		if i == spec.Objects-1 {
			_ = b.Set(keysMarker, nil, nil) // every record has its entry keys
		}
		if b.Count() >= bulkBatch || i == spec.Objects-1 {
			if err := b.Commit(pebble.NoSync); err != nil {
				return fmt.Errorf("disktier: bulk load: %w", err)
			}
			b.Close()
			b = db.NewBatch()
		}
	}
	return nil
}

// fileMakers make sparse data files on goroutines of their own (file
// creation is the slow part of a bulk load): paths in, errors out.
type fileMakers struct {
	paths chan string
	wg    sync.WaitGroup
	mu    sync.Mutex // protects err
	err   error
}

// bulkFileMakers is how many goroutines make data files.
const bulkFileMakers = 4

func startFileMakers(dir string, length int64) *fileMakers {
	m := &fileMakers{paths: make(chan string, 1024)}
	for range bulkFileMakers {
		m.wg.Go(func() {
			for rel := range m.paths {
				if err := sparseFile(dir, rel, length); err != nil {
					m.mu.Lock()
					m.err = cmp.Or(m.err, err)
					m.mu.Unlock()
				}
			}
		})
	}
	return m
}

// wait returns once every file is made (the paths channel closed), with
// the first error.
func (m *fileMakers) wait() error {
	m.wg.Wait()
	return m.err
}

// zeroCRCs are the chunk checksums of length zero bytes.
func zeroCRCs(length int64, chunk int) []uint32 {
	var out []uint32
	buf := make([]byte, chunk)
	for off := int64(0); off < length; off += int64(chunk) {
		out = append(out, checksum(buf[:min(int64(chunk), length-off)]))
	}
	return out
}

// sparseFile makes data file rel under dir as length zero bytes without
// writing them, and its directory if missing.
func sparseFile(dir, rel string, length int64) error {
	p := filepath.Join(dir, "data", filepath.FromSlash(rel))
	f, err := os.Create(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(p), 0o755); err == nil {
			f, err = os.Create(p)
		}
	}
	if err != nil {
		return fmt.Errorf("disktier: bulk load: %w", err)
	}
	return errors.Join(f.Truncate(length), f.Close())
}
