package cache

import (
	"hash/maphash"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// versions maps each object key to the meta of its current version, so
// that slices fetched at different times, or read from disk, share one
// meta: a 304 for any slice refreshes them all, and a new version
// supersedes the old one's slices at once.
//
// It holds weak pointers: an entry lives as long as something holds its
// meta (a RAM-tier slice, a fetch, a response under way) and is dropped
// by a cleanup once nothing does. A version only on disk is rebuilt from
// its record (which carries the stored state) when next read.
type versions struct {
	mu sync.Mutex
	m  map[string]weak.Pointer[meta] // protected by mu

	// recent holds the metas of versions recently read from disk, so
	// that with no RAM copy to hold it a disk hit's version outlives its
	// response: without it most disk hits rebuilt their meta from the
	// record (decode the stored state, derive freshness, adopt), 16 % of
	// the server's CPU on 16 KiB disk hits. Direct-mapped by key hash; a
	// collision only drops a pin.
	recent [recentMetas]atomic.Pointer[meta]
}

// recentMetas is how many disk versions versions.recent keeps alive, at
// most. With 4,096 slots, 39 % of 2,000 keys shared a slot with another
// key, and their hits went through the lock and the map.
const recentMetas = 16384

// slot is key's slot in recent (maphash: a few ns for any key, where
// a byte-wise FNV took 1 % of a 16 KiB disk hit).
func (v *versions) slot(key string) *atomic.Pointer[meta] {
	return &v.recent[maphash.String(slotSeed, key)%recentMetas]
}

var slotSeed = maphash.MakeSeed()

// keepIn keeps m alive in slot s of recent until another key takes it.
func keepIn(s *atomic.Pointer[meta], m *meta) {
	if s.Load() != m {
		s.Store(m)
	}
}

// recentCurrent returns the version kept in slot s for key when it is
// still current, else nil. A kept meta was current when kept; a current
// version stops being so only when adopt supersedes it for a newer one
// (a purge supersedes it too) or when it is collected, which the slot
// prevents; and a version no longer current is never unsuperseded
// (refresh). So a kept meta not superseded is the map's, found without
// the lock, the map or the weak pointer.
func recentCurrent(s *atomic.Pointer[meta], key string) *meta {
	if m := s.Load(); m != nil && m.key == key && !m.st.Load().superseded {
		return m
	}
	return nil
}

type versionRef struct {
	key string
	wp  weak.Pointer[meta]
}

// get returns the current version of key, or nil.
func (v *versions) get(key string) *meta {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.m[key].Value()
}

func (v *versions) forget(ref versionRef) {
	v.mu.Lock()
	if v.m[ref.key] == ref.wp {
		delete(v.m, ref.key)
	}
	v.mu.Unlock()
}

// setLocked registers m as the current version of its key.
func (v *versions) setLocked(m *meta) {
	wp := weak.Make(m)
	v.m[m.key] = wp
	runtime.AddCleanup(m, v.forget, versionRef{m.key, wp})
}

// adopt registers a version just built (from an origin answer or a disk
// record) and returns the meta to use: the current one when m is the same
// version (with m's state when m's is newer), else m. m becomes current
// (current true) when it is newer than the current version, which is
// then superseded; an m older than the current version is superseded
// itself (its slices are refetched).
func (v *versions) adopt(m *meta) (use *meta, current bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	cur := v.m[m.key].Value()
	switch {
	case cur == nil:
		v.setLocked(m)
		return m, true
	case cur.sameObject(m):
		if nst := m.st.Load(); nst.respTime.After(cur.st.Load().respTime) {
			cur.st.Store(nst)
		}
		return cur, false
	case m.st.Load().respTime.Before(cur.st.Load().respTime):
		m.supersede()
		return m, false
	}
	cur.supersede()
	v.setLocked(m)
	return m, true
}

// refresh gives m the state st a revalidation brought (a 304). A version
// a newer one replaced meanwhile stays superseded: only the map's
// current version may be unsuperseded, which recentCurrent relies on.
// The map's own may be (an invalidation or a purge superseded it, and
// the 304 vouches for it again), as adopt does for the same object.
func (v *versions) refresh(m *meta, st *stored) *stored {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m[m.key].Value() != m && !st.superseded {
		cp := *st
		cp.superseded = true
		st = &cp
	}
	m.st.Store(st)
	return st
}

// urlOf returns the origin key of an object key: a variant's key is its
// URL's key, "\x01", and the variant's hash.
func urlOf(objKey string) string {
	if i := strings.Index(objKey, variantSep); i >= 0 {
		return objKey[:i]
	}
	return objKey
}

// recordMeta returns the meta of a disk record's version: the current
// one when the record belongs to it, else one rebuilt from the record.
func (t *tiers) recordMeta(r *disktier.Record) *meta {
	key := cachekey.ObjectKey(r.Key)
	slot := t.versions.slot(key)
	if cur := recentCurrent(slot, key); cur != nil && cur.holds(r) {
		return cur
	}
	if cur := t.versions.get(key); cur != nil && cur.holds(r) {
		keepIn(slot, cur)
		return cur
	}
	m := newMeta(key, urlOf(key), origin.Meta{Size: r.ObjSize, ETag: r.ETag, LastModified: r.LastModified, ContentType: r.ContentType})
	st, fwd, err := decodeStored(r.Meta)
	if err != nil {
		// Stored without HTTP state (by fill, or before it existed): as
		// if fetched when stored, with no header fields.
		st = &stored{status: http.StatusOK, reqTime: r.StoredAt, respTime: r.StoredAt, hdr: http.Header{}}
	}
	st.status, m.fwd = http.StatusOK, fwd
	superseded := st.superseded
	t.rules.derive(st, m.url, m.lastModified)
	st.superseded = superseded
	m.st.Store(st)
	if superseded {
		return m // an old version's slice: for responses of that version only
	}
	use, _ := t.versions.adopt(m)
	keepIn(slot, use)
	return use
}

// holds reports whether a disk record is a slice of version m.
func (m *meta) holds(r *disktier.Record) bool {
	return m.status == http.StatusOK && m.size == r.ObjSize && string(m.etag) == r.ETag &&
		m.lastModified.Equal(r.LastModified.UTC().Truncate(time.Second))
}
