package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// offline takes name offline, failing the test on error.
func offline(t *testing.T, s *Store, name string) {
	t.Helper()
	if info, err := s.Offline(name); err != nil || info.State != stateOffline {
		t.Fatalf("offline %s: %+v, %v", name, info, err)
	}
}

// online brings name online, failing the test on error.
func online(t *testing.T, s *Store, name string) DiskInfo {
	t.Helper()
	info, err := s.Online(name)
	if err != nil || info.State != stateServing {
		t.Fatalf("online %s: %+v, %v", name, info, err)
	}
	return info
}

// TestOfflineThenOnlineKeepsContentButNotPurges: a disk taken offline
// stops serving its objects (misses, stored anew on the others); back
// online it serves what it held, less what was purged meanwhile.
func TestOfflineThenOnlineKeepsContentButNotPurges(t *testing.T) {
	s := openStore(t, multiCfg(t, 3), Deps{})
	objs := fillDisks(t, s, 6)
	offline(t, s, "d1")
	var d1 []string
	for k, o := range objs {
		if o.disk == "d1" {
			d1 = append(d1, k)
		}
		_, ok := s.Lookup(k, false)
		if ok == (o.disk == "d1") {
			t.Fatalf("%q (on %s) found %v with d1 offline", k, o.disk, ok)
		}
	}
	checkServes(t, s, survivors(objs, "d1"))
	put(t, s, d1[0], data(777, 9)) // refetched onto another disk
	s.Delete(d1[1])                // purged while away
	if _, err := s.PurgePrefix(d1[2]); err != nil {
		t.Fatal(err)
	}
	online(t, s, "d1")
	for _, k := range d1[1:3] {
		if _, ok := s.Lookup(k, false); ok {
			t.Errorf("%q, purged while d1 was offline, is served again", k)
		}
	}
	for _, k := range d1[3:] {
		if got, err := readVerified(s, k); err != nil || !bytes.Equal(got, objs[k].body) {
			t.Errorf("%q after d1 came back: %v", k, err)
		}
	}
	checkServes(t, s, nil)
}

func TestOperatorErrors(t *testing.T) {
	s := openStore(t, multiCfg(t, 2), Deps{})
	for _, c := range []struct {
		name string
		op   func() (DiskInfo, error)
		want error
	}{
		{"offline unknown", func() (DiskInfo, error) { return s.Offline("nope") }, ErrUnknownDisk},
		{"online unknown", func() (DiskInfo, error) { return s.Online("nope") }, ErrUnknownDisk},
		{"online serving", func() (DiskInfo, error) { return s.Online("d0") }, ErrDiskState},
		{"offline d0", func() (DiskInfo, error) { return s.Offline("d0") }, nil},
		{"offline twice", func() (DiskInfo, error) { return s.Offline("d0") }, ErrDiskState},
		{"offline the last", func() (DiskInfo, error) { return s.Offline("d1") }, ErrDiskState},
		{"online d0", func() (DiskInfo, error) { return s.Online("d0") }, nil},
		{"offline d1 now", func() (DiskInfo, error) { return s.Offline("d1") }, nil},
	} {
		if _, err := c.op(); !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// TestReplacedDiskComesOnlineEmpty: a failed disk's directory is
// replaced by an empty one and brought online; it takes its share anew.
func TestReplacedDiskComesOnlineEmpty(t *testing.T) {
	cfg := multiCfg(t, 3)
	s := openStore(t, cfg, Deps{})
	objs := fillDisks(t, s, 5)
	if err := os.RemoveAll(cfg.Disks[2].Path); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "d2", stateFailed)
	if err := os.Mkdir(cfg.Disks[2].Path, 0o755); err != nil {
		t.Fatal(err)
	}
	if info := online(t, s, "d2"); info.Objects != 0 {
		t.Errorf("replaced disk holds %d objects", info.Objects)
	}
	for k, o := range objs {
		if _, ok := s.Lookup(k, false); ok == (o.disk == "d2") {
			t.Errorf("%q (on %s): found %v", k, o.disk, ok)
		}
	}
	checkServes(t, s, survivors(objs, "d2"))
}

// TestDiskThatMissedTooManyPurgesComesBackEmpty: more purges than the
// log remembers happened while a disk was offline: it is emptied.
func TestDiskThatMissedTooManyPurgesComesBackEmpty(t *testing.T) {
	s := openStore(t, multiCfg(t, 2), Deps{})
	objs := fillDisks(t, s, 4)
	offline(t, s, "d0")
	for i := range maxPurges + 1 {
		s.Delete(fmt.Sprintf("/gone/%d", i))
	}
	if info := online(t, s, "d0"); info.Objects != 0 {
		t.Errorf("d0 holds %d objects after missing too many purges", info.Objects)
	}
	checkServes(t, s, survivors(objs, "d0"))
}

// TestOfflineOnlineUnderLoad: readers and writers run while a disk is
// taken offline and brought back, again and again. A read may miss or
// fail; every read that succeeds returns the stored bytes.
func TestOfflineOnlineUnderLoad(t *testing.T) {
	s := openStore(t, multiCfg(t, 3), Deps{})
	objs := fillDisks(t, s, 10)
	var stop atomic.Bool
	var served atomic.Int64
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() { loadLoop(t, s, objs, g, &stop, &served) })
	}
	for range 5 {
		offline(t, s, "d1")
		online(t, s, "d1")
	}
	stop.Store(true)
	wg.Wait()
	if served.Load() == 0 {
		t.Error("nothing served under load")
	}
	checkServes(t, s, survivors(objs, ""))
}

