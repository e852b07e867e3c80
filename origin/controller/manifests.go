package controller

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/popularity"
)

// ErrUnknownSite answers a manifest request for a site not configured.
var ErrUnknownSite = errors.New("controller: unknown site")

// manifests builds, signs and remembers each site's fill manifest. A
// manifest keeps its version (and signature) while its content does not
// change, so edges polling it do not re-apply the same plan. The last
// keptVersions versions of each site are kept, for deltas; the file
// indexes they reference are served by hash.
type manifests struct {
	mu    sync.Mutex
	sites map[string]*siteManifests // protected by mu
	// indexes are the gzip-compressed file indexes of the kept versions,
	// by hash.
	indexes map[string][]byte // protected by mu
	// reports holds the last progress report of each node.
	reports map[string]json.RawMessage // protected by mu
}

// keptVersions is how many versions of a site's manifest are kept for
// deltas: an edge that missed more polls gets the full manifest.
const keptVersions = 4

// siteManifests is a site's recent versions, newest last.
type siteManifests struct {
	versions []*keptVersion
}

type keptVersion struct {
	v       *manifest.Version
	full    []byte           // signed document
	deltas  map[int64][]byte // signed deltas by base version
	indexes map[string]bool  // hashes it references
}

func (sm *siteManifests) current() *keptVersion {
	if len(sm.versions) == 0 {
		return nil
	}
	return sm.versions[len(sm.versions)-1]
}

// handleManifest is GET /v1/manifests/{site}[?base=V]: the site's signed
// manifest, gzip-compressed; with base, a delta against that version if
// it is kept, 304 if it is the current one.
func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ManifestKey == nil {
		http.Error(w, "manifests are off: start the controller with --manifest-key-file", http.StatusNotFound)
		return
	}
	var base int64
	if q := r.URL.Query().Get("base"); q != "" {
		var err error
		if base, err = strconv.ParseInt(q, 10, 64); err != nil || base <= 0 {
			http.Error(w, "base must be a manifest version", http.StatusBadRequest)
			return
		}
	}
	doc, version, err := s.siteManifest(r.PathValue("site"), base)
	if errors.Is(err, ErrUnknownSite) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("X-Manifest-Version", strconv.FormatInt(version, 10))
	if doc == nil {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	_, _ = w.Write(doc)
}

