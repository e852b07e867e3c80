package controller

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vodedge/vodedge/origin/popularity"
)

// maxLogBatch bounds one POST of access-log lines.
const maxLogBatch = 256 << 20

// handleLogs ingests a batch of edge access-log lines (JSON lines,
// optionally gzip-encoded).
func (s *Server) handleLogs(w http.ResponseWriter, r *http.Request) {
	body := io.Reader(http.MaxBytesReader(w, r.Body, maxLogBatch))
	if r.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(body)
		if err != nil {
			s.fail(w, r, fmt.Errorf("%w: gzip body: %w", errBadRequest, err))
			return
		}
		defer zr.Close()
		body = io.LimitReader(zr, 4*maxLogBatch)
	}
	st, err := s.pop.Ingest(body)
	if err != nil {
		s.fail(w, r, uploadErrorOr(err))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// uploadErrorOr classifies body read errors, leaving store errors alone.
func uploadErrorOr(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return uploadError(tooBig)
	}
	return err
}

// handlePopularity serves file (titles=false) or title scores:
// ?site=, ?day=YYYY-MM-DD, ?limit=, and for files ?title=.
func (s *Server) handlePopularity(titles bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := s.parsePopularity(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		var scores []popularity.Score
		if titles {
			scores, err = s.pop.Titles(q)
		} else {
			scores, err = s.pop.Files(q)
		}
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if scores == nil {
			scores = []popularity.Score{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"day": q.Day.Format(time.DateOnly), "site": q.Site, "scores": scores})
	}
}

func (s *Server) parsePopularity(r *http.Request) (popularity.Query, error) {
	v := r.URL.Query()
	q := popularity.Query{Site: v.Get("site"), Title: v.Get("title")}
	var err error
	if q.Limit, err = intParam(v, "limit", 100, 1, 10_000); err != nil {
		return q, err
	}
	q.Day = s.now().UTC()
	if d := v.Get("day"); d != "" {
		if q.Day, err = time.Parse(time.DateOnly, d); err != nil {
			return q, fmt.Errorf("%w: day %q: want YYYY-MM-DD", errBadRequest, clip(d))
		}
	}
	return q, nil
}

// handleTiering runs the storage-class policy now.
func (s *Server) handleTiering(w http.ResponseWriter, r *http.Request) {
	n, err := s.RunTiering()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"demoted": n})
}
