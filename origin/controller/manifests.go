package controller

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
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
// change, so edges polling it do not re-apply the same plan.
type manifests struct {
	mu    sync.Mutex
	sites map[string]*siteManifest // protected by mu
	// reports holds the last progress report of each node.
	reports map[string]json.RawMessage // protected by mu
}

type siteManifest struct {
	digest  [32]byte
	version int64
	signed  []byte
}

// handleManifest is GET /v1/manifests/{site}.
func (s *Server) handleManifest(w http.ResponseWriter, r *http.Request) {
	if s.cfg.ManifestKey == nil {
		http.Error(w, "manifests are off: start the controller with --manifest-key-file", http.StatusNotFound)
		return
	}
	signed, err := s.siteManifest(r.PathValue("site"))
	if errors.Is(err, ErrUnknownSite) {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(signed)
}

// siteManifest plans the site's manifest from the catalogue and the
// site's popularity, and signs it unless it is unchanged.
func (s *Server) siteManifest(name string) ([]byte, error) {
	site, ok := s.site(name)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownSite, name)
	}
	files, err := s.fillFiles(name)
	if err != nil {
		return nil, err
	}
	m, err := fillplan.Plan(site, files, 1, s.now(), s.cfg.ManifestPolicy)
	if err != nil {
		return nil, err
	}
	return s.man.sign(m, s.cfg.ManifestKey, s.now())
}

func (s *Server) site(name string) (fillplan.Site, bool) {
	for _, st := range s.cfg.Sites {
		if st.Name == name {
			return st, true
		}
	}
	return fillplan.Site{}, false
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
	var out []fillplan.File
	err = s.cat.Each(func(t *catalog.Title) error {
		if t.Status != catalog.Published || t.Class != catalog.Hot {
			return nil
		}
		for _, f := range t.Files {
			key := "/" + strings.TrimPrefix(f.Key, "/")
			out = append(out, fillplan.File{Key: key, Size: f.Size, SHA256: f.SHA256, Popularity: fillplan.Blend(pop[key], titlePop[t.ID])})
		}
		return nil
	})
	return out, err
}

// sign returns the signed manifest, keeping the previous version and
// signature when the entries are the same.
func (ms *manifests) sign(m *manifest.Manifest, key []byte, now time.Time) ([]byte, error) {
	entries, err := json.Marshal(m.Entries)
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(entries)
	ms.mu.Lock()
	defer ms.mu.Unlock()
	if ms.sites == nil {
		ms.sites = map[string]*siteManifest{}
	}
	prev := ms.sites[m.Site]
	if prev != nil && prev.digest == digest {
		return prev.signed, nil
	}
	m.Version = now.UnixMilli()
	if prev != nil && m.Version <= prev.version {
		m.Version = prev.version + 1
	}
	signed, err := manifest.Sign(m, key)
	if err != nil {
		return nil, err
	}
	ms.sites[m.Site] = &siteManifest{digest: digest, version: m.Version, signed: signed}
	return signed, nil
}

// handleFillReport is POST /v1/fill/reports/{node}: a node's progress.
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
