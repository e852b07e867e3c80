package disktier

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// encodeV1 writes a record as version 1 did, before Meta existed.
func encodeV1(r *Record) []byte {
	b := []byte{recordVersion1}
	b = appendString(b, r.File)
	b = binary.AppendVarint(b, r.Offset)
	b = binary.AppendVarint(b, r.Length)
	b = binary.AppendVarint(b, r.ObjSize)
	b = appendString(b, r.ETag)
	b = binary.AppendVarint(b, unixNano(r.LastModified))
	b = appendString(b, r.ContentType)
	b = binary.AppendVarint(b, unixNano(r.StoredAt))
	b = append(b, 0)
	b = binary.AppendUvarint(b, uint64(r.ChunkBytes))
	b = binary.AppendUvarint(b, uint64(len(r.CRCs)))
	for _, c := range r.CRCs {
		b = binary.LittleEndian.AppendUint32(b, c)
	}
	return binary.LittleEndian.AppendUint32(b, checksum(b))
}

func TestRecordMeta(t *testing.T) {
	r := &Record{Key: "/k", File: fileName("/k"), Length: 5, ObjSize: 5, ETag: `"x"`, ChunkBytes: 4096, CRCs: []uint32{7}, Meta: []byte("cache-control: max-age=5")}
	got, err := decodeRecord("/k", r.encode())
	if err != nil || !bytes.Equal(got.Meta, r.Meta) {
		t.Fatalf("v2 round trip: %v %q", err, got.Meta)
	}
	old, err := decodeRecord("/k", encodeV1(r))
	if err != nil || old.Meta != nil || old.ETag != `"x"` || old.ObjSize != 5 {
		t.Fatalf("v1 record: %+v %v", old, err)
	}
	r.Meta = make([]byte, maxMetaBytes+1)
	if _, err := decodeRecord("/k", r.encode()); err == nil {
		t.Fatal("oversized meta accepted")
	}
}

func TestMetaPersistsAndUpdates(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, testCfg(dir), Deps{})
	for i, k := range []string{"/o.mp4", "/o.mp4\x001", "/o.mp4\x002", "/o.mp4x", "/p.mp4"} {
		w, err := s.Create(Record{Key: k, Offset: 0, Length: 10, ObjSize: 10, ETag: `"v1"`, Meta: []byte(fmt.Sprint("m", i))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data(10, 1))
		if err := w.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Create(Record{Key: "/big", Length: 1, ObjSize: 1, Meta: make([]byte, maxMetaBytes+1)}); err == nil {
		t.Fatal("Create accepted oversized meta")
	}
	n, err := s.UpdateMeta("/o.mp4", func(r *Record) bool {
		if r.Key == "/o.mp4\x002" {
			return false
		}
		r.Meta, r.ETag, r.File = []byte("new"), "changed", "ignored"
		return true
	})
	if err != nil || n != 2 {
		t.Fatalf("UpdateMeta: %d, %v; want 2 records", n, err)
	}
	s.Close()
	s = openStore(t, testCfg(dir), Deps{})
	for k, want := range map[string]string{"/o.mp4": "new", "/o.mp4\x001": "new", "/o.mp4\x002": "m2", "/o.mp4x": "m3", "/p.mp4": "m4"} {
		r, ok := s.Lookup(k, false)
		if !ok || string(r.Meta) != want || r.ETag != `"v1"` || !validFile(r.File) {
			t.Errorf("%q after restart: %+v", k, r)
		}
		if got, err := readVerified(s, k); err != nil || len(got) != 10 {
			t.Errorf("%q: data unreadable after a meta update: %v", k, err)
		}
	}
	if r, ok := s.First("/o.mp4\x00"); !ok || r.Key != "/o.mp4\x001" {
		t.Errorf("First: %+v %v", r, ok)
	}
	if _, ok := s.First("/none"); ok {
		t.Error("First found a record under an absent prefix")
	}
	if s.Pinned("/p.mp4") {
		t.Error("pinned before Pin")
	}
	if ok, err := s.Pin("/p.mp4", true); !ok || err != nil || !s.Pinned("/p.mp4") {
		t.Errorf("Pin: %v %v, Pinned %v", ok, err, s.Pinned("/p.mp4"))
	}
}
