package disktier

import (
	"bytes"
	"encoding/binary"

	"github.com/cockroachdb/pebble/v2"
)

// An entry is a slice's three index keys, always written and deleted
// together in one batch:
//
//	"o/" + slice key                    → the Record
//	"h/" + 8-byte hash + slice key      → charged blocks (uint32) and pinned (byte)
//	"f/" + data file                    → slice key
//
// The "h/" key turns an eviction victim, which the eviction table knows
// by hash only, back into its keys (one, or more on a hash collision)
// and is what the table is reconciled from at start-up; the "f/" key
// lets the orphan sweep check a data directory against the index one
// directory at a time.
var (
	hashPrefix = []byte("h/")
	filePrefix = []byte("f/")
	// keysMarker is present once every record has its "h/" and "f/"
	// keys (indexes written before they existed get them at start-up).
	keysMarker = []byte("v/entry-keys")
)

func hashKeyPrefix(h uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), hashPrefix...), h)
}

func hashKey(h uint64, key string) []byte { return append(hashKeyPrefix(h), key...) }

func fileKey(file string) []byte { return append(append([]byte(nil), filePrefix...), file...) }

// hashValLen is the size of an "h/" key's value.
const hashValLen = 5

func hashVal(r *Record) []byte {
	v := binary.LittleEndian.AppendUint32(make([]byte, 0, hashValLen), uint32(blocks(r.Length)/4096))
	if r.Pinned {
		return append(v, 1)
	}
	return append(v, 0)
}

// parseHashEntry reads an "h/" key and its value: the hash, the bytes
// charged and whether the slice is pinned.
func parseHashEntry(k, v []byte) (h uint64, size int64, pinned, ok bool) {
	if len(k) < len(hashPrefix)+8 || !bytes.HasPrefix(k, hashPrefix) || len(v) != hashValLen {
		return 0, 0, false, false
	}
	h = binary.BigEndian.Uint64(k[len(hashPrefix):])
	return h, int64(binary.LittleEndian.Uint32(v)) * 4096, v[4] != 0, true
}

// setEntry writes r's entry, replacing old's (the same key's previous
// version, or nil), in one batch without a sync.
func setEntry(db *pebble.DB, r *Record, h uint64, old *Record) error {
	b := db.NewBatch()
	defer b.Close()
	_ = b.Set(recKey(r.Key), r.encode(), nil)
	_ = b.Set(hashKey(h, r.Key), hashVal(r), nil)
	if old != nil && old.File != r.File {
		_ = b.Delete(fileKey(old.File), nil)
	}
	_ = b.Set(fileKey(r.File), []byte(r.Key), nil)
	return b.Commit(pebble.NoSync)
}

// setPinnedEntry rewrites r's record and its "h/" value after a pin
// change.
func setPinnedEntry(db *pebble.DB, r *Record, h uint64) error {
	b := db.NewBatch()
	defer b.Close()
	_ = b.Set(recKey(r.Key), r.encode(), nil)
	_ = b.Set(hashKey(h, r.Key), hashVal(r), nil)
	return b.Commit(pebble.NoSync)
}

// deleteEntry deletes r's entry in one synced batch.
func deleteEntry(db *pebble.DB, r *Record, h uint64) error {
	b := db.NewBatch()
	defer b.Close()
	_ = b.Delete(recKey(r.Key), nil)
	_ = b.Delete(hashKey(h, r.Key), nil)
	_ = b.Delete(fileKey(r.File), nil)
	return b.Commit(pebble.Sync)
}

// deleteUndecodable deletes the entry of key, whose record does not
// decode (so its data file is unknown): the record, its "h/" key, and
// any "f/" key naming key under the file names key's files get (which
// share a stem, fileStem). Its data file becomes an orphan, for the
// next sweep.
func deleteUndecodable(db *pebble.DB, key string, h uint64) error {
	b := db.NewBatch()
	defer b.Close()
	_ = b.Delete(recKey(key), nil)
	_ = b.Delete(hashKey(h, key), nil)
	lo := fileKey(fileStem(key))
	it, err := db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return err
	}
	for it.First(); it.Valid(); it.Next() {
		if bytes.Equal(it.Value(), []byte(key)) {
			_ = b.Delete(it.Key(), nil)
		}
	}
	if err := it.Close(); err != nil {
		return err
	}
	return b.Commit(pebble.NoSync)
}
