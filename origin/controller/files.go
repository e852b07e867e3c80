package controller

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"syscall"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/store"
)

// handleFile serves a published file of a local store with Range,
// If-None-Match, If-Modified-Since and HEAD (http.ServeContent), opened
// through the store's os.Root so no path leaves it. A file of a cold
// title answers 503 with Retry-After and starts its restore.
func (s *Server) handleFile(w http.ResponseWriter, r *http.Request) {
	if s.local == nil {
		http.Error(w, "this controller publishes to "+s.store.String()+"; point edges there", http.StatusNotFound)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	if err := store.CheckKey(key); err != nil {
		http.Error(w, "bad path: "+err.Error(), http.StatusBadRequest)
		return
	}
	f, err := s.local.Root().OpenFile(key, syscall.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		s.fileMissing(w, key, err)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	h := w.Header()
	// Steering lists the origin as a player's last fallback, so browser
	// players on other origins read these public files too. Not varied
	// on Origin: edges caching them keep one copy.
	h.Set("Access-Control-Allow-Origin", "*")
	h.Set("Content-Type", store.ContentType(key))
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, st.ModTime().UnixNano(), st.Size()))
	h.Set("Cache-Control", cacheControl(key))
	http.ServeContent(w, r, "", st.ModTime(), f)
}

// cacheControl lets edges keep segments (and subtitle files, written
// once per title like them) long; manifests change when a title is
// re-published.
func cacheControl(key string) string {
	if strings.HasSuffix(key, ".m4s") || strings.HasSuffix(key, ".mp4") || strings.HasSuffix(key, ".vtt") {
		return "public, max-age=31536000, immutable"
	}
	return "public, max-age=60"
}

// fileMissing answers a failed open: 503 and a restore for a cold title,
// 404 otherwise.
func (s *Server) fileMissing(w http.ResponseWriter, key string, err error) {
	if !errors.Is(err, fs.ErrNotExist) {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	id, _ := store.TitleOf(key)
	t, gerr := s.cat.Get(id)
	if gerr == nil && (t.Class == catalog.Cold || t.Class == catalog.Restoring) {
		if _, cerr := s.changeClass(id, store.Hot); cerr != nil {
			s.log.Warn("cannot start restore", "title", id, "err", cerr)
		}
		h := w.Header()
		h.Set("Retry-After", strconv.Itoa(restoreRetryAfter))
		// Browser players on other origins read the wait (handleFile).
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Expose-Headers", "Retry-After")
		http.Error(w, "title "+id+" is in cold storage; its restore has started", http.StatusServiceUnavailable)
		return
	}
	http.Error(w, "not found", http.StatusNotFound)
}
