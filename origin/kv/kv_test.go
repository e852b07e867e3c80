package kv

import (
	"errors"
	"testing"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type rec struct {
	N    int    `json:"n"`
	Name string `json:"name"`
}

func TestBucketsAreSeparateAndDurable(t *testing.T) {
	fs := vfs.NewMem()
	db, err := Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	a, b := db.Bucket("a"), db.Bucket("ab")
	for i, k := range []string{"x", "y", "z"} {
		if err := a.Put(k, rec{N: i, Name: k}); err != nil {
			t.Fatal(err)
		}
	}
	b.Put("x", rec{N: 99})
	batch := db.NewBatch()
	batch.Put(a, "w", rec{N: 7})
	batch.Delete(a, "y")
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open("db", Options{FS: fs})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a = db.Bucket("a")
	var got []string
	err = ScanJSON(a, "", func(k string, v *rec) error { got = append(got, k+":"+v.Name); return nil })
	if err != nil || len(got) != 3 || got[0] != "w:" || got[1] != "x:x" || got[2] != "z:z" {
		t.Fatalf("scan = %v, %v", got, err)
	}
	var r rec
	if err := a.Get("y", &r); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted key: %v", err)
	}
	if err := db.Bucket("ab").Get("x", &r); err != nil || r.N != 99 {
		t.Errorf("other bucket: %+v %v", r, err)
	}
	n := 0
	a.Scan("x", func(string, []byte) error { n++; return ErrStop })
	if n != 1 {
		t.Errorf("ErrStop: %d calls", n)
	}
}
