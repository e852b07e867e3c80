package cache

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// AdminRoutes returns the edge's admin API, to be mounted on the admin
// listener behind authentication (internal/admin.RequireToken):
//
//	POST /v1/purge?key=/path          purge one object (all its slices)
//	POST /v1/purge?prefix=/titles/t1/ purge every object under a prefix
//	GET  /v1/objects?prefix=&after=&limit=   list disk-tier slices
//	GET  /v1/objects/stat?key=/path   tiers, size, checksums, pin, last access
//	GET  /v1/disks                    the disk tier's disks: state, bytes, objects, errors
//	POST /v1/disks/{name}/offline     take a disk out of service (409: the last one)
//	POST /v1/disks/{name}/online      bring a disk, the same or a replaced one, into service
//
// Keys and prefixes are request paths, normalized as the public listener
// normalizes them; a path it would reject is 400 here too.
func (s *Server) AdminRoutes() *admin.Mux {
	mux := admin.NewMux()
	mux.HandleFunc("POST /v1/purge", s.adminPurge)
	mux.HandleFunc("GET /v1/objects", s.adminList)
	mux.HandleFunc("GET /v1/objects/stat", s.adminStat)
	mux.HandleFunc("GET /v1/disks", s.adminDisks)
	mux.HandleFunc("POST /v1/disks/{name}/offline", s.adminDiskOffline)
	mux.HandleFunc("POST /v1/disks/{name}/online", s.adminDiskOnline)
	return mux
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// normalizePath applies the public listener's key rules to an admin
// argument; a prefix may end with "/".
func normalizePath(p string) (string, error) {
	k, err := cachekey.Normalize(nil, []byte(p))
	if err != nil {
		return "", err
	}
	return string(k), nil
}

// objectKeyOf is the cache key an admin key= names (purge, stat): the
// normalized path, with its query (key=/api/list%3Fpage%3D1) where a
// policy rule puts queries into keys, as a request's would be.
func (s *Server) objectKeyOf(raw string) (string, error) {
	k, err := cachekey.Normalize(nil, []byte(raw))
	if err != nil {
		return "", err
	}
	k, err = s.handler.withQuery(k, []byte(raw))
	return string(k), err
}

func (s *Server) adminPurge(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key, prefix := q.Get("key"), q.Get("prefix")
	if (key == "") == (prefix == "") {
		adminError(w, http.StatusBadRequest, "give exactly one of key= or prefix=")
		return
	}
	var res PurgeResult
	var err error
	if key != "" {
		if key, err = s.objectKeyOf(key); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		res, err = s.PurgeKey(key)
	} else {
		if prefix, err = normalizePath(prefix); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		res, err = s.PurgePrefix(prefix)
	}
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.log.Info("purged", "key", key, "prefix", prefix, "objects", res.Objects, "slices", res.Slices)
	writeJSON(w, http.StatusOK, res)
}

// sliceInfo describes one cached slice in admin answers.
type sliceInfo struct {
	Key        string     `json:"key"`
	Slice      int64      `json:"slice"`
	Offset     int64      `json:"offset"`
	Length     int64      `json:"length"`
	ObjectSize int64      `json:"object_size"`
	Tiers      []string   `json:"tiers"`
	ETag       string     `json:"etag,omitempty"`
	Checksums  []string   `json:"crc32c,omitempty"`
	ChunkBytes int        `json:"chunk_bytes,omitempty"`
	Pinned     bool       `json:"pinned"`
	Hits       uint32     `json:"hits,omitempty"`
	Verified   bool       `json:"verified"`
	StoredAt   *time.Time `json:"stored_at,omitempty"`
	// HTTP state of the slice's version.
	Status       int        `json:"status,omitempty"`
	FreshUntil   *time.Time `json:"fresh_until,omitempty"`
	Superseded   bool       `json:"superseded,omitempty"`
	CacheControl string     `json:"cache_control,omitempty"`
	Vary         []string   `json:"vary,omitempty"`
}

// describeVersion adds what the edge knows of m's freshness to info.
func describeVersion(info *sliceInfo, m *meta) {
	st := m.st.Load()
	fu := time.Unix(0, st.freshUntil).UTC()
	info.Status, info.FreshUntil, info.Superseded = m.status, &fu, st.superseded
	info.CacheControl, info.Vary = strings.Join(st.hdr.Values("Cache-Control"), ", "), st.vary
}

func (s *Server) adminList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, err := strconv.Atoi(q.Get("limit"))
	if q.Get("limit") == "" {
		limit, err = 100, nil
	}
	if err != nil || limit < 1 || limit > 10000 {
		adminError(w, http.StatusBadRequest, "limit must be 1..10000")
		return
	}
	if s.tiers.disk == nil {
		adminError(w, http.StatusNotFound, "no disk tier on this node")
		return
	}
	recs, err := s.tiers.disk.List(q.Get("prefix"), q.Get("after"), limit)
	if err != nil {
		adminError(w, http.StatusInternalServerError, err.Error())
		return
	}
	out := make([]sliceInfo, 0, len(recs))
	for _, rec := range recs {
		out = append(out, s.tiers.describeDisk(rec.Key, &disktier.Info{Record: *rec}, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"objects": out})
}

func (s *Server) adminStat(w http.ResponseWriter, r *http.Request) {
	key, err := s.objectKeyOf(r.URL.Query().Get("key"))
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	out := s.tiers.stat(key)
	if len(out) == 0 {
		adminError(w, http.StatusNotFound, "not cached: "+key)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"key": key, "slices": out})
}

// stat describes every cached slice of key, walking slices until one is
// missing from both tiers.
func (t *tiers) stat(key string) []sliceInfo {
	var out []sliceInfo
	for idx := int64(0); ; idx++ {
		sk := cachekey.SliceKey(key, idx)
		info, ok := sliceInfo{}, false
		if t.disk != nil {
			if di, found := t.disk.Stat(sk); found {
				info, ok = t.describeDisk(sk, di, true), true
				describeVersion(&info, t.recordMeta(&di.Record))
			}
		}
		if sl, found := t.ram.Get(sk); found {
			if !ok {
				info = sliceInfo{Key: key, Slice: idx, Offset: sl.off, Length: sl.length(), ObjectSize: sl.meta.size, ETag: string(sl.meta.etag), Verified: true}
			}
			describeVersion(&info, sl.meta)
			info.Tiers, ok = append([]string{"ram"}, info.Tiers...), true
		}
		if !ok {
			return out
		}
		out = append(out, info)
	}
}

func (t *tiers) describeDisk(sk string, di *disktier.Info, full bool) sliceInfo {
	info := sliceInfo{
		Key: cachekey.ObjectKey(sk), Slice: di.Offset / t.sliceBytes, Offset: di.Offset, Length: di.Length,
		ObjectSize: di.ObjSize, Tiers: []string{"disk"}, ETag: di.ETag, Pinned: di.Pinned, Hits: di.Hits, Verified: di.Verified,
	}
	if !di.StoredAt.IsZero() {
		info.StoredAt = &di.StoredAt
	}
	if full {
		info.ChunkBytes = di.ChunkBytes
		for _, c := range di.CRCs {
			info.Checksums = append(info.Checksums, strconv.FormatUint(uint64(c), 16))
		}
	}
	return info
}
