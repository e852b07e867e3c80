package disktier

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// multiCfg is a tier of n disks in temporary directories, the i-th of
// capacity caps[i] (64 MiB each when caps is empty).
func multiCfg(t *testing.T, n int, caps ...int64) Config {
	t.Helper()
	c := testCfg("")
	c.Dir, c.CapacityBytes = "", 0
	root := t.TempDir()
	for i := range n {
		capacity := int64(64 << 20)
		if i < len(caps) {
			capacity = caps[i]
		}
		c.Disks = append(c.Disks, Disk{Path: filepath.Join(root, fmt.Sprintf("d%d", i)), CapacityBytes: capacity})
	}
	return c
}

// holders counts, for every disk in service by name, how many of keys
// its index holds.
func holders(s *Store, keys []string) map[string]int {
	out := map[string]int{}
	for _, d := range s.inService() {
		for _, k := range keys {
			if r, err := d.get(k); err == nil && r != nil {
				out[d.name]++
			}
		}
	}
	return out
}

func TestObjectsSpreadByCapacityAndAreFoundOnOneDisk(t *testing.T) {
	s := openStore(t, multiCfg(t, 4, 64<<20, 64<<20, 64<<20, 128<<20), Deps{})
	var keys []string
	for i := range 400 {
		obj := fmt.Sprintf("/t/%d.m4s", i)
		for _, k := range []string{obj, obj + "\x001"} { // two slices of one object
			put(t, s, k, data(100, byte(i)))
			keys = append(keys, k)
		}
	}
	h := holders(s, keys)
	total := 0
	for _, n := range h {
		total += n
	}
	if total != len(keys) {
		t.Fatalf("%d copies of %d keys: each slice must be on exactly one disk (%v)", total, len(keys), h)
	}
	// d3 has twice the capacity: about 2/5 of the objects; the others 1/5.
	if h["d3"] < 240 || h["d3"] > 400 || h["d0"] < 100 || h["d0"] > 220 {
		t.Errorf("spread %v: want about 320 on d3 and 160 on each other", h)
	}
	for i, k := range keys {
		if i%2 == 1 { // the second slice of an object is on the first's disk
			r0, _ := s.Lookup(keys[i-1], false)
			r1, _ := s.Lookup(k, false)
			if r0 == nil || r1 == nil || r0.d != r1.d {
				t.Fatalf("%q and its first slice are on different disks", k)
			}
		}
		got, err := readVerified(s, k)
		if err != nil || !bytes.Equal(got, data(100, byte(i/2))) {
			t.Fatalf("%q: %v", k, err)
		}
	}
	if used, objects, capacity := s.Usage(); objects != int64(len(keys)) || used != int64(len(keys))*4096 || capacity != 320<<20 {
		t.Errorf("usage %d bytes, %d objects, capacity %d", used, objects, capacity)
	}
}

func TestListPurgeAndPinAcrossDisks(t *testing.T) {
	s := openStore(t, multiCfg(t, 3), Deps{})
	for i := range 30 {
		put(t, s, fmt.Sprintf("/a/%02d", i), data(10, 1))
	}
	put(t, s, "/b/0", data(10, 1))
	page := mustList(t, s, "/a/")
	if len(page) != 30 || page[0].Key != "/a/00" || page[29].Key != "/a/29" {
		t.Fatalf("list: %d records", len(page))
	}
	if rs, _ := s.List("/a/", "/a/09", 5); len(rs) != 5 || rs[0].Key != "/a/10" {
		t.Fatalf("paged list: %v", rs)
	}
	if r, ok := s.First("/a/"); !ok || r.Key != "/a/00" {
		t.Fatalf("First: %v", r)
	}
	if ok, err := s.Pin("/a/07", true); !ok || err != nil || !s.Pinned("/a/07") {
		t.Fatalf("pin: %v %v", ok, err)
	}
	removed, err := s.PurgePrefix("/a/")
	if err != nil || len(removed) != 30 {
		t.Fatalf("purge: %d %v", len(removed), err)
	}
	if _, objects, _ := s.Usage(); objects != 1 {
		t.Fatalf("%d objects after the purge, want 1", objects)
	}
	if !s.Delete("/b/0") || s.Delete("/b/0") {
		t.Fatal("delete semantics")
	}
}

func TestDiskConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		disks []Disk
		dir   string
		want  string
	}{
		{"none", nil, "", "no disk"},
		{"both", []Disk{{Path: "/a"}}, "/b", "not both"},
		{"twice", []Disk{{Path: "/a/x"}, {Path: "/a/x/"}}, "", "listed twice"},
		{"no path", []Disk{{Path: ""}}, "", "without a path"},
		{"tiny", []Disk{{Path: "/a", CapacityBytes: 1000}}, "", "at least 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultConfig(tc.dir, 0)
			c.Disks = tc.disks
			err := c.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("validate: %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDiskNames(t *testing.T) {
	names, err := diskNames([]Disk{{Path: "/srv/disk01"}, {Path: "/mnt/a/cache"}, {Path: "/mnt/b/cache/"}})
	if err != nil || strings.Join(names, " ") != "disk01 mnt-a-cache mnt-b-cache" {
		t.Fatalf("names %v, %v", names, err)
	}
	if _, err := diskNames([]Disk{{Path: "/a-b/c"}, {Path: "/a/b/c"}}); err == nil {
		t.Fatal("colliding names accepted")
	}
}