// handleIndex is GET /v1/indexes/{hash}: a file index of a kept manifest
// version, gzip-compressed.
func (s *Server) handleIndex(w http.ResponseWriter, r *http.Request) {
	s.man.mu.Lock()
	b, ok := s.man.indexes[r.PathValue("hash")]
	s.man.mu.Unlock()
	if !ok {
		http.Error(w, "no such file index in the kept manifests", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/gzip")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(b)
}

// siteManifest plans the site's manifest from the catalogue and the
// site's popularity, signs it unless it is unchanged, and returns it
// whole, or as a delta against base if that version is kept, or nil if
// base is the current version.
func (s *Server) siteManifest(name string, base int64) ([]byte, int64, error) {
	site, ok, err := s.reg.site(name)
	if !ok {
		return nil, 0, fmt.Errorf("%w: %q", ErrUnknownSite, name)
	}
	if err != nil {
		return nil, 0, err
	}
	files, err := s.fillFiles(name)
	if err != nil {
		return nil, 0, err
	}
	m, err := fillplan.Plan(site, files, 1, s.now(), s.cfg.ManifestPolicy)
	if err != nil {
		return nil, 0, err
	}
	return s.man.sign(m, s.cfg.ManifestKey, s.now(), base)
}

// fillFiles lists the files of published hot titles with the site's
// popularity.
func (s *Server) fillFiles(site string) ([]fillplan.File, error) {
	scores, err := s.pop.Files(popularity.Query{Site: site, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	titles, err := s.pop.Titles(popularity.Query{Site: site, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	pop := make(map[string]float64, len(scores))
	for _, sc := range scores {
		pop[sc.Name] = sc.Popularity
	}
	titlePop := make(map[string]float64, len(titles))
	for _, sc := range titles {
		titlePop[sc.Name] = sc.Popularity
	}
	priors, err := s.fillPriors(site) // new releases' decayed priors
	if err != nil {
		return nil, err
	}
	var out []fillplan.File
	err = s.cat.Each(func(t *catalog.Title) error {
		if t.Status != catalog.Published || t.Class != catalog.Hot {
			return nil
		}
		for _, f := range t.Files {
			key := "/" + strings.TrimPrefix(f.Key, "/")
			out = append(out, fillplan.File{Key: key, Size: f.Size, SHA256: f.SHA256, Popularity: fillplan.BlendPrior(pop[key], titlePop[t.ID], priors[t.ID], videoRenditions(t))})
		}
		return nil
	})
	return out, err
}

// sign makes m the site's current version unless its content is the
// current one's, then returns the current version's document: whole,
// as a delta against base when base is kept, nil when base is current.
func (ms *manifests) sign(m *manifest.Manifest, key ed25519.PrivateKey, now time.Time, base int64) ([]byte, int64, error) {
	groups, indexes, err := manifest.Groups(m)
	if err != nil {
		return nil, 0, err
	}
	v, err := manifest.NewVersion(m.Site, 1, now, groups)
	if err != nil {
		return nil, 0, err
	}
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.sites == nil {
		ms.sites, ms.indexes = map[string]*siteManifests{}, map[string][]byte{}
	}
	sm := ms.sites[m.Site]
	if sm == nil {
		sm = &siteManifests{}
		ms.sites[m.Site] = sm
	}
	cur := sm.current()
	if cur == nil || cur.v.Result != v.Result {
		if cur, err = ms.addLocked(sm, v, indexes, key, now); err != nil {
			return nil, 0, err
		}
	}
	switch {
	case base == cur.v.Version:
		return nil, base, nil
	case base != 0:
		if d, ok := cur.deltas[base]; ok {
			return d, cur.v.Version, nil
		}
	}
	return cur.full, cur.v.Version, nil
}

// addLocked signs v as the site's next version, with its deltas from the
// kept versions, and forgets the oldest beyond keptVersions.
func (ms *manifests) addLocked(sm *siteManifests, v *manifest.Version, indexes map[string][]byte, key ed25519.PrivateKey, now time.Time) (*keptVersion, error) {
	v.Version = now.UnixMilli()
	if cur := sm.current(); cur != nil && v.Version <= cur.v.Version {
		v.Version = cur.v.Version + 1
	}
	full, err := v.Full(key, nil)
	if err != nil {
		return nil, err
	}
	kv := &keptVersion{v: v, full: full, deltas: map[int64][]byte{}, indexes: map[string]bool{}}
	for _, old := range sm.versions {
		if kv.deltas[old.v.Version], err = v.Delta(old.v, key); err != nil {
			return nil, err
		}
	}
	for h, b := range indexes {
		kv.indexes[h] = true
		if _, ok := ms.indexes[h]; !ok {
			ms.indexes[h] = manifest.GzipIndex(b)
		}
	}
	sm.versions = append(sm.versions, kv)
	if len(sm.versions) > keptVersions {
		sm.versions = slices.Delete(sm.versions, 0, len(sm.versions)-keptVersions)
		ms.pruneIndexesLocked()
	}
	return kv, nil
}

// pruneIndexesLocked forgets the indexes no kept version references.
func (ms *manifests) pruneIndexesLocked() {
	used := map[string]bool{}
	for _, sm := range ms.sites {
		for _, kv := range sm.versions {
			for h := range kv.indexes {
				used[h] = true
			}
		}
	}
	for h := range ms.indexes {
		if !used[h] {
			delete(ms.indexes, h)
		}
	}
}

// handleFillReport is POST /v1/fill/reports/{node}: a node's progress.
// (serveNode lets a node's own token post only its own.)
func (s *Server) handleFillReport(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil || !json.Valid(raw) {
		http.Error(w, "want a JSON progress report", http.StatusBadRequest)
		return
	}
	s.man.mu.Lock()
	if s.man.reports == nil {
		s.man.reports = map[string]json.RawMessage{}
	}
	s.man.reports[r.PathValue("node")] = raw
	s.man.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// handleFillReports is GET /v1/fill/reports: every node's last report.
func (s *Server) handleFillReports(w http.ResponseWriter, _ *http.Request) {
	s.man.mu.Lock()
	out := make(map[string]json.RawMessage, len(s.man.reports))
	for k, v := range s.man.reports {
		out[k] = v
	}
	s.man.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}