// loadLoop reads every object (and rewrites some) until stop, checking
// each body read whole against what was stored.
func loadLoop(t *testing.T, s *Store, objs map[string]stored, g int, stop *atomic.Bool, served *atomic.Int64) {
	for i := 0; !stop.Load(); i++ {
		for k, o := range objs {
			if got, err := readVerified(s, k); err == nil {
				if !bytes.Equal(got, o.body) {
					t.Errorf("%q: wrong bytes", k)
					return
				}
				served.Add(1)
			}
		}
		k := fmt.Sprintf("/load/%d/%d", g, i%20)
		if w, err := s.Create(Record{Key: k, Length: 4000, ObjSize: 4000}); err == nil {
			if _, err := w.Write(data(4000, byte(g))); err != nil {
				w.Abort()
				continue
			}
			_ = w.Commit()
		}
	}
}

// TestConcurrentOperatorCalls: offline and online of the same disks from
// several goroutines at once end each call with success or a state
// error, and leave every disk in a consistent state that serves.
func TestConcurrentOperatorCalls(t *testing.T) {
	s := openStore(t, multiCfg(t, 3), Deps{})
	objs := fillDisks(t, s, 4)
	var wg sync.WaitGroup
	for g := range 6 {
		wg.Go(func() {
			name := fmt.Sprintf("d%d", g%2)
			for range 5 {
				for _, op := range []func(string) (DiskInfo, error){s.Offline, s.Online} {
					if _, err := op(name); err != nil && !errors.Is(err, ErrDiskState) {
						t.Errorf("%s: %v", name, err)
					}
				}
			}
		})
	}
	wg.Wait()
	for _, name := range []string{"d0", "d1"} {
		if info, err := s.Online(name); err != nil && !errors.Is(err, ErrDiskState) {
			t.Fatalf("%s: %+v %v", name, info, err)
		}
		waitState(t, s, name, stateServing)
	}
	if s.Serving() != 3 {
		t.Fatalf("%d disks serving", s.Serving())
	}
	checkServes(t, s, survivors(objs, ""))
}

// TestCloseDuringOnline: closing the tier while a disk comes online
// leaves nothing open and fails the online cleanly.
func TestCloseDuringOnline(t *testing.T) {
	s := openStore(t, multiCfg(t, 2), Deps{})
	offline(t, s, "d1")
	done := make(chan error, 1)
	go func() { _, err := s.Online("d1"); done <- err }()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil && !errors.Is(err, ErrDiskState) && !strings.Contains(err.Error(), "closed") {
		t.Errorf("online during close: %v", err)
	}
	if s.Serving() != 0 {
		t.Errorf("%d disks serving after close", s.Serving())
	}
}

// TestOnlineThatCannotOpenSaysWhy: a disk whose path is no longer a
// directory stays out of service, with the reason.
func TestOnlineThatCannotOpenSaysWhy(t *testing.T) {
	cfg := multiCfg(t, 2)
	s := openStore(t, cfg, Deps{})
	offline(t, s, "d1")
	if err := os.RemoveAll(cfg.Disks[1].Path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg.Disks[1].Path, []byte("not a disk"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := s.Online("d1")
	if err == nil || errors.Is(err, ErrDiskState) || info.State != stateOffline || !strings.Contains(info.Reason, "could not be brought online") {
		t.Fatalf("online of a file: %+v, %v", info, err)
	}
	if s.Serving() != 1 {
		t.Errorf("%d disks serving", s.Serving())
	}
}
