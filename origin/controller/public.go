package controller

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
)

// PublicCatalog configures the read-only catalogue for apps under
// /public/v1/: no token, published titles only, public fields only,
// cacheable by edges and browsers (ETag, Cache-Control, CORS), and a
// request rate per client address.
type PublicCatalog struct {
	// Disabled turns the routes off (404, as any unknown path).
	Disabled bool
	// SteeringURL is the steering service players start from; a title's
	// entry points are SteeringURL/titles/{id}/master.m3u8 (HLS) and
	// manifest.mpd (DASH), which steering redirects to the best edge.
	// "" gives paths on the controller's own store route (/titles/…),
	// right for a single-host set-up without steering.
	SteeringURL string
	// MaxAge is the answers' Cache-Control max-age; default 60 s.
	MaxAge time.Duration
	// RatePerSec and Burst bound each client address's requests (a token
	// bucket); over them the answer is 429 with Retry-After. Defaults
	// 20 and 40; a negative RatePerSec turns the limit off.
	RatePerSec float64
	Burst      int
}

func (p *PublicCatalog) defaults() {
	if p.MaxAge <= 0 {
		p.MaxAge = time.Minute
	}
	if p.RatePerSec == 0 {
		p.RatePerSec = 20
	}
	if p.Burst <= 0 {
		p.Burst = 40
	}
	p.SteeringURL = strings.TrimSuffix(p.SteeringURL, "/")
}

// publicTitle is what the public catalogue says of a title.
type publicTitle struct {
	ID string `json:"id"`
	catalog.Metadata
	DurationMS int64             `json:"duration_ms"`
	Published  time.Time         `json:"published"`
	Renditions []publicRendition `json:"renditions"`
	// Subtitles are the title's subtitle tracks: language and the name
	// players show (the files are in the manifests).
	Subtitles []publicSubtitle `json:"subtitles"`
	// Available is false while the title is in the cold class: playing
	// it starts a restore and its files answer 503 until then.
	Available bool           `json:"available"`
	Playback  publicPlayback `json:"playback"`
	// ViewerWarnings: see catalog.Title.
	ViewerWarnings []string `json:"viewer_warnings,omitempty"`
	// Markers: see catalog.Markers.
	Markers *catalog.Markers `json:"markers,omitempty"`
	publicArtwork
}

type publicRendition struct {
	Name      string `json:"name"`
	Kind      string `json:"kind"`
	Codecs    string `json:"codecs"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
	Language  string `json:"language,omitempty"`
	Bandwidth int64  `json:"bandwidth"`
}

type publicSubtitle struct {
	Language string `json:"language"`
	Name     string `json:"name"`
}

type publicPlayback struct {
	HLS  string `json:"hls"`
	DASH string `json:"dash"`
}

// publicList is GET /public/v1/titles's answer.
type publicList struct {
	Total  uint64        `json:"total"`
	Titles []publicTitle `json:"titles"`
}

func (s *Server) publicOf(t *catalog.Title) publicTitle {
	base := s.cfg.Public.SteeringURL + "/titles/" + url.PathEscape(t.ID) + "/"
	md := t.Metadata
	md.ExpectedPlays = 0 // the operator's forecast is not the public's business
	out := publicTitle{ID: t.ID, Metadata: md, DurationMS: t.DurationMS, Published: t.Published,
		Available: t.Class != catalog.Cold, Playback: publicPlayback{HLS: base + "master.m3u8", DASH: base + "manifest.mpd"},
		Renditions: []publicRendition{}, Subtitles: []publicSubtitle{}, ViewerWarnings: t.ViewerWarnings, Markers: t.Markers,
		publicArtwork: artworkOf(base, t.Artwork)}
	for _, st := range t.Subtitles {
		out.Subtitles = append(out.Subtitles, publicSubtitle{Language: st.Language, Name: st.Name})
	}
	for _, r := range t.Renditions {
		out.Renditions = append(out.Renditions, publicRendition{Name: r.Name, Kind: r.Kind, Codecs: r.Codecs,
			Width: r.Width, Height: r.Height, Language: r.Language, Bandwidth: r.PeakBandwidth})
	}
	return out
}

// publicParams are the search parameters the public list accepts: the
// operator's, less status and class (always published, any class).
var publicParams = []string{"q", "tag", "year", "year_min", "year_max", "min_duration", "max_duration", "language", "limit", "offset"}

func (s *Server) handlePublicList(w http.ResponseWriter, r *http.Request) {
	v := r.URL.Query()
	for k := range v {
		if !slices.Contains(publicParams, k) {
			s.publicError(w, r, http.StatusBadRequest, fmt.Sprintf("unknown parameter %q (accepted: %s)", clip(k), strings.Join(publicParams, ", ")))
			return
		}
	}
	q, err := ParseSearch(v)
	if err != nil {
		s.publicError(w, r, statusOf(err), err.Error())
		return
	}
	q.Status = catalog.Published
	res, err := s.cat.Search(q)
	if err != nil {
		s.log.Error("public catalogue search", "err", err)
		s.publicError(w, r, http.StatusInternalServerError, "search failed")
		return
	}
	out := publicList{Total: res.Total, Titles: []publicTitle{}}
	for _, h := range res.Hits {
		out.Titles = append(out.Titles, s.publicOf(h.Title))
	}
	s.publicJSON(w, r, out)
}

func (s *Server) handlePublicTitle(w http.ResponseWriter, r *http.Request) {
	t, err := s.cat.Get(r.PathValue("id"))
	if err != nil || t.Status != catalog.Published {
		// Unpublished titles are as absent as unknown ones.
		s.publicError(w, r, http.StatusNotFound, "no published title "+strconv.Quote(clip(r.PathValue("id"))))
		return
	}
	s.publicJSON(w, r, s.publicOf(t))
}

// publicJSON answers v with a strong ETag (a hash of the body), so a
// client or an edge revalidates with If-None-Match and gets a 304.
func (s *Server) publicJSON(w http.ResponseWriter, r *http.Request, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.publicError(w, r, http.StatusInternalServerError, "encode failed")
		return
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	h := w.Header()
	h.Set("ETag", etag)
	h.Set("Cache-Control", fmt.Sprintf("public, max-age=%d, stale-while-revalidate=%d",
		int(s.cfg.Public.MaxAge.Seconds()), int(s.cfg.Public.MaxAge.Seconds())))
	h.Set("Vary", "Accept-Encoding")
	if etagMatches(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
}

// etagMatches is If-None-Match's weak comparison (RFC 9110 §13.1.2):
// "*", or any listed tag equal to etag once W/ is dropped.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

func (s *Server) publicError(w http.ResponseWriter, _ *http.Request, code int, msg string) {
	var b bytes.Buffer
	_ = json.NewEncoder(&b).Encode(ErrorBody{Error: msg})
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(b.Bytes())
}
