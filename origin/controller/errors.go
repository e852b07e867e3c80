package controller

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/store"
)

// Errors of the HTTP layer.
var (
	errBadRequest   = errors.New("bad request")
	errTooLarge     = errors.New("request too large")
	errUnauthorized = errors.New("unauthorized")
	errForbidden    = errors.New("forbidden")
	errNotFound     = errors.New("not found")
	errConflict     = errors.New("conflict")
	// errUnprocessable: well-formed, but names what does not exist.
	errUnprocessable = errors.New("unprocessable")
	// errNoTranscoder: started without ffmpeg (Config.TranscodeOptional).
	errNoTranscoder = errors.New("controller: ffmpeg is not available: this controller can only import pre-packaged titles")
)

// statusOf maps an error to an HTTP status: the one place that does.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errUnauthorized):
		return http.StatusUnauthorized
	case errors.Is(err, errForbidden):
		return http.StatusForbidden
	case errors.Is(err, errTooLarge):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, errUnsupportedMedia):
		return http.StatusUnsupportedMediaType
	case errors.Is(err, probe.ErrNotVideo), errors.Is(err, errUnprocessable):
		return http.StatusUnprocessableEntity
	case errors.Is(err, errNotFound), errors.Is(err, catalog.ErrNotFound), errors.Is(err, pipeline.ErrNotFound), errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, catalog.ErrExists), errors.Is(err, errConflict):
		return http.StatusConflict
	case errors.Is(err, errBadRequest), errors.Is(err, heartbeat.ErrInvalid), errors.Is(err, catalog.ErrInvalid), errors.Is(err, pipeline.ErrInvalid), errors.Is(err, store.ErrBadKey):
		return http.StatusBadRequest
	case errors.Is(err, pipeline.ErrClosed), errors.Is(err, errNoTranscoder), errors.Is(err, errNoLiveNodes):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON body of every API error.
type ErrorBody struct {
	Error string `json:"error"`
}

// fail writes err as JSON with its status; server errors are logged.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := statusOf(err)
	if code >= 500 {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, ErrorBody{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
